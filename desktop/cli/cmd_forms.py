"""``yice forms list|show``: the installed checklists."""
from __future__ import annotations

from ..core.errors import InputError
from .common import print_json


def register(sub) -> None:
    forms = sub.add_parser("forms", help="任务清单").add_subparsers(dest="sub", required=True)
    f = forms.add_parser("list", help="列出清单")
    f.add_argument("--json", action="store_true")
    f = forms.add_parser("show", help="显示一个清单")
    f.add_argument("form_id")
    f.add_argument("--json", action="store_true")


def form_json(view) -> dict:
    f = view.form
    return dict(
        id=f.id, version=f.version, title=f.title, full_title=f.full_title, doc_no=f.doc_no,
        issuers=list(f.issuers), date=f.date.isoformat() if f.date else None, year=f.year, province=f.province,
        source=f.source.model_dump(), plan_kinds=list(f.plan_kinds),
        fields=[fd.model_dump(mode="json", exclude_none=True) for fd in view.fields],
        items=[dict(no=it.no, label=it.display_no, ref=it.ref, category=it.category, title=it.title,
                    text=it.text, units=[u.model_dump(exclude_none=True) for u in it.units],
                    plan_kinds=sorted(view.item_kinds[it.no]),
                    indicators=[i.model_dump(mode="json", exclude_none=True) for i in it.indicators])
               for it in view.items],
    )


def run(args, ctx) -> int:
    from ..core.catalog import default_catalog

    cat = default_catalog()
    if args.sub == "list":
        rows = [dict(id=v.id, version=v.form.version, title=v.form.title, doc_no=v.form.doc_no,
                     province=v.form.province, items=len(v.items), plan_kinds=list(v.form.plan_kinds))
                for v in sorted(cat.forms.values(), key=lambda v: v.id)]
        if args.json:
            print_json(rows)
            return 0
        for r in rows:
            print(f"{r['id']:<16} v{r['version']}  {r['items']:>3}项  {r['doc_no'] or '':<18} {r['title']}")
        return 0
    try:
        view = cat.get(args.form_id)
    except KeyError as e:
        raise InputError(e.args[0]) from None
    if args.json:
        print_json(form_json(view))
        return 0
    f = view.form
    print(f"{f.full_title}\n{f.doc_no or ''}  {f.date or f'{f.year}年（日期未载）'}  {'、'.join(f.issuers)}  "
          f"版本 {f.version}\n来源：{f.source.document} {f.source.part or ''}\n")
    for it in view.items:
        kinds = "、".join(sorted(view.item_kinds[it.no]))
        units = "、".join(u.name + (f"（{u.remark}）" if u.remark else "") for u in it.units)
        print(f"{it.display_no} {('[' + it.category + '] ') if it.category else ''}{it.text}")
        print(f"    责任：{units or '—'}    须填报：{kinds or '—'}    出处：{it.ref}")
        for ind in it.indicators:
            tg = "；".join(t.describe(ind.unit) for t in ind.targets)
            print(f"    指标 {ind.key}：{ind.name} {tg}")
    return 0
