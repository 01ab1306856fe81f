"""The Word 汇总报告: the same official layout as the plans (GB/T 9704), tables and charts.

Styles and pages come from report_templates/summary.docx (built with plan.docx by
report_templates/build_templates.py: one typography); every word from report_templates/summary.yaml
(part ``report``), checked on load. This module only arranges the figures: the title broken into
even lines, tables fitted to their content (the one builder, desktop/word/ooxml.py), native
charts, the 附件说明, and the 署名 of the office that reports (settings) over the 成文日期, kept
on the page of the last lines of text; the 催报名单 附件 on landscape pages.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from docx import Document
from pydantic import BaseModel, ConfigDict, Field

from ..core import fmt
from ..core.errors import InputError
from ..core.files import save_atomic
from ..core.jobs import Job
from ..core.resources import templates_dir
from ..core.store import Store
from ..core.summary import FILED, Summary, summarise
from ..core.vocab import NOT_FILED, PlanState, Role, UnitKind
from ..core.wording import SUMMARY_FILE, SUMMARY_PARTS, fill, load_wording
from . import charts
from .official import Body, plain_title
from .ooxml import Row, release, take_pages
from .pdf import pdf_beside

TEMPLATE = "summary.docx"
DOCX_CHASE_LIMIT = 500  # rows of the 催报名单 附件; the xlsx always has them all
PLACEHOLDERS = ("node", "year", "form", "document", "doc_no", "cited", "made", "place", "signer", "date", "kind",
                "kinds", "n", "units", "by_kind", "filed", "accepted_n", "returned_n", "unfiled", "rate", "plans",
                "items", "done", "top", "bottom", "no", "reached", "name", "unit", "aggregation", "shown", "clip",
                "label_submitted", "label_accepted", "label_returned", "label_not_filed", "form_short")
pct = fmt.percent


# ------------------------------------------------------------------ wording (summary.yaml, report)
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Filing(_Strict):
    heading: str
    text: str
    caption: str
    columns: tuple[str, str, str, str, str, str, str]
    total: str
    figure: str


class _Progress(_Strict):
    heading: str
    text: str
    ranks: str
    rank: str
    caption: str
    columns: tuple[str, str, str, str]
    figure: str


class _Indicators(_Strict):
    heading: str
    text: str
    caption: str
    columns: tuple[str, str, str, str, str, str]
    name: str
    aggregations: dict[Literal["sum", "mean"], str]
    figure: str


class _Charts(_Strict):
    rate: str
    progress_categories: str
    progress_values: str
    reached: str
    not_reached: str
    attainment_axis: str
    target: str


class _Chase(_Strict):
    heading: str
    text: str
    none: str


class _Annex(_Strict):
    note: str
    label: str
    title: str
    columns: tuple[str, str, str, str, str, str, str, str]
    overflow: str


class _Signature(_Strict):
    signers: dict[UnitKind, str]
    fallback: str
    date_style: Literal["arabic", "chinese"] = "arabic"
    right_chars: int = Field(default=4, ge=0, le=10)
    seal_lines: int = Field(default=2, ge=0, le=6)


class ReportWording(_Strict):
    letterhead: str = ""
    title: str
    cite_document: str
    cite_document_unnumbered: str
    intro: str
    kind_quoted: str
    count: str
    filing: _Filing
    progress: _Progress
    indicators: _Indicators
    charts: _Charts
    chase: _Chase
    annex: _Annex
    signature: _Signature


@dataclass(frozen=True)
class ReportTemplate:
    docx: bytes
    wording: ReportWording


def load_template(folder: Path | None = None) -> ReportTemplate:
    """summary.docx and the ``report`` part of summary.yaml, checked."""
    folder = folder or templates_dir()
    try:
        docx = (folder / TEMPLATE).read_bytes()
    except OSError:
        raise InputError(f"缺少 Word 模板：{TEMPLATE}（应在 {folder}）") from None
    w = load_wording(folder / SUMMARY_FILE, ReportWording, PLACEHOLDERS, part="report", parts=SUMMARY_PARTS)
    return ReportTemplate(docx, w)


def signer(w: ReportWording, sm: Summary, office: str | None) -> str:
    """Who signs: the office of the settings, else the template's organ for the node's kind."""
    if office and office.strip():
        return office.strip()
    sc = sm.scope
    return fill(w.signature.signers.get(sc.node_kind, w.signature.fallback), PLACEHOLDERS, node=sc.node_name)


# --------------------------------------------------------------------------- the report
def write_report(body: Body, w: ReportWording, sm: Summary, vocab, *, office: str | None, dated: dt.date,
                 job: Job | None = None) -> None:
    job = job or Job()
    label = vocab.label
    sc, f = sm.scope, sm.scope.view.form
    counts, n = sm.counts, len(sm.roster)
    filed = sum(counts[s] for s in FILED)
    sub, acc, ret = PlanState.SUBMITTED, PlanState.ACCEPTED, PlanState.RETURNED
    kinds: dict[str, int] = {}
    for r in sm.roster:
        kinds[r.plan_kind] = kinds.get(r.plan_kind, 0) + 1
    who = signer(w, sm, office)
    date = fmt.cn_date(dated, w.signature.date_style)
    args = dict(node=sc.node_name, year=sc.year, form=f.title, form_short=sc.form_short, document=f.document_title,
                doc_no=f.doc_no or "", made=fmt.cn_date(sm.made_at.date()), place=sc.branch_label.removeprefix("所属"),
                signer=who, date=date,
                label_submitted=label(sub), label_accepted=label(acc), label_returned=label(ret),
                label_not_filed=label(NOT_FILED))
    args["cited"] = fill(w.cite_document if f.doc_no else w.cite_document_unnumbered, PLACEHOLDERS, **args)

    def t(template, **more):
        return fill(template, PLACEHOLDERS, **{**args, **more})

    numbers = (fmt.cn_number(k) for k in range(1, 100))
    if w.letterhead:
        body.text("Letterhead", t(w.letterhead), keep=True)
        body.blank(keep=True)
        body.blank(keep=True)
    body.title(t(w.title))
    body.blank()
    body.text("Normal", t(w.intro, kinds="、".join(t(w.kind_quoted, kind=k) for k in kinds)), body=True)

    fw = w.filing
    body.heading(1, f"{next(numbers)}、{fw.heading}")
    body.text("Normal", t(fw.text, units=n, by_kind="，".join(t(w.count, kind=k, n=v) for k, v in kinds.items()),
                          filed=filed, accepted_n=counts[acc], returned_n=counts[ret],
                          unfiled=counts[NOT_FILED] + counts[PlanState.DRAFT], rate=pct(filed / n if n else None)),
              body=True)
    br = sm.branches
    rows = [Row([b.name, b.units, b.counts[sub] + b.counts[acc], b.counts[acc], b.counts[ret],
                 b.units - b.filed - b.counts[ret], pct(b.rate)]) for b in br]
    rows.append(Row([fw.total, n, filed, counts[acc], counts[ret], n - filed - counts[ret],
                     pct(filed / n if n else None)], bold=True))
    body.text("Caption", t(fw.caption), keep=True)
    body.table([t(c) for c in fw.columns], rows, center={1, 2, 3, 4, 5, 6})
    job.check()
    if br:
        _figure(body, charts.filing_rate_chart(br, w.charts), t(fw.figure))

    pw = w.progress
    body.heading(1, f"{next(numbers)}、{pw.heading}")
    plans = sm.items[0].plans if sm.items else 0
    done = sum(it.status.get(it.done, 0) for it in sm.items)
    base = sum(it.plans - it.status.get(it.not_applicable, 0) for it in sm.items)
    ranked = sorted((it for it in sm.items if it.done_rate is not None), key=lambda it: it.done_rate)
    text = t(pw.text, plans=plans, items=len(sm.items), done=pct(done / base if base else None))
    if len(ranked) >= 3:
        def ranks(its):
            return "、".join(t(pw.rank, no=it.display_no, rate=pct(it.done_rate)) for it in its)
        text += t(pw.ranks, top=ranks(ranked[::-1][:3]), bottom=ranks(ranked[:3]))
    body.text("Normal", text, body=True)
    states = list(sm.items[0].status) if sm.items else []
    topics = sc.view.item_map
    body.text("Caption", t(pw.caption), keep=True)
    head = [*pw.columns[:3], *states, pw.columns[3]]
    body.table(head, [Row([it.display_no, topics[it.no].topic if it.no in topics else it.text, it.answered,
                           *(it.status[s] for s in states), pct(it.done_rate)]) for it in sm.items],
               center=set(range(2, 4 + len(states))) | {0})
    if sm.items:
        colors = charts.progress_colors(sc.view.decl(Role.PROGRESS), vocab.no_progress)
        _figure(body, charts.progress_chart(sm.items, colors, w.charts), t(pw.figure))
    job.check()

    if sm.indicators:
        iw = w.indicators
        body.heading(1, f"{next(numbers)}、{iw.heading}")
        reached = [x for x in sm.indicators if x.attainment is not None and x.attainment >= 1]
        body.text("Normal", t(iw.text, n=len(sm.indicators), reached=len(reached)), body=True)
        body.text("Caption", t(iw.caption), keep=True)
        body.table(list(iw.columns),
                   [Row([t(iw.name, name=x.name, unit=x.unit, aggregation=iw.aggregations[x.aggregation]), x.plan_kind,
                         x.province_target_text or "—", fmt.figure(x.total.target),
                         fmt.figure(x.total.actual), pct(x.attainment)])
                    for x in sm.indicators], center={1, 2, 3, 4, 5})
        _figure(body, charts.attainment_chart(sm.indicators, w.charts), t(iw.figure))

    chase = [r for r in sm.roster if r.to_chase]
    cw = w.chase
    body.heading(1, f"{next(numbers)}、{cw.heading}")
    body.text("Normal", t(cw.text, n=len(chase)) if chase else t(cw.none), body=True)
    if chase:
        body.annex_note(t(w.annex.note))
    sw = w.signature
    body.signature(who, date, right_chars=sw.right_chars, seal_lines=sw.seal_lines)
    job.check()

    if chase:
        aw = w.annex
        body.start_landscape()
        body.text("Attachment Label", aw.label)
        body.blank()
        body.title(t(aw.title))
        body.blank()
        shown = chase[:DOCX_CHASE_LIMIT]
        body.table([t(c) for c in aw.columns],
                   [Row([i, r.branch_name, r.unit_name, r.plan_kind, label(r.state), r.review_reason, r.contact_person,
                         r.contact_phone]) for i, r in enumerate(shown, 1)], center={0, 3, 4})
        if len(chase) > len(shown):
            body.text("Normal", t(aw.overflow, n=len(chase), shown=len(shown)))
    body.flush()


def _figure(body: Body, chart: charts.ChartSpec, caption: str) -> None:
    """A native chart (centred, kept with its caption) and the caption below it."""
    body.flush()
    charts.add_chart(body.doc, chart, alt_text=caption)
    body.text("Caption", caption, keep=False)  # below its figure: free to end a page


def build_report(sm: Summary, template: ReportTemplate, vocab, *, office: str | None = None,
                 dated: dt.date | None = None, job: Job | None = None):
    """The python-docx Document of a summary (not saved)."""
    doc = Document(io.BytesIO(template.docx))
    body = Body(doc, take_pages(doc), TEMPLATE)
    dated = dated or dt.date.today()
    write_report(body, template.wording, sm, vocab, office=office, dated=dated, job=job)
    w = template.wording
    core = doc.core_properties
    sc = sm.scope
    core.title = plain_title(fill(w.title, PLACEHOLDERS, node=sc.node_name, year=sc.year, form=sc.view.form.title,
                                  form_short=sc.form_short))
    core.author = core.last_modified_by = signer(w, sm, office)
    core.created = core.modified = dt.datetime.combine(dated, dt.time())
    return doc


def export_summary_docx(store: Store, form_id: str, year: int, under: str | None, out, job: Job | None = None,
                        summary: Summary | None = None, *, office: str | None = None, dated: dt.date | None = None,
                        template: ReportTemplate | None = None, pdf: bool = False) -> Path:
    """The 汇总报告 .docx (written to a temporary name first, so nothing half-written remains);
    ``office``: the signing organ (settings), ``dated``: the 成文日期 (default today); ``pdf``: a
    PDF beside it when LibreOffice is installed."""
    job = job or Job()
    sm = summary or summarise(store, form_id, year, under, job)
    doc = build_report(sm, template or load_template(), store.vocab, office=office, dated=dated, job=job)
    job.check()
    try:
        path = save_atomic(out, doc.save)
    finally:
        release(doc)
    if pdf:
        pdf_beside(path)
    return path
