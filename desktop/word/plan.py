"""The Word 实施方案 a unit files (GB/T 9704-2012 layout), from report_templates/ (no Qt).

Why python-docx filling a styled template rather than docxtpl: the page, styles and footers
are data (report_templates/plan.docx, restyled in Word by an office) and the wording is data
(report_templates/plan.yaml), while the structure — chapters left out when empty, one block per
applicable task under its topical heading, the tasks that do not apply with their reasons, the
署名 kept with the last lines of text, the landscape 附件 — is logic that Jinja tags inside Word
XML express badly (Word splits tags across runs, smart quotes break them, and docxtpl escapes
nothing unless told). The 公文 parts both documents share are in desktop/word/official.py.

A formal document shows a submission (第N次报送, in its 版记 and properties) and exists only for
a clean plan; the lifecycle decides (``store.lifecycle.formal_snapshot``); its 成文日期 is the
day of that submission unless one is chosen. A draft says 征求意见稿.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from pydantic import BaseModel, ConfigDict, Field

from ..core import fmt
from ..core.catalog import FormView, Item
from ..core.errors import InputError
from ..core.files import save_atomic
from ..core.jobs import Job
from ..core.resources import templates_dir
from ..core.store import PlanInfo, PlanSnapshot, Store
from ..core.text import safe_filename
from ..core.validation import applies
from ..core.vocab import Meaning, Role, UnitKind
from ..core.wording import fill, load_wording
from .official import Body, lines, plain_title
from .pdf import pdf_beside
from .ooxml import W, Row, release, run, take_pages, text

TEMPLATE, WORDING = "plan.docx", "plan.yaml"
PLACEHOLDERS = ("unit", "kind", "year", "form", "document", "doc_no", "cited", "self", "signer", "no", "ref",
                "topic", "text", "reason", "title", "date", "plan_no", "submission", "y", "m", "d")


# ------------------------------------------------------------------ wording (plan.yaml)
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Chapter(_Strict):
    heading: str
    section: str | None = None  # the unit's own text (forms/fields.yaml sections)
    unit_facts: bool = False
    indicators: bool = False
    tasks: bool = False


class _Indicators(_Strict):
    intro: str
    caption: str
    columns: tuple[str, str, str, str, str]
    weights: tuple[float, float, float, float, float] | None = None  # fixed proportions; default: by content


class _Task(_Strict):
    heading: str
    cite: str
    cite_renamed: str
    full_text: bool = False
    cite_full: str


class _NotApplicable(_Strict):
    heading: str
    intro: str
    line: str
    no_reason: str


class _Annex(_Strict):
    label: str
    note: str
    title: str
    columns: tuple[str, str, str, str, str, str]
    weights: tuple[float, float, float, float, float, float] | None = None
    full_text: bool = False
    not_applicable: str


class _Kind(_Strict):
    own: str = Field(alias="self")  # 本市 / 本校 …


class _Signature(_Strict):
    signers: dict[UnitKind, str]
    date_style: Literal["arabic", "chinese"] = "arabic"
    right_chars: int = Field(default=4, ge=0, le=10)
    seal_lines: int = Field(default=2, ge=0, le=6)


class _Record(_Strict):
    filed: tuple[str, ...]
    draft: tuple[str, ...]


class _Draft(_Strict):
    title_mark: str
    footer_mark: str
    placeholder: str


class Wording(_Strict):
    letterhead: str = ""
    title: str
    titles: dict[str, str] = {}
    subtitle: str = ""
    preamble: str = ""
    cite_document: str
    cite_document_unnumbered: str
    kinds: dict[str, _Kind]
    chapters: tuple[_Chapter, ...]
    unit_facts: dict[str, str]
    indicators: _Indicators
    task: _Task
    item_labels: dict[str, str]
    not_applicable: _NotApplicable
    annex: _Annex
    signature: _Signature
    record: _Record
    date_format: str
    table_date_format: str
    draft: _Draft


_NEEDED = ("task", "explanation", Role.MEASURES, Role.LEAD, Role.PARTNERS, Role.OWNER, Role.DEADLINE, Role.OUTCOME)


@dataclass(frozen=True)
class PlanTemplate:
    docx: bytes
    wording: Wording


def load_template(folder: Path | None = None, sections=(), plan_kinds=()) -> PlanTemplate:
    """plan.docx and plan.yaml, checked (``sections``: the section keys the chapters may name;
    ``plan_kinds``: the kind ids that need their words under ``kinds``)."""
    folder = folder or templates_dir()
    docx_path, yaml_path = folder / TEMPLATE, folder / WORDING
    try:
        docx = docx_path.read_bytes()
    except OSError:
        raise InputError(f"缺少 Word 模板：{docx_path.name}（应在 {folder}）") from None
    w = load_wording(yaml_path, Wording, PLACEHOLDERS)
    missing = [str(k) for k in _NEEDED if str(k) not in w.item_labels]
    if missing:
        raise InputError(f"模板文件「{WORDING}」中「item_labels」缺少：{'、'.join(missing)}")
    known = {d.key for d in sections}
    bad = [c.section for c in w.chapters if c.section and sections and c.section not in known]
    if bad:
        raise InputError(f"模板文件「{WORDING}」中「chapters」的 section 不是方案章节：{'、'.join(bad)}")
    missing = [k for k in plan_kinds if k not in w.kinds]
    if missing:
        raise InputError(f"模板文件「{WORDING}」中「kinds」缺少方案类型：{'、'.join(missing)}")
    return PlanTemplate(docx, w)


# --------------------------------------------------------------------- the document
@dataclass
class _Ctx:
    w: Wording
    view: FormView
    data: PlanSnapshot
    draft: bool
    dated: dt.date
    vocab: object


def _fmt_date(w: Wording, iso: str | None, short: bool = False) -> str:
    """The text's date format, or the tables' shorter one."""
    if not iso:
        return ""
    try:
        d = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return fill(w.table_date_format if short else w.date_format, PLACEHOLDERS, y=d.year, m=d.month, d=d.day)


def plan_title(w: Wording, unit_name: str, kind: str, year: int) -> str:
    """The title with its break marks ('|'); ``official.plain_title`` for one line."""
    return fill(w.titles.get(kind, w.title), PLACEHOLDERS, unit=unit_name, kind=kind, year=year)


def signer_of(w: Wording, unit) -> str:
    """The signing organ: the template's wording for the unit's kind (兰州市 → 兰州市人民政府)."""
    return fill(w.signature.signers.get(unit.kind, "{unit}"), PLACEHOLDERS, unit=unit.name)


def _in_plan(c: _Ctx, item: Item) -> bool:
    """Items the plan addresses: those its kind must answer, and any the unit wrote in."""
    has_ind = any(c.data.indicators.get(i.key, (None, None)) != (None, None) for i in item.indicators)
    return c.view.must_answer(item.no, c.data.plan.kind) or bool(c.data.values.get(item.no)) or has_ind


def _reason(c: _Ctx, item: Item) -> str:
    """Why an item does not apply: the unit's 说明 on its applicability, else its 存在问题."""
    key = c.view.key
    said = [note for (no, _rule, field), note in sorted(c.data.explanations.items())
            if no == item.no and field == key(Role.APPLICABILITY)]
    return "；".join(said) or c.data.value(item.no, key(Role.PROBLEMS)) or ""


def _render(b: Body, c: _Ctx) -> None:
    """The whole document into ``b``: title, chapters, 附件说明, 署名, the landscape 附件, 版记."""
    w, plan, data, unit, view = c.w, c.data.plan, c.data, c.data.unit, c.view
    key = view.key
    title = plan_title(w, unit.name, plan.kind, plan.year)
    doc_title, doc_no = view.form.document_title, view.form.doc_no or ""
    own = w.kinds[plan.kind].own if plan.kind in w.kinds else ""
    signer = signer_of(w, unit)
    date = fmt.cn_date(c.dated, w.signature.date_style)
    args = dict(unit=unit.name, kind=plan.kind, year=plan.year, form=view.form.title, document=doc_title,
                doc_no=doc_no, self=own, signer=signer, title=plain_title(title), date=date)
    args["cited"] = fill(w.cite_document if doc_no else w.cite_document_unnumbered, PLACEHOLDERS, **args)
    placeholder = w.draft.placeholder if c.draft else ""

    def f(template, **more):
        return fill(template, PLACEHOLDERS, **{**args, **more})

    if c.draft:
        b.text("Attachment Label", w.draft.title_mark)
    if w.letterhead:
        b.text("Letterhead", f(w.letterhead), keep=True)
        b.blank(keep=True)
        b.blank(keep=True)
    b.title(title)
    if w.subtitle:
        b.text("Subtitle", f(w.subtitle))
    b.blank()
    if w.preamble:
        b.text("Normal", f(w.preamble), body=True)

    numbers = (fmt.cn_number(n) for n in range(1, 100))
    items = [it for it in view.items if _in_plan(c, it)]
    applicable = [it for it in items if applies(view, data.values.get(it.no, {}))]
    excluded = [it for it in items if it not in applicable]
    ind_rows = []
    for it in items:
        for ind in it.indicators:
            target = data.indicators.get(ind.key, (None, None))[0]
            if target is None and it not in applicable:
                continue
            ind_rows.append(Row([str(len(ind_rows) + 1), f"{ind.name}（{ind.unit}）",
                                 "；".join(t.describe(ind.unit) for t in ind.targets) or "—",
                                 fmt.number(target) + ind.unit if target is not None else "—",
                                 _fmt_date(w, data.value(it.no, key(Role.DEADLINE)), True) or "—"]))
    kind_label = c.vocab.label(unit.kind)
    facts = {"name": unit.name, "kind": f"{kind_label}（{unit.school_type}）" if unit.school_type else kind_label,
             "parent": unit.parent_name, "school_code": unit.school_code, "credit_code": unit.credit_code}

    for ch in w.chapters:
        text_of_unit = data.sections.get(ch.section) if ch.section else None
        if ch.tasks:
            if not applicable and not excluded:
                continue
            b.heading(1, f"{next(numbers)}、{ch.heading}")
            _tasks(b, c, applicable, excluded, placeholder, f)
            continue
        if not (lines(text_of_unit) or ch.unit_facts or (ch.indicators and ind_rows)):
            continue
        b.heading(1, f"{next(numbers)}、{ch.heading}")
        if ch.unit_facts:
            b.text("Normal", "；".join(f"{label}：{facts[k]}" for k, label in w.unit_facts.items() if facts.get(k))
                   + "。", body=True)
        b.user_text(text_of_unit)
        if ch.indicators and ind_rows:
            b.text("Normal", f(w.indicators.intro), body=True)
            b.text("Table Head", f(w.indicators.caption), keep=True)
            b.table([f(h) for h in w.indicators.columns], ind_rows, center={0, 2, 3, 4},
                    weights=w.indicators.weights)
            b.blank()

    annex_rows = []
    for it in items:
        v = data.values.get(it.no, {})
        task = it.text if w.annex.full_text else (v.get(key(Role.TASK_TITLE)) or it.topic)
        if it in applicable:
            annex_rows.append(Row([it.display_no, task, v.get(key(Role.MEASURES)) or placeholder,
                                   v.get(key(Role.LEAD), ""), _fmt_date(w, v.get(key(Role.DEADLINE)), True),
                                   v.get(key(Role.PROGRESS), "")]))
        else:
            na = f(w.annex.not_applicable, reason=_reason(c, it) or w.not_applicable.no_reason)
            annex_rows.append(Row([it.display_no, task, na, "", "", view.decl(Role.PROGRESS).choice(
                Meaning.NOT_APPLICABLE) or ""]))
    if annex_rows:
        b.annex_note(f(w.annex.note))
    b.signature(signer, date, right_chars=w.signature.right_chars, seal_lines=w.signature.seal_lines)
    if annex_rows:
        b.start_landscape()
        b.text("Attachment Label", w.annex.label)
        b.blank()
        b.title(f(w.annex.title, title=title))
        b.blank()
        b.table(list(w.annex.columns), annex_rows, center={0, 4, 5}, weights=w.annex.weights, keep_last=True)
    sub = data.submission
    rows = w.record.filed if sub and not c.draft else w.record.draft
    b.record([f(r, plan_no=plan.uuid[:8], submission=sub.number if sub else "") for r in rows])


def _tasks(b: Body, c: _Ctx, applicable: list[Item], excluded: list[Item], placeholder: str, f) -> None:
    """One block per applicable task: its topical heading, the compact citation of the provincial
    task, then the unit's answers; a last block lists the tasks that do not apply, with reasons."""
    w, data, key = c.w, c.data, c.view.key
    lab = w.item_labels
    k = 0
    for k, it in enumerate(applicable, 1):
        v = data.values.get(it.no, {})
        own_title = (v.get(key(Role.TASK_TITLE)) or "").strip()
        b.heading(2, f"（{fmt.cn_number(k)}）{f(w.task.heading, topic=own_title or it.topic)}")
        more = dict(no=it.display_no, ref=it.ref, topic=it.topic, text=it.text)
        cite = w.task.cite_full if w.task.full_text else (w.task.cite_renamed if own_title else w.task.cite)
        b.para("Normal", run_label(b, lab["task"]), run(f(cite, **more)), body=True)
        b.labelled(lab[Role.MEASURES], v.get(key(Role.MEASURES)) or placeholder)
        duty = [(lab[r], v.get(key(r)) if r != Role.DEADLINE else _fmt_date(w, v.get(key(r))))
                for r in (Role.LEAD, Role.PARTNERS, Role.OWNER, Role.DEADLINE)]
        duty = [(label, val) for label, val in duty if val]
        if duty:
            runs = []
            for i, (label, val) in enumerate(duty):
                runs += [run_label(b, label), run(val + ("；" if i < len(duty) - 1 else "。"))]
            b.para("Normal", *runs, body=True)
        if v.get(key(Role.OUTCOME)):
            b.labelled(lab[Role.OUTCOME], v[key(Role.OUTCOME)])
        for (no, _rule, _field), note in sorted(data.explanations.items()):  # 说明 travel with the filing
            if no == it.no:
                b.labelled(lab["explanation"], note)
    if excluded:
        na = w.not_applicable
        b.heading(2, f"（{fmt.cn_number(k + 1)}）{f(na.heading)}")  # the heading style keeps with the intro,
        b.text("Normal", f(na.intro), body=True, keep=True)  # the intro with the list: never left at a page foot
        for it in excluded:
            b.text("Normal", f(na.line, no=it.display_no, topic=it.topic, reason=_reason(c, it) or na.no_reason),
                   body=True)


def run_label(b: Body, label: str) -> str:
    return run(f"{label}：", b.style("Field Label"))


def _draft_footers(doc, mark: str) -> None:
    """Put the draft mark beside the page number of every footer (inner side of the number),
    the turned numbers of the landscape pages included."""
    run_xml = (f'<w:r {W}><w:rPr><w:rFonts w:ascii="黑体" w:hAnsi="黑体" w:eastAsia="黑体"/></w:rPr>'
               f'<w:t xml:space="preserve">{{}}</w:t></w:r>')
    seen = set()
    for sec in doc.sections:
        for ft in (sec.footer, sec.even_page_footer, sec.first_page_footer):
            if ft.is_linked_to_previous or id(ft.part) in seen:
                continue
            seen.add(id(ft.part))
            for p in ft._element.iter(qn("w:p")):
                if "PAGE" not in "".join(p.xpath("./w:r/w:instrText/text()")):
                    continue
                jc = p.find(f"{qn('w:pPr')}/{qn('w:jc')}")
                if jc is not None and jc.get(qn("w:val")) in ("right", "end"):
                    p.insert(1 if p.find(qn("w:pPr")) is not None else 0, parse_xml(run_xml.format(text(mark) + "　　")))
                else:
                    p.append(parse_xml(run_xml.format("　　" + text(mark))))


def build_document(view: FormView, data: PlanSnapshot, template: PlanTemplate, vocab, *, draft: bool,
                   dated: dt.date):
    """The python-docx Document of one plan (not saved); ``dated``: its 成文日期."""
    doc = Document(io.BytesIO(template.docx))
    if draft:
        _draft_footers(doc, template.wording.draft.footer_mark)
    body = Body(doc, take_pages(doc), TEMPLATE)
    _render(body, _Ctx(template.wording, view, data, draft, dated, vocab))
    body.flush()
    w = template.wording
    core = doc.core_properties
    core.title = plain_title(plan_title(w, data.unit.name, data.plan.kind, data.plan.year))
    core.subject = view.form.full_title
    core.author = core.last_modified_by = signer_of(w, data.unit)
    core.comments = w.draft.title_mark if draft else f"第{data.submission.number}次报送（{data.submission.uuid}）"
    stamp = dt.datetime.combine(dated, dt.time())
    core.created = core.modified = stamp
    core.revision = data.submission.number if data.submission else 1
    return doc


def _dated(data: PlanSnapshot, draft: bool, dated: dt.date | None) -> dt.date:
    """The 成文日期: as chosen, else the day of the submission (a formal copy), else today."""
    if dated:
        return dated
    if not draft and data.submission is not None:
        return data.submission.made_at.date()
    return dt.date.today()


def default_filename(plan: PlanInfo, draft: bool = False) -> str:
    return safe_filename(f"{plan.unit_name}{plan.year}年“{plan.kind}”实施方案（{plan.form_id}）"
                         f"{'（征求意见稿）' if draft else ''}") + ".docx"


def rendered(store: Store, dated: dt.date | None = None):
    """``(snapshot, draft) -> (file name, bytes)`` for core.package.export_package (the 报送包)."""
    template = load_template(sections=store.catalog.base_fields.sections, plan_kinds=tuple(store.catalog.plan_kinds))

    def render(data: PlanSnapshot, draft: bool) -> tuple[str, bytes]:
        doc = build_document(store.catalog.for_plan(data.plan), data, template, store.vocab, draft=draft,
                             dated=_dated(data, draft, dated))
        buf = io.BytesIO()
        try:
            doc.save(buf)
        finally:
            release(doc)
        return default_filename(data.plan, draft), buf.getvalue()

    return render


def render_plan(store: Store, plan_ref, *, draft: bool = False, dated: dt.date | None = None,
                template: PlanTemplate | None = None):
    """(PlanSnapshot, Document) without writing. A formal render is of the latest submission,
    made now when the plan is a draft — refused (Refused, with the problems) unless clean."""
    lc = store.lifecycle
    data = lc.draft_snapshot(plan_ref) if draft else lc.formal_snapshot(plan_ref)
    template = template or load_template(sections=store.catalog.base_fields.sections,
                                         plan_kinds=tuple(store.catalog.plan_kinds))
    view = store.catalog.for_plan(data.plan)
    return data, build_document(view, data, template, store.vocab, draft=draft, dated=_dated(data, draft, dated))


def export_plan_docx(store: Store, plan_ref, out, *, draft: bool = False, dated: dt.date | None = None,
                     template: PlanTemplate | None = None, pdf: bool = False) -> Path:
    """Write the 实施方案 (``out`` may be a folder); ``dated``: the 成文日期 (default: the day of
    the submission, or today for a draft); ``pdf``: also a PDF beside it when LibreOffice is
    installed, so the province sees what the unit saw."""
    data, doc = render_plan(store, plan_ref, draft=draft, dated=dated, template=template)
    out = Path(out)
    if out.is_dir():
        out = out / default_filename(data.plan, draft)
    try:
        path = save_atomic(out, doc.save)
    finally:
        release(doc)  # a batch exports many: freed now, not at the next cyclic collection
    if pdf:
        pdf_beside(path)
    return path


def export_plans_docx(store: Store, plan_refs, out_dir, *, draft: bool = False, job: Job | None = None,
                      pdf: bool = False):
    """Several plans into ``out_dir``: [(plan_ref, path or None, error message or None)].

    One plan's refusal does not stop the others; cancelling stops between plans (every file
    already written is whole).
    """
    job = job or Job()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    template = load_template(sections=store.catalog.base_fields.sections, plan_kinds=tuple(store.catalog.plan_kinds))
    refs = list(plan_refs)
    results = []
    for i, ref in enumerate(refs):
        job.check()
        try:
            plan = store.plans.get(ref)
            path = export_plan_docx(store, ref, out_dir / default_filename(plan, draft), draft=draft,
                                    template=template, pdf=pdf)
            results.append((ref, path, None))
            msg = plan.unit_name
        except InputError as e:
            results.append((ref, None, str(e)))
            msg = str(e)
        job.progress(i + 1, len(refs), msg)
    return results
