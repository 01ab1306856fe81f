"""Native Word charts: schema order, package parts, cached data, embedded workbook, rendering.

The order check below is written from the ECMA-376 Part 1 schema sequences (dml-chart.xsd,
dml-main.xsd), independently of the writer, so a writer bug shows up as a failed test rather
than as a document Word refuses to open. The office tests render with LibreOffice and count
the bar colours in the rendered page, so a chart that lost its bars fails too.
"""
from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from desktop.core.catalog import default_catalog
from desktop.core.vocab import Role
from desktop.word import charts
from desktop.word.charts import ChartSpec, Series
from desktop.word.summary import load_template
from tools import render_pdf

_CAT = default_catalog()
COLORS = charts.progress_colors(_CAT.base_fields.fields[[f.role for f in _CAT.base_fields.fields].index(Role.PROGRESS)],
                                _CAT.vocab.no_progress)

C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NSMAP = {"c": C, "a": A, "r": R, "wp": WP, "pr": PKG_REL}


# ----------------------------------------------------------------------------- schema order

def _slots(*names: str) -> list[set[str]]:
    """A sequence: each slot is one element or a choice ("a|b")."""
    return [set(n.split("|")) for n in names]


FILL = "a:noFill|a:solidFill|a:gradFill|a:blipFill|a:pattFill|a:grpFill"
TEXT_BODY = _slots("a:bodyPr", "a:lstStyle", "a:p")
RUN_PROPS = _slots("a:ln", FILL, "a:effectLst|a:effectDag", "a:highlight", "a:uLnTx|a:uLn", "a:uFillTx|a:uFill",
                   "a:latin", "a:ea", "a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")
GROUP_DLBLS = ("c:numFmt", "c:spPr", "c:txPr", "c:dLblPos", "c:showLegendKey", "c:showVal", "c:showCatName",
               "c:showSerName", "c:showPercent", "c:showBubbleSize", "c:separator", "c:showLeaderLines",
               "c:leaderLines")
AXIS_HEAD = ("c:axId", "c:scaling", "c:delete", "c:axPos", "c:majorGridlines", "c:minorGridlines", "c:title",
             "c:numFmt", "c:majorTickMark", "c:minorTickMark", "c:tickLblPos", "c:spPr", "c:txPr", "c:crossAx",
             "c:crosses|c:crossesAt")
CHART_TYPES = ("c:areaChart|c:area3DChart|c:lineChart|c:line3DChart|c:stockChart|c:radarChart|c:scatterChart|"
               "c:pieChart|c:pie3DChart|c:doughnutChart|c:barChart|c:bar3DChart|c:ofPieChart|c:surfaceChart|"
               "c:surface3DChart|c:bubbleChart")

# parent → (sequence of slots, slots that may repeat)
SEQUENCES: dict[str, tuple[list[set[str]], set[str]]] = {
    "c:chartSpace": (_slots("c:date1904", "c:lang", "c:roundedCorners", "c:style", "c:clrMapOvr", "c:pivotSource",
                            "c:protection", "c:chart", "c:spPr", "c:txPr", "c:externalData", "c:printSettings",
                            "c:userShapes", "c:extLst"), set()),
    "c:chart": (_slots("c:title", "c:autoTitleDeleted", "c:pivotFmts", "c:view3D", "c:floor", "c:sideWall",
                       "c:backWall", "c:plotArea", "c:legend", "c:plotVisOnly", "c:dispBlanksAs",
                       "c:showDLblsOverMax", "c:extLst"), set()),
    "c:title": (_slots("c:tx", "c:layout", "c:overlay", "c:spPr", "c:txPr", "c:extLst"), set()),
    "c:tx": (_slots("c:strRef|c:rich|c:v"), set()),
    "c:rich": (TEXT_BODY, {"a:p"}),
    "c:txPr": (TEXT_BODY, {"a:p"}),
    "a:p": (_slots("a:pPr", "a:r|a:br|a:fld", "a:endParaRPr"), {"a:r"}),
    "a:pPr": (_slots("a:lnSpc", "a:spcBef", "a:spcAft", "a:buClrTx|a:buClr", "a:buSzTx|a:buSzPct|a:buSzPts",
                     "a:buFontTx|a:buFont", "a:buNone|a:buAutoNum|a:buChar|a:buBlip", "a:tabLst", "a:defRPr",
                     "a:extLst"), set()),
    "a:defRPr": (RUN_PROPS, set()),
    "a:rPr": (RUN_PROPS, set()),
    "a:endParaRPr": (RUN_PROPS, set()),
    "a:r": (_slots("a:rPr", "a:t"), set()),
    "a:solidFill": (_slots("a:scrgbClr|a:srgbClr|a:hslClr|a:sysClr|a:schemeClr|a:prstClr"), set()),
    "c:plotArea": (_slots("c:layout", CHART_TYPES, "c:valAx|c:catAx|c:dateAx|c:serAx", "c:dTable", "c:spPr",
                          "c:extLst"), {"c:barChart", "c:valAx", "c:catAx"}),
    "c:layout": (_slots("c:manualLayout", "c:extLst"), set()),
    "c:barChart": (_slots("c:barDir", "c:grouping", "c:varyColors", "c:ser", "c:dLbls", "c:gapWidth", "c:overlap",
                          "c:serLines", "c:axId", "c:extLst"), {"c:ser", "c:serLines", "c:axId"}),
    "c:ser": (_slots("c:idx", "c:order", "c:tx", "c:spPr", "c:invertIfNegative", "c:pictureOptions", "c:dPt",
                     "c:dLbls", "c:trendline", "c:errBars", "c:cat", "c:val", "c:shape", "c:extLst"),
              {"c:dPt", "c:trendline"}),
    "c:strRef": (_slots("c:f", "c:strCache", "c:extLst"), set()),
    "c:strCache": (_slots("c:ptCount", "c:pt", "c:extLst"), {"c:pt"}),
    "c:numRef": (_slots("c:f", "c:numCache", "c:extLst"), set()),
    "c:numCache": (_slots("c:formatCode", "c:ptCount", "c:pt", "c:extLst"), {"c:pt"}),
    "c:pt": (_slots("c:v"), set()),
    "c:cat": (_slots("c:multiLvlStrRef|c:numRef|c:numLit|c:strRef|c:strLit"), set()),
    "c:val": (_slots("c:numRef|c:numLit"), set()),
    "c:spPr": (_slots("a:xfrm", "a:custGeom|a:prstGeom", FILL, "a:ln", "a:effectLst|a:effectDag", "a:scene3d",
                      "a:sp3d", "a:extLst"), set()),
    "a:ln": (_slots("a:noFill|a:solidFill|a:gradFill|a:pattFill", "a:prstDash|a:custDash", "a:round|a:bevel|a:miter",
                    "a:headEnd", "a:tailEnd", "a:extLst"), set()),
    "c:dLbls": (_slots("c:dLbl", "c:delete", *GROUP_DLBLS, "c:extLst"), {"c:dLbl"}),
    "c:dLbl": (_slots("c:idx", "c:delete", "c:layout", "c:tx", *GROUP_DLBLS[:-3], "c:extLst"), set()),
    "c:catAx": (_slots(*AXIS_HEAD, "c:auto", "c:lblAlgn", "c:lblOffset", "c:tickLblSkip", "c:tickMarkSkip",
                       "c:noMultiLvlLbl", "c:extLst"), set()),
    "c:valAx": (_slots(*AXIS_HEAD, "c:crossBetween", "c:majorUnit", "c:minorUnit", "c:dispUnits", "c:extLst"), set()),
    "c:scaling": (_slots("c:logBase", "c:orientation", "c:max", "c:min", "c:extLst"), set()),
    "c:majorGridlines": (_slots("c:spPr"), set()),
    "c:legend": (_slots("c:legendPos", "c:legendEntry", "c:layout", "c:overlay", "c:spPr", "c:txPr", "c:extLst"),
                 {"c:legendEntry"}),
    "c:externalData": (_slots("c:autoUpdate"), set()),
}
REQUIRED = {"c:chartSpace": ["c:chart"], "c:chart": ["c:plotArea"], "c:barChart": ["c:barDir", "c:axId"],
            "c:ser": ["c:idx", "c:order"], "c:catAx": ["c:axId", "c:scaling", "c:axPos", "c:crossAx"],
            "c:valAx": ["c:axId", "c:scaling", "c:axPos", "c:crossAx"], "c:strRef": ["c:f"], "c:numRef": ["c:f"],
            "c:pt": ["c:v"], "c:rich": ["a:bodyPr", "a:p"], "c:txPr": ["a:bodyPr", "a:p"], "c:dLbl": ["c:idx"],
            "c:dLbls": [], "a:r": ["a:t"]}
LEAVES = {"c:date1904", "c:lang", "c:roundedCorners", "c:autoTitleDeleted", "c:plotVisOnly", "c:dispBlanksAs",
          "c:overlay", "c:barDir", "c:grouping", "c:varyColors", "c:gapWidth", "c:overlap", "c:axId", "c:idx",
          "c:order", "c:invertIfNegative", "c:f", "c:ptCount", "c:formatCode", "c:v", "c:numFmt", "c:delete",
          "c:dLblPos", *(f"c:{k}" for k in ("showLegendKey", "showVal", "showCatName", "showSerName", "showPercent",
                                            "showBubbleSize")),
          "c:axPos", "c:majorTickMark", "c:minorTickMark", "c:tickLblPos", "c:crossAx", "c:crosses", "c:auto",
          "c:lblAlgn", "c:lblOffset", "c:tickLblSkip", "c:noMultiLvlLbl", "c:orientation", "c:max", "c:min",
          "c:crossBetween", "c:majorUnit", "c:legendPos", "c:autoUpdate", "a:bodyPr", "a:lstStyle", "a:srgbClr",
          "a:latin", "a:ea", "a:cs", "a:t", "a:noFill", "a:prstDash"}
BOOLEANS = {"c:date1904", "c:roundedCorners", "c:autoTitleDeleted", "c:plotVisOnly", "c:overlay", "c:varyColors",
            "c:invertIfNegative", "c:delete", "c:auto", "c:noMultiLvlLbl", "c:autoUpdate",
            *(f"c:{k}" for k in ("showLegendKey", "showVal", "showCatName", "showSerName", "showPercent",
                                 "showBubbleSize"))}
ENUMS = {"c:barDir": {"bar", "col"}, "c:grouping": {"clustered", "stacked", "percentStacked", "standard"},
         "c:axPos": {"b", "l", "r", "t"}, "c:crosses": {"autoZero", "max", "min"},
         "c:tickLblPos": {"high", "low", "nextTo", "none"}, "c:majorTickMark": {"cross", "in", "none", "out"},
         "c:minorTickMark": {"cross", "in", "none", "out"}, "c:legendPos": {"b", "tr", "l", "r", "t"},
         "c:orientation": {"maxMin", "minMax"}, "c:crossBetween": {"between", "midCat"},
         "c:lblAlgn": {"ctr", "l", "r"}, "c:dispBlanksAs": {"gap", "span", "zero"},
         "c:dLblPos": {"bestFit", "b", "ctr", "inBase", "inEnd", "l", "outEnd", "r", "t"}}


def _name(el) -> str:
    ns, local = el.tag[1:].split("}")
    return {C: "c", A: "a"}[ns] + ":" + local


def schema_errors(root) -> list[str]:
    """Everything in ``root`` that breaks the chart schema's sequences, cardinalities or values."""
    errs = []
    for el in root.iter():
        name, path = _name(el), root.getroottree().getpath(el)
        kids = [_name(k) for k in el]
        if name in LEAVES:
            if kids:
                errs.append(f"{path}: {name} should have no children")
        elif name not in SEQUENCES:
            errs.append(f"{path}: {name} is not checked by this test")
        else:
            slots, repeat = SEQUENCES[name]
            last, seen = -1, set()
            for k in kids:
                pos = next((i for i, s in enumerate(slots) if k in s), None)
                if pos is None:
                    errs.append(f"{path}: {k} not allowed in {name}")
                elif pos < last:
                    errs.append(f"{path}: {k} out of order in {name} ({kids})")
                elif k in seen and k not in repeat:
                    errs.append(f"{path}: {k} repeated in {name}")
                else:
                    last = max(last, pos)
                seen.add(k)
            for req in REQUIRED.get(name, []):
                if req not in kids:
                    errs.append(f"{path}: {name} lacks {req}")
        if name in ("c:dLbls", "c:dLbl") and "c:delete" in kids and set(kids) & set(GROUP_DLBLS):
            errs.append(f"{path}: delete and label properties are a choice, not both")
        if name == "c:barChart" and kids.count("c:axId") != 2:
            errs.append(f"{path}: a bar chart needs exactly two axId")
        val = el.get("val")
        if name in BOOLEANS and val not in ("0", "1"):
            errs.append(f"{path}: {name} val={val!r} (write 0/1 explicitly: an empty CT_Boolean means true)")
        if name in ENUMS and val not in ENUMS[name]:
            errs.append(f"{path}: {name} val={val!r}")
        if name == "c:gapWidth" and not 0 <= int(val) <= 500 or name == "c:overlap" and not -100 <= int(val) <= 100:
            errs.append(f"{path}: {name} val={val} out of range")
    # cross references: the plot's axes exist and cross each other
    ids = [int(a.get("val")) for a in root.iterfind(".//c:barChart/c:axId", NSMAP)]
    axes = {int(ax.find("c:axId", NSMAP).get("val")): int(ax.find("c:crossAx", NSMAP).get("val"))
            for ax in root.iterfind(".//c:plotArea/*", NSMAP) if ax.tag in (f"{{{C}}}catAx", f"{{{C}}}valAx")}
    if sorted(ids) != sorted(axes) or any(axes.get(cross) != ax for ax, cross in axes.items()):
        errs.append(f"axes {axes} do not match the plot's axId {ids}")
    for grouping in root.iterfind(".//c:barChart/c:grouping", NSMAP):
        if grouping.get("val") != "clustered" and root.find(".//c:dLblPos[@val='outEnd']", NSMAP) is not None:
            errs.append("outEnd labels on stacked bars (Word refuses the file)")
    return errs


# ----------------------------------------------------------------------------- data


@dataclass
class Branch:
    name: str
    rate: float | None


@dataclass
class Item:
    display_no: str
    status: dict


@dataclass
class Indicator:
    name: str
    plan_kind: str
    attainment: float | None


BRANCHES = [Branch("兰州市", 0.6667), Branch("嘉峪关市", 1 / 3), Branch("甘南藏族自治州", 0.5), Branch("兰州新区", 1.0),
            Branch("空的 & <区>", None)]
ITEMS = [Item(str(i), {"未启动": i % 4, "推进中": 10 - i % 5, "已完成": i, "不适用": 1, "未填": i % 2})
         for i in range(1, 13)]
INDICATORS = [Indicator("优质中职学校", "一市一策", 0.2), Indicator("高水平高职学校", "一校一策", 2.8),
              Indicator("具有地方特色的专业教学标准、课程标准、顶岗实习标准", "一校一策", 1.0),
              Indicator("在线开放精品课程", "一市一策", None)]


WORDS = load_template().wording.charts  # the charts' wording (report_templates/summary.yaml)


def three_specs() -> list[ChartSpec]:
    return [charts.filing_rate_chart(BRANCHES, WORDS), charts.progress_chart(ITEMS, COLORS, WORDS),
            charts.attainment_chart(INDICATORS, WORDS)]


def _parse(spec: ChartSpec, rid: str | None = "rId1"):
    return etree.fromstring(charts.chart_xml(spec, rid))


# ----------------------------------------------------------------------------- unit tests


def test_report_specs_carry_the_figures():
    filing, progress, attain = three_specs()
    assert filing.kind == "column" and filing.grouping == "clustered" and filing.percent_axis
    assert filing.categories == ("兰州市", "嘉峪关市", "甘南藏族自治州", "兰州新区", "空的 & <区>")
    assert filing.series[0].values == (0.6667, 1 / 3, 0.5, 1.0, None)
    assert progress.grouping == "percentStacked" and [s.name for s in progress.series] == list(COLORS)
    assert [s.color_hex for s in progress.series] == list(COLORS.values())
    assert progress.series[2].values == tuple(float(i) for i in range(1, 13))
    assert attain.kind == "bar" and attain.clip_at == 2.0 and attain.reference_line_at == 1.0
    reached, not_yet = attain.series
    assert reached.values == (None, 2.8, 1.0, None) and not_yet.values == (0.2, None, None, None)
    assert attain.categories[2] == "具有地方特色的专业教学标准…（一校一策）"
    drawn = attain.drawn_series()
    assert drawn[0].values == (None, 2.0, 1.0, None)  # cut at 200 %
    assert drawn[2].name == "目标（100%）" and drawn[2].values == (1.0,) * 4
    assert attain.clipped_labels(0) == {1: "280%→"} and attain.clipped_labels(2) == {}


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("titled", [False, True])
def test_chart_xml_follows_the_schema(which, titled):
    spec = three_specs()[which]
    if titled:
        spec = dataclasses.replace(spec, title="测试标题", category_axis_title="类别")
    root = _parse(spec)
    assert schema_errors(root) == []
    assert root.find("c:roundedCorners", NSMAP).get("val") == "0"
    ext = root.find("c:externalData", NSMAP)
    assert ext.get(f"{{{R}}}id") == "rId1" and ext.find("c:autoUpdate", NSMAP).get("val") == "0"
    assert root.find("c:chart/c:autoTitleDeleted", NSMAP).get("val") == ("0" if titled else "1")


def test_schema_check_catches_broken_xml():
    """The checker must fail on what Word rejects, or the test above proves nothing."""
    def broken(mutate) -> list[str]:
        root = _parse(charts.attainment_chart(INDICATORS, WORDS))
        mutate(root)
        return schema_errors(root)

    def ser_after_gap(r):
        bar = r.find(".//c:barChart", NSMAP)
        bar.append(bar.find("c:ser", NSMAP))  # after axId

    def dlbls_before_spPr(r):
        ser = r.find(".//c:ser", NSMAP)
        ser.insert(2, ser.find("c:dLbls", NSMAP))

    def one_axis(r):
        bar = r.find(".//c:barChart", NSMAP)
        bar.remove(bar.findall("c:axId", NSMAP)[1])

    def delete_and_show(r):
        r.find(".//c:ser/c:dLbls", NSMAP).insert(0, etree.Element(f"{{{C}}}delete", val="1"))

    def empty_boolean(r):
        del r.find(".//c:valAx/c:delete", NSMAP).attrib["val"]

    def fonts_before_fill(r):
        rpr = r.find(".//a:defRPr", NSMAP)
        rpr.append(rpr.find("a:solidFill", NSMAP))

    def crossing_wrong_axis(r):
        r.find(".//c:valAx/c:crossAx", NSMAP).set("val", "1")

    def stacked_outend(r):
        r.find(".//c:barChart/c:grouping", NSMAP).set("val", "stacked")

    for mutate in (ser_after_gap, dlbls_before_spPr, one_axis, delete_and_show, empty_boolean, fonts_before_fill,
                   crossing_wrong_axis, stacked_outend):
        assert broken(mutate), mutate.__name__


def test_spec_rejects_what_cannot_be_drawn():
    s = Series("a", [1, 2], "#112233")
    assert s.color_hex == "112233" and s.values == (1.0, 2.0)
    with pytest.raises(ValueError):
        Series("a", [1], "blue")
    with pytest.raises(ValueError):
        ChartSpec("column", "clustered", ("x",), (s,))  # 2 values, 1 category
    with pytest.raises(ValueError):
        ChartSpec("pie", "clustered", ("x", "y"), (s,))
    with pytest.raises(ValueError):
        ChartSpec("column", "stacked", ("x", "y"), (s,), reference_line_at=1)
    with pytest.raises(ValueError):
        ChartSpec("column", "clustered", (), ())
    assert Series("nan", [float("nan"), float("inf")], "000000").values == (None, None)


def test_long_column_labels_are_turned():
    short = ChartSpec("column", "clustered", tuple(str(i) for i in range(1, 34)),
                      (Series("n", [1] * 33, "000000"),))
    long = ChartSpec("column", "clustered", ("临夏回族自治州",) * 15, (Series("n", [1] * 15, "000000"),))
    assert charts.category_label_rotation(short) is None
    assert charts.category_label_rotation(long) == -2_700_000
    assert charts.category_label_rotation(dataclasses.replace(long, kind="bar")) is None


def test_labels_measured_by_the_one_width_rule():
    """Labels are measured by core.text.display_width, as everywhere else: a half-width or
    ligature character is narrow, an East-Asian wide one (⭐, 〈) wide, whatever its code point;
    the embedded workbook's label column is as wide as the widest label, not twice its length."""
    from desktop.core.text import display_width

    for label in ("临夏回族自治州", "第12项", "ｶﾀｶﾅ", "ﬁeld", "⭐〈评估〉"):
        assert charts._text_width_pt(label, 10) == display_width(label) * 5, label
    for labels in (("Lanzhou Polytechnic College", "兰州市"), ("临夏回族自治州", "甘南藏族自治州")):
        spec = ChartSpec("column", "clustered", labels, (Series("n", [1] * len(labels), "000000"),))
        book = openpyxl.load_workbook(io.BytesIO(charts.data_workbook(spec)))
        assert book.active.column_dimensions["A"].width == max(display_width(c) for c in labels), labels


def test_bar_chart_height_grows_with_its_rows():
    few, many = charts.attainment_chart(INDICATORS[:2], WORDS), charts.attainment_chart(INDICATORS * 10, WORDS)
    assert few.size_mm[1] < many.size_mm[1] <= charts.MAX_HEIGHT_MM
    assert charts.attainment_chart(INDICATORS * 100, WORDS).size_mm[1] == charts.MAX_HEIGHT_MM
    titled = dataclasses.replace(few, title="标题")
    assert titled.size_mm[1] == few.size_mm[1] + 10  # the title does not eat the rows' space
    assert dataclasses.replace(few, height_mm=50).size_mm == (150, 50)


def _write_three(path: Path, titled: bool = False) -> list[ChartSpec]:
    from docx import Document

    doc = Document()
    specs = three_specs()
    if titled:
        specs = [dataclasses.replace(s, title=t) for s, t in zip(specs, ("图表甲报送率", "图表乙进度分布", "图表丙指标达成"))]
    doc.add_paragraph("正文")
    for s in specs:
        p = charts.add_chart(doc, s)
        assert p.paragraph_format.keep_with_next and p.paragraph_format.first_line_indent == 0
        doc.add_paragraph("图题", style="Caption")
    doc.save(path)
    return specs


def _cache(ser, what: str):
    pts = ser.findall(f"c:{what}//c:pt", NSMAP)
    count = int(ser.find(f"c:{what}//c:ptCount", NSMAP).get("val"))
    return count, {int(p.get("idx")): p.findtext("c:v", namespaces=NSMAP) for p in pts}


def test_docx_holds_native_chart_parts_with_cached_data(tmp_path):
    from docx import Document
    from docx.enum.shape import WD_INLINE_SHAPE
    from docx.shared import Mm

    out = tmp_path / "charts.docx"
    specs = _write_three(out)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        types = etree.fromstring(z.read("[Content_Types].xml"))
        doc_rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
        body = etree.fromstring(z.read("word/document.xml"))
        assert not [n for n in names if n.startswith("word/media/")]  # no pictures
        overrides = {o.get("PartName"): o.get("ContentType") for o in types}
        defaults = {d.get("Extension"): d.get("ContentType") for d in types if d.get("Extension")}
        inlines = body.findall(".//wp:inline", NSMAP)
        assert len(inlines) == 3
        assert len({i.find("wp:docPr", NSMAP).get("id") for i in inlines}) == 3  # unique drawing ids
        for n, (spec, inline) in enumerate(zip(specs, inlines), 1):
            part = f"word/charts/chart{n}.xml"
            assert overrides[f"/{part}"] == charts.CHART_CONTENT_TYPE
            [rel] = [r for r in doc_rels if r.get("Target") == f"charts/chart{n}.xml"]
            assert rel.get("Type") == charts.RT_CHART
            kids = [etree.QName(k).localname for k in inline]
            assert kids == ["extent", "effectExtent", "docPr", "cNvGraphicFramePr", "graphic"]
            assert inline.find(".//a:graphicData", NSMAP).get("uri") == charts.CHART_URI
            assert inline.find(".//c:chart", NSMAP).get(f"{{{R}}}id") == rel.get("Id")
            ext = inline.find("wp:extent", NSMAP)
            assert (int(ext.get("cx")), int(ext.get("cy"))) == tuple(Mm(x) for x in spec.size_mm)

            root = etree.fromstring(z.read(part))
            assert schema_errors(root) == []
            chart_rels = etree.fromstring(z.read(f"word/charts/_rels/chart{n}.xml.rels"))
            [pkg] = list(chart_rels)
            assert pkg.get("Type") == charts.RT_PACKAGE
            assert root.find("c:externalData", NSMAP).get(f"{{{R}}}id") == pkg.get("Id")
            book_name = "word/" + pkg.get("Target").removeprefix("../")
            assert re.fullmatch(r"word/embeddings/Microsoft_Excel_Worksheet\d+\.xlsx", book_name)
            assert overrides.get("/" + book_name, defaults.get("xlsx")) == charts.XLSX_CONTENT_TYPE

            sers = root.findall(".//c:ser", NSMAP)
            drawn = spec.drawn_series()
            assert [s.findtext("c:tx//c:v", namespaces=NSMAP) for s in sers] == [s.name for s in drawn]
            for ser, s in zip(sers, drawn):
                count, cats = _cache(ser, "cat")
                assert count == len(spec.categories) and list(cats.values()) == list(spec.categories)
                count, vals = _cache(ser, "val")
                assert count == len(spec.categories)
                assert {i: float(v) for i, v in vals.items()} == {i: v for i, v in enumerate(s.values) if v is not None}
                assert ser.find("c:spPr//a:srgbClr", NSMAP).get("val") == s.color_hex
            # CJK font on every text, and nothing smaller than 9 pt
            rprs = root.findall(".//a:defRPr", NSMAP) + root.findall(".//a:rPr", NSMAP)
            assert rprs and all(r.find("a:ea", NSMAP).get("typeface") in ("宋体", "黑体") for r in rprs)
            assert min(int(r.get("sz")) for r in rprs) >= 900

            book = openpyxl.load_workbook(io.BytesIO(z.read(book_name)))
            rows = list(book[charts.SHEET].iter_rows(values_only=True))
            assert list(rows[0][1:]) == [s.name for s in drawn]
            assert [r[0] for r in rows[1:]] == list(spec.categories)
            assert [list(r[1:]) for r in rows[1:]] == [[s.values[i] for s in drawn] for i in range(len(rows) - 1)]

    doc = Document(out)
    assert [s.type for s in doc.inline_shapes] == [WD_INLINE_SHAPE.CHART] * 3
    assert doc.paragraphs[0].text == "正文"


def test_clipped_bar_keeps_its_true_value_in_the_label():
    root = _parse(charts.attainment_chart(INDICATORS, WORDS))
    reached = root.findall(".//c:ser", NSMAP)[0]
    [label] = reached.findall("c:dLbls/c:dLbl", NSMAP)
    assert label.find("c:idx", NSMAP).get("val") == "1"
    assert "".join(label.itertext()) == "280%→"
    frame = root.findall(".//c:ser", NSMAP)[2]
    assert frame.find("c:spPr/a:noFill", NSMAP) is not None  # the target is an outline only
    assert frame.find("c:spPr/a:ln/a:prstDash", NSMAP).get("val") == "dash"
    assert frame.find("c:dLbls/c:delete", NSMAP).get("val") == "1"
    assert root.find(".//c:catAx/c:scaling/c:orientation", NSMAP).get("val") == "maxMin"  # first row on top


def test_user_text_is_escaped_and_control_characters_dropped(tmp_path):
    spec = ChartSpec("column", "clustered", ("A&B <c>\x01", "=1+1"), (Series("名称\x0b", [1, 2], "000000"),),
                     title="标题 & <x>")
    root = _parse(spec)
    assert [p.findtext("c:v", namespaces=NSMAP) for p in root.findall(".//c:cat//c:pt", NSMAP)] == ["A&B <c>", "=1+1"]
    assert root.findtext(".//c:title//a:t", namespaces=NSMAP) == "标题 & <x>"
    book = openpyxl.load_workbook(io.BytesIO(charts.data_workbook(spec)))
    assert book[charts.SHEET]["A3"].value == "=1+1" and book[charts.SHEET]["A3"].data_type == "s"


def test_charts_need_no_image_library(tmp_path):
    """A report with charts is written with matplotlib, numpy and Pillow unimportable."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('matplotlib', 'numpy', 'PIL'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from docx import Document\n"
        "import test_word_charts as t\n"
        f"t._write_three(__import__('pathlib').Path({str(tmp_path / 'x.docx')!r}))\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'numpy', 'PIL', 'PySide6')]\n"
        "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent)
    assert zipfile.ZipFile(tmp_path / "x.docx").namelist().count("word/charts/chart3.xml") == 1


# ----------------------------------------------------------------------------- rendering


def _render(soffice, docx: Path, workdir: Path) -> Path:
    return render_pdf(soffice, docx, workdir)


def _page_text(pdf: Path, page: int) -> str:
    """A page's text without spaces and without its page number (which may fall inside a caption)."""
    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return "".join(re.sub(r"—\s*\d+\s*—", "", text).split())


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _colour_pixels(pdf: Path, page: int, png_stem: Path) -> dict[str, int]:
    """Render a page (a PNG to look at, and a PPM counted here) → pixels per exact RGB colour."""
    args = ["pdftoppm", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile"]
    subprocess.run([*args, "-png", str(pdf), str(png_stem)], check=True)
    subprocess.run([*args, str(pdf), str(png_stem)], check=True)
    ppm = png_stem.with_suffix(".ppm")
    data = ppm.read_bytes()
    ppm.unlink()
    magic, size, depth, pixels = data.split(b"\n", 3)
    assert magic == b"P6" and depth == b"255"
    counts: dict[str, int] = {}
    for i in range(0, len(pixels), 3):
        key = pixels[i:i + 3].hex().upper()
        counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.mark.office
def test_charts_render_in_libreoffice(soffice, tmp_path, artifacts):
    out = tmp_path / "charts.docx"
    _write_three(out, titled=True)
    pdf = _render(soffice, out, tmp_path)
    assert _pages(pdf) >= 1
    text = "".join(_page_text(pdf, p) for p in range(1, _pages(pdf) + 1))
    for needle in ("图表甲报送率", "图表乙进度分布", "图表丙指标达成", "报送率", "未启动", "已完成", "不适用",
                   "优质中职学校（一市一策）", "高水平高职学校（一校一策）", "在线开放精品课程（一市一策）",
                   "目标（100%）", "280%→", "67%", "100%"):  # every row label: none dropped for lack of room
        assert needle in text, needle
    dest = artifacts / "charts"
    dest.mkdir(parents=True, exist_ok=True)
    colours: dict[str, int] = {}
    for p in range(1, _pages(pdf) + 1):
        for k, v in _colour_pixels(pdf, p, dest / f"three_charts-{p}").items():
            colours[k] = colours.get(k, 0) + v
    # bars are drawn: each palette colour covers a visible area, not only a legend key
    for c in (charts.BLUE, charts.GREEN, *COLORS.values()):
        assert colours.get(c, 0) > 300, (c, colours.get(c))


@pytest.mark.office
def test_summary_report_has_native_charts_that_render(store, soffice, tmp_path, artifacts):
    from desktop.core.demo import build_demo
    from desktop.core.summary import summarise
    from desktop.word.summary import export_summary_docx

    build_demo(store, schools=60, year=2024, seed=7)
    sm = summarise(store, "gs2020-annex2", 2024, None)
    out = export_summary_docx(store, "gs2020-annex2", 2024, None, tmp_path / "汇总报告.docx", summary=sm)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert sorted(n for n in names if n.startswith("word/charts/chart")) == \
            [f"word/charts/chart{i}.xml" for i in (1, 2, 3)]
        assert len([n for n in names if n.startswith("word/embeddings/")]) == 3
        assert not [n for n in names if n.startswith("word/media/")]
        for i in (1, 2, 3):
            assert schema_errors(etree.fromstring(z.read(f"word/charts/chart{i}.xml"))) == []
        att = etree.fromstring(z.read("word/charts/chart3.xml"))
        cats = [p.findtext("c:v", namespaces=NSMAP) for p in att.find(".//c:ser/c:cat", NSMAP).iter(f"{{{C}}}pt")]
        assert len(cats) == len(sm.indicators)

    pdf = _render(soffice, out, tmp_path)
    dest = artifacts / "charts"
    dest.mkdir(parents=True, exist_ok=True)
    found = {}
    for p in range(1, _pages(pdf) + 1):
        text = _page_text(pdf, p)
        for fig in ("图1各", "图2各项任务进度分布", "图3指标达成率"):
            if fig in text and fig not in found:
                found[fig] = p
                colours = _colour_pixels(pdf, p, dest / f"summary_report-{fig[:2]}")
                want = {"图1": [charts.BLUE], "图2": list(COLORS.values())[:3],
                        "图3": [charts.BLUE, charts.GREEN, charts.RED]}[fig[:2]]
                for c in want:
                    assert colours.get(c, 0) > 200, (fig, c, colours.get(c))
                if fig.startswith("图2"):
                    assert "未启动" in text and "任务序号" in text
                if fig.startswith("图3"):
                    for label in charts.attainment_chart(sm.indicators, WORDS).categories:
                        assert "".join(label.split()) in text, label
                    if any((t.attainment or 0) > charts.CLIP for t in sm.indicators):
                        assert "→" in text
    assert sorted(found) == ["图1各", "图2各项任务进度分布", "图3指标达成率"], found
