"""``yice summary --form F --year Y [--under C] [-o F.xlsx|F.docx] [--json]``."""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from ..store.service import InputError
from .core import FILED, ROSTER_STATUSES, Summary, summarise


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _num(x) -> str:
    return "—" if x is None else f"{x:g}" if abs(x) >= 1e-9 else "0"


def summary_json(sm: Summary) -> dict:
    """Plain data: what the CLI prints with --json (tests compare it with the exports)."""
    sc = sm.scope
    return dict(
        form=sc.view.id, year=sc.year, node=dict(code=sc.node_code, name=sc.node_name), made_at=sm.made_at,
        counts=sm.counts, must_file=len(sm.roster),
        branches=[dict(code=b.code, name=b.name, units=b.units, filed=b.filed, rate=b.rate, counts=b.counts)
                  for b in sm.branches],
        roster=[dataclasses.asdict(r) for r in sm.roster],
        items=[dict(no=it.no, plans=it.plans, required=it.required, answered=it.answered, status=it.status,
                    done_rate=it.done_rate) for it in sm.items],
        indicators=[dict(key=t.key, item_no=t.item_no, name=t.name, unit=t.unit, aggregation=t.aggregation,
                         plan_kind=t.plan_kind, province_target=t.province_target, attainment=t.attainment,
                         total=dataclasses.asdict(t.total), nodes=[dataclasses.asdict(n) for n in t.nodes])
                    for t in sm.indicators])


def print_text(sm: Summary, out=None) -> None:
    out = out or sys.stdout
    sc, c, n = sm.scope, sm.counts, len(sm.roster)
    filed = sum(c[s] for s in FILED)
    w = out.write
    w(f"{sc.node_name} {sc.year}年 {sc.view.form.title}（{sc.view.id}）\n\n")
    w(f"报送情况：应报 {n}，" + "，".join(f"{s} {c[s]}" for s in ROSTER_STATUSES)
      + f"；报送率 {_pct(filed / n if n else None)}\n")
    for b in sm.branches:
        w(f"  {b.name:<10}\t应报 {b.units:>5}\t已报送 {b.filed:>5}\t已退回 {b.counts['已退回']:>4}\t报送率 {_pct(b.rate)}\n")
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
            w(f"  {t.name}（{t.unit}，{t.plan_kind}）\t目标 {_num(t.total.target)}\t完成 {_num(t.total.actual)}"
              f"\t省级目标 {t.province_target_text or '—'}\t达成率 {_pct(t.attainment)}\n")


def summary_cli(store, args) -> int:
    """Print the summary (text or --json) and optionally write it as .xlsx or .docx."""
    out = Path(args.output) if getattr(args, "output", None) else None
    if out is not None and out.suffix.lower() not in (".xlsx", ".docx"):
        raise InputError(f"输出文件「{out.name}」须为 .xlsx（汇总表）或 .docx（汇总报告）")
    sm = summarise(store, args.form, args.year, getattr(args, "under", None))
    if getattr(args, "json", False):
        print(json.dumps(summary_json(sm), ensure_ascii=False, indent=2, default=str))
    else:
        print_text(sm)
    if out is not None:
        if out.suffix.lower() == ".xlsx":
            from .xlsx import export_summary_xlsx as export
        else:
            from .report import export_summary_docx as export
        export(store, args.form, args.year, getattr(args, "under", None), out, summary=sm)
        print(f"已写出：{out}", file=sys.stderr if getattr(args, "json", False) else sys.stdout)
    return 0
