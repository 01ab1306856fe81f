"""Read a received workbook into plain grids, after the zip/XML gate (core.zipsafe).

Two readers with one result so the importer does not care which ran (bench/bench_import.py
measures both): python-calamine (the importer's default: ~5x faster per file) and openpyxl
read-only. calamine parses XML in Rust, outside defusedxml, so the bytes first pass
``zipsafe.open_ooxml``: every part parsed by defusedxml, and the worksheets scanned in the same
linear pass — how far their cells reach (a cell at XFD1048576 is refused before calamine would
allocate its grid), formulas as typed (「=2+2」, also behind an empty cached value), number
formats (a "2%" cell) and merged ranges. Formulas are then marked in the grid from that scan.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from ..core import zipsafe


class Formula(str):
    """A cell that holds a formula (text is the formula as typed, e.g. ``=A1+1``)."""


def _clean(v):
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    if isinstance(v, str) and v == "":
        return None
    return v


def _trim(rows: list[list]) -> list[list]:
    """Drop trailing blank cells and rows (LibreOffice writes styled empty rows to 1000)."""
    out = []
    for r in rows:
        while r and r[-1] is None:
            r.pop()
        out.append(r)
    while out and not out[-1]:
        out.pop()
    return out


def read_openpyxl(data: bytes, only=None) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        book = {}
        for ws in wb.worksheets:
            if only is not None and ws.title not in only:
                continue
            ws.reset_dimensions()  # the declared <dimension> is not trusted: rows as they are
            book[ws.title] = _trim([[_clean(getattr(c, "value", None)) for c in row] for row in ws.iter_rows()])
        return book
    finally:
        wb.close()


def read_calamine(data: bytes, only=None) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        return {name: _trim([[_clean(v) for v in r] for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)])
                for name in wb.sheet_names if only is None or name in only}
    finally:
        wb.close()


READERS = {"openpyxl": read_openpyxl, "calamine": read_calamine}


@dataclass
class Book:
    """The grids of a checked workbook and what its XML said beyond the values."""

    sheets: dict[str, list[list]]
    scan: zipsafe.XlsxScan

    def __contains__(self, name: str) -> bool:
        return name in self.sheets

    def __getitem__(self, name: str) -> list[list]:
        return self.sheets[name]

    def get(self, name: str, default=None):
        return self.sheets.get(name, default)

    def percent(self, sheet: str, row: int, col: int) -> bool:
        """Is the cell formatted as a percentage (it holds 0.02 where the person sees 2%)?"""
        return self.scan.percent(sheet, row, col)

    def merges(self, sheet: str) -> list[tuple[int, int, int, int]]:
        s = self.scan.sheets.get(sheet)
        return list(s.merges) if s else []


def read_book(data: bytes, reader: str = "calamine", only=None) -> Book:
    """Check ``data`` whole (raises zipsafe.UnsafeFile), then read it; formulas marked as typed.

    ``only``: the names of the sheets the caller reads (the others are checked, not read into
    grids: the 报送表's 填表说明 and drop-down lists are never imported)."""
    zf, scan = zipsafe.open_ooxml(data, "xlsx", "xlsx 文件", zipsafe.FILING)
    zf.close()
    sheets = READERS[reader](data, only)
    for name, s in scan.sheets.items():
        rows = sheets.get(name)
        if rows is None:
            continue
        for (r, c), text in s.formulas.items():
            while len(rows) < r:
                rows.append([])
            row = rows[r - 1]
            row.extend([None] * (c - len(row)))
            row[c - 1] = Formula(text)
    return Book(sheets, scan)
