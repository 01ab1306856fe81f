"""Builds report_templates/summary.docx: the GB/T 9704-2012 page and styles of the 汇总报告.

When report_templates/plan.docx (the 实施方案 template) exists its styles are taken over, so
the report and the plans share one typography; the page, footers and the 落款 style are set here.

Layout lives in the template so an office can restyle it in Word without code; this script
only makes the first one (``python -m desktop.summary.template``). The exporter falls back
to building it in memory when the file is missing. Facts used: A4, margins 37/35/28/26 mm,
body 3号 仿宋_GB2312 at an exact 28.95 pt pitch (22 lines), title 2号 方正小标宋简体,
一、 黑体, （一） 楷体_GB2312, page numbers “— 1 —” 4号 宋体 odd right / even left, and
explicit East-Asian fonts everywhere (python-docx's default template maps Chinese to a
Japanese font otherwise).
"""
from __future__ import annotations

import copy
import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

FALLBACK = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体"}
TEMPLATE_NAME = "summary.docx"
PLAN_TEMPLATE = "plan.docx"  # made by report_templates/build_templates.py (the Word 实施方案)
RPR_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr",
                     "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
                     "w:specVanish", "w:oMath")


def set_fonts(rpr_owner, east_asia: str, latin: str = "Times New Roman") -> None:
    """Explicit fonts on a style/run: ascii, hAnsi, eastAsia (no theme fonts)."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, rfonts)
    for a in list(rfonts.attrib):
        if a.lower().endswith("theme"):
            del rfonts.attrib[a]
    for k, v in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        rfonts.set(qn(k), v)


def _style(doc, name: str, font: str, size: float, *, base="Normal", bold=False, align=None, indent=True,
           exact: float | None = 28.95, kind=WD_STYLE_TYPE.PARAGRAPH):
    styles = doc.styles
    st = styles[name] if name in [s.name for s in styles] else styles.add_style(name, kind)
    if base and name != base:
        st.base_style = styles[base]
    st.font.size = Pt(size)
    st.font.bold = bold
    set_fonts(st.element, font)
    pf = st.paragraph_format
    if exact:
        pf.line_spacing = Pt(exact)
        pf.line_spacing_rule = 4  # WD_LINE_SPACING.EXACTLY
    else:
        pf.line_spacing = 1.0
    pf.space_before = pf.space_after = Pt(0)
    pf.first_line_indent = Pt(size * 2) if indent else Pt(0)
    # two characters whatever the font (Word prefers the *Chars form, so set it to 0 where unindented too)
    st.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200" if indent else "0")
    if align is not None:
        pf.alignment = align
    return st


def _page_number(paragraph, align) -> None:
    """“— N —” in 4号 宋体."""
    paragraph.alignment = align
    pf = paragraph.paragraph_format
    pf.first_line_indent = Pt(0)
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        pf.right_indent = Pt(14)
    else:
        pf.left_indent = Pt(14)
    p = paragraph._p
    run = '<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr>{}</w:r>'
    p.append(parse_xml(f"<w:r {nsdecls('w')}><w:rPr><w:rFonts w:ascii=\"宋体\" w:hAnsi=\"宋体\" "
                       f"w:eastAsia=\"宋体\"/><w:sz w:val=\"28\"/></w:rPr><w:t xml:space=\"preserve\">— </w:t></w:r>"))
    for body in ('<w:fldChar w:fldCharType="begin"/>', '<w:instrText xml:space="preserve"> PAGE </w:instrText>',
                 '<w:fldChar w:fldCharType="separate"/>', '<w:t>1</w:t>', '<w:fldChar w:fldCharType="end"/>'):
        p.append(parse_xml(run.format(body).replace("<w:r>", f"<w:r {nsdecls('w')}>", 1)))
    p.append(parse_xml(f"<w:r {nsdecls('w')}><w:rPr><w:rFonts w:ascii=\"宋体\" w:hAnsi=\"宋体\" "
                       f"w:eastAsia=\"宋体\"/><w:sz w:val=\"28\"/></w:rPr><w:t xml:space=\"preserve\"> —</w:t></w:r>"))


def gbt9704_page(section) -> None:
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = parse_xml(f"<w:docGrid {nsdecls('w')}/>")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), "579")


def _font_fallbacks(doc) -> None:
    """w:altName in the font table: Word substitutes 仿宋 where 仿宋_GB2312 is missing."""
    ft = next((r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable")), None)
    if ft is None:
        return
    root = parse_xml(ft.blob)
    for name, alt in FALLBACK.items():
        root.append(parse_xml(f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
                              f'<w:charset w:val="86"/><w:family w:val="modern"/></w:font>'))
    from lxml import etree

    ft._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _reuse_plan_styles(doc) -> bool:
    """Take the styles of report_templates/plan.docx (the Word 实施方案) when it is there."""
    from ..resources import templates_dir

    path = templates_dir() / PLAN_TEMPLATE
    if not path.is_file():
        return False
    doc.part._styles_part._element = copy.deepcopy(Document(str(path)).styles.element)
    return True


def build_summary_template(out=None):
    """A python-docx Document with the styles; saved to ``out`` when given."""
    doc = Document()
    # Chinese, not Japanese, as the East-Asian language of the defaults
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = parse_xml(f"<w:lang {nsdecls('w')}/>")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is not None:
        for a in list(rfonts.attrib):
            del rfonts.attrib[a]
        for k, v in (("w:ascii", "Times New Roman"), ("w:hAnsi", "Times New Roman"), ("w:eastAsia", "仿宋_GB2312")):
            rfonts.set(qn(k), v)

    normal = _style(doc, "Normal", "仿宋_GB2312", 16)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    # 28 characters a line: −0.2 pt character spacing (a linesAndChars grid breaks LibreOffice)
    normal.element.get_or_add_rPr().insert_element_before(  # in schema order: Word is strict about it
        parse_xml(f'<w:spacing {nsdecls("w")} w:val="-4"/>'), *RPR_AFTER_SPACING)
    _style(doc, "Title", "方正小标宋简体", 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=36)
    _style(doc, "Heading 1", "黑体", 16)
    _style(doc, "Heading 2", "楷体_GB2312", 16)
    for h in ("Title", "Heading 1", "Heading 2"):
        st = doc.styles[h]
        st.font.color.rgb = None
        st.paragraph_format.keep_with_next = True
        st.paragraph_format.space_before = st.paragraph_format.space_after = Pt(0)
        rpr = st.element.get_or_add_rPr()
        for tag in ("w:color", "w:i", "w:u", "w:spacing", "w:kern"):
            for el in rpr.findall(qn(tag)):
                rpr.remove(el)
        ppr = st.element.get_or_add_pPr()
        for el in ppr.findall(qn("w:pBdr")):
            ppr.remove(el)
        st.font.bold = False
    _style(doc, "Table Text", "仿宋_GB2312", 10.5, indent=False, exact=None)
    _style(doc, "Table Head", "黑体", 10.5, base="Table Text", indent=False, exact=None,
           align=WD_ALIGN_PARAGRAPH.CENTER)
    _style(doc, "Attachment Label", "黑体", 16, indent=False)
    if _reuse_plan_styles(doc):  # the plans' typography, so report and plans look alike
        names = {st.name for st in doc.styles}
        for name in ("Table Text", "Table Head", "Attachment Label"):
            if name not in names:
                raise ValueError(f"plan.docx lacks style {name}")
    _style(doc, "Closing", "仿宋_GB2312", 16, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    caption = _style(doc, "Caption", "黑体", 14, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    caption.font.color.rgb = None
    caption.paragraph_format.keep_with_next = True  # 表N stays with its table

    sec = doc.sections[0]
    gbt9704_page(sec)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(sec.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(sec.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    _font_fallbacks(doc)
    core = doc.core_properties
    core.title, core.author, core.comments = "汇总报告", "yice", "GB/T 9704-2012 版式；由 desktop/summary/template.py 生成"
    if out is not None:
        doc.save(out)
    return doc


def load_summary_template():
    """report_templates/summary.docx when present (an office may have restyled it), else built."""
    from ..resources import templates_dir

    path = templates_dir() / TEMPLATE_NAME
    if path.is_file():
        return Document(str(path))
    buf = io.BytesIO()
    build_summary_template(buf)
    buf.seek(0)
    return Document(buf)


if __name__ == "__main__":
    from ..resources import templates_dir

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else templates_dir() / TEMPLATE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    build_summary_template(target)
    print(target)
