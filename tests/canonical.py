"""Golden files (after novelWriter's tests/_reference): the one mechanism every golden test uses.

A golden test turns an output file into a stable, human-readable text (:func:`docx_xml`,
:func:`docx_footers`, :func:`xlsx_dump`) and hands it to :func:`check_golden`, which compares it
with ``tests/golden/NAME``. A mismatch fails with an excerpt of the unified diff and leaves the
whole new text in ``tests/_artifacts/golden/NAME`` (git-ignored) to diff or inspect. After an
intended change to an output, regenerate every golden and review the diff before committing::

    YICE_REGEN_GOLDEN=1 python -m pytest -q -k golden

Normalised, and only these (everything else is compared as written):

- Word XML: ``w:rsid*`` attributes (revision-save ids Word writes at random into a template) and
  ``w14:paraId`` / ``w14:textId`` (random paragraph ids). Drawing ids (``wp:docPr/@id``) and
  relationship ids (``r:id``) are kept: python-docx numbers them in order, so they only change
  when the document's structure does.
- Anything a test masks explicitly with ``mask`` (:func:`xlsx_dump`): each golden test names its
  volatile values, why, and checks their form before masking them.
"""
from __future__ import annotations

import copy
import difflib
import json
import os
import zipfile
from pathlib import Path, PurePosixPath

from lxml import etree

GOLDEN = Path(__file__).resolve().parent / "golden"
REGEN = "YICE_REGEN_GOLDEN"
EXCERPT = 80  # diff lines shown in a failure
_ARTIFACTS = Path(__file__).resolve().parent / "_artifacts" / "golden"


def check_golden(name: str, got: str) -> None:
    """``got`` equals tests/golden/NAME — or, with YICE_REGEN_GOLDEN=1, becomes it."""
    path = GOLDEN / name
    if os.environ.get(REGEN):
        if os.environ.get("CI"):
            raise AssertionError(f"{REGEN} rewrites the golden files: a developer's step, never CI's")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8", newline="\n")
        return
    if not path.is_file():
        raise AssertionError(f"no golden file tests/golden/{name}: create it with {REGEN}=1 and review it")
    want = path.read_text(encoding="utf-8")
    if got == want:
        return
    _ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (_ARTIFACTS / name).write_text(got, encoding="utf-8", newline="\n")
    diff = list(difflib.unified_diff(want.splitlines(), got.splitlines(), f"tests/golden/{name}", "this run",
                                     n=2, lineterm=""))
    more = f"\n… {len(diff) - EXCERPT} more diff lines" if len(diff) > EXCERPT else ""
    raise AssertionError(f"{name} differs from its golden file (whole new text: tests/_artifacts/golden/{name}; "
                         f"if the change is intended: {REGEN}=1 python -m pytest -q -k golden)\n"
                         + "\n".join(diff[:EXCERPT]) + more)


# ------------------------------------------------------------------------------ Word
_VOLATILE_ATTRS = ("paraId", "textId")


def _normalise(root: etree._Element) -> etree._Element:
    for el in root.iter():
        for a in list(el.attrib):
            local = a.split("}")[-1]
            if local.startswith("rsid") or local in _VOLATILE_ATTRS:
                del el.attrib[a]
    return root


def _part(path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return _normalise(etree.fromstring(z.read(name)))


def docx_xml(path, name: str = "word/document.xml") -> str:
    """One part of a .docx, normalised (see the module docstring) and pretty-printed."""
    return etree.tostring(_part(path, name), pretty_print=True, encoding="unicode")


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def docx_footers(path) -> etree._Element:
    """Every section of a .docx (page size, orientation) with the footers it references, each
    footer part's XML inside its ``<footer>`` (normalised like :func:`docx_xml`)."""
    with zipfile.ZipFile(path) as z:
        rels = {r.get("Id"): r.get("Target") for r in etree.fromstring(z.read("word/_rels/document.xml.rels"))
                .iter(_REL)}
    doc = _part(path, "word/document.xml")
    out = etree.Element("document", file=Path(path).name)
    for n, sect in enumerate(doc.iter(f"{{{W}}}sectPr"), 1):
        size = sect.find(f"{{{W}}}pgSz")
        el = etree.SubElement(out, "section", n=str(n), orient=size.get(f"{{{W}}}orient", "portrait"),
                              w=size.get(f"{{{W}}}w"), h=size.get(f"{{{W}}}h"))
        for ref in sect.iter(f"{{{W}}}footerReference"):
            part = str(PurePosixPath("word") / rels[ref.get(f"{{{R}}}id")])
            ft = etree.SubElement(el, "footer", type=ref.get(f"{{{W}}}type"), part=part)
            ft.append(_part(path, part))
    return out


def xml_text(root: etree._Element) -> str:
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode") + "\n"


# ------------------------------------------------------------------------------ Excel
def _color(c) -> str | None:
    if c is None:
        return None
    value = {"rgb": c.rgb, "theme": f"theme{c.theme}", "indexed": f"indexed{c.indexed}", "auto": "auto"}.get(c.type)
    return value + (f"{c.tint:+g}" if c.tint else "")


def _plain(obj):
    """An openpyxl object as plain data: only the fields that differ from a fresh one of its class."""
    from openpyxl.descriptors.serialisable import Serialisable
    from openpyxl.styles.borders import Side
    from openpyxl.styles.colors import Color

    if isinstance(obj, Color):
        return _color(obj)
    if isinstance(obj, Side):
        return None if obj.style is None else " ".join(x for x in (obj.style, _color(obj.color)) if x)
    if isinstance(obj, Serialisable):
        fresh = type(obj)()
        out = {}
        for k in (*obj.__attrs__, *obj.__elements__):
            v = getattr(obj, k, None)
            if v != getattr(fresh, k, None):
                out[k] = _plain(v)
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    return obj if obj is None or isinstance(obj, (str, int, float, bool)) else str(obj)


def _sides(border: dict) -> dict:
    """Four equal sides written once, as ``all``."""
    sides = ("left", "right", "top", "bottom")
    if len({border.get(k) for k in sides}) == 1 and border.get("left"):
        return {"all": border["left"], **{k: v for k, v in border.items() if k not in sides}}
    return border


def _cell(cell, mask) -> dict:
    from openpyxl.styles import Alignment, Border, PatternFill, Protection
    from openpyxl.styles.fonts import DEFAULT_FONT

    out = {}
    value = mask(cell) if mask else None
    value = cell.value if value is None else value
    if value is not None:
        out["v"] = value.isoformat() if hasattr(value, "isoformat") else value
        if cell.data_type not in ("s", "n"):
            out["t"] = cell.data_type
    if cell.number_format != "General":
        out["fmt"] = cell.number_format
    if cell.quotePrefix:
        out["quotePrefix"] = True
    for key, part, default in (("font", cell.font, DEFAULT_FONT), ("fill", cell.fill, PatternFill()),
                               ("border", cell.border, Border()), ("align", cell.alignment, Alignment()),
                               ("protect", cell.protection, Protection())):
        plain = _plain(copy.copy(part))  # the style itself, not openpyxl's read-only proxy of it
        if plain and plain != _plain(default):
            out[key] = _sides(plain) if key == "border" else plain
    if cell.hyperlink:
        out["link"] = cell.hyperlink.target or cell.hyperlink.location
    if cell.comment:
        out["comment"] = cell.comment.text
    return out


def _name(dn) -> dict:
    """A defined name: its formula and flags (``hidden`` for names a user should not see)."""
    return {k: v for k, v in (("value", dn.attr_text), ("hidden", dn.hidden), ("localSheetId", dn.localSheetId))
            if v is not None}


def _j(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False, default=str)


def _sheet(ws, mask) -> list[str]:
    from openpyxl.worksheet.views import SheetView

    lines = [f"  {_j(ws.title)}:", f"    state: {ws.sheet_state}", f"    dimensions: {ws.dimensions}"]
    lines.append(f"    freeze_panes: {_j(ws.freeze_panes)}")
    view = {k: v for k, v in _plain(ws.sheet_view).items() if k not in ("pane", "selection", "tabSelected")}
    if view != _plain(SheetView()):
        lines.append(f"    view: {_j(view)}")
    props = {"tabColor": _color(ws.sheet_properties.tabColor),
             "fitToPage": ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None}
    lines.append(f"    properties: {_j({k: v for k, v in props.items() if v is not None})}")
    lines.append(f"    protection: {_j(_plain(ws.protection))}")
    hf = {k: str(getattr(ws.HeaderFooter, k)) for k in ws.HeaderFooter.__elements__
          if str(getattr(ws.HeaderFooter, k))}
    lines += ["    print:",
              f"      setup: {_j(_plain(ws.page_setup))}",
              f"      options: {_j(_plain(ws.print_options))}",
              f"      margins: {_j(_plain(ws.page_margins))}",
              f"      title_rows: {_j(ws.print_title_rows)}",
              f"      title_cols: {_j(ws.print_title_cols)}",
              f"      area: {_j(ws.print_area)}",
              f"      header_footer: {_j(hf)}",
              f"      row_breaks: {_j([b.id for b in ws.row_breaks.brk])}",
              f"      col_breaks: {_j([b.id for b in ws.col_breaks.brk])}"]
    if ws.auto_filter.ref:
        lines.append(f"    auto_filter: {ws.auto_filter.ref}")
    if ws.defined_names:
        lines.append("    defined_names:")
        lines += [f"      {_j(k)}: {_j(_name(v))}" for k, v in sorted(ws.defined_names.items())]
    lines.append("    columns:")
    for letter, dim in sorted(ws.column_dimensions.items(), key=lambda kv: (kv[1].min or 0, kv[0])):
        rec = {k: v for k, v in (("width", dim.width if dim.customWidth else None), ("hidden", dim.hidden or None),
                                 ("outline", dim.outlineLevel or None)) if v is not None}
        if rec:
            span = letter if (dim.max or dim.min) == dim.min else f"{letter}:{dim.max}"
            lines.append(f"      {span}: {_j(rec)}")
    lines.append("    rows:")
    for r, dim in sorted(ws.row_dimensions.items()):
        rec = {k: v for k, v in (("height", dim.ht), ("hidden", dim.hidden or None),
                                 ("outline", dim.outlineLevel or None)) if v is not None}
        if rec:
            lines.append(f"      {r}: {_j(rec)}")
    merged = sorted(ws.merged_cells.ranges, key=lambda m: (m.min_row, m.min_col))
    lines.append(f"    merged: {_j([m.coord for m in merged])}")
    dvs = [_plain(dv) | {"sqref": str(dv.sqref)} for dv in sorted(
        ws.data_validations.dataValidation, key=lambda dv: (min(r.bounds for r in dv.sqref.ranges), _j(_plain(dv))))]
    lines.append("    validations:")
    lines += [f"      - {_j(d)}" for d in dvs]
    cfs = [{"sqref": str(cf.sqref), "rules": [_plain(r) for r in cf.rules]} for cf in ws.conditional_formatting]
    if cfs:
        lines.append("    conditional_formats:")
        lines += [f"      - {_j(d)}" for d in sorted(cfs, key=_j)]
    lines.append("    cells:")
    for row in ws.iter_rows():
        for cell in row:
            rec = _cell(cell, mask)
            if rec:
                lines.append(f"      {cell.coordinate}: {_j(rec)}")
    return lines


def xlsx_dump(path, mask=None) -> str:
    """A workbook as YAML text, one line per cell and per rule, stable across runs: every sheet
    (state, view, freeze panes, protection, print setup and titles, breaks, column widths, row
    heights, merged ranges, data validations, conditional formats, cells with value, number
    format, quote prefix, font, fill, border, alignment, protection), the defined names, the
    workbook protection. Records list only what differs from openpyxl's default for that
    object (cell fonts: from the workbook default font, shown at the top).

    ``mask(cell)``: a replacement for a volatile value (None: keep the cell's value).
    """
    from openpyxl import load_workbook
    from openpyxl.styles.fonts import DEFAULT_FONT

    wb = load_workbook(path)
    lines = ["# canonical dump of an .xlsx (tests/canonical.py xlsx_dump); values are JSON",
             "workbook:",
             f"  sheets: {_j(wb.sheetnames)}",
             f"  active: {_j(wb.active.title)}",
             f"  default_font: {_j(_plain(DEFAULT_FONT))}",
             f"  named_styles: {_j(sorted(wb.named_styles))}",
             f"  protection: {_j(_plain(wb.security) if wb.security else None)}",
             "  defined_names:"]
    lines += [f"    {_j(k)}: {_j(_name(v))}" for k, v in sorted(wb.defined_names.items())]
    lines.append("sheets:")
    for ws in wb.worksheets:
        lines += _sheet(ws, (lambda c, ws=ws: mask(ws.title, c)) if mask else None)
    return "\n".join(lines) + "\n"
