"""WordprocessingML pieces both Word documents share: escaped runs, one table builder, the page.

Documents are written as XML fragments and parsed once (python-docx's ``add_row`` costs ~3 ms
a row; the 汇总报告 of a province has thousands). Every text passes through :func:`text`, so
user input is escaped and stripped of characters XML cannot hold.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from ..core import fmt
from ..core.text import xml_safe

W = nsdecls("w")
TABLE_PT, TABLE_LINE_PT = 12, 15.6  # Table Text size and its single line height
CELL_MARGIN = 57  # twips left and right


def text(v) -> str:
    """Any value as escaped XML text (numbers as people write them)."""
    if v is None:
        return ""
    if isinstance(v, float):
        return fmt.number(v)
    return escape(xml_safe(str(v)))


def run(value, style_id: str | None = None, bold: bool = False) -> str:
    props = (f'<w:rStyle w:val="{style_id}"/>' if style_id else "") + ("<w:b/>" if bold else "")
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text(value)}</w:t></w:r>'


@dataclass
class Row:
    """A table row: cell values, with optional column spans, alignments, a minimum height (twips)."""

    cells: list
    spans: list[int] | None = None
    aligns: list[str | None] | None = None
    height: int | None = None
    bold: bool = False


@dataclass
class TableStyle:
    head: str  # paragraph style ids
    body: str
    center: set[int] = field(default_factory=set)  # column indexes centred
    keep_together: bool = False  # keep every paragraph with the next (a small table that must not break)
    page_height_pt: float = 442  # rows taller than ~90% of this may split


def _row_lines(values, widths) -> int:
    """Estimated lines of the tallest cell (a row taller than a page must be allowed to split)."""
    best = 1
    for v, w in zip(values, widths):
        per_line = max(1, int((w - 2 * CELL_MARGIN) / (TABLE_PT * 20)))
        n = sum(max(1, math.ceil(len(ln) / per_line)) for ln in str(v if v is not None else "").split("\n"))
        best = max(best, n)
    return best


def table_xml(headers, rel_widths, rows, total_twips: int, style: TableStyle) -> str:
    """A bordered, centred, fixed-layout table; the header row repeats on every page."""
    scale = total_twips / sum(rel_widths)
    tw = [int(w * scale) for w in rel_widths]
    keep = "<w:keepNext/>" if style.keep_together else ""

    def cell(value, w, pstyle, align, span=1, valign="center", bold=False):
        jc = f'<w:jc w:val="{align}"/>' if align else ""
        lines = str(value).split("\n") if value not in (None, "") else [""]
        ps = "".join(f'<w:p><w:pPr><w:pStyle w:val="{pstyle}"/>{keep}<w:snapToGrid w:val="0"/>{jc}</w:pPr>'
                     f"{run(ln, bold=bold)}</w:p>" for ln in lines)
        gs = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        return f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{gs}<w:vAlign w:val="{valign}"/></w:tcPr>{ps}</w:tc>'

    border = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    out = [f'<w:tbl {W}><w:tblPr><w:tblW w:w="{sum(tw)}" w:type="dxa"/><w:jc w:val="center"/>'
           f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
           f'<w:tblCellMar><w:left w:w="{CELL_MARGIN}" w:type="dxa"/><w:right w:w="{CELL_MARGIN}" w:type="dxa"/>'
           '</w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>',
           *(f'<w:gridCol w:w="{w}"/>' for w in tw), "</w:tblGrid>"]
    if headers:
        out.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
        out += [cell(h, w, style.head, "center") for h, w in zip(headers, tw)]
        out.append("</w:tr>")
    for row in rows:
        row = row if isinstance(row, Row) else Row(list(row))
        spans = row.spans or [1] * len(row.cells)
        widths, i = [], 0
        for s in spans:
            widths.append(sum(tw[i:i + s]))
            i += s
        split_ok = _row_lines(row.cells, widths) * TABLE_LINE_PT > style.page_height_pt * 0.9
        height = f'<w:trHeight w:val="{row.height}"/>' if row.height else ""
        out.append(f"<w:tr><w:trPr>{'' if split_ok else '<w:cantSplit/>'}{height}</w:trPr>")
        aligns = row.aligns or ["center" if j in style.center else None for j in range(len(row.cells))]
        out += [cell(v, w, style.body, a, s, "bottom" if row.height and a == "right" else "center", row.bold)
                for v, w, s, a in zip(row.cells, widths, spans, aligns)]
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def text_width(sect_pr) -> int:
    """Text width in twips of a section (page width minus margins), read from the template."""
    size, margins = sect_pr.find(qn("w:pgSz")), sect_pr.find(qn("w:pgMar"))
    return int(size.get(qn("w:w"))) - int(margins.get(qn("w:left"))) - int(margins.get(qn("w:right")))


def text_height_pt(sect_pr) -> float:
    size, margins = sect_pr.find(qn("w:pgSz")), sect_pr.find(qn("w:pgMar"))
    return (int(size.get(qn("w:h"))) - int(margins.get(qn("w:top"))) - int(margins.get(qn("w:bottom")))) / 20


# ------------------------------------------------------------ page geometry (from the template)
def landscape_from(portrait):
    """A landscape sectPr from a portrait one (templates an office cut down to one section)."""
    sp = copy.deepcopy(portrait)
    for ref in sp.findall(qn("w:footerReference")) + sp.findall(qn("w:headerReference")):
        sp.remove(ref)
    sz, mar = sp.find(qn("w:pgSz")), sp.find(qn("w:pgMar"))
    if sz is not None:
        wv, hv = sz.get(qn("w:w")), sz.get(qn("w:h"))
        sz.set(qn("w:w"), hv)
        sz.set(qn("w:h"), wv)
        sz.set(qn("w:orient"), "landscape")
    if mar is not None:
        t, r, bt, lf = (mar.get(qn(f"w:{k}")) for k in ("top", "right", "bottom", "left"))
        for k, v in (("top", lf), ("bottom", r), ("left", t), ("right", bt)):
            mar.set(qn(f"w:{k}"), v)
    return sp


@dataclass
class Pages:
    """The template's two page setups: the portrait body and the landscape 附件."""

    portrait: object  # w:sectPr
    landscape: object

    @property
    def portrait_size(self) -> tuple[int, float]:
        """(text width in twips, text height in pt)."""
        return text_width(self.portrait), text_height_pt(self.portrait)

    @property
    def landscape_size(self) -> tuple[int, float]:
        return text_width(self.landscape), text_height_pt(self.landscape)


def take_pages(doc) -> Pages:
    """Read the page setups from a template and empty its body (the final sectPr stays, portrait)."""
    body = doc.element.body
    inner = body.xpath("./w:p/w:pPr/w:sectPr")
    final = body.find(qn("w:sectPr"))
    portrait = copy.deepcopy(inner[0]) if inner else copy.deepcopy(final)
    landscape = copy.deepcopy(final) if inner else landscape_from(final)
    for child in list(body):
        body.remove(child)
    body.append(copy.deepcopy(portrait))
    return Pages(portrait, landscape)


def start_landscape(doc, pages: Pages) -> None:
    """End the portrait section here; what follows is on landscape pages (the 附件)."""
    body = doc.element.body
    final = body.find(qn("w:sectPr"))
    carrier = parse_xml(f"<w:p {W}><w:pPr/></w:p>")
    carrier[0].append(copy.deepcopy(pages.portrait))
    final.addprevious(carrier)
    body.replace(final, copy.deepcopy(pages.landscape))


def append_xml(doc, xml: str) -> None:
    """Body XML fragments inserted before the final sectPr."""
    body = doc.element.body
    final = body.find(qn("w:sectPr"))
    for el in parse_xml(f"<w:body {W}>{xml}</w:body>"):
        final.addprevious(el)
