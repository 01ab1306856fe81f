"""The xlsx 汇总表 looks exactly as it did: every cell's value and style, widths, heights, merges,
freeze panes, print settings and charts, compared with a dump of the output of a fixed database.

Golden file: tests/golden/summary_xlsx.json is ``dump_xlsx`` of the 汇总表 of a demo province
(12 schools, seed 7) with its time stamp fixed. After an intended change of the workbook's look
regenerate it with ``YICE_REGEN_GOLDEN=1 python -m pytest -q tests/test_summary_sheet.py`` and
review the diff.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from desktop.core.demo import build_demo
from desktop.core.summary import summarise
from desktop.excel.summary import export_summary_xlsx

pytestmark = pytest.mark.backends

FORM, YEAR = "gs2020-annex2", 2024
MADE = dt.datetime(2024, 9, 1, 8, 30)
GOLDEN = Path(__file__).parent / "golden" / "summary_xlsx.json"


def _xml(el) -> str | None:
    """An openpyxl object as its XML (how it is written), or None when it writes nothing."""
    if el is None:
        return None
    tree = el.to_tree()
    return None if tree is None else etree.tostring(tree, encoding="unicode")


def _value(v):
    if isinstance(v, float):
        return float(f"{v:.12g}")  # the same figure summed in another order (PostgreSQL) is the same cell
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def _style(c) -> dict:
    return dict(style=c.style, number_format=c.number_format, quote_prefix=bool(c.quotePrefix),
                font=_xml(c.font), border=_xml(c.border), fill=_xml(c.fill), alignment=_xml(c.alignment),
                protection=_xml(c.protection))


def dump_xlsx(path: Path) -> dict:
    """What a user of the workbook sees, as plain data: per sheet its cells (value, type and the
    resolved style, styles numbered in order of first use), column widths, row heights, merged
    ranges, frozen panes, print titles, page setup, margins, footer, autofilter, and the charts'
    and drawings' XML. Not the file's bytes: the order of the style table is not something anyone
    sees."""
    wb = openpyxl.load_workbook(path)
    styles: dict[str, int] = {}
    out: dict = {"sheets": [], "styles": [], "named_styles": list(wb.named_styles)}
    for ws in wb.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                key = json.dumps(_style(c), ensure_ascii=False, sort_keys=True)
                if key not in styles:
                    styles[key] = len(styles)
                    out["styles"].append(json.loads(key))
                cells.append([c.coordinate, _value(c.value), c.data_type, styles[key]])
        out["sheets"].append(dict(
            title=ws.title, cells=cells,
            columns={k: [d.width, d.customWidth, d.hidden] for k, d in sorted(ws.column_dimensions.items())
                     if d.customWidth or d.hidden},
            rows={str(k): [d.height, d.customHeight, d.hidden] for k, d in sorted(ws.row_dimensions.items())
                  if d.height is not None or d.hidden},
            merged=sorted(str(r) for r in ws.merged_cells.ranges), freeze=ws.freeze_panes,
            print_titles=[ws.print_title_rows, ws.print_title_cols], print_area=ws.print_area,
            autofilter=ws.auto_filter.ref, views=_xml(ws.views), properties=_xml(ws.sheet_properties),
            page_setup=_xml(ws.page_setup), margins=_xml(ws.page_margins), print_options=_xml(ws.print_options),
            header_footer=_xml(ws.HeaderFooter), charts=len(ws._charts)))
    with zipfile.ZipFile(path) as z:
        out["parts"] = {n: z.read(n).decode("utf-8") for n in sorted(z.namelist())
                        if n.startswith(("xl/charts/", "xl/drawings/")) and n.endswith(".xml")}
    return out


def _golden_text(d: dict) -> str:
    """JSON with one cell per line (a diff shows which cells changed)."""
    def j(x):
        return json.dumps(x, ensure_ascii=False)

    sheets = []
    for s in d["sheets"]:
        rest = ",\n".join(f"  {j(k)}: {j(v)}" for k, v in s.items() if k != "cells")
        cells = ",\n".join(f"   {j(c)}" for c in s["cells"])
        sheets.append(f" {{\n  \"cells\": [\n{cells}\n  ],\n{rest}\n }}")
    rest = ",\n".join(f"{j(k)}: {json.dumps(v, ensure_ascii=False, indent=1)}" for k, v in d.items() if k != "sheets")
    return "{\"sheets\": [\n" + ",\n".join(sheets) + "\n],\n" + rest + "\n}\n"


@pytest.fixture
def fixed_summary(store):
    """The summary of a small demo province, its time stamp fixed (everything else is the seed's)."""
    build_demo(store, schools=12, year=YEAR, seed=7)
    # text a spreadsheet would take for a formula stays text (style.guard): a unit that must file
    store.units.add("DEMOX0001", "=HYPERLINK(1)职业学校", "school", "620100", school_type="中职",
                    contact_person="@张三", contact_phone="0931-1234567")
    return dataclasses.replace(summarise(store, FORM, YEAR), made_at=MADE)


def test_summary_xlsx_looks_as_before(store, fixed_summary, tmp_path):
    out = export_summary_xlsx(store, FORM, YEAR, None, tmp_path / "汇总表.xlsx", summary=fixed_summary)
    got = dump_xlsx(out)
    if os.environ.get("YICE_REGEN_GOLDEN") and store.engine.url.get_backend_name() == "sqlite":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(_golden_text(got), encoding="utf-8")
    assert GOLDEN.is_file(), "run with YICE_REGEN_GOLDEN=1 once to create the golden file"
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert [s["title"] for s in got["sheets"]] == [s["title"] for s in want["sheets"]]
    for g, w in zip(got["sheets"], want["sheets"]):  # sheet by sheet, part by part: a readable failure
        for k in w:
            assert g[k] == w[k], f"{w['title']}: {k} changed; see the module docstring"
    assert got == want


def test_cancelled_export_leaves_no_temporary_file(store, fixed_summary, tmp_path, monkeypatch):
    """The sheets are streamed into temporary files; a cancel between sheets removes them too."""
    import tempfile

    from desktop.core.jobs import Cancelled, Job

    class CancelAfterTwoSheets(Job):
        checks = 0

        def check(self):
            self.checks += 1
            if self.checks == 2:
                self.cancel()
            super().check()

    temp, out = tmp_path / "temp", tmp_path / "out"
    temp.mkdir()
    out.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # this test's own: other processes write to /tmp
    job = CancelAfterTwoSheets()
    with pytest.raises(Cancelled):
        export_summary_xlsx(store, FORM, YEAR, None, out / "c.xlsx", job=job, summary=fixed_summary)
    assert job.checks == 2 and not list(out.iterdir())
    assert not list(temp.iterdir())
    export_summary_xlsx(store, FORM, YEAR, None, out / "s.xlsx", summary=fixed_summary)
    assert [p.name for p in out.iterdir()] == ["s.xlsx"] and not list(temp.iterdir())
