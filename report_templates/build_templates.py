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

# name: (east-asian font, size pt, paragraph settings)
PARAGRAPH_STYLES = {
    "Normal": ("仿宋_GB2312", 16, dict(indent=True, exact=LINE, justify=True, tight=True)),
    "Title": ("方正小标宋简体", 22, dict(center=True, exact=int(LINE * 1.2), keep=True)),
    "Subtitle": ("楷体_GB2312", 16, dict(center=True, exact=LINE, keep=True)),
    "Heading 1": ("黑体", 16, dict(indent=True, exact=LINE, keep=True)),
    "Heading 2": ("楷体_GB2312", 16, dict(indent=True, exact=LINE, keep=True)),
    "Heading 3": ("仿宋_GB2312", 16, dict(indent=True, exact=LINE, keep=True)),
    "Heading 4": ("仿宋_GB2312", 16, dict(indent=True, exact=LINE, keep=True)),
    "Attachment Label": ("黑体", 16, dict(exact=LINE, keep=True)),
    "Table Text": ("仿宋_GB2312", 12, dict(grid_off=True)),
    "Table Head": ("黑体", 12, dict(grid_off=True, center=True)),
    "Footer": ("宋体", 14, dict(grid_off=True)),
    "Caption": ("黑体", 14, dict(center=True, keep=True, grid_off=True)),  # 表1 / 图1 above a table or figure
    "Closing": ("仿宋_GB2312", 16, dict(exact=LINE, right=True)),  # 落款 of the 汇总报告
}
CHARACTER_STYLES = {"Field Label": ("黑体", None)}  # 落实举措： etc. inside body paragraphs


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
    first, chars = (int(size * 40), 200) if o.get("indent") else (0, 0)
    ppr.append(parse_xml(f'<w:ind {nsdecls("w")} w:firstLine="{first}" w:firstLineChars="{chars}"/>'))
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
    if o.get("grid_off"):  # tables and footers do not snap to the 579-twip grid
        ppr.append(parse_xml(f'<w:snapToGrid {nsdecls("w")} w:val="0"/>'))
    if o.get("tight"):  # 28 characters a line (a linesAndChars grid breaks LibreOffice)
        rpr.append(parse_xml(f'<w:spacing {nsdecls("w")} w:val="-4"/>'))
    elif name != "Normal":
        rpr.append(parse_xml(f'<w:spacing {nsdecls("w")} w:val="0"/>'))
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


def _page_number(doc, paragraph, align) -> None:
    """“— PAGE —” in the Footer style (4号 宋体); one character in from the outer edge."""
    paragraph.style = doc.styles["Footer"]
    paragraph.alignment = align
    pf = paragraph.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        pf.right_indent = Pt(14)
    else:
        pf.left_indent = Pt(14)
    runs = ['<w:t xml:space="preserve">— </w:t>', '<w:fldChar w:fldCharType="begin"/>',
            '<w:instrText xml:space="preserve"> PAGE </w:instrText>', '<w:fldChar w:fldCharType="separate"/>',
            "<w:t>1</w:t>", '<w:fldChar w:fldCharType="end"/>', '<w:t xml:space="preserve"> —</w:t>']
    rpr = '<w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体" w:cs="宋体"/></w:rPr>'  # 半角宋体 digits
    for body in runs:
        paragraph._p.append(parse_xml(f"<w:r {nsdecls('w')}>{rpr}{body}</w:r>"))


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
    body.header_distance, body.footer_distance = Mm(15), Mm(24)  # number ≈7 mm below the text
    _grid(body)
    doc.settings.odd_and_even_pages_header_footer = True
    body.footer.is_linked_to_previous = False
    _page_number(doc, body.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(doc, body.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    doc.add_paragraph("（正文：由导出程序写入。本页各段仅为样式示例，可在 Word 中修改样式。）")
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        doc.add_paragraph(f"样式示例：{name}", style=name)

    annex = doc.add_section(WD_SECTION.NEW_PAGE)  # the landscape 附件 (footers linked to the body's)
    annex.orientation = WD_ORIENT.LANDSCAPE
    annex.page_width, annex.page_height = Twips(16838), Twips(11906)
    annex.top_margin, annex.bottom_margin = Twips(1587), Twips(1474)  # same 225×156 mm text area
    annex.left_margin, annex.right_margin = Twips(2098), Twips(1984)
    annex.footer_distance = Mm(15)
    _grid(annex)
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
