"""The Word 汇总报告: the same official layout as the plans (GB/T 9704), tables and charts.

Styles and page come from report_templates/summary.docx (see template.py); this module only
adds content. Tables are written as one XML fragment each (python-docx's add_row costs
seconds for thousands of rows); header rows repeat, rows never split, cells do not snap to
the document grid. User text is escaped, so ``&`` or ``<`` in a name comes out as typed.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from xml.sax.saxutils import escape

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from ..files import save_atomic
from ..jobs import NULL_JOB
from ..store.service import Store
from . import charts
from .core import FILED, Summary, summarise
from .template import load_summary_template

DOCX_CHASE_LIMIT = 500  # rows of the 催报名单 附件; the xlsx always has them all
PORTRAIT_TWIPS = 8844  # 156 mm text width
LANDSCAPE_TWIPS = 12756  # 225 mm
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _t(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.2f}".rstrip("0").rstrip(".")
    return escape(_CTRL.sub("", str(v)))


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def add_table(doc, headers: list[str], widths: list[float], rows, numeric: set[int] = frozenset(),
              total_width: int = PORTRAIT_TWIPS, bold_rows: set[int] = frozenset()):
    """Append a bordered table; ``widths`` are relative, ``numeric`` columns are centred."""
    head_id = doc.styles["Table Head"].style_id
    text_id = doc.styles["Table Text"].style_id
    scale = total_width / sum(widths)
    tw = [int(w * scale) for w in widths]

    def cell(text, w, style, center, bold=False):
        jc = '<w:jc w:val="center"/>' if center else ""
        b = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
                f'<w:p><w:pPr><w:pStyle w:val="{style}"/><w:snapToGrid w:val="0"/>{jc}</w:pPr>'
                f'<w:r>{b}<w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:tc>')

    border = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(tw)}" w:type="dxa"/><w:jc w:val="center"/>'
             f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
             '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
             '</w:tblPr><w:tblGrid>', *(f'<w:gridCol w:w="{w}"/>' for w in tw), "</w:tblGrid>",
             '<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>',
             *(cell(_t(h), w, head_id, True) for h, w in zip(headers, tw)), "</w:tr>"]
    for i, r in enumerate(rows):
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        parts.extend(cell(_t(v), w, text_id, j in numeric, i in bold_rows) for j, (v, w) in enumerate(zip(r, tw)))
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    tbl = parse_xml("".join(parts))
    body = doc.element.body
    body.insert(len(body) - 1, tbl)  # before the final sectPr
    doc.add_paragraph().paragraph_format.line_spacing = Pt(8)  # a small gap after the table
    return tbl


def add_figure(doc, png: bytes, caption: str, width_mm: float = 150) -> None:
    p = doc.add_paragraph()
    pf = p.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.line_spacing = 1.0  # single: the exact body pitch would clip the picture
    pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pf.keep_with_next = True
    p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))
    doc.add_paragraph(caption, style="Caption")


def _clear_body(doc) -> None:
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _landscape(doc):
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Mm(297), Mm(210)
    sec.left_margin, sec.right_margin = Mm(37), Mm(35)
    sec.top_margin, sec.bottom_margin = Mm(28), Mm(26)
    return sec


def _short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "……"


def write_report(doc, sm: Summary, job=NULL_JOB) -> None:
    sc, f = sm.scope, sm.scope.view.form
    counts, n = sm.counts, len(sm.roster)
    filed = sum(counts[s] for s in FILED)
    place = sc.branch_label.removeprefix("所属")
    _clear_body(doc)
    doc.add_paragraph(f"{sc.node_name}{sc.year}年{f.title}落实情况汇总报告", style="Title")
    doc.add_paragraph()
    kinds = {}
    for r in sm.roster:
        kinds[r.plan_kind] = kinds.get(r.plan_kind, 0) + 1
    doc.add_paragraph(
        f"根据《{f.full_title}》{'（' + f.doc_no + '）' if f.doc_no else ''}要求，现将{sc.node_name}{sc.year}年"
        f"{'、'.join('“' + k + '”' for k in kinds) or ''}实施方案报送及落实情况汇总如下（统计截至"
        f"{sm.made_at:%Y年%m月%d日}）。")

    doc.add_paragraph("一、报送情况", style="Heading 1")
    doc.add_paragraph(
        f"{sc.node_name}应报送单位 {n} 个（" + "，".join(f"{k} {v} 个" for k, v in kinds.items()) +
        f"），已报送 {filed} 个，其中已受理 {counts['已受理']} 个；已退回待重报 {counts['已退回']} 个；"
        f"尚未报送 {counts['未报送'] + counts['草稿'] + counts['已导出']} 个。报送率 {pct(filed / n if n else None)}。")
    br = sm.branches
    rows = [[b.name, b.units, b.counts["已报送"] + b.counts["已受理"], b.counts["已受理"], b.counts["已退回"],
             b.units - b.filed - b.counts["已退回"], pct(b.rate)] for b in br]
    rows.append(["合计", n, filed, counts["已受理"], counts["已退回"], n - filed - counts["已退回"],
                 pct(filed / n if n else None)])
    doc.add_paragraph(f"表1  各{place}报送情况", style="Caption")
    add_table(doc, [place, "应报", "已报送", "其中已受理", "已退回", "未报送", "报送率"], [3, 1.2, 1.2, 1.4, 1.2, 1.2, 1.4],
              rows, numeric={1, 2, 3, 4, 5, 6}, bold_rows={len(rows) - 1})
    job.check()
    has_charts = charts.available() and bool(br)
    if has_charts:
        add_figure(doc, charts.filing_rate_png(br), f"图1  各{place}报送率")

    doc.add_paragraph("二、任务推进情况", style="Heading 1")
    plans = sm.items[0].plans if sm.items else 0
    done = sum(it.status.get("已完成", 0) for it in sm.items)
    base = sum(it.plans - it.status.get("不适用", 0) for it in sm.items)
    ranked = sorted((it for it in sm.items if it.done_rate is not None), key=lambda it: it.done_rate)
    text = (f"纳入统计的已报送方案 {plans} 份，涉及清单任务 {len(sm.items)} 项。"
            f"按方案逐项统计，已完成的占 {pct(done / base if base else None)}。")
    if len(ranked) >= 3:
        text += ("完成率较高的是第" + "、".join(f"{it.display_no}项（{pct(it.done_rate)}）" for it in ranked[::-1][:3])
                 + "；较低的是第" + "、".join(f"{it.display_no}项（{pct(it.done_rate)}）" for it in ranked[:3]) + "。")
    doc.add_paragraph(text)
    states = list(sm.items[0].status) if sm.items else []
    doc.add_paragraph("表2  各项任务进度", style="Caption")
    add_table(doc, ["序号", "任务", "已填报", *states, "完成率"], [0.8, 6, 1.1, *([1] * len(states)), 1.5],
              ([it.display_no, _short(it.text), it.answered, *(it.status[s] for s in states), pct(it.done_rate)]
               for it in sm.items), numeric=set(range(2, 4 + len(states))) | {0})
    if has_charts and sm.items:
        add_figure(doc, charts.progress_png(sm.items), "图2  各项任务进度分布")
    job.check()

    if sm.indicators:
        doc.add_paragraph("三、指标完成情况", style="Heading 1")
        reached = [t for t in sm.indicators if t.attainment is not None and t.attainment >= 1]
        doc.add_paragraph(f"清单中的量化指标按填报类型分别汇总（百分比类取平均值，其余取合计），共 {len(sm.indicators)} 项，"
                          f"完成值达到省级目标（无省级目标时为单位目标）的 {len(reached)} 项。")
        doc.add_paragraph("表3  指标完成情况", style="Caption")
        add_table(doc, ["指标", "填报类型", "省级目标", "单位目标", "完成值", "达成率"], [4.6, 1.6, 2, 1.4, 1.4, 1.7],
                  ([f"{t.name}（{t.unit}，{'合计' if t.aggregation == 'sum' else '平均'}）", t.plan_kind,
                    t.province_target_text or "—", t.total.target, t.total.actual, pct(t.attainment)]
                   for t in sm.indicators), numeric={1, 2, 3, 4, 5})
        if has_charts:
            add_figure(doc, charts.attainment_png(sm.indicators), "图3  指标达成率")
    chase = [r for r in sm.roster if r.to_chase]
    doc.add_paragraph(("四、" if sm.indicators else "三、") + "催报情况", style="Heading 1")
    doc.add_paragraph(f"尚未报送或已退回待重报的单位 {len(chase)} 个，名单见附件。" if chase else "应报单位均已报送。")
    doc.add_paragraph()
    doc.add_paragraph(sc.node_name, style="Closing")
    doc.add_paragraph(f"{sm.made_at:%Y年%m月%d日}", style="Closing")
    job.check()

    if chase:
        _landscape(doc)
        doc.add_paragraph("附件", style="Attachment Label")
        doc.add_paragraph()
        doc.add_paragraph(f"{sc.node_name}{sc.year}年催报名单", style="Title")
        doc.add_paragraph()
        shown = chase[:DOCX_CHASE_LIMIT]
        add_table(doc, ["序号", place, "单位名称", "方案类型", "当前状态", "退回理由", "联系人", "联系电话"],
                  [0.8, 1.8, 5, 1.5, 1.4, 3.6, 1.2, 2.6],
                  ([i, r.branch_name, r.unit_name, r.plan_kind, r.status, r.status_reason, r.contact_person,
                    r.contact_phone] for i, r in enumerate(shown, 1)), numeric={0, 3, 4},
                  total_width=LANDSCAPE_TWIPS)
        if len(chase) > len(shown):
            doc.add_paragraph(f"（共 {len(chase)} 个单位，此处列出前 {len(shown)} 个；完整名单见汇总表 xlsx 的“催报名单”。）")


def export_summary_docx(store: Store, form_id: str, year: int, under: str | None, out, job=NULL_JOB,
                        summary: Summary | None = None) -> Path:
    """The 汇总报告 .docx (written to a temporary name first, so nothing half-written remains)."""
    sm = summary or summarise(store, form_id, year, under, job)
    doc = load_summary_template()
    write_report(doc, sm, job)
    job.check()
    return save_atomic(out, doc.save)
