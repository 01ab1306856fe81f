"""The Word 汇总报告: the same official layout as the plans (GB/T 9704), tables and charts.

Styles and pages come from report_templates/summary.docx (built with plan.docx by
report_templates/build_templates.py: one typography); this module only adds content. Tables
come from the one builder (desktop/word/ooxml.py): header rows repeat, cells do not snap to the
document grid, user text is escaped.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.shared import Pt

from ..core import fmt
from ..core.errors import InputError
from ..core.files import save_atomic
from ..core.jobs import Job
from ..core.resources import templates_dir
from ..core.store import Store
from ..core.summary import FILED, Summary, summarise
from ..core.vocab import NOT_FILED, PlanState, Role
from . import charts
from .ooxml import Pages, Row, TableStyle, append_xml, start_landscape, table_xml, take_pages

TEMPLATE = "summary.docx"
DOCX_CHASE_LIMIT = 500  # rows of the 催报名单 附件; the xlsx always has them all
pct = fmt.percent


def load_template() -> tuple[Document, Pages]:
    path = templates_dir() / TEMPLATE
    try:
        doc = Document(str(path))
    except Exception:  # noqa: BLE001 - a missing or broken template is one message
        raise InputError(f"缺少或无法读取 Word 模板：{TEMPLATE}（应在 {path.parent}）") from None
    return doc, take_pages(doc)


def add_table(doc, pages: Pages, headers: list[str], widths: list[float], rows, numeric: set[int] = frozenset(),
              landscape: bool = False, bold_last: bool = False):
    """Append a bordered table; ``widths`` are relative, ``numeric`` columns are centred."""
    total, height = pages.landscape_size if landscape else pages.portrait_size
    rows = [list(r) for r in rows]
    style = TableStyle(doc.styles["Table Head"].style_id, doc.styles["Table Text"].style_id, set(numeric),
                       page_height_pt=height)
    body = [Row(r, bold=bold_last and i == len(rows) - 1) for i, r in enumerate(rows)]
    append_xml(doc, table_xml(headers, widths, body, total, style))
    doc.add_paragraph().paragraph_format.line_spacing = Pt(8)  # a small gap after the table


def add_figure(doc, chart: charts.ChartSpec, caption: str) -> None:
    """A native chart (centred, kept with its caption) and the caption below it."""
    charts.add_chart(doc, chart, alt_text=caption)
    doc.add_paragraph(caption, style="Caption")


def _short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "……"


def write_report(doc, pages: Pages, sm: Summary, vocab, job: Job | None = None) -> None:
    job = job or Job()
    label = vocab.label
    sc, f = sm.scope, sm.scope.view.form
    counts, n = sm.counts, len(sm.roster)
    filed = sum(counts[s] for s in FILED)
    place = sc.branch_label.removeprefix("所属")
    sub, acc, ret = PlanState.SUBMITTED, PlanState.ACCEPTED, PlanState.RETURNED
    unfiled = counts[NOT_FILED] + counts[PlanState.DRAFT]
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
        f"），{label(sub)} {filed} 个，其中{label(acc)} {counts[acc]} 个；{label(ret)}待重报 {counts[ret]} 个；"
        f"尚未报送 {unfiled} 个。报送率 {pct(filed / n if n else None)}。")
    br = sm.branches
    rows = [[b.name, b.units, b.counts[sub] + b.counts[acc], b.counts[acc], b.counts[ret],
             b.units - b.filed - b.counts[ret], pct(b.rate)] for b in br]
    rows.append(["合计", n, filed, counts[acc], counts[ret], n - filed - counts[ret], pct(filed / n if n else None)])
    doc.add_paragraph(f"表1  各{place}报送情况", style="Caption")
    add_table(doc, pages, [place, "应报", label(sub), f"其中{label(acc)}", label(ret), label(NOT_FILED), "报送率"],
              [3, 1.2, 1.2, 1.4, 1.2, 1.2, 1.4], rows, numeric={1, 2, 3, 4, 5, 6}, bold_last=True)
    job.check()
    if br:
        add_figure(doc, charts.filing_rate_chart(br), f"图1  各{place}报送率")

    doc.add_paragraph("二、任务推进情况", style="Heading 1")
    plans = sm.items[0].plans if sm.items else 0
    done = sum(it.status.get(it.done, 0) for it in sm.items)
    base = sum(it.plans - it.status.get(it.not_applicable, 0) for it in sm.items)
    ranked = sorted((it for it in sm.items if it.done_rate is not None), key=lambda it: it.done_rate)
    text = (f"纳入统计的已报送方案 {plans} 份，涉及清单任务 {len(sm.items)} 项。"
            f"按方案逐项统计，已完成的占 {pct(done / base if base else None)}。")
    if len(ranked) >= 3:
        text += ("完成率较高的是第" + "、".join(f"{it.display_no}项（{pct(it.done_rate)}）" for it in ranked[::-1][:3])
                 + "；较低的是第" + "、".join(f"{it.display_no}项（{pct(it.done_rate)}）" for it in ranked[:3]) + "。")
    doc.add_paragraph(text)
    states = list(sm.items[0].status) if sm.items else []
    doc.add_paragraph("表2  各项任务进度", style="Caption")
    add_table(doc, pages, ["序号", "任务", "已填报", *states, "完成率"], [0.8, 6, 1.1, *([1] * len(states)), 1.5],
              ([it.display_no, _short(it.text), it.answered, *(it.status[s] for s in states), pct(it.done_rate)]
               for it in sm.items), numeric=set(range(2, 4 + len(states))) | {0})
    if sm.items:
        colors = charts.progress_colors(sc.view.decl(Role.PROGRESS), vocab.no_progress)
        add_figure(doc, charts.progress_chart(sm.items, colors), "图2  各项任务进度分布")
    job.check()

    if sm.indicators:
        doc.add_paragraph("三、指标完成情况", style="Heading 1")
        reached = [t for t in sm.indicators if t.attainment is not None and t.attainment >= 1]
        doc.add_paragraph(f"清单中的量化指标按填报类型分别汇总（百分比类取平均值，其余取合计），共 {len(sm.indicators)} 项，"
                          f"完成值达到省级目标（无省级目标时为单位目标）的 {len(reached)} 项。")
        doc.add_paragraph("表3  指标完成情况", style="Caption")
        add_table(doc, pages, ["指标", "填报类型", "省级目标", "单位目标", "完成值", "达成率"],
                  [4.6, 1.6, 2, 1.4, 1.4, 1.7],
                  ([f"{t.name}（{t.unit}，{'合计' if t.aggregation == 'sum' else '平均'}）", t.plan_kind,
                    t.province_target_text or "—", t.total.target, t.total.actual, pct(t.attainment)]
                   for t in sm.indicators), numeric={1, 2, 3, 4, 5})
        add_figure(doc, charts.attainment_chart(sm.indicators), "图3  指标达成率")
    chase = [r for r in sm.roster if r.to_chase]
    doc.add_paragraph(("四、" if sm.indicators else "三、") + "催报情况", style="Heading 1")
    doc.add_paragraph(f"尚未报送或已退回待重报的单位 {len(chase)} 个，名单见附件。" if chase else "应报单位均已报送。")
    doc.add_paragraph()
    doc.add_paragraph(sc.node_name, style="Closing")
    doc.add_paragraph(f"{sm.made_at:%Y年%m月%d日}", style="Closing")
    job.check()

    if chase:
        start_landscape(doc, pages)
        doc.add_paragraph("附件", style="Attachment Label")
        doc.add_paragraph()
        doc.add_paragraph(f"{sc.node_name}{sc.year}年催报名单", style="Title")
        doc.add_paragraph()
        shown = chase[:DOCX_CHASE_LIMIT]
        add_table(doc, pages, ["序号", place, "单位名称", "方案类型", "当前状态", "退回理由", "联系人", "联系电话"],
                  [0.8, 1.8, 5, 1.5, 1.4, 3.6, 1.2, 2.6],
                  ([i, r.branch_name, r.unit_name, r.plan_kind, label(r.state), r.review_reason, r.contact_person,
                    r.contact_phone] for i, r in enumerate(shown, 1)), numeric={0, 3, 4}, landscape=True)
        if len(chase) > len(shown):
            doc.add_paragraph(f"（共 {len(chase)} 个单位，此处列出前 {len(shown)} 个；完整名单见汇总表 xlsx 的“催报名单”。）")


def export_summary_docx(store: Store, form_id: str, year: int, under: str | None, out, job: Job | None = None,
                        summary: Summary | None = None) -> Path:
    """The 汇总报告 .docx (written to a temporary name first, so nothing half-written remains)."""
    job = job or Job()
    sm = summary or summarise(store, form_id, year, under, job)
    doc, pages = load_template()
    write_report(doc, pages, sm, store.vocab, job)
    job.check()
    return save_atomic(out, doc.save)
