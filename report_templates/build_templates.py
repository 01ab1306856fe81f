"""Builds report_templates/plan.docx and summary.docx: the page and styles of the 实施方案 and the
汇总报告 (GB/T 9704-2012), from one style table so both documents share one typography.

Run ``python report_templates/build_templates.py`` to regenerate. The .docx files are the data:
an office may restyle them in Word (fonts, sizes, margins, footers) and the exporters keep those
styles; this script only makes the first ones. Wording lives in plan.yaml beside them.

Facts applied (see the reference notes): A4, margins 37/35/28/26 mm (portrait) and the same
156×225 mm text area turned for the landscape 附件 section; body 3号 仿宋_GB2312 at an exact
579-twip pitch on a 579 line grid (22 lines), −0.2 pt character spacing (28 characters), first
line indented two characters; explicit East-Asian fonts and zh-CN on every style, no theme
font attributes (the python-docx default template maps Chinese to a Japanese font otherwise);
page numbers “— N —” 4号 宋体, odd right / even left.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, Twips

HERE = Path(__file__).resolve().parent
LATIN = "Times New Roman"
# font name → what Word substitutes when it is missing (font table altName)
FALLBACKS = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "华文中宋", "黑体": "SimHei", "宋体": "SimSun"}
LINE = 579  # twips: 28.95 pt, 22 lines on the 225 mm text area
TITLE_LINE = 700  # twips: 35 pt, the pitch of a title that runs over two lines (off the body grid)
CHAR = 314  # twips: one body character, 16 pt less 0.3 pt spacing (28 × 15.7 pt fit the 442.2 pt line)
FOOTER_MM = 25.5  # portrait footer distance: the page number's dash 7 mm below the text area
NUMBER_MM = 28.5  # its centre from the portrait bottom edge: where a landscape page's number sits
TIGHT = -6  # character spacing of 3号 text in twentieths of a point (−0.3 pt): 28 a line

# name: (east-asian font, size pt, paragraph settings)
PARAGRAPH_STYLES = {
    "Normal": ("仿宋_GB2312", 16, dict(indent=2, exact=LINE, justify=True, tight=True)),
    "Letterhead": ("方正小标宋简体", 26, dict(center=True, grid_off=True, color="FF0000", rule="FF0000", keep=True)),
    "Title": ("方正小标宋简体", 22, dict(center=True, exact=TITLE_LINE, keep=True, grid_off=True)),
    "Subtitle": ("楷体_GB2312", 16, dict(center=True, exact=LINE, keep=True, tight=True)),
    "Heading 1": ("黑体", 16, dict(indent=2, exact=LINE, keep=True, tight=True, level=0)),
    "Heading 2": ("楷体_GB2312", 16, dict(indent=2, exact=LINE, keep=True, tight=True, level=1)),
    "Heading 3": ("仿宋_GB2312", 16, dict(indent=2, exact=LINE, keep=True, tight=True, level=2)),
    "Heading 4": ("仿宋_GB2312", 16, dict(indent=2, exact=LINE, keep=True, tight=True, level=3)),
    "Attachment Label": ("黑体", 16, dict(exact=LINE, keep=True, tight=True)),
    # 附件说明: 左空二字, a wrapped attachment name aligned under its first character (after 附件：)
    "Annex Note": ("仿宋_GB2312", 16, dict(left=5, hanging=3, exact=LINE, keep=True, tight=True)),
    # 署名 and 成文日期: right-aligned; the exporter sets each line's right indent (右空四字, centred署名)
    "Signature": ("仿宋_GB2312", 16, dict(exact=LINE, right=True, keep=True, tight=True)),
    "Record": ("仿宋_GB2312", 14, dict(left=1, grid_off=True, keep=True, rule="000000")),  # 版记 (a tab: 右空一字)
    "Table Text": ("仿宋_GB2312", 12, dict(grid_off=True)),
    "Table Head": ("黑体", 12, dict(grid_off=True, center=True)),
    "Footer": ("宋体", 14, dict(grid_off=True)),
    "Caption": ("黑体", 14, dict(center=True, keep=True, grid_off=True)),  # 表1 / 图1 above a table or figure
}
# 落实举措： etc. inside body paragraphs; a heading that leads its paragraph (（一）加强组织领导。成立……)
CHARACTER_STYLES = {"Field Label": ("黑体", None), "Lead Heading 1": ("黑体", None), "Lead Heading 2": ("楷体_GB2312", None)}


def _rfonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """Explicit ascii/hAnsi/eastAsia fonts, every *Theme attribute removed."""
    rf = rpr.find(qn("w:rFonts"))
    if rf is None:
        rf = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, rf)
    for a in list(rf.attrib):
        del rf.attrib[a]
    for k, v in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        rf.set(qn(k), v)


def _lang(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = parse_xml(f"<w:lang {nsdecls('w')}/>")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _strip_theme_fonts(doc) -> None:
    for el in list(doc.styles.element.iter(qn("w:rFonts"))):
        for a in list(el.attrib):
            if a.endswith("Theme") or a.endswith("theme"):
                del el.attrib[a]
        if not el.attrib:  # it only named theme fonts: inherit the explicit ones instead
            el.getparent().remove(el)
        elif el.get(qn("w:eastAsia")) is None:  # e.g. Macro Text (Courier): Chinese stays 仿宋
            el.set(qn("w:eastAsia"), "仿宋_GB2312")
    tfl = doc.settings.element.find(qn("w:themeFontLang"))
    if tfl is not None:
        tfl.set(qn("w:val"), "en-US")
        tfl.set(qn("w:eastAsia"), "zh-CN")


def _paragraph_style(doc, name: str, font: str, size: float, o: dict):
    names = {s.name for s in doc.styles}
    st = doc.styles[name] if name in names else doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if name != "Normal":
        st.base_style = doc.styles["Normal"]
        st.next_paragraph_style = doc.styles["Normal"]
    # drop the default template's colours, borders, italics and spacing (Title, headings)
    rpr, ppr = st.element.get_or_add_rPr(), st.element.get_or_add_pPr()
    for tag in ("w:color", "w:i", "w:iCs", "w:u", "w:spacing", "w:kern", "w:b", "w:bCs", "w:caps", "w:szCs"):
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)
    for tag in ("w:pBdr", "w:spacing", "w:ind", "w:jc", "w:keepNext", "w:keepLines", "w:contextualSpacing"):
        for el in ppr.findall(qn(tag)):
            ppr.remove(el)
    _rfonts(rpr, font)
    _lang(rpr)
    st.font.size = Pt(size)
    st.font.bold = False
    pf = st.paragraph_format
    if o.get("exact"):
        ppr.append(parse_xml(f'<w:spacing {nsdecls("w")} w:before="0" w:after="0" w:line="{o["exact"]}" '
                             f'w:lineRule="exact"/>'))
    else:
        ppr.append(parse_xml(f'<w:spacing {nsdecls("w")} w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'))
    unit = CHAR if o.get("tight") else int(size * 20)  # one character of this style, in twips
    if o.get("left"):  # a hanging indent (附件说明) or a left indent (版记)
        hang = o.get("hanging", 0) * unit
        ind = f'w:left="{o["left"] * unit}" w:hanging="{hang}"' if hang else f'w:left="0" w:firstLine="{o["left"] * unit}"'
    else:
        ind = f'w:left="0" w:firstLine="{o.get("indent", 0) * unit}"'
    ind += f' w:right="{o.get("right_indent", 0) * unit}"'
    ppr.append(parse_xml(f'<w:ind {nsdecls("w")} {ind}/>'))
    if o.get("center"):
        pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif o.get("right"):
        pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif o.get("justify"):
        pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    elif name != "Normal":
        pf.alignment = WD_ALIGN_PARAGRAPH.LEFT
    if o.get("keep"):
        pf.keep_with_next = True
    if name == "Normal":  # no widow control: every body page holds its 22 lines (the exporter keeps
        ppr.append(parse_xml(f'<w:widowControl {nsdecls("w")} w:val="0"/>'))  # the last two with the 署名
    if o.get("grid_off"):  # tables and footers do not snap to the 579-twip grid
        ppr.append(parse_xml(f'<w:snapToGrid {nsdecls("w")} w:val="0"/>'))
    if o.get("rule"):  # the red 分隔线 under a letterhead; the 版记's rules (consecutive paragraphs share them)
        sides = ("bottom",) if o.get("color") else ("top", "bottom")
        lines = "".join(f'<w:{side} w:val="single" w:sz="{12 if o.get("color") else 8}" w:space="{6 if o.get("color") else 1}" '
                        f'w:color="{o["rule"]}"/>' for side in sides)
        ppr.append(parse_xml(f'<w:pBdr {nsdecls("w")}>{lines}</w:pBdr>'))
    if o.get("level") is not None and ppr.find(qn("w:outlineLvl")) is None:
        ppr.append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{o["level"]}"/>'))
    if o.get("color"):
        rpr.append(parse_xml(f'<w:color {nsdecls("w")} w:val="{o["color"]}"/>'))
    # 28 characters a line at 3号 (a linesAndChars grid breaks LibreOffice); other sizes unspaced
    rpr.append(parse_xml(f'<w:spacing {nsdecls("w")} w:val="{TIGHT if o.get("tight") else 0}"/>'))
    _schema_order(ppr)
    _schema_order(rpr)
    return st


# OOXML sequences (Word refuses files whose children are out of order)
_PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
              "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
              "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
              "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
              "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
              "sectPr", "pPrChange"]
_RPR_ORDER = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
              "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
              "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
              "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath"]


def _schema_order(el) -> None:
    order = _PPR_ORDER if el.tag == qn("w:pPr") else _RPR_ORDER
    rank = {qn(f"w:{t}"): i for i, t in enumerate(order)}
    kids = sorted(el, key=lambda c: rank.get(c.tag, len(order)))
    for c in kids:
        el.remove(c)
        el.append(c)


def _character_style(doc, name: str, font: str) -> None:
    st = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    rpr = st.element.get_or_add_rPr()
    _rfonts(rpr, font)
    _schema_order(rpr)


_NUMBER_RUNS = ('<w:t xml:space="preserve">— </w:t>', '<w:fldChar w:fldCharType="begin"/>',
                '<w:instrText xml:space="preserve"> PAGE </w:instrText>', '<w:fldChar w:fldCharType="separate"/>',
                "<w:t>1</w:t>", '<w:fldChar w:fldCharType="end"/>', '<w:t xml:space="preserve"> —</w:t>')
_NUMBER_RPR = '<w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体" w:cs="宋体"/></w:rPr>'  # 半角宋体 digits


def _number_runs() -> str:
    return "".join(f"<w:r>{_NUMBER_RPR}{body}</w:r>" for body in _NUMBER_RUNS)


def _page_number(doc, paragraph, align) -> None:
    """“— PAGE —” in the Footer style (4号 宋体); one character in from the outer edge."""
    paragraph.style = doc.styles["Footer"]
    paragraph.alignment = align
    pf = paragraph.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        pf.right_indent = Pt(14)
    else:
        pf.left_indent = Pt(14)
    for run in parse_xml(f"<w:p {nsdecls('w')}>{_number_runs()}</w:p>"):
        paragraph._p.append(run)


_DRAWING_NS = ('xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
               'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
               'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
               'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')


def _side_page_number(doc, paragraph, odd: bool, section, number_mm: float, shape_id: int) -> None:
    """The page number of a landscape 附件 page where GB/T 9704 puts it (§8, §10): on the side
    that is the bottom once the sheet is bound with the portrait pages (the table head towards
    the binding edge), turned with the page — odd pages at the lower end of the left edge, even
    pages at the upper end, one character in. A text box anchored to the page, text turned 90°.

    ``number_mm``: the distance of the number's centre from the portrait page's bottom edge, so
    both orientations put it 7 mm off the text area. Square wrapping, not none: LibreOffice 7.4
    drops the page offsets of a footer shape that does not wrap on some pages (it stays in the
    margin, so no text flows around it)."""
    paragraph.style = doc.styles["Footer"]
    emu = 12700 // 20  # per twip
    top, text_h = section.top_margin.twips, section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips
    width = int(Pt(20).twips)
    x = int(Mm(number_mm).twips) - width // 2
    jc, side = ("right", "right") if odd else ("left", "left")
    body = (f'<w:p><w:pPr><w:pStyle w:val="{doc.styles["Footer"].style_id}"/><w:jc w:val="{jc}"/>'
            f'<w:ind w:{side}="280"/></w:pPr>{_number_runs()}</w:p>')
    xml = f"""<w:r {nsdecls('w')} {_DRAWING_NS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>
<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="2" behindDoc="0" locked="1"
 layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>
<wp:positionH relativeFrom="page"><wp:posOffset>{x * emu}</wp:posOffset></wp:positionH>
<wp:positionV relativeFrom="page"><wp:posOffset>{top * emu}</wp:posOffset></wp:positionV>
<wp:extent cx="{width * emu}" cy="{text_h * emu}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>
<wp:wrapSquare wrapText="bothSides"/>
<wp:docPr id="{shape_id}" name="页码 {shape_id}"/><wp:cNvGraphicFramePr/>
<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>
<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{width * emu}" cy="{text_h * emu}"/></a:xfrm>
<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>
<wps:txbx><w:txbxContent>{body}</w:txbxContent></wps:txbx>
<wps:bodyPr rot="0" vert="vert" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="ctr" anchorCtr="0">
<a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>
</mc:AlternateContent></w:r>"""
    paragraph._p.append(parse_xml(xml.replace("\n", " ")))


def _grid(section) -> None:
    sp = section._sectPr
    grid = sp.find(qn("w:docGrid"))
    if grid is None:
        grid = parse_xml(f"<w:docGrid {nsdecls('w')}/>")
        sp.append(grid)
    for a in list(grid.attrib):
        del grid.attrib[a]
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE))


def _font_table(doc) -> None:
    """Declare the GB fonts with altName fallbacks (Word substitutes 仿宋 for 仿宋_GB2312)."""
    from lxml import etree

    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    root = etree.fromstring(part.blob)
    for name, alt in FALLBACKS.items():
        root.append(parse_xml(f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
                              f'<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def build_template(out, title: str) -> None:
    doc = Document()
    _strip_theme_fonts(doc)
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _rfonts(defaults, "仿宋_GB2312")
    _lang(defaults)
    for name, (font, size, opts) in PARAGRAPH_STYLES.items():
        _paragraph_style(doc, name, font, size, opts)
    for name, (font, _size) in CHARACTER_STYLES.items():
        _character_style(doc, name, font)
    _strip_theme_fonts(doc)

    body = doc.sections[0]
    body.orientation = WD_ORIENT.PORTRAIT
    body.page_width, body.page_height = Twips(11906), Twips(16838)
    body.top_margin, body.bottom_margin = Twips(2098), Twips(1984)
    body.left_margin, body.right_margin = Twips(1587), Twips(1474)
    body.header_distance, body.footer_distance = Mm(15), Mm(FOOTER_MM)  # the dash 7 mm below the text
    _grid(body)
    doc.settings.odd_and_even_pages_header_footer = True
    body.footer.is_linked_to_previous = False
    _page_number(doc, body.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(doc, body.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    doc.add_paragraph("（正文：由导出程序写入。本页各段仅为样式示例，可在 Word 中修改样式。）")
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        doc.add_paragraph(f"样式示例：{name}", style=name)

    # the landscape 附件: the portrait page turned with its head to the binding edge, so the
    # portrait bottom margin is on the left, the portrait left margin on top; same 225×156 mm
    annex = doc.add_section(WD_SECTION.NEW_PAGE)
    annex.orientation = WD_ORIENT.LANDSCAPE
    annex.page_width, annex.page_height = Twips(16838), Twips(11906)
    annex.top_margin, annex.bottom_margin = Twips(1587), Twips(1474)
    annex.left_margin, annex.right_margin = Twips(1984), Twips(2098)
    annex.header_distance, annex.footer_distance = Mm(15), Mm(15)
    _grid(annex)
    for n, (footer, odd) in enumerate(((annex.footer, True), (annex.even_page_footer, False)), 1):
        footer.is_linked_to_previous = False
        _side_page_number(doc, footer.paragraphs[0], odd, annex, NUMBER_MM, 900 + n)
    doc.add_paragraph("附件", style="Attachment Label")
    doc.add_paragraph("（附件：任务分解表，横向页面）")
    _font_table(doc)
    core = doc.core_properties
    core.title, core.author = title, "yice"
    core.comments = "GB/T 9704-2012 版式；由 report_templates/build_templates.py 生成，可在 Word 中调整样式"
    doc.save(out)


TEMPLATES = {"plan.docx": "实施方案", "summary.docx": "汇总报告"}


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for name, title in TEMPLATES.items():
        build_template(folder / name, title)
        print(folder / name)
