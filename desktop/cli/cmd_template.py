"""``yice template FORM [--kind 一校一策] -o FILE``: the blank 报送表 a unit without the program
fills in Excel/WPS; with ``--kind`` the items that kind must answer are marked 须填报."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    t = sub.add_parser("template", help="导出空白报送表（供无本软件的单位在 Excel/WPS 中填写）")
    t.add_argument("form_id")
    t.add_argument("--kind", help="方案类型（如 一校一策）：标出该类方案须填报的任务，封面预填方案类型")
    t.add_argument("-o", "--output", required=True)


def run(args, ctx) -> int:
    from ..core.catalog import installed_catalog
    from ..core.errors import InputError
    from ..excel.filing import export_template

    try:
        print(export_template(installed_catalog(), args.form_id, Path(args.output), kind=args.kind))
    except KeyError as e:
        raise InputError(e.args[0]) from None
    return 0
