"""``yice export PLAN --format docx|xlsx|package -o FILE [--draft]``: the filing documents.

A formal export is the plan's latest submission (第N次报送); exporting a clean draft submits
it (the lifecycle decides and refuses with the list of problems otherwise). ``--draft`` makes a
草稿 / 征求意见稿 whatever the plan's state. ``package`` is the 报送包: one .zip with the Excel
报送表, the Word 实施方案 (both of the same snapshot) and the 佐证材料 files.
"""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    e = sub.add_parser("export", help="导出 Word 实施方案、Excel 报送表或报送包（正式稿即报送）")
    e.add_argument("plan")
    e.add_argument("--format", required=True, choices=["docx", "xlsx", "package"],
                   help="package：报送包（.zip，含报送表、实施方案和佐证材料）")
    e.add_argument("-o", "--output", required=True)
    e.add_argument("--draft", action="store_true", help="草稿（征求意见稿），有错误也可导出")


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
        from ..word.plan import export_plan_docx as export
    elif args.format == "xlsx":
        from ..excel.filing import export_plan_xlsx as export
    else:
        export = export_package
    path = export(store, args.plan, out, draft=args.draft)
    p = store.plans.get(args.plan)
    note = store.vocab.label(PlanState.DRAFT) if args.draft else f"第{p.submission_no}次报送"
    print(f"{path}（{note}）")
    return 0
