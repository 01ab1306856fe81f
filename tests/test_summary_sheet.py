"""The xlsx 汇总表 looks exactly as it did: every cell's value and style, widths, heights, merges,
freeze panes, print settings and charts, compared with golden files of the output of a fixed
database (tests/canonical.py: ``xlsx_dump`` and ``check_golden``; its docstring says how to
regenerate after an intended change).

- ``summary_xlsx.yaml``: the canonical dump of the 汇总表 of a demo province (12 schools, seed 7)
  with its time stamp fixed; sums are compared to 12 significant digits (PostgreSQL adds in
  another order).
- ``summary_xlsx_charts.xml``: its charts and drawings (the parts the dump does not cover).

Both were made from main's cell-by-cell writer, so the streamed writer must reproduce it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zipfile

import pytest
from lxml import etree

from canonical import check_golden, xlsx_dump, xml_text
from desktop.core.demo import build_demo
from desktop.core.summary import summarise
from desktop.excel.summary import export_summary_xlsx

pytestmark = pytest.mark.backends

FORM, YEAR = "gs2020-annex2", 2024
MADE = dt.datetime(2024, 9, 1, 8, 30)


def _rounded(_sheet: str, cell):
    """A sum (a float): the same figure summed in another order is the same cell."""
    return float(f"{cell.value:.12g}") if isinstance(cell.value, float) else None


def _charts(path) -> str:
    """The charts and drawings of a workbook, each part's XML inside its ``<part>``."""
    root = etree.Element("parts")
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if re.fullmatch(r"xl/(charts|drawings)/[^/]+\.xml", n)):
            etree.SubElement(root, "part", name=name).append(etree.fromstring(z.read(name)))
    return xml_text(root)


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
    check_golden("summary_xlsx.yaml", xlsx_dump(out, mask=_rounded))
    check_golden("summary_xlsx_charts.xml", _charts(out))


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
