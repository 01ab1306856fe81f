"""``yice import PATHS [--report F.xlsx] [--json] [--create-units] [--jobs N]``: exit 0 only if every file went in."""
from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

from .common import print_json, progress_job


def register(sub) -> None:
    i = sub.add_parser("import", help="批量导入报送表 .xlsx 或报送包 .zip（文件或文件夹）")
    i.add_argument("paths", nargs="+")
    i.add_argument("--report", help="把导入报告另存为 xlsx")
    i.add_argument("--json", action="store_true")
    i.add_argument("--create-units", action="store_true", help="未知单位按封面信息新建（在封面所填上级单位之下）")
    i.add_argument("--jobs", type=int, metavar="N",
                   help="检查报送表的进程数（默认：文件较多时按处理器核数；0 = 在本进程内检查）")


def _line(f, label) -> str:
    from ..core.text import for_terminal
    from ..core.vocab import Outcome

    name = for_terminal(Path(f.path).name)
    if f.outcome == Outcome.REJECTED:
        return f"{label(f.outcome)}  {name}（{len(f.messages)} 处问题）"
    c = f.counts
    head = f"{label(f.outcome)}  {name}  {for_terminal(f.unit_name or '')}" + (f" 第{f.submission_no}次报送" if f.submission_no else "")
    return head + (f"（{c.get('items', 0)} 项任务，{c.get('values', 0)} 个数值，{c.get('indicators', 0)} 个指标）"
                   if f.outcome == Outcome.ACCEPTED else "")


def run(args, ctx) -> int:
    from ..core.vocab import Outcome
    from ..excel.importer import import_files

    store = ctx.store()
    label = store.vocab.label
    report = import_files(store, args.paths, create_units=args.create_units, job=progress_job("导入"),
                          checkers=args.jobs)
    if args.report:
        from ..excel.report import write_import_report_xlsx

        write_import_report_xlsx(report, store.vocab, args.report)
    if args.json:
        print_json({"ok": report.ok, "files": [asdict(f) for f in report.files]})
    else:
        for f in report.files:
            print(_line(f, label))
            for m in f.messages + f.warnings:
                print(f"    {m}")
        n = {k: sum(f.outcome == k for f in report.files) for k in Outcome}
        print(f"共 {len(report.files)} 个文件：" + "，".join(f"{label(k)} {n[k]}" for k in Outcome),
              file=sys.stderr if not report.files else sys.stdout)
    return 0 if report.ok and report.files else 1
