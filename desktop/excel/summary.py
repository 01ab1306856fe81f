"""The xlsx 汇总表 and the 退回意见 sheet a unit gets back (openpyxl only).

Charts are native Excel bar charts (openpyxl.chart), not pictures: they stay editable in
Excel/WPS, print crisply, and need no image library. Sheets are laid out for printing:
widths, wrapping, borders, frozen header, A4 landscape, header rows repeated, fit to width.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from pydantic import BaseModel, ConfigDict

from ..core.edits import Kind, Ref
from ..core.errors import InputError
from ..core.files import save_atomic
from ..core.jobs import Job
from ..core.resources import templates_dir
from ..core.store import Store
from ..core.summary import FILED, ROSTER_STATES, Summary, summarise
from ..core.validation import unexplained, validate
from ..core.vocab import PlanState
from ..core.wording import SUMMARY_FILE, SUMMARY_PARTS, fill, load_wording
from .style import Col, add_named_styles, clean, guard, lines_needed, print_setup, table

SHEET_PLACEHOLDERS = ("node", "year", "form", "doc_no", "made", "sheet", "branch", "units", "filed", "accepted_n",
                      "others", "state", "n", "name", "kind", "label_submitted", "label_accepted")
LETTER_PLACEHOLDERS = ("unit", "code", "form", "doc_no", "year", "kind", "plan_uuid", "n", "submission_uuid",
                       "reason", "next", "name")


# ------------------------------------------------------------ wording (summary.yaml: sheets, return_letter)
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_C = tuple[str, float]  # [label, width in characters]


class _Roster(_Strict):
    name: str
    note: str
    other: str
    columns: tuple[_C, _C, _C, _C, _C, _C, _C, _C, _C, _C]


class _Rates(_Strict):
    name: str
    title: str
    columns: tuple[_C, _C]
    state_width: float
    rate: _C
    chart: str
    axis: str


class _Chase(_Strict):
    name: str
    note: str
    columns: tuple[_C, _C, _C, _C, _C, _C, _C, _C, _C, _C]


class _Progress(_Strict):
    name: str
    note: str
    columns: tuple[_C, _C, _C, _C, _C, _C]
    state_width: float
    rate: _C
    chart: str
    axis: str


class _IndicatorSheet(_Strict):
    name: str
    note: str
    columns: tuple[_C, _C, _C, _C, _C, _C, _C, _C, _C, _C, _C]
    aggregations: dict[Literal["sum", "mean"], str]


class _Attainment(_Strict):
    name: str
    note: str
    columns: tuple[_C, _C, _C, _C, _C, _C, _C, _C]
    name_kind: str
    chart: str
    axis: str


class SheetWording(_Strict):
    scope: str
    title: str
    total: str
    roster: _Roster
    rates: _Rates
    chase: _Chase
    progress: _Progress
    indicators: _IndicatorSheet
    attainment: _Attainment


class _Fact(_Strict):
    label: str
    value: str = ""


class _Facts(_Strict):
    unit: _Fact
    form: _Fact
    year_kind: _Fact
    plan: _Fact
    submission: _Fact
    submission_id: _Fact
    received: _Fact
    reviewed: _Fact
    reason: _Fact
    action: _Fact


class _Problems(_Strict):
    title: str
    note: str
    columns: tuple[_C, _C, _C, _C, _C]
    severities: dict[Literal["error", "warning"], str]
    target: str
    actual: str


class LetterWording(_Strict):
    sheet: str
    title: str
    facts: _Facts
    problems: _Problems


def load_sheet_wording(folder: Path | None = None) -> SheetWording:
    return load_wording((folder or templates_dir()) / SUMMARY_FILE, SheetWording, SHEET_PLACEHOLDERS,
                        part="sheets", parts=SUMMARY_PARTS)


def load_letter_wording(folder: Path | None = None) -> LetterWording:
    return load_wording((folder or templates_dir()) / SUMMARY_FILE, LetterWording, LETTER_PLACEHOLDERS,
                        part="return_letter", parts=SUMMARY_PARTS)


def _cols(cols, kinds: str, **args) -> list[Col]:
    """Columns from the wording ([label, width]) with the value kinds the code writes (one letter
    each: t text, i int, n number, p percent, d date)."""
    names = {"t": "text", "i": "int", "n": "num", "p": "pct", "d": "date"}
    return [Col(fill(label, SHEET_PLACEHOLDERS, **args), width, names[k]) for (label, width), k in zip(cols, kinds)]


# ------------------------------------------------------------------------ the 汇总表
def _sheet(wb, name: str, header_row: int = 3):
    """A new sheet, frozen below its header, printed on A4 landscape with the header repeated (set
    before any row: a write-only sheet writes these with its first row)."""
    ws = wb.create_sheet(name)
    ws.freeze_panes = f"A{header_row + 1}"
    print_setup(ws, f"{header_row}:{header_row}", margin=0.5)
    return ws


def _bar(title: str, ylabel: str, *, stacked=False, percent=False, width=24, height=10) -> BarChart:
    ch = BarChart()
    ch.type = "col"
    ch.title = title
    ch.y_axis.title = ylabel
    ch.width, ch.height = width, height
    ch.x_axis.delete = False  # openpyxl hides axes by default in recent Excel otherwise
    ch.y_axis.delete = False
    if stacked:
        ch.grouping = "stacked"
        ch.overlap = 100
    if percent:
        ch.y_axis.numFmt = "0%"
        ch.y_axis.majorGridlines = None
    return ch


def _d(x: dt.datetime | None):
    return x.date() if isinstance(x, dt.datetime) else x


def write_summary(wb: Workbook, sm: Summary, vocab, job: Job | None = None, wording: SheetWording | None = None) -> None:
    """The six sheets into ``wb``, a workbook without sheets (write-only: see export_summary_xlsx)."""
    job = job or Job()
    w = wording or load_sheet_wording()
    add_named_styles(wb)
    label = vocab.label
    sc, f = sm.scope, sm.scope.view.form
    counts = sm.counts
    filed = sum(counts[s] for s in FILED)
    base = dict(node=sc.node_name, year=sc.year, form=f.title, doc_no=f.doc_no or f.id,
                made=f"{sm.made_at:%Y-%m-%d %H:%M}", branch=sc.branch_label,
                label_submitted=label(PlanState.SUBMITTED), label_accepted=label(PlanState.ACCEPTED))

    def t(template, **more):
        return fill(template, SHEET_PLACEHOLDERS, **{**base, **more})

    note = t(w.scope)

    def title(sheet):
        return t(w.title, sheet=sheet)

    rw = w.roster
    ws = _sheet(wb, rw.name)
    others = "，".join(t(rw.other, state=label(s), n=counts[s]) for s in ROSTER_STATES if s not in FILED)
    head_note = t(rw.note, units=len(sm.roster), filed=filed, accepted_n=counts[PlanState.ACCEPTED], others=others)
    table(ws, title(rw.name), head_note + "\n" + note, _cols(rw.columns, "ittttttidt", **base),
          ([i, r.branch_name, r.unit_code, r.unit_name, r.parent_name, r.plan_kind, label(r.state),
            r.submission_no or None, _d(r.received_at), r.review_reason] for i, r in enumerate(sm.roster, 1)))
    job.check()

    aw = w.rates
    ws = _sheet(wb, aw.name)
    br = sm.branches
    cols = _cols(aw.columns, "ti", **base) + [Col(label(s), aw.state_width, "int") for s in ROSTER_STATES] \
        + _cols([aw.rate], "p")
    n = len(sm.roster)
    first, last = table(ws, title(aw.title), note, cols,
                        ([b.name, b.units, *(b.counts[s] for s in ROSTER_STATES), b.rate] for b in br),
                        total=[w.total, n, *(counts[s] for s in ROSTER_STATES), filed / n if n else None])
    if br:
        ch = _bar(aw.chart, aw.axis, percent=True)
        ch.add_data(Reference(ws, min_col=len(cols), min_row=first - 1, max_row=first + len(br) - 1), titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=1, min_row=first, max_row=first + len(br) - 1))
        ch.legend = None
        ws.add_chart(ch, f"A{last + 3}")

    cw = w.chase
    ws = _sheet(wb, cw.name)
    chase = [r for r in sm.roster if r.to_chase]
    table(ws, title(cw.name), t(cw.note, n=len(chase)) + "\n" + note, _cols(cw.columns, "ittttttttt", **base),
          ([i, r.branch_name, r.unit_code, r.unit_name, r.parent_name, r.plan_kind, label(r.state), r.review_reason,
            r.contact_person, r.contact_phone] for i, r in enumerate(chase, 1)))
    job.check()

    pw = w.progress
    ws = _sheet(wb, pw.name)
    states = list(sm.items[0].status) if sm.items else []
    cols = _cols(pw.columns, "tttiii", **base) + [Col(s, pw.state_width, "int") for s in states] + _cols([pw.rate], "p")
    first, last = table(ws, title(pw.name), note + "；" + t(pw.note), cols,
                        ([it.display_no, it.text, it.units, it.plans, it.required, it.answered,
                          *(it.status[s] for s in states), it.done_rate] for it in sm.items))
    if sm.items:
        ch = _bar(pw.chart, pw.axis, stacked=True, width=30, height=12)
        ch.add_data(Reference(ws, min_col=7, max_col=6 + len(states), min_row=first - 1, max_row=last),
                    titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        ws.add_chart(ch, f"A{last + 3}")
    job.check()

    iw = w.indicators
    ws = _sheet(wb, iw.name)
    rows = []
    for x in sm.indicators:
        agg = iw.aggregations[x.aggregation]
        for nf in (*x.nodes, x.total):
            rows.append([x.item_no, x.name, x.unit, x.plan_kind, agg, x.province_target_text, nf.name, nf.plans,
                         nf.target, nf.actual, nf.attainment])
    table(ws, title(iw.name), note + "；" + t(iw.note), _cols(iw.columns, "tttttttinnp", **base), rows)

    tw = w.attainment
    ws = _sheet(wb, tw.name)
    first, last = table(ws, title(tw.name), note + "；" + t(tw.note), _cols(tw.columns, "tttnnnnp", **base),
                        ([x.item_no, t(tw.name_kind, name=x.name, kind=x.plan_kind), x.unit, x.province_target_text,
                          x.province_target, x.total.target, x.total.actual, x.attainment] for x in sm.indicators))
    if sm.indicators:
        ch = _bar(tw.chart, tw.axis, percent=True, width=30, height=12)
        ch.add_data(Reference(ws, min_col=8, min_row=first - 1, max_row=last), titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=2, min_row=first, max_row=last))
        ch.legend = None
        ws.add_chart(ch, f"A{last + 3}")


def export_summary_xlsx(store: Store, form_id: str, year: int, under: str | None, out, job: Job | None = None,
                        summary: Summary | None = None) -> Path:
    """The 汇总表: 报送情况, 报送率, 催报名单, 任务进度, 指标汇总, 指标达成 (pass ``summary`` to reuse one)."""
    job = job or Job()
    wording = load_sheet_wording()  # a wording mistake is reported before the (long) summary runs
    sm = summary or summarise(store, form_id, year, under, job)
    # write-only: each sheet's rows are written out as they come (into a temporary file per
    # sheet), no cell kept — the same cells, styles and settings, at about bare openpyxl's speed
    wb = Workbook(write_only=True)
    try:
        write_summary(wb, sm, store.vocab, job, wording)
        job.check()
    except BaseException:
        _discard(wb)
        raise
    return save_atomic(out, wb.save)


def _discard(wb: Workbook) -> None:
    """Close a write-only workbook left half-written (cancelled): saving it to nowhere closes its
    sheets' temporary files and removes them, rather than at the program's exit."""
    with contextlib.suppress(Exception):
        wb.save(io.BytesIO())


def _field_label(view, key: str, w: LetterWording) -> str:
    ref = Ref.parse(key)
    if ref.is_indicator and ref.key in view.indicator_map:
        name = view.indicator_map[ref.key][1].name
        return fill(w.problems.target if ref.kind == Kind.TARGET else w.problems.actual, LETTER_PLACEHOLDERS, name=name)
    return view.field_map[key].label if key in view.field_map else key


def return_letter_xlsx(store: Store, plan_ref, out) -> Path:
    """退回意见: what the unit reads to fix its filing — reasons, the checks that failed, what to do."""
    w = load_letter_wording()
    p = store.plans.get(plan_ref)
    if p.state != PlanState.RETURNED:
        raise InputError(f"{p.unit_name}的方案当前为「{store.vocab.label(p.state)}」，只有已退回的方案才能生成退回意见")
    data = store.plans.snapshot(plan_ref, submission=-1)
    sub = data.submission
    view = store.catalog.for_plan(p)
    args = dict(unit=p.unit_name, code=p.unit_code, form=view.form.title, doc_no=view.form.doc_no or view.id,
                year=p.year, kind=p.kind, plan_uuid=p.uuid, n=sub.number, submission_uuid=sub.uuid,
                reason=sub.review_reason or "", next=sub.number + 1)

    def t(template):
        return fill(template, LETTER_PLACEHOLDERS, **args)

    wb = Workbook()
    add_named_styles(wb)
    ws = wb.active
    ws.title = w.sheet
    for c, width in zip("ABCDE", (16, 8, 16, 8, 60)):
        ws.column_dimensions[c].width = width
    ws.cell(1, 1, clean(t(w.title))).font = Font(name="黑体", size=16, bold=True)
    guard(ws.cell(1, 1))
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells("A1:E1")
    ws.row_dimensions[1].height = 30
    fw = w.facts
    dates = {"received": _d(sub.made_at), "reviewed": _d(sub.reviewed_at)}
    facts = [(fact.label, dates[name] if name in dates else t(fact.value))
             for name, fact in ((k, getattr(fw, k)) for k in _Facts.model_fields)]
    for i, (k, v) in enumerate(facts, 3):
        ws.cell(i, 1, k).style = "yice_head"
        ws.cell(i, 2, clean(v)).style = "yice_date" if isinstance(v, dt.date) else "yice_text"
        guard(ws.cell(i, 2))
        if isinstance(v, dt.date):
            ws.cell(i, 2).alignment = Alignment(horizontal="left")
        ws.merge_cells(start_row=i, start_column=2, end_row=i, end_column=5)
        ws.row_dimensions[i].height = max(20, 14 * lines_needed(str(v or ""), 80) + 4)
    row = len(facts) + 4
    open_ = unexplained(validate(view, p.kind, data))
    if open_:
        pw = w.problems
        cols = [Col(label, width, kind) for (label, width), kind in zip(pw.columns, ("int", "int", "text", "text", "text"))]
        rows = [[i, x.item_no or None, _field_label(view, x.field_key, w), pw.severities[x.severity], x.message]
                for i, x in enumerate(open_, 1)]
        table(ws, pw.title, pw.note, cols, rows, top=row)
    print_setup(ws, "", landscape=False)
    return save_atomic(out, wb.save)
