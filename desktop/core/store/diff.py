"""Item-by-item comparison of two snapshots: what a reviewer reads when a returned plan comes back."""
from __future__ import annotations

from dataclasses import dataclass

from .. import fmt
from ..catalog import FormView
from .snapshot import PlanSnapshot


@dataclass(frozen=True)
class Difference:
    item_no: int  # 0: the plan as a whole (sections)
    where: str  # 第13项「落实举措」, 「建设目标」, 第13项「优质中职学校」目标值 …
    old: str | None
    new: str | None

    def as_dict(self) -> dict:
        return dict(item=self.item_no, where=self.where, old=self.old, new=self.new)


def diff_snapshots(view: FormView, a: PlanSnapshot, b: PlanSnapshot, base_sections=None) -> list[Difference]:
    """Every value, section, indicator, 说明 and evidence file that differs, in checklist order."""
    out: list[Difference] = []
    sections = base_sections or []
    for key in sorted(set(a.sections) | set(b.sections)):
        if a.sections.get(key) != b.sections.get(key):
            label = next((d.label for d in sections if d.key == key), key)
            out.append(Difference(0, f"「{label}」", a.sections.get(key), b.sections.get(key)))
    for item in view.items:
        va, vb = a.values.get(item.no, {}), b.values.get(item.no, {})
        for f in view.fields:
            if va.get(f.key) != vb.get(f.key):
                out.append(Difference(item.no, f"第{item.display_no}项「{f.label}」", va.get(f.key), vb.get(f.key)))
        for ind in item.indicators:
            ta, tb = a.indicators.get(ind.key, (None, None)), b.indicators.get(ind.key, (None, None))
            for i, label in ((0, "本单位目标值"), (1, "完成值")):
                if ta[i] != tb[i]:
                    out.append(Difference(item.no, f"第{item.display_no}项「{ind.name}」{label}",
                                          fmt.number(ta[i], None), fmt.number(tb[i], None)))
        xa = {k: t for k, t in a.explanations.items() if k[0] == item.no}
        xb = {k: t for k, t in b.explanations.items() if k[0] == item.no}
        for k in sorted(set(xa) | set(xb)):
            if xa.get(k) != xb.get(k):
                out.append(Difference(item.no, f"第{item.display_no}项 说明（{k[1]}）", xa.get(k), xb.get(k)))
        ea = sorted((e.name, e.sha256) for e in a.evidence if e.item_no == item.no)
        eb = sorted((e.name, e.sha256) for e in b.evidence if e.item_no == item.no)
        if ea != eb:
            out.append(Difference(item.no, f"第{item.display_no}项 佐证材料", "、".join(n for n, _ in ea) or None,
                                  "、".join(n for n, _ in eb) or None))
    return out
