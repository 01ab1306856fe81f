"""Native Word charts: DrawingML ``c:chartSpace`` parts embedded in a python-docx document.

Why not pictures: the 汇总报告 charts used to be matplotlib PNGs, which put matplotlib, numpy
and Pillow (~90 MB of the bundle) into the app for three images. A native chart is a few KB of XML, prints
crisply at any zoom, uses the document's CJK fonts, and stays editable in Word/WPS (编辑数据),
because its data travel along as a tiny embedded workbook. Renderers that do not open the
workbook (LibreOffice, previewers) draw from the values cached in the XML, which are always
written.

Why the XML is written here and not with ``openpyxl.chart``: openpyxl models Excel's view of a
chart and its defaults fight a Word chart (caches without ``ptCount``, axes left to the
renderer's "deleted" default, ``externalData`` without the ``r:`` namespace, empty runs in text
properties). The three report charts need a few dozen elements; they are written in the order
of the ECMA-376 Part 1 schema sequences (CT_ChartSpace, CT_Chart, CT_PlotArea, CT_BarChart,
CT_BarSer, CT_DLbls/CT_DLbl, CT_CatAx, CT_ValAx, CT_Title, CT_Legend), which
tests/test_word_charts.py checks independently. openpyxl (already a dependency) only writes the
embedded workbook.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import Iterable, Literal, Protocol, Sequence
from xml.sax.saxutils import quoteattr

from lxml import etree

from ..core import fmt
from ..core.text import display_width
from ..core.vocab import Meaning

NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
CHART_URI = NS["c"]  # graphicData/@uri of a chart
CHART_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RT_CHART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
RT_PACKAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package"
SHEET = "Sheet1"  # the embedded workbook's sheet, named as Word names it

# Fonts and sizes for print: 黑体 for titles, 宋体 for the rest (what Chinese official documents use
# beside 仿宋 body text); digits and Latin letters in Times New Roman. No size below 9 pt.
TITLE_FONT, TEXT_FONT, LATIN_FONT = "黑体", "宋体", "Times New Roman"
TITLE_PT, AXIS_TITLE_PT, TEXT_PT = 12, 10, 9
TEXT_COLOR, AXIS_COLOR, GRID_COLOR = "262626", "7F7F7F", "D9D9D9"

# The old matplotlib palette, kept so the report looks the same.
BLUE, GREEN, RED = "4F81BD", "5B9B55", "C0504D"
# 进度 colours by what a choice means (forms/fields.yaml meanings), so a renamed choice keeps its colour
MEANING_COLORS = {Meaning.NOT_STARTED: "C0504D", Meaning.DONE: "5B9B55", Meaning.NOT_APPLICABLE: "A6A6A6"}
OTHER_PROGRESS, NO_PROGRESS = "F0AD4E", "DDDDDD"


def progress_colors(progress, no_progress_label: str) -> dict[str, str]:
    """Choice label → colour for the progress field's choices, then the 未填 bucket."""
    by_choice = {progress.choice(m): c for m, c in MEANING_COLORS.items()}
    return {c: by_choice.get(c, OTHER_PROGRESS) for c in progress.choices} | {no_progress_label: NO_PROGRESS}

Kind = Literal["column", "bar"]
Grouping = Literal["clustered", "stacked", "percentStacked"]
ROW_MM, MAX_HEIGHT_MM = 7, 210  # auto height of a bar chart: a row per category, at most a page
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_HEX = re.compile(r"#?([0-9A-Fa-f]{6})")


def _clean(text: object) -> str:
    return _CTRL.sub("", str(text))


@dataclass(frozen=True)
class Series:
    """One data series (``values`` may be any sequence); ``None`` or NaN is a gap: no bar, no label."""

    name: str
    values: tuple[float | None, ...]
    color_hex: str  # "RRGGBB" or "#RRGGBB"

    def __post_init__(self) -> None:
        m = _HEX.fullmatch(self.color_hex)
        if not m:
            raise ValueError(f"colour must be RRGGBB: {self.color_hex!r}")
        vals = tuple(None if v is None or not math.isfinite(float(v)) else float(v) for v in self.values)
        object.__setattr__(self, "values", vals)
        object.__setattr__(self, "color_hex", m.group(1).upper())


@dataclass(frozen=True)
class ChartSpec:
    """What to draw. Values of a percent axis are fractions (0.5 is 50%).

    ``clip_at``: longer bars stop there and their label shows the true value with "→", so one
    huge sum does not flatten the rest. ``reference_line_at``: every category also gets an
    unfilled, red-dashed frame up to that value (a series of its own, so Word and LibreOffice
    both draw it; a drawn line over a chart would not survive "edit data" or re-layout).
    """

    kind: Kind
    grouping: Grouping
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    title: str | None = None
    category_axis_title: str | None = None
    value_axis_title: str | None = None
    percent_axis: bool = False
    value_max: float | None = None  # axis maximum; a percent axis defaults to 100%
    major_unit: float | None = None
    clip_at: float | None = None
    reference_line_at: float | None = None
    reference_label: str = "目标值"
    data_labels: bool = True
    legend: bool = True
    gap_width: int = 80  # % of a bar's width between categories
    width_mm: float = 150
    height_mm: float | None = None  # None: from the content, see ``size_mm``

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", tuple(_clean(c) for c in self.categories))
        object.__setattr__(self, "series", tuple(self.series))
        if self.kind not in ("column", "bar"):
            raise ValueError(f"kind must be column or bar: {self.kind!r}")
        if self.grouping not in ("clustered", "stacked", "percentStacked"):
            raise ValueError(f"unknown grouping {self.grouping!r}")
        if not self.categories or not self.series:
            raise ValueError("a chart needs at least one category and one series")
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(self.categories)} categories")
        if self.grouping != "clustered" and (self.clip_at is not None or self.reference_line_at is not None):
            raise ValueError("clip_at and reference_line_at need clustered bars")
        if not (0 < self.width_mm <= 500 and 0 < (self.height_mm or 1) <= 500):
            raise ValueError("chart size out of range")

    @property
    def size_mm(self) -> tuple[float, float]:
        """Width and height. Unless fixed: 80 mm for columns, and a bar chart grows 7 mm a row, so no
        renderer drops row labels (LibreOffice hides every other one when rows get tighter than
        about 6 mm); a title or legend adds its own room instead of taking the plot's."""
        if self.height_mm is not None:
            return self.width_mm, self.height_mm
        extra = (10 if self.title else 0) + (8 if self.legend else 0)
        if self.kind == "column":
            return self.width_mm, 80 + extra
        return self.width_mm, min(MAX_HEIGHT_MM, 20 + extra + ROW_MM * len(self.categories))

    @property
    def number_format(self) -> str:
        return "0%" if self.percent_axis else "General"

    def drawn_series(self) -> tuple[Series, ...]:
        """The series as written to the chart and its workbook: clipped, plus the reference frame."""
        out = list(self.series)
        if self.clip_at is not None:
            out = [Series(s.name, tuple(v if v is None else min(v, self.clip_at) for v in s.values), s.color_hex)
                   for s in out]
        if self.reference_line_at is not None:
            out.append(Series(self.reference_label, (self.reference_line_at,) * len(self.categories), RED))
        return tuple(out)

    def clipped_labels(self, series_index: int) -> dict[int, str]:
        """Point index → label text for the bars cut at ``clip_at``."""
        if self.clip_at is None or series_index >= len(self.series):
            return {}
        show = (lambda v: fmt.percent(v, digits=0)) if self.percent_axis else (lambda v: f"{v:g}")
        return {i: show(v) + "→" for i, v in enumerate(self.series[series_index].values)
                if v is not None and v > self.clip_at}


# --------------------------------------------------------------------------- XML


def _q(tag: str) -> str:
    prefix, local = tag.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _e(tag: str, *children, **attrs) -> etree._Element:
    """An element; a str child is its text, ``None`` is skipped, lists are flattened, ``r_id`` is r:id."""
    el = etree.Element(_q(tag), nsmap=NS)
    for k, v in attrs.items():
        if v is not None:
            el.set(_q("r:id") if k == "r_id" else k, str(v))
    for ch in children:
        if ch is None:
            continue
        if isinstance(ch, str):
            el.text = ch
        elif isinstance(ch, (list, tuple)):
            el.extend(c for c in ch if c is not None)
        else:
            el.append(ch)
    return el


def _val(tag: str, v) -> etree._Element:
    if isinstance(v, bool):
        v = int(v)
    return _e(tag, val=v)


def _run_props(tag: str, size_pt: float, font: str = TEXT_FONT, bold: bool = False,
               color: str = TEXT_COLOR) -> etree._Element:
    # CT_TextCharacterProperties: fill, …, latin, ea, cs
    return _e(tag, _e("a:solidFill", _e("a:srgbClr", val=color)), _e("a:latin", typeface=LATIN_FONT),
              _e("a:ea", typeface=font), _e("a:cs", typeface=LATIN_FONT),
              lang="zh-CN", altLang="en-US", sz=round(size_pt * 100), b=int(bold))


def _body(rot: int | None = None, stacked: bool = False) -> etree._Element:
    """``a:bodyPr``: rotation in 60000ths of a degree, or CJK characters stacked top to bottom."""
    if stacked:
        return _e("a:bodyPr", rot=0, vert="wordArtVert")
    return _e("a:bodyPr", rot=rot, vert="horz" if rot is not None else None)


def _txpr(size_pt: float, font: str = TEXT_FONT, rot: int | None = None, bold: bool = False) -> etree._Element:
    """Text properties of an axis, legend or label set (CT_TextBody: bodyPr, lstStyle, p)."""
    return _e("c:txPr", _body(rot), _e("a:lstStyle"),
              _e("a:p", _e("a:pPr", _run_props("a:defRPr", size_pt, font, bold)),
                 _e("a:endParaRPr", lang="zh-CN")))


def _rich(text: str, size_pt: float, font: str, bold: bool = False, stacked: bool = False) -> etree._Element:
    """``c:tx`` holding literal rich text (titles, custom data labels)."""
    return _e("c:tx", _e("c:rich", _body(stacked=stacked), _e("a:lstStyle"),
                         _e("a:p", _e("a:pPr", _run_props("a:defRPr", size_pt, font, bold)),
                            _e("a:r", _run_props("a:rPr", size_pt, font, bold), _e("a:t", _clean(text))))))


def _title(text: str | None, size_pt: float, font: str, stacked: bool = False) -> etree._Element | None:
    if not text:
        return None
    # CT_Title: tx, layout, overlay, spPr, txPr
    return _e("c:title", _rich(text, size_pt, font, stacked=stacked), _val("c:overlay", False))


def _line(color: str | None, width_emu: int = 9525, dash: str | None = None) -> etree._Element:
    # CT_LineProperties: fill, prstDash
    if color is None:
        return _e("a:ln", _e("a:noFill"))
    return _e("a:ln", _e("a:solidFill", _e("a:srgbClr", val=color)),
              _e("a:prstDash", val=dash) if dash else None, w=width_emu)


def _no_shape() -> etree._Element:
    return _e("c:spPr", _e("a:noFill"), _line(None))


def _col(n: int) -> str:
    """1 → A, 27 → AA (openpyxl's own rule; the chart's few columns are well inside Excel's)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _str_ref(ref: str, texts: Sequence[str]) -> etree._Element:
    return _e("c:strRef", _e("c:f", ref),
              _e("c:strCache", _val("c:ptCount", len(texts)),
                 [_e("c:pt", _e("c:v", t), idx=i) for i, t in enumerate(texts)]))


def _num_ref(ref: str, values: Sequence[float | None], fmt: str) -> etree._Element:
    # CT_NumData: formatCode, ptCount, pt*; a gap is a missing pt
    return _e("c:numRef", _e("c:f", ref),
              _e("c:numCache", _e("c:formatCode", fmt), _val("c:ptCount", len(values)),
                 [_e("c:pt", _e("c:v", repr(v)), idx=i) for i, v in enumerate(values) if v is not None]))


_SHOW = ("showLegendKey", "showVal", "showCatName", "showSerName", "showPercent", "showBubbleSize")


def _label_box(spec: ChartSpec) -> etree._Element:
    """White behind a label where it may cross the reference frame, none elsewhere."""
    if spec.reference_line_at is None:
        return _no_shape()
    return _e("c:spPr", _e("a:solidFill", _e("a:srgbClr", val="FFFFFF")), _line(None))


def _show_value() -> list[etree._Element]:
    return [_val(f"c:{k}", k == "showVal") for k in _SHOW]


def _data_labels(spec: ChartSpec, index: int, is_reference: bool) -> etree._Element:
    if not spec.data_labels or is_reference:
        return _e("c:dLbls", _val("c:delete", True))
    pos = "outEnd" if spec.grouping == "clustered" else "ctr"  # outEnd is invalid for stacked bars
    custom = [_e("c:dLbl", _val("c:idx", i), _rich(text, TEXT_PT, TEXT_FONT), _val("c:dLblPos", pos),
                 _show_value())
              for i, text in spec.clipped_labels(index).items()]
    # CT_DLbls: dLbl*, numFmt, spPr, txPr, dLblPos, show*
    return _e("c:dLbls", custom, _e("c:numFmt", formatCode=spec.number_format, sourceLinked=0), _label_box(spec),
              _txpr(TEXT_PT), _val("c:dLblPos", pos), _show_value())


def _series(spec: ChartSpec, i: int, s: Series) -> etree._Element:
    n = len(spec.categories)
    col = _col(i + 2)
    is_reference = spec.reference_line_at is not None and i == len(spec.series)
    fill = _e("c:spPr", _e("a:noFill"), _line(s.color_hex, 15875, "dash")) if is_reference else \
        _e("c:spPr", _e("a:solidFill", _e("a:srgbClr", val=s.color_hex)), _line(None))
    # CT_BarSer: idx, order, tx, spPr, invertIfNegative, dLbls, cat, val
    return _e("c:ser", _val("c:idx", i), _val("c:order", i),
              _e("c:tx", _str_ref(f"{SHEET}!${col}$1", [_clean(s.name)])),
              fill, _val("c:invertIfNegative", False), _data_labels(spec, i, is_reference),
              _e("c:cat", _str_ref(f"{SHEET}!$A$2:$A${n + 1}", spec.categories)),
              _e("c:val", _num_ref(f"{SHEET}!${col}$2:${col}${n + 1}", s.values, spec.number_format)))


def _text_width_pt(text: str, size_pt: float) -> float:
    """Width of a label: a wide character is one em, any other half (the one width rule)."""
    return display_width(text) * size_pt / 2


def category_label_rotation(spec: ChartSpec) -> int | None:
    """-45° (in 60000ths of a degree) when column labels would not fit side by side."""
    if spec.kind != "column":
        return None
    slot_pt = spec.width_mm * 0.8 / 25.4 * 72 / len(spec.categories)
    widest = max(_text_width_pt(c, TEXT_PT) for c in spec.categories)
    return -2_700_000 if widest > slot_pt else None


CAT_AX_ID, VAL_AX_ID = 50010, 50020


def _axes(spec: ChartSpec) -> list[etree._Element]:
    column = spec.kind == "column"
    axis_line = _e("c:spPr", _e("a:noFill"), _line(AXIS_COLOR))
    # a horizontal bar chart lists its first category at the top: categories run max→min and the
    # value axis crosses at the last one, i.e. stays at the bottom
    cat = _e("c:catAx", _val("c:axId", CAT_AX_ID),
             _e("c:scaling", _val("c:orientation", "minMax" if column else "maxMin")),
             _val("c:delete", False), _val("c:axPos", "b" if column else "l"),
             _title(spec.category_axis_title, AXIS_TITLE_PT, TEXT_FONT),
             _e("c:numFmt", formatCode="General", sourceLinked=1),
             _val("c:majorTickMark", "none"), _val("c:minorTickMark", "none"), _val("c:tickLblPos", "nextTo"),
             axis_line, _txpr(TEXT_PT, rot=category_label_rotation(spec)),
             _val("c:crossAx", VAL_AX_ID), _val("c:crosses", "autoZero"),
             _val("c:auto", True), _val("c:lblAlgn", "ctr"), _val("c:lblOffset", 100),
             _val("c:tickLblSkip", 1), _val("c:noMultiLvlLbl", False))
    vmax = spec.value_max
    if vmax is None and spec.percent_axis and spec.grouping == "clustered":
        vmax = 1.0
    unit = spec.major_unit or (0.2 if spec.percent_axis and (vmax or 1) <= 1.5 else None)
    val = _e("c:valAx", _val("c:axId", VAL_AX_ID),
             # CT_Scaling: orientation, max, min (percentStacked: the renderer's own 0–100 %)
             _e("c:scaling", _val("c:orientation", "minMax"),
                _val("c:max", vmax) if vmax is not None else None,
                _val("c:min", 0) if spec.grouping != "percentStacked" else None),
             _val("c:delete", False), _val("c:axPos", "l" if column else "b"),
             _e("c:majorGridlines", _e("c:spPr", _line(GRID_COLOR))),
             _title(spec.value_axis_title, AXIS_TITLE_PT, TEXT_FONT, stacked=column),
             _e("c:numFmt", formatCode=spec.number_format, sourceLinked=0),
             _val("c:majorTickMark", "none"), _val("c:minorTickMark", "none"), _val("c:tickLblPos", "nextTo"),
             _e("c:spPr", _e("a:noFill"), _line(None)), _txpr(TEXT_PT),
             _val("c:crossAx", CAT_AX_ID), _val("c:crosses", "autoZero" if column else "max"),
             _val("c:crossBetween", "between"), _val("c:majorUnit", unit) if unit else None)
    return [cat, val]


def chart_space(spec: ChartSpec, data_rid: str | None = None) -> etree._Element:
    """The ``c:chartSpace`` root of a chart part; ``data_rid`` links the embedded workbook."""
    stacked = spec.grouping != "clustered"
    overlap = 100 if stacked or spec.reference_line_at is not None or spec.clip_at is not None else None
    bar = _e("c:barChart", _val("c:barDir", "col" if spec.kind == "column" else "bar"),
             _val("c:grouping", spec.grouping), _val("c:varyColors", False),
             [_series(spec, i, s) for i, s in enumerate(spec.drawn_series())],
             _val("c:gapWidth", spec.gap_width), _val("c:overlap", overlap) if overlap is not None else None,
             _val("c:axId", CAT_AX_ID), _val("c:axId", VAL_AX_ID))
    plot = _e("c:plotArea", _e("c:layout"), bar, _axes(spec), _no_shape())
    legend = _e("c:legend", _val("c:legendPos", "t"), _val("c:overlay", False), _txpr(TEXT_PT)) \
        if spec.legend else None
    chart = _e("c:chart", _title(spec.title, TITLE_PT, TITLE_FONT), _val("c:autoTitleDeleted", not spec.title),
               plot, legend, _val("c:plotVisOnly", True), _val("c:dispBlanksAs", "gap"))
    root = _e("c:chartSpace", _val("c:date1904", False), _val("c:lang", "zh-CN"),
              _val("c:roundedCorners", False), chart, _no_shape(), _txpr(TEXT_PT),
              _e("c:externalData", _val("c:autoUpdate", False), r_id=data_rid) if data_rid else None)
    etree.cleanup_namespaces(root, top_nsmap=NS)
    return root


def chart_xml(spec: ChartSpec, data_rid: str | None = None) -> bytes:
    return etree.tostring(chart_space(spec, data_rid), xml_declaration=True, encoding="UTF-8", standalone=True)


def data_workbook(spec: ChartSpec) -> bytes:
    """The embedded workbook Word opens on 编辑数据: categories in A, one column per drawn series."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    drawn = spec.drawn_series()
    ws.append([None, *(_clean(s.name) for s in drawn)])
    for i, c in enumerate(spec.categories):
        ws.append([c, *(s.values[i] for s in drawn)])
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a name like "=1+1" is text, not a formula
            elif cell.value is not None and spec.percent_axis:
                cell.number_format = "0.0%"
    ws.column_dimensions["A"].width = max(10, min(60, max(display_width(c) for c in spec.categories)))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- python-docx


def add_chart(doc, spec: ChartSpec, *, embed_data: bool = True, alt_text: str | None = None):
    """Append a centred paragraph holding ``spec`` as an inline chart; returns the paragraph.

    The paragraph keeps with the next one (the caption), has single line spacing (an exact
    body pitch would clip the chart) and no first-line indent, like a picture figure.
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.opc.part import Part, XmlPart
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Mm, Pt

    package = doc.part.package
    chart_part = XmlPart(package.next_partname("/word/charts/chart%d.xml"), CHART_CONTENT_TYPE,
                         chart_space(spec), package)
    rid = doc.part.relate_to(chart_part, RT_CHART)  # reachable now, so the next names are unique
    if embed_data:
        book = Part(package.next_partname("/word/embeddings/Microsoft_Excel_Worksheet%d.xlsx"), XLSX_CONTENT_TYPE,
                    data_workbook(spec), package)
        chart_part.element.append(_e("c:externalData", _val("c:autoUpdate", False),
                                     r_id=chart_part.relate_to(book, RT_PACKAGE)))
        etree.cleanup_namespaces(chart_part.element, top_nsmap=NS)

    width, height = spec.size_mm
    shape_id = doc.part.next_id
    alt = _clean(alt_text or spec.title or "")
    inline = parse_xml(
        f'<wp:inline {nsdecls("wp", "a", "c", "r")} distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{Mm(width)}" cy="{Mm(height)}"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{shape_id}" name="图表 {shape_id}" descr={quoteattr(alt)}/>'
        '<wp:cNvGraphicFramePr/>'
        f'<a:graphic><a:graphicData uri="{CHART_URI}"><c:chart r:id="{rid}"/></a:graphicData></a:graphic>'
        '</wp:inline>')
    p = doc.add_paragraph()
    pf = p.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.line_spacing = 1.0
    pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pf.keep_with_next = True
    p.add_run()._r.add_drawing(inline)
    return p


# --------------------------------------------------------------------------- the 汇总报告 charts


class BranchLike(Protocol):
    name: str

    @property
    def rate(self) -> float | None: ...


class ItemLike(Protocol):
    display_no: str
    status: dict[str, int]


class IndicatorLike(Protocol):
    name: str
    plan_kind: str

    @property
    def attainment(self) -> float | None: ...


CLIP = 2.0  # attainment bars stop at 200 %
TEXT_WIDTH_MM = 150


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


class ChartWords(Protocol):
    """The charts' wording (report_templates/summary.yaml, report.charts)."""

    rate: str
    progress_categories: str
    progress_values: str
    reached: str
    not_reached: str
    attainment_axis: str  # may name {clip}
    target: str


def filing_rate_chart(branches: Iterable[BranchLike], words: ChartWords) -> ChartSpec:
    """图1: filed / must file per child node, one column each (a node without units: no column)."""
    br = list(branches)
    return ChartSpec("column", "clustered", tuple(b.name for b in br),
                     (Series(words.rate, tuple(b.rate for b in br), BLUE),),
                     value_axis_title=words.rate, percent_axis=True, value_max=1.0, legend=False, gap_width=60,
                     width_mm=TEXT_WIDTH_MM)


def progress_chart(items: Sequence[ItemLike], colors: dict[str, str], words: ChartWords) -> ChartSpec:
    """图2: the share of each 进度 value per item (100 % stacked counts; Word does the division)."""
    states = list(items[0].status) if items else []
    return ChartSpec("column", "percentStacked", tuple(it.display_no for it in items),
                     tuple(Series(s, tuple(it.status[s] for it in items), colors.get(s, OTHER_PROGRESS))
                           for s in states),
                     category_axis_title=words.progress_categories, value_axis_title=words.progress_values,
                     percent_axis=True,
                     data_labels=False, gap_width=40, width_mm=TEXT_WIDTH_MM)


def attainment_chart(indicators: Sequence[IndicatorLike], words: ChartWords) -> ChartSpec:
    """图3: actual against the provincial (or own) target, one bar per indicator and plan kind.

    Two complementary series (reached / not yet) so the legend explains the colours; the dashed
    frame is the 100 % target; bars beyond 200 % stop there and are labelled with their value.
    """
    vals = [t.attainment for t in indicators]
    return ChartSpec("bar", "clustered", tuple(f"{_cut(t.name, 14)}（{t.plan_kind}）" for t in indicators),
                     (Series(words.reached, tuple(v if v is not None and v >= 1 else None for v in vals), GREEN),
                      Series(words.not_reached, tuple(v if v is not None and v < 1 else None for v in vals), BLUE)),
                     value_axis_title=words.attainment_axis.format(clip=f"{CLIP:.0%}"),
                     percent_axis=True, value_max=CLIP * 1.2, major_unit=0.5, clip_at=CLIP,
                     reference_line_at=1.0, reference_label=words.target, gap_width=50,
                     width_mm=TEXT_WIDTH_MM)
