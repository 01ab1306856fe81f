"""``yice export PLAN --format docx|xlsx|package -o FILE [--draft] [--date D] [--pdf]``: the filing documents.

A formal export is the plan's latest submission (第N次报送); exporting a clean draft submits
it (the lifecycle decides and refuses with the list of problems otherwise). ``--draft`` makes a
草稿 / 征求意见稿 whatever the plan's state. ``package`` is the 报送包: one .zip with the Excel
报送表, the Word 实施方案 (both of the same snapshot) and the 佐证材料 files.
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
    e = sub.add_parser("export", help="导出 Word 实施方案、Excel 报送表或报送包（正式稿即报送）")
    e.add_argument("plan")
    e.add_argument("--format", required=True, choices=["docx", "xlsx", "package"],
                   help="package：报送包（.zip，含报送表、实施方案和佐证材料）")
    e.add_argument("-o", "--output", required=True)
    e.add_argument("--draft", action="store_true", help="草稿（征求意见稿），有错误也可导出")
    e.add_argument("--date", type=_date, help="Word 的成文日期 YYYY-MM-DD（默认：报送日期；草稿为今天）")
    e.add_argument("--pdf", action="store_true", help="Word 旁同时生成 PDF（需安装 LibreOffice）")


def export_package(store, plan_ref, out, *, draft: bool = False) -> Path:
    from ..core.package import export_package as export
    from ..excel import filing
    from ..word import plan

    return export(store, plan_ref, out, render_xlsx=filing.rendered(store.catalog), render_docx=plan.rendered(store),
                  draft=draft)


def run(args, ctx) -> int:
    from ..core.vocab import PlanState

    store = ctx.store()
    out = Path(args.output)
    if args.format == "docx":
        from ..word.plan import export_plan_docx

        path = export_plan_docx(store, args.plan, out, draft=args.draft, dated=args.date, pdf=args.pdf)
    elif args.format == "xlsx":
        from ..excel.filing import export_plan_xlsx

        path = export_plan_xlsx(store, args.plan, out, draft=args.draft)
    else:
        path = export_package(store, args.plan, out, draft=args.draft)
    p = store.plans.get(args.plan)
    note = store.vocab.label(PlanState.DRAFT) if args.draft else f"第{p.submission_no}次报送"
    print(f"{path}（{note}）")
    return 0
