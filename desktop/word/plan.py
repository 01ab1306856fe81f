"""The Word 实施方案 a unit files (GB/T 9704-2012 layout), from report_templates/ (no Qt).

Why python-docx filling a styled template rather than docxtpl: the page, styles and footers
are data (report_templates/plan.docx, restyled in Word by an office) and the wording is data
(report_templates/plan.yaml), while the structure — chapters left out when empty, one block per
applicable item, the landscape 附件 section, rows allowed to split only when taller than a page —
is logic that Jinja tags inside Word XML express badly (Word splits tags across runs, smart quotes
break them, and docxtpl escapes nothing unless told). It also saves a dependency and ~160 ms of
import. The body is written as escaped XML fragments (desktop/word/ooxml.py) and parsed once.

A formal document shows a submission (第N次报送) and exists only for a clean plan; the
lifecycle decides (``store.lifecycle.formal_snapshot``). A draft says 征求意见稿.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from pydantic import BaseModel, ConfigDict

from ..core import fmt
from ..core.catalog import FormView, Item
from ..core.errors import InputError
from ..core.files import save_atomic
from ..core.jobs import Job
from ..core.resources import templates_dir
from ..core.store import PlanInfo, PlanSnapshot, Store
from ..core.text import safe_filename
from ..core.validation import applies
from ..core.vocab import Role
from .ooxml import W, Row, TableStyle, append_xml, run, start_landscape, table_xml, take_pages, text
from .wording import fill, load_wording

TEMPLATE, WORDING = "plan.docx", "plan.yaml"
CN_NUM = "一二三四五六七八九十"
PLACEHOLDERS = ("unit", "kind", "year", "form", "doc_no", "document", "no", "ref", "title", "y", "m", "d")


# ------------------------------------------------------------------ wording (plan.yaml)
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    widths: tuple[float, float, float, float, float]


class _Annex(_Strict):
    label: str
    note: str
    title: str
    columns: tuple[str, str, str, str, str, str]
    widths: tuple[float, float, float, float, float, float]
    not_applicable: str


class _Filing(_Strict):
    heading: str
    labels: dict[str, str]
    seal_hint: str


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
    chapters: tuple[_Chapter, ...]
    unit_facts: dict[str, str]
    indicators: _Indicators
    item_heading: str
    item_labels: dict[str, str]
    annex: _Annex
    filing: _Filing
    date_format: str
    table_date_format: str
    draft: _Draft


_NEEDED = {"item_labels": ("task", "source", "units", "explanation", Role.MEASURES, Role.LEAD, Role.PARTNERS,
                           Role.OWNER, Role.DEADLINE, Role.OUTCOME),
           "filing.labels": ("unit", "code", "contact", "phone", "plan", "date", "seal")}


@dataclass(frozen=True)
class PlanTemplate:
    docx: bytes
    wording: Wording


def load_template(folder: Path | None = None, sections=()) -> PlanTemplate:
    """plan.docx and plan.yaml, checked (``sections``: the section keys the chapters may name)."""
    folder = folder or templates_dir()
    docx_path, yaml_path = folder / TEMPLATE, folder / WORDING
    try:
        docx = docx_path.read_bytes()
    except OSError:
        raise InputError(f"缺少 Word 模板：{docx_path.name}（应在 {folder}）") from None
    w = load_wording(yaml_path, Wording, PLACEHOLDERS)
    for group, keys in _NEEDED.items():
        have = w.filing.labels if group == "filing.labels" else getattr(w, group)
        missing = [str(k) for k in keys if str(k) not in have]
        if missing:
            raise InputError(f"模板文件「{WORDING}」中「{group}」缺少：{'、'.join(missing)}")
    known = {d.key for d in sections}
    bad = [c.section for c in w.chapters if c.section and sections and c.section not in known]
    if bad:
        raise InputError(f"模板文件「{WORDING}」中「chapters」的 section 不是方案章节：{'、'.join(bad)}")
    return PlanTemplate(docx, w)


# ------------------------------------------------------------------------ XML pieces
def _lines(value: str | None) -> list[str]:
    return [ln.strip() for ln in (value or "").splitlines() if ln.strip()]


class _Doc:
    """Body XML collected as strings (each text escaped by ooxml.text), parsed once."""

    def __init__(self, doc, wording: Wording):
        self.w = wording
        self.sid = {s.name: s.style_id for s in doc.styles}
        self.parts: list[str] = []

    def style(self, name: str) -> str:
        try:
            return self.sid[name]
        except KeyError:
            raise InputError(f"Word 模板 {TEMPLATE} 缺少样式「{name}」") from None

    def para(self, style: str, *runs: str, ppr: str = "") -> None:
        self.parts.append(f'<w:p><w:pPr><w:pStyle w:val="{self.style(style)}"/>{ppr}</w:pPr>{"".join(runs)}</w:p>')

    def text(self, style: str, value: str) -> None:
        self.para(style, run(value))

    def lines(self, value: str | None) -> None:
        """Each line of the user's text its own indented paragraph."""
        for ln in _lines(value):
            self.text("Normal", ln)

    def blank(self) -> None:
        self.parts.append(f'<w:p><w:pPr><w:pStyle w:val="{self.style("Normal")}"/></w:pPr></w:p>')

    def labelled(self, label: str, value: str | None) -> None:
        """``落实举措：…`` — the label in the Field Label style; later lines their own paragraphs."""
        lines = _lines(value) or [""]
        self.para("Normal", run(f"{label}：", self.style("Field Label")), run(lines[0]))
        self.lines("\n".join(lines[1:]))

    def table(self, headers, rel_widths, rows, total: int, height_pt: float, center=(), keep=False) -> None:
        st = TableStyle(self.style("Table Head"), self.style("Table Text"), set(center), keep, height_pt)
        self.parts.append(table_xml(headers, rel_widths, rows, total, st))

    def xml(self) -> str:
        return "".join(self.parts)


# --------------------------------------------------------------------- the document
@dataclass
class _Ctx:
    view: FormView
    data: PlanSnapshot
    draft: bool
    today: dt.date
    portrait: tuple[int, float]  # text width (twips), height (pt)
    landscape: tuple[int, float]
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
    return fill(w.titles.get(kind, w.title), PLACEHOLDERS, unit=unit_name, kind=kind, year=year)


def _in_plan(c: _Ctx, item: Item) -> bool:
    """Items the plan addresses: those its kind must answer, and any the unit wrote in."""
    has_ind = any(c.data.indicators.get(i.key, (None, None)) != (None, None) for i in item.indicators)
    return c.view.must_answer(item.no, c.data.plan.kind) or bool(c.data.values.get(item.no)) or has_ind


def _render_body(b: _Doc, c: _Ctx) -> tuple[str, str]:
    """Main text (portrait) and 附件 (landscape) XML."""
    w, plan, data, unit, view = b.w, c.data.plan, c.data, c.data.unit, c.view
    key = view.key
    title = plan_title(w, unit.name, plan.kind, plan.year)
    fmt_args = dict(unit=unit.name, kind=plan.kind, year=plan.year, form=view.form.title,
                    doc_no=view.form.doc_no or "", document=view.form.source.document)
    placeholder = w.draft.placeholder if c.draft else ""

    def f(template, **more):
        return fill(template, PLACEHOLDERS, **fmt_args, **more)

    if c.draft:
        b.text("Attachment Label", w.draft.title_mark)
    if w.letterhead:
        b.para("Title", f'<w:r><w:rPr><w:color w:val="FF0000"/></w:rPr><w:t>{text(f(w.letterhead))}</w:t></w:r>')
        b.blank()
    b.text("Title", title)
    if w.subtitle:
        b.text("Subtitle", f(w.subtitle))
    b.blank()
    if w.preamble:
        b.text("Normal", f(w.preamble))

    numbers = iter(CN_NUM)
    items = [it for it in view.items if _in_plan(c, it)]
    applicable = [it for it in items if applies(view, data.values.get(it.no, {}))]
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
        own = data.sections.get(ch.section) if ch.section else None
        if ch.tasks:
            if not applicable:
                continue
            b.text("Heading 1", f"{next(numbers)}、{ch.heading}")
            _tasks(b, c, applicable, placeholder, f)
            continue
        has = bool(_lines(own)) or ch.unit_facts or (ch.indicators and ind_rows)
        if not has:
            continue
        b.text("Heading 1", f"{next(numbers)}、{ch.heading}")
        if ch.unit_facts:
            b.text("Normal", "；".join(f"{label}：{facts[k]}" for k, label in w.unit_facts.items() if facts.get(k)) + "。")
        b.lines(own)
        if ch.indicators and ind_rows:
            b.text("Normal", w.indicators.intro)
            b.para("Table Head", run(w.indicators.caption), ppr="<w:keepNext/>")
            b.table(w.indicators.columns, w.indicators.widths, ind_rows, *c.portrait, center={0, 2, 3, 4})
            b.blank()

    annex_rows = []
    for it in items:
        v = data.values.get(it.no, {})
        ok = it in applicable
        na = w.annex.not_applicable
        annex_rows.append(Row([it.display_no, it.text, (v.get(key(Role.MEASURES)) or placeholder) if ok else na,
                               v.get(key(Role.LEAD), "") if ok else "",
                               _fmt_date(w, v.get(key(Role.DEADLINE)), True) if ok else "",
                               v.get(key(Role.PROGRESS), "") if ok else na]))
    if annex_rows:
        b.blank()
        b.text("Normal", f(w.annex.note, title=title))

    # 备案信息: who files, which submission, and room for the seal
    b.blank()
    b.text("Attachment Label", w.filing.heading)
    L = w.filing.labels
    sub = data.submission
    filing = f"{plan.uuid[:8]}（第{sub.number}次报送）" if sub and not c.draft else f"{plan.uuid[:8]}（草稿）"
    seal = Row([L["seal"], w.filing.seal_hint], spans=[1, 3], aligns=["center", "right"], height=1700)
    rows = [Row([L["unit"], unit.name, L["code"], unit.code]),
            Row([L["contact"], unit.contact_person or placeholder, L["phone"], unit.contact_phone or placeholder]),
            Row([L["plan"], filing, L["date"], _fmt_date(w, c.today.isoformat())]),
            seal]
    b.table(None, [16, 34, 16, 34], rows, *c.portrait, center={0, 2}, keep=True)
    main = b.xml()

    b.parts = []
    if annex_rows:
        b.text("Attachment Label", w.annex.label)
        b.blank()
        b.text("Title", f(w.annex.title, title=title))
        b.blank()
        b.table(w.annex.columns, w.annex.widths, annex_rows, *c.landscape, center={0, 4, 5})
    return main, b.xml()


def _tasks(b: _Doc, c: _Ctx, applicable: list[Item], placeholder: str, f) -> None:
    """One block per applicable task: heading, the provincial task, then the unit's answers."""
    w, data, key = b.w, c.data, c.view.key
    lab = w.item_labels
    for k, it in enumerate(applicable, 1):
        v = data.values.get(it.no, {})
        name = it.title or f(w.item_heading, no=it.display_no, ref=it.ref)
        b.text("Heading 2", f"（{_cn(k)}）{name}")
        src = f"（{lab['source']}：{it.ref}"
        src += f"；{lab['units']}：{it.units_text}）" if it.units else "）"
        b.para("Normal", run(f"{lab['task']}：", b.style("Field Label")), run(it.text + src))
        b.labelled(lab[Role.MEASURES], v.get(key(Role.MEASURES)) or placeholder)
        duty = [(lab[r], v.get(key(r)) if r != Role.DEADLINE else _fmt_date(w, v.get(key(r))))
                for r in (Role.LEAD, Role.PARTNERS, Role.OWNER, Role.DEADLINE)]
        duty = [(label, val) for label, val in duty if val]
        if duty:
            runs = []
            for i, (label, val) in enumerate(duty):
                runs += [run(f"{label}：", b.style("Field Label")), run(val + ("；" if i < len(duty) - 1 else "。"))]
            b.para("Normal", *runs)
        if v.get(key(Role.OUTCOME)):
            b.labelled(lab[Role.OUTCOME], v[key(Role.OUTCOME)])
        for (no, _rule, _field), note in sorted(data.explanations.items()):  # 说明 travel with the filing
            if no == it.no:
                b.labelled(lab["explanation"], note)


def _cn(n: int) -> str:
    """1 → 一, 12 → 十二, 33 → 三十三 (item counts stay below 100)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_NUM[tens - 1] + "十")
    return head + (CN_NUM[ones - 1] if ones else "") if n >= 10 else CN_NUM[n - 1]


def _draft_footers(doc, mark: str) -> None:
    """Put the draft mark on the page-number line of every footer (inner side of the number)."""
    run_xml = (f'<w:r {W}><w:rPr><w:rFonts w:ascii="黑体" w:hAnsi="黑体" w:eastAsia="黑体"/></w:rPr>'
               f'<w:t xml:space="preserve">{{}}</w:t></w:r>')
    seen = set()
    for sec in doc.sections:
        for ft in (sec.footer, sec.even_page_footer, sec.first_page_footer):
            if ft.is_linked_to_previous or id(ft.part) in seen:
                continue
            seen.add(id(ft.part))
            for p in ft.paragraphs:
                if "PAGE" not in "".join(p._p.xpath(".//w:instrText/text()")):
                    continue
                jc = p._p.find(f"{qn('w:pPr')}/{qn('w:jc')}")
                if jc is not None and jc.get(qn("w:val")) in ("right", "end"):
                    p._p.insert(1 if p._p.pPr is not None else 0, parse_xml(run_xml.format(text(mark) + "　　")))
                else:
                    p._p.append(parse_xml(run_xml.format("　　" + text(mark))))


def build_document(view: FormView, data: PlanSnapshot, template: PlanTemplate, vocab, *, draft: bool,
                   today: dt.date):
    """The python-docx Document of one plan (not saved)."""
    doc = Document(io.BytesIO(template.docx))
    if draft:
        _draft_footers(doc, template.wording.draft.footer_mark)
    pages = take_pages(doc)
    c = _Ctx(view, data, draft, today, pages.portrait_size, pages.landscape_size, vocab)
    main, annex = _render_body(_Doc(doc, template.wording), c)
    append_xml(doc, main)
    if annex:
        start_landscape(doc, pages)
        append_xml(doc, annex)
    core = doc.core_properties
    core.title = plan_title(template.wording, data.unit.name, data.plan.kind, data.plan.year)
    core.subject = view.form.full_title
    core.author = core.last_modified_by = data.unit.name
    core.comments = "征求意见稿" if draft else f"正式稿（第{data.submission.number}次报送）"
    stamp = dt.datetime.combine(today, dt.time())
    core.created = core.modified = stamp
    core.revision = data.submission.number if data.submission else 1
    return doc


def default_filename(plan: PlanInfo, draft: bool = False) -> str:
    return safe_filename(f"{plan.unit_name}{plan.year}年“{plan.kind}”实施方案（{plan.form_id}）"
                         f"{'（征求意见稿）' if draft else ''}") + ".docx"


def rendered(store: Store, today: dt.date | None = None):
    """``(snapshot, draft) -> (file name, bytes)`` for core.package.export_package (the 报送包)."""
    template = load_template(sections=store.catalog.base_fields.sections)

    def render(data: PlanSnapshot, draft: bool) -> tuple[str, bytes]:
        doc = build_document(store.catalog.get(data.plan.form_id), data, template, store.vocab, draft=draft,
                             today=today or dt.date.today())
        buf = io.BytesIO()
        doc.save(buf)
        return default_filename(data.plan, draft), buf.getvalue()

    return render


def render_plan(store: Store, plan_ref, *, draft: bool = False, today: dt.date | None = None,
                template: PlanTemplate | None = None):
    """(PlanSnapshot, Document) without writing. A formal render is of the latest submission,
    made now when the plan is a draft — refused (Refused, with the problems) unless clean."""
    lc = store.lifecycle
    data = lc.draft_snapshot(plan_ref) if draft else lc.formal_snapshot(plan_ref)
    template = template or load_template(sections=store.catalog.base_fields.sections)
    view = store.catalog.for_plan(data.plan)
    return data, build_document(view, data, template, store.vocab, draft=draft, today=today or dt.date.today())


def export_plan_docx(store: Store, plan_ref, out, *, draft: bool = False, today: dt.date | None = None,
                     template: PlanTemplate | None = None) -> Path:
    """Write the 实施方案 (``out`` may be a folder)."""
    data, doc = render_plan(store, plan_ref, draft=draft, today=today, template=template)
    out = Path(out)
    if out.is_dir():
        out = out / default_filename(data.plan, draft)
    return save_atomic(out, doc.save)


def export_plans_docx(store: Store, plan_refs, out_dir, *, draft: bool = False, job: Job | None = None):
    """Several plans into ``out_dir``: [(plan_ref, path or None, error message or None)].

    One plan's refusal does not stop the others; cancelling stops between plans (every file
    already written is whole).
    """
    job = job or Job()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    template = load_template(sections=store.catalog.base_fields.sections)
    refs = list(plan_refs)
    results = []
    for i, ref in enumerate(refs):
        job.check()
        try:
            plan = store.plans.get(ref)
            path = export_plan_docx(store, ref, out_dir / default_filename(plan, draft), draft=draft,
                                    template=template)
            results.append((ref, path, None))
            msg = plan.unit_name
        except InputError as e:
            results.append((ref, None, str(e)))
            msg = str(e)
        job.progress(i + 1, len(refs), msg)
    return results
