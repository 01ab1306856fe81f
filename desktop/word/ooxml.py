"""WordprocessingML pieces both Word documents share: escaped runs, one table builder, the page.

Documents are written as XML fragments and parsed once (python-docx's ``add_row`` costs ~3 ms
a row; the 汇总报告 of a province has thousands). Every text passes through :func:`text`, so
user input is escaped and stripped of characters XML cannot hold.
"""
from __future__ import annotations

import copy
import math
import unicodedata
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from ..core import fmt
from ..core.text import display_width, xml_safe

W = nsdecls("w")
TABLE_PT, TABLE_LINE_PT = 12, 15.6  # Table Text size and its single line height
CELL_MARGIN = 57  # twips left and right
CELL_PAD = 29  # twips above and below the text of a cell


def release(doc) -> None:
    """Free a saved python-docx Document's XML now, not at some later full cyclic collection.

    python-docx links a package and its parts both ways (part → package → relationships →
    part), and every ``package.iter_parts()`` — twice in each ``save`` — leaves a recursive
    closure whose mutable default argument lists every part: cycles, which only the cyclic
    collector frees. It runs by the count of Python objects made, while a document's weight is
    its parsed XML (libxml2 memory, ~0.6 MB for a 实施方案, invisible to that count), and the
    parts have reached the oldest generation by the time the document is saved: a batch export
    grew by about one document per plan. Emptying each part drops its XML tree, its blob and its
    links at once; what the cycles still hold are empty part objects. The document is unusable
    afterwards.
    """
    for part in doc.part.package.parts:
        vars(part).clear()  # python-docx has no public way to close a document


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
    keep_last: bool = False  # the last row keeps with what follows (the 版记 never stands alone)


# ------------------------------------------------------------------ column widths from content
ATOMIC_CHARS = 10  # a cell line up to this many full-width characters is never wrapped (department
# names, 推进中, 2028.12.31, 2022年 约100个); longer text wraps anywhere, as Chinese does
HEAD_CHARS = 6  # a header up to this many characters stays on one line; a longer one wraps in two
SPLIT_LINES = 4  # a row this many lines tall may break across pages (shorter rows stay whole)


def autospace_gaps(text: str) -> int:
    """Places where an ideograph meets a Latin letter or digit: renderers put a small gap there
    (autospace, about a fifth of an em), which a width estimate must count."""
    kind = ["i" if unicodedata.category(c) == "Lo" else "a" if c.isascii() and c.isalnum() else "" for c in text]
    return sum({a, b} == {"i", "a"} for a, b in zip(kind, kind[1:]))


def ems(text: str) -> float:
    """Width of one line in ems: full-width characters one, others half, autospace a fifth."""
    return display_width(text) / 2 + autospace_gaps(text) / 5


def _pt(value: str) -> float:
    """Width of one line at the table size."""
    return ems(value) * TABLE_PT


def _lines_of(v) -> list[str]:
    return str(v if v is not None else "").split("\n")


def column_widths(headers, rows: list[Row], total_twips: int, weights=None) -> list[int]:
    """Column widths (twips) that fit the content, after the CSS automatic table layout: every
    column gets at least its unbreakable width (header up to HEAD_CHARS, short values, dates),
    the rest of the line is shared in proportion to what each column would need unwrapped.
    ``weights`` (relative, optional) replace the measured need of the wrapping columns."""
    n = len(headers) if headers else max(len(r.cells) for r in rows)
    pad = 2 * CELL_MARGIN + 60  # the cell margins and 3 pt to spare (glyph widths vary by face)
    low, high = [0.0] * n, [0.0] * n
    for j, h in enumerate(headers or ()):
        w = _pt(h)
        low[j] = w if display_width(h) <= 2 * HEAD_CHARS else max(w / 2, HEAD_CHARS * TABLE_PT)
        high[j] = w
    for r in rows:
        if r.spans and any(s != 1 for s in r.spans):
            continue
        for j, v in enumerate(r.cells[:n]):
            for ln in _lines_of(v):
                w = _pt(ln)
                high[j] = max(high[j], w)
                if display_width(ln) <= 2 * ATOMIC_CHARS:
                    low[j] = max(low[j], w)
    low = [x * 20 + pad for x in low]
    high = [max(h * 20 + pad, lo) for h, lo in zip(high, low)]
    if weights:  # an office's own proportions for the wrapping columns
        scale = sum(high) / sum(weights)
        high = [max(lo, w * scale) if h > lo else h for w, lo, h in zip(weights, low, high)]
    if sum(low) >= total_twips:  # even the unbreakable parts do not fit: shrink them alike
        return [int(x * total_twips / sum(low)) for x in low]
    if sum(high) <= total_twips:  # everything fits unwrapped: widen in proportion to need
        return [int(x * total_twips / sum(high)) for x in high]
    share = (total_twips - sum(low)) / (sum(high) - sum(low))
    return [int(lo + (h - lo) * share) for lo, h in zip(low, high)]


def _row_lines(values, widths) -> int:
    """Estimated lines of the tallest cell."""
    best = 1
    for v, w in zip(values, widths):
        per_line = max(1.0, (w - 2 * CELL_MARGIN) / 20)
        n = sum(max(1, math.ceil(_pt(ln) / per_line)) for ln in _lines_of(v))
        best = max(best, n)
    return best


def table_xml(headers, rows, total_twips: int, style: TableStyle, weights=None) -> str:
    """A bordered, centred, fixed-layout table whose columns fit their content; the header row
    repeats on every page and never splits; a long row may split across pages, a short one not."""
    rows = [r if isinstance(r, Row) else Row(list(r)) for r in rows]
    tw = column_widths(headers, rows, total_twips, weights)
    def cell(value, w, pstyle, align, span=1, valign="center", bold=False, keep=""):
        jc = f'<w:jc w:val="{align}"/>' if align else ""
        lines = _lines_of(value) if value not in (None, "") else [""]
        ps = "".join(f'<w:p><w:pPr><w:pStyle w:val="{pstyle}"/>{keep}<w:snapToGrid w:val="0"/>{jc}</w:pPr>'
                     f"{run(ln, bold=bold)}</w:p>" for ln in lines)
        gs = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        return f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{gs}<w:vAlign w:val="{valign}"/></w:tcPr>{ps}</w:tc>'

    border = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    out = [f'<w:tbl {W}><w:tblPr><w:tblW w:w="{sum(tw)}" w:type="dxa"/><w:jc w:val="center"/>'
           f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
           f'<w:tblCellMar><w:top w:w="{CELL_PAD}" w:type="dxa"/><w:left w:w="{CELL_MARGIN}" w:type="dxa"/>'
           f'<w:bottom w:w="{CELL_PAD}" w:type="dxa"/><w:right w:w="{CELL_MARGIN}" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>',
           *(f'<w:gridCol w:w="{w}"/>' for w in tw), "</w:tblGrid>"]
    if headers:
        out.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
        out += [cell(h, w, style.head, "center") for h, w in zip(headers, tw)]
        out.append("</w:tr>")
    for n, row in enumerate(rows, 1):
        keep = "<w:keepNext/>" if style.keep_last and n == len(rows) else ""
        spans = row.spans or [1] * len(row.cells)
        widths, i = [], 0
        for s in spans:
            widths.append(sum(tw[i:i + s]))
            i += s
        split_ok = _row_lines(row.cells, widths) >= SPLIT_LINES
        height = f'<w:trHeight w:val="{row.height}"/>' if row.height else ""
        out.append(f"<w:tr><w:trPr>{'' if split_ok else '<w:cantSplit/>'}{height}</w:trPr>")
        aligns = row.aligns or ["center" if j in style.center else None for j in range(len(row.cells))]
        out += [cell(v, w, style.body, a, s, "bottom" if row.height and a == "right" else "center", row.bold, keep)
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
