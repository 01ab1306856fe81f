"""``yice template FORM -o FILE``: the blank 报送表 a unit without the program fills in Excel/WPS."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    t = sub.add_parser("template", help="导出空白报送表（供无本软件的单位在 Excel/WPS 中填写）")
    t.add_argument("form_id")
    t.add_argument("-o", "--output", required=True)


def run(args, ctx) -> int:
    from ..core.catalog import installed_catalog
    from ..core.errors import InputError
    from ..excel.filing import export_template

    try:
        print(export_template(installed_catalog(), args.form_id, Path(args.output)))
    except KeyError as e:
        raise InputError(e.args[0]) from None
    return 0
