"""``yice export PLAN --format docx|xlsx -o FILE [--draft] [--date D] [--pdf]``: the filing documents.

A formal export is the plan's latest submission (第N次报送); exporting a clean draft submits
it (the lifecycle decides and refuses with the list of problems otherwise). ``--draft`` makes a
草稿 / 征求意见稿 whatever the plan's state.
"""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期「{text}」应为 YYYY-MM-DD") from None


def register(sub) -> None:
    e = sub.add_parser("export", help="导出 Word 实施方案或 Excel 报送表（正式稿即报送）")
    e.add_argument("plan")
    e.add_argument("--format", required=True, choices=["docx", "xlsx"])
    e.add_argument("-o", "--output", required=True)
    e.add_argument("--draft", action="store_true", help="草稿（征求意见稿），有错误也可导出")
    e.add_argument("--date", type=_date, help="Word 的成文日期 YYYY-MM-DD（默认：报送日期；草稿为今天）")
    e.add_argument("--pdf", action="store_true", help="Word 旁同时生成 PDF（需安装 LibreOffice）")


def run(args, ctx) -> int:
    from ..core.vocab import PlanState

    store = ctx.store()
    out = Path(args.output)
    if args.format == "docx":
        from ..word.plan import export_plan_docx

        path = export_plan_docx(store, args.plan, out, draft=args.draft, dated=args.date, pdf=args.pdf)
    else:
        from ..excel.filing import export_plan_xlsx

        path = export_plan_xlsx(store, args.plan, out, draft=args.draft)
    p = store.plans.get(args.plan)
    note = store.vocab.label(PlanState.DRAFT) if args.draft else f"第{p.submission_no}次报送"
    print(f"{path}（{note}）")
    return 0
