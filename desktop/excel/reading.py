"""Read a workbook into plain grids: {sheet: [[value, ...], ...]} with formulas marked.

Two readers with one result so the importer does not care which ran (bench/bench_import.py
measures both): python-calamine (the importer's default: ~5x faster per file, 1,000 files in
15 s vs 36 s) and openpyxl read-only. calamine parses XML in Rust, outside defusedxml, so the
importer first runs safety.check_xml (every XML part through defusedxml, any DTD refused)
and only then hands the file to a reader; formulas are found by scanning the sheet XML.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from posixpath import join as pjoin


class Formula(str):
    """A cell that holds a formula (text is the formula, e.g. ``=A1+1``)."""


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


def read_openpyxl(path: Path) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        book = {}
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows():
                vals = []
                for c in row:
                    v = getattr(c, "value", None)
                    if getattr(c, "data_type", None) == "f" and isinstance(v, str):
                        v = Formula(v)
                    vals.append(_clean(v))
                rows.append(vals)
            book[ws.title] = _trim(rows)
        return book
    finally:
        wb.close()


_TAG_RX = {tag: re.compile(rb"<(?:\w+:)?" + tag + rb"\b[^>]*>") for tag in (b"sheet", b"Relationship")}
_ATTR_RX = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_ANY_FORMULA_RX = re.compile(rb"<(?:\w+:)?f[\s>/]")
_FORMULA_RX = re.compile(rb'<(?:\w+:)?c\b[^>]*?r="([A-Z]+)(\d+)"[^>]*?>(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?f\b', re.S)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _tags(xml: bytes, tag: bytes) -> list[dict[bytes, bytes]]:
    """Attributes of every ``<tag ...>`` (any prefix, any attribute order)."""
    return [dict(_ATTR_RX.findall(m.group(0))) for m in _TAG_RX[tag].finditer(xml)]


def formula_cells(path: Path) -> dict[str, set[tuple[int, int]]] | None:
    """{sheet name: {(row, col)}} of cells with a formula, from the sheet XML (1-based);
    None when a formula cannot be placed (the caller then reads with openpyxl)."""
    import html

    with zipfile.ZipFile(path) as zf:
        wbx, rels = zf.read("xl/workbook.xml"), zf.read("xl/_rels/workbook.xml.rels")
        targets = {a.get(b"Id"): a.get(b"Target", b"").decode() for a in _tags(rels, b"Relationship")}
        out = {}
        for a in _tags(wbx, b"sheet"):
            name = a.get(b"name", b"")
            t = next((targets.get(v, "") for k, v in a.items() if k.endswith(b":id")), "")
            part = t.lstrip("/") if t.startswith("/") else pjoin("xl", t)
            try:
                data = zf.read(part)
            except KeyError:
                continue
            if not _ANY_FORMULA_RX.search(data):  # the usual case; the full scan is slow
                continue
            cells = {(int(r), _col_index(c)) for c, r in _FORMULA_RX.findall(data)}
            if not cells:  # formulas in cells without r="…" (allowed, rare): cannot place them
                return None
            out[html.unescape(name.decode("utf-8"))] = cells
        return out


def read_calamine(path: Path) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    formulas = formula_cells(path)
    if formulas is None:
        return read_openpyxl(path)
    wb = CalamineWorkbook.from_path(str(path))
    book = {}
    for name in wb.sheet_names:
        rows = [[_clean(v) for v in r] for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)]
        for r, c in formulas.get(name, ()):
            while len(rows) < r:
                rows.append([])
            row = rows[r - 1]
            row.extend([None] * (c - len(row)))
            row[c - 1] = Formula(f"={row[c - 1] if row[c - 1] is not None else ''}")
        book[name] = _trim(rows)
    return book


READERS = {"openpyxl": read_openpyxl, "calamine": read_calamine}
