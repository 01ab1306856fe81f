"""``yice summary --form F --year Y [--under C] [-o F.xlsx|F.docx] [--office 机关] [--pdf] [--json]``."""
from __future__ import annotations

import sys
from pathlib import Path

from ..core import fmt
from ..core.errors import InputError
from .common import YEAR, print_json

_pct = fmt.percent


def register(sub) -> None:
    s = sub.add_parser("summary", help="汇总：报送情况、任务进度、指标")
    s.add_argument("--form", required=True)
    s.add_argument("--year", required=True, type=YEAR)
    s.add_argument("--under")
    s.add_argument("-o", "--output")
    s.add_argument("--json", action="store_true")
    s.add_argument("--office", help="汇总报告的署名机关（默认：设置中的本单位，如 甘肃省教育厅）")
    s.add_argument("--pdf", action="store_true", help="同时生成 PDF（需安装 LibreOffice）")


def print_text(sm, vocab, out=None) -> None:
    from ..core.summary import ROSTER_STATES
    from ..core.vocab import PlanState

    out = out or sys.stdout
    label = vocab.label
    sc, c, n = sm.scope, sm.counts, len(sm.roster)
    filed = sm.filed
    w = out.write
    w(f"{sc.node_name} {sc.year}年 {sc.view.form.title}（{sc.view.id}）\n\n")
    w(f"报送情况：应报 {n}，" + "，".join(f"{label(s)} {c[s]}" for s in ROSTER_STATES)
      + f"；报送率 {_pct(filed / n if n else None)}\n")
    ret = PlanState.RETURNED
    for b in sm.branches:
        w(f"  {b.name:<10}\t应报 {b.units:>5}\t{label(PlanState.SUBMITTED)} {b.filed:>5}\t{label(ret)} "
          f"{b.counts[ret]:>4}\t报送率 {_pct(b.rate)}\n")
    chase = [r for r in sm.roster if r.to_chase]
    w(f"催报名单：{len(chase)} 个单位（-o FILE.xlsx 导出完整名单）\n\n")
    plans = sm.items[0].plans if sm.items else 0
    states = list(sm.items[0].status) if sm.items else []
    w(f"任务进度（统计已报送、已受理方案 {plans} 份）\n")
    w("  序号\t已填报\t" + "\t".join(states) + "\t完成率\n")
    for it in sm.items:
        w(f"  {it.display_no}\t{it.answered}\t" + "\t".join(str(it.status[s]) for s in states)
          + f"\t{_pct(it.done_rate)}\n")
    if sm.indicators:
        w("\n指标（百分比类取平均值，其余取合计）\n")
        for t in sm.indicators:
            w(f"  {t.name}（{t.unit}，{t.plan_kind}）\t目标 {fmt.figure(t.total.target)}"
              f"\t完成 {fmt.figure(t.total.actual)}\t省级目标 {t.province_target_text or '—'}\t达成率 {_pct(t.attainment)}\n")


def run(args, ctx) -> int:
    """Print the summary (text or --json) and optionally write it as .xlsx or .docx."""
    from ..core.summary import summarise

    out = Path(args.output) if args.output else None
    if out is not None and out.suffix.lower() not in (".xlsx", ".docx"):
        raise InputError(f"输出文件「{out.name}」须为 .xlsx（汇总表）或 .docx（汇总报告）")
    store = ctx.store()
    sm = summarise(store, args.form, args.year, args.under)
    if args.json:
        print_json(sm.as_dict())
    else:
        print_text(sm, store.vocab)
    if out is not None:
        if out.suffix.lower() == ".xlsx":
            from ..excel.summary import export_summary_xlsx

            export_summary_xlsx(store, args.form, args.year, args.under, out, summary=sm)
        else:
            from ..word.summary import export_summary_docx

            export_summary_docx(store, args.form, args.year, args.under, out, summary=sm,
                                office=args.office or ctx.settings().office, pdf=args.pdf)
        print(f"已写出：{out}", file=sys.stderr if args.json else sys.stdout)
    return 0
