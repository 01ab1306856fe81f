"""The Word 实施方案 a unit files (GB/T 9704-2012 layout), from report_templates/ (no Qt).

Why python-docx filling a styled template rather than docxtpl: the page, styles and footers
are data (report_templates/plan.docx, restyled in Word by an office) and the wording is data
(report_templates/plan.yaml), while the structure — chapters left out when empty, one block per
applicable item, the landscape 附件 section, rows allowed to split only when taller than a page —
is logic that Jinja tags inside Word XML express badly (Word splits tags across runs, smart quotes
break them, and docxtpl escapes nothing unless told). It also saves a dependency and ~160 ms of
import. The body is written as escaped XML fragments and parsed once: python-docx's add_row
costs ~3 ms a row, a whole 33-item plan here takes a few tens of milliseconds.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import yaml
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from pydantic import BaseModel, ConfigDict, ValidationError

from ..catalog import FormView, Item
from ..files import save_atomic
from ..jobs import NULL_JOB
from ..resources import templates_dir
from ..store.service import InputError, PlanData, Store, UnitInfo
from ..validation import blocking, effective, validate
from ..values import YES, format_number
from . import ExportBlocked

TEMPLATE, WORDING = "plan.docx", "plan.yaml"
PORTRAIT_TWIPS, LANDSCAPE_TWIPS = 8844, 12756  # text widths: 156 mm, 225 mm
LANDSCAPE_BODY_PT = 442  # text height of the landscape section (156 mm)
TABLE_PT, TABLE_LINE_PT = 12, 15.6  # Table Text size and its single line height
CN_NUM = "一二三四五六七八九十"
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_FILENAME_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
W = nsdecls("w")


# ------------------------------------------------------------------ wording (plan.yaml)
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    headings: dict[str, str]
    unit_facts: dict[str, str]
    indicators: _Indicators
    item_heading: str
    item_labels: dict[str, str]
    annex: _Annex
    filing: _Filing
    date_format: str
    table_date_format: str
    draft: _Draft


PLACEHOLDERS = ("unit", "kind", "year", "form", "doc_no", "document", "no", "ref", "title", "y", "m", "d")
_BLANK = dict.fromkeys(PLACEHOLDERS, "")


def _fill(template: str, **values) -> str:
    """``str.format`` where every known placeholder exists (unknown ones fail at load)."""
    return template.format(**{**_BLANK, **values})


def _strings(obj, where=""):
    if isinstance(obj, str):
        yield where, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(v, f"{where}.{k}" if where else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _strings(v, f"{where}[{i}]")


_NEEDED = {"headings": ("basic_info", "guiding", "goals", "tasks", "safeguards"),
           "item_labels": ("task", "source", "units", "measures", "lead", "partners", "owner", "deadline", "outcome",
                           "explanation"),
           "filing.labels": ("unit", "code", "contact", "phone", "plan", "date", "seal")}


def load_wording(path: Path) -> Wording:
    """plan.yaml checked on load; a mistake names the file and the key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        w = Wording.model_validate(data)
    except OSError as e:
        raise InputError(f"无法读取模板文件「{path.name}」：{e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise InputError(f"模板文件「{path.name}」不是有效的 YAML：{e}".splitlines()[0]) from None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise InputError(f"模板文件「{path.name}」中「{where}」有误：{first['msg']}") from None
    for group, keys in _NEEDED.items():
        have = w.filing.labels if group == "filing.labels" else getattr(w, group)
        missing = [k for k in keys if k not in have]
        if missing:
            raise InputError(f"模板文件「{path.name}」中「{group}」缺少：{'、'.join(missing)}")
    for where, text in _strings(w.model_dump()):
        try:
            _fill(text)
        except (KeyError, IndexError, ValueError) as e:
            raise InputError(f"模板文件「{path.name}」中「{where}」的占位符 {e} 无效"
                             f"（可用：{'、'.join('{' + p + '}' for p in PLACEHOLDERS)}）") from None
    return w


_template_cache: dict[Path, tuple[float, bytes, Wording]] = {}


def _template(folder: Path | None = None) -> tuple[bytes, Wording]:
    """Template bytes and wording, read once per process (re-read when the files change)."""
    folder = folder or templates_dir()
    docx_path, yaml_path = folder / TEMPLATE, folder / WORDING
    try:
        stamp = docx_path.stat().st_mtime + yaml_path.stat().st_mtime
    except OSError:
        raise InputError(f"缺少 Word 模板：{docx_path.name} / {yaml_path.name}（应在 {folder}）") from None
    hit = _template_cache.get(folder)
    if hit is None or hit[0] != stamp:
        hit = (stamp, docx_path.read_bytes(), load_wording(yaml_path))
        _template_cache[folder] = hit
    return hit[1], hit[2]


# ------------------------------------------------------------------------ XML pieces
def _t(text) -> str:
    return escape(_CTRL.sub("", str(text)))


def _lines(text: str | None) -> list[str]:
    return [ln.strip() for ln in (text or "").splitlines() if ln.strip()]


def _run(text: str, style: str | None = None) -> str:
    rpr = f'<w:rPr><w:rStyle w:val="{style}"/></w:rPr>' if style else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{_t(text)}</w:t></w:r>'


class _Doc:
    """Body XML collected as strings (each text passes through ``_t``), parsed once."""

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

    def text(self, style: str, text: str) -> None:
        self.para(style, _run(text))

    def lines(self, text: str | None) -> None:
        """Each line of the user's text its own indented paragraph."""
        for ln in _lines(text):
            self.text("Normal", ln)

    def blank(self) -> None:
        self.parts.append(f'<w:p><w:pPr><w:pStyle w:val="{self.style("Normal")}"/></w:pPr></w:p>')

    def labelled(self, label: str, text: str | None) -> None:
        """``落实举措：…`` — the label in the Field Label style; later lines their own paragraphs."""
        lines = _lines(text) or [""]
        self.para("Normal", _run(f"{label}：", self.style("Field Label")), _run(lines[0]))
        self.lines("\n".join(lines[1:]))

    def table(self, headers, rel_widths, rows, total: int, center=(), keep=False) -> None:
        scale = total / sum(rel_widths)
        tw = [int(w * scale) for w in rel_widths]
        head, body = self.style("Table Head"), self.style("Table Text")
        keep_ppr = "<w:keepNext/>" if keep else ""

        def cell(text, w, style, align, span=1, valign="center"):
            jc = f'<w:jc w:val="{align}"/>' if align else ""
            ps = "".join(f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{keep_ppr}{jc}</w:pPr>{_run(ln)}</w:p>'
                         for ln in (str(text).split("\n") if text else [""]))
            gs = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
            return f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{gs}<w:vAlign w:val="{valign}"/></w:tcPr>{ps}</w:tc>'

        border = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                         for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
        out = [f'<w:tbl><w:tblPr><w:tblW w:w="{sum(tw)}" w:type="dxa"/><w:jc w:val="center"/>'
               f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>'
               '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
               '<w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>', *(f'<w:gridCol w:w="{w}"/>' for w in tw),
               "</w:tblGrid>"]
        if headers:
            out.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
            out += [cell(h, w, head, "center") for h, w in zip(headers, tw)]
            out.append("</w:tr>")
        for row in rows:
            spans = getattr(row, "spans", None) or [1] * len(row)
            widths, i = [], 0
            for s in spans:
                widths.append(sum(tw[i:i + s]))
                i += s
            split_ok = _row_lines(row, widths) * TABLE_LINE_PT > LANDSCAPE_BODY_PT * 0.9
            height = f'<w:trHeight w:val="{row.height}"/>' if getattr(row, "height", None) else ""
            out.append(f"<w:tr><w:trPr>{'' if split_ok else '<w:cantSplit/>'}{height}</w:trPr>")
            aligns = getattr(row, "aligns", None) or ["center" if j in center else None for j in range(len(row))]
            tall = bool(getattr(row, "height", None))  # the seal row: its right-aligned text sits at the bottom
            out += [cell(v, w, body, a, s, "bottom" if tall and a == "right" else "center")
                    for v, w, s, a in zip(row, widths, spans, aligns)]
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.parts.append("".join(out))

    def xml(self) -> str:
        return "".join(self.parts)


class _Row(list):
    """A table row with optional column spans, alignments and a minimum height (twips)."""

    spans: list[int] | None = None
    aligns: list[str | None] | None = None
    height: int | None = None


def _row_lines(row, widths) -> int:
    """Estimated lines of the tallest cell (a row taller than a page must be allowed to split)."""
    best = 1
    for text, w in zip(row, widths):
        per_line = max(1, int((w - 114) / (TABLE_PT * 20)))
        n = sum(max(1, math.ceil(len(ln) / per_line)) for ln in str(text or "").split("\n"))
        best = max(best, n)
    return best


# --------------------------------------------------------------------- the document
@dataclass
class _Ctx:
    view: FormView
    data: PlanData
    unit: UnitInfo
    parent_name: str | None
    draft: bool
    today: dt.date


def _fmt_date(w: Wording, iso: str | None, short: bool = False) -> str:
    """The text's date format, or the tables' shorter one."""
    if not iso:
        return ""
    try:
        d = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return _fill(w.table_date_format if short else w.date_format, y=d.year, m=d.month, d=d.day)


def plan_title(w: Wording, unit_name: str, kind: str, year: int) -> str:
    return _fill(w.titles.get(kind, w.title), unit=unit_name, kind=kind, year=year)


def _in_plan(c: _Ctx, item: Item) -> bool:
    """Items the plan addresses: those its kind must answer, and any the unit wrote in."""
    has_ind = any(c.data.indicators.get(i.key, (None, None)) != (None, None) for i in item.indicators)
    return c.view.must_answer(item.no, c.data.plan.kind) or bool(c.data.values.get(item.no)) or has_ind


def _applicable(c: _Ctx, item: Item) -> bool:
    decl = c.view.field_map.get("applicable")
    return decl is None or effective(decl, c.data.values.get(item.no, {})) == YES


def _units_text(item: Item) -> str:
    return "、".join(u.name + (u.remark or "") for u in item.units)


def _render_body(b: _Doc, c: _Ctx) -> tuple[str, str]:
    """Main text (portrait) and 附件 (landscape) XML."""
    w, plan, data = b.w, c.data.plan, c.data
    title = plan_title(w, c.unit.name, plan.kind, plan.year)
    fmt = dict(unit=c.unit.name, kind=plan.kind, year=plan.year, form=c.view.form.title,
               doc_no=c.view.form.doc_no or "", document=c.view.form.source.document)
    placeholder = w.draft.placeholder if c.draft else ""

    if c.draft:
        b.text("Attachment Label", w.draft.title_mark)
    if w.letterhead:
        red = '<w:rPr><w:color w:val="FF0000"/></w:rPr>'
        b.para("Title", f"<w:r>{red}<w:t>{_t(_fill(w.letterhead, **fmt))}</w:t></w:r>")
        b.blank()
    b.text("Title", title)
    if w.subtitle:
        b.text("Subtitle", _fill(w.subtitle, **fmt))
    b.blank()
    if w.preamble:
        b.text("Normal", _fill(w.preamble, **fmt))

    numbers = iter(CN_NUM)
    items = [it for it in c.view.items if _in_plan(c, it)]
    applicable = [it for it in items if _applicable(c, it)]

    def heading(key):
        b.text("Heading 1", f"{next(numbers)}、{w.headings[key]}")

    # 一、基本情况: the unit's facts, then what it wrote
    facts = {"name": c.unit.name,
             "kind": f"{c.unit.kind_label}（{c.unit.school_type}）" if c.unit.school_type else c.unit.kind_label,
             "parent": c.parent_name, "school_code": c.unit.school_code, "credit_code": c.unit.credit_code}
    def chapter(key, always=False):
        """A chapter of the unit's own text; left out when there is nothing to say."""
        if always or _lines(data.sections.get(key)):
            heading(key)
            b.lines(data.sections.get(key))

    heading("basic_info")
    b.text("Normal", "；".join(f"{label}：{facts[k]}" for k, label in w.unit_facts.items() if facts.get(k)) + "。")
    b.lines(data.sections.get("basic_info"))
    chapter("guiding")

    ind_rows = []
    for it in items:
        for ind in it.indicators:
            target = data.indicators.get(ind.key, (None, None))[0]
            if target is None and it not in applicable:
                continue
            ind_rows.append(_Row([str(len(ind_rows) + 1), f"{ind.name}（{ind.unit}）",
                                  "；".join(t.describe(ind.unit) for t in ind.targets) or "—",
                                  format_number(target) + ind.unit if target is not None else "—",
                                  _fmt_date(w, data.value(it.no, "deadline"), True) or "—"]))
    chapter("goals", always=bool(ind_rows))
    if ind_rows:
        b.text("Normal", w.indicators.intro)
        b.para("Table Head", _run(w.indicators.caption), ppr="<w:keepNext/>")
        b.table(w.indicators.columns, w.indicators.widths, ind_rows, PORTRAIT_TWIPS, center={0, 2, 3, 4})
        b.blank()

    if applicable:
        heading("tasks")
        lab = w.item_labels
        for k, it in enumerate(applicable, 1):
            v = data.values.get(it.no, {})
            name = it.title or _fill(w.item_heading, **fmt, no=it.display_no, ref=it.ref)
            b.text("Heading 2", f"（{_cn(k)}）{name}")
            src = f"（{lab['source']}：{it.ref}"
            src += f"；{lab['units']}：{_units_text(it)}）" if it.units else "）"
            b.para("Normal", _run(f"{lab['task']}：", b.style("Field Label")), _run(it.text + src))
            b.labelled(lab["measures"], v.get("measures") or placeholder)
            duty = [(lab[key], v.get(key) if key != "deadline" else _fmt_date(w, v.get(key)))
                    for key in ("lead", "partners", "owner", "deadline")]
            duty = [(label, val) for label, val in duty if val]
            if duty:
                runs = []
                for i, (label, val) in enumerate(duty):
                    runs += [_run(f"{label}：", b.style("Field Label")), _run(val + ("；" if i < len(duty) - 1 else "。"))]
                b.para("Normal", *runs)
            if v.get("outcome"):
                b.labelled(lab["outcome"], v["outcome"])
            for (no, _rule, _field), text in sorted(data.explanations.items()):  # 说明 travel with the filing
                if no == it.no:
                    b.labelled(lab["explanation"], text)

    chapter("safeguards")

    annex_rows = []
    for it in items:
        v = data.values.get(it.no, {})
        ok = it in applicable
        annex_rows.append(_Row([it.display_no, it.text,
                                (v.get("measures") or placeholder) if ok else w.annex.not_applicable,
                                v.get("lead", "") if ok else "", _fmt_date(w, v.get("deadline"), True) if ok else "",
                                v.get("status", "") if ok else w.annex.not_applicable]))
    if annex_rows:
        b.blank()
        b.text("Normal", _fill(w.annex.note, **fmt, title=title))

    # 备案信息: who files, when, and room for the seal
    b.blank()
    b.text("Attachment Label", w.filing.heading)
    L = w.filing.labels
    seal = _Row([L["seal"], w.filing.seal_hint])
    seal.spans, seal.aligns, seal.height = [1, 3], ["center", "right"], 1700
    rows = [_Row([L["unit"], c.unit.name, L["code"], c.unit.code]),
            _Row([L["contact"], c.unit.contact_person or placeholder, L["phone"], c.unit.contact_phone or placeholder]),
            _Row([L["plan"], f"{plan.uuid[:8]}（第{plan.revision}版）", L["date"], _fmt_date(w, c.today.isoformat())]),
            seal]
    b.table(None, [16, 34, 16, 34], rows, PORTRAIT_TWIPS, center={0, 2}, keep=True)
    main = b.xml()

    b.parts = []
    if annex_rows:
        b.text("Attachment Label", w.annex.label)
        b.blank()
        b.text("Title", _fill(w.annex.title, **fmt, title=title))
        b.blank()
        b.table(w.annex.columns, w.annex.widths, annex_rows, LANDSCAPE_TWIPS, center={0, 4, 5})
    return main, b.xml()


def _cn(n: int) -> str:
    """1 → 一, 12 → 十二, 33 → 三十三 (item counts stay below 100)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_NUM[tens - 1] + "十")
    return head + (CN_NUM[ones - 1] if ones else "") if n >= 10 else CN_NUM[n - 1]


def _draft_footers(doc, mark: str) -> None:
    """Put the draft mark on the page-number line of every footer (inner side of the number)."""
    run = (f'<w:r {W}><w:rPr><w:rFonts w:ascii="黑体" w:hAnsi="黑体" w:eastAsia="黑体"/></w:rPr>'
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
                    p._p.insert(1 if p._p.pPr is not None else 0, parse_xml(run.format(_t(mark) + "　　")))
                else:
                    p._p.append(parse_xml(run.format("　　" + _t(mark))))


def _landscape_from(portrait):
    """A landscape sectPr from a portrait one (templates an office cut down to one section)."""
    sp = copy.deepcopy(portrait)
    for ref in sp.findall(qn("w:footerReference")) + sp.findall(qn("w:headerReference")):
        sp.remove(ref)
    sz, mar = sp.find(qn("w:pgSz")), sp.find(qn("w:pgMar"))
    if sz is not None:
        wv, hv = sz.get(qn("w:w")), sz.get(qn("w:h"))
        sz.set(qn("w:w"), hv)
        sz.set(qn("w:h"), wv)
        sz.set(qn("w:orient"), "landscape")
    if mar is not None:
        t, r, bt, lf = (mar.get(qn(f"w:{k}")) for k in ("top", "right", "bottom", "left"))
        for k, v in (("top", lf), ("bottom", r), ("left", t), ("right", bt)):
            mar.set(qn(f"w:{k}"), v)
    return sp


def build_document(c: _Ctx, template: bytes, wording: Wording):
    """The python-docx Document of one plan (not saved)."""
    doc = Document(io.BytesIO(template))
    body = doc.element.body
    inner = body.xpath("./w:p/w:pPr/w:sectPr")
    final = body.find(qn("w:sectPr"))
    portrait = copy.deepcopy(inner[0]) if inner else copy.deepcopy(final)
    landscape = final if inner else _landscape_from(final)
    if c.draft:
        _draft_footers(doc, wording.draft.footer_mark)
    for child in list(body):
        body.remove(child)
    main, annex = _render_body(_Doc(doc, wording), c)
    for el in parse_xml(f"<w:body {W}>{main}</w:body>"):
        body.append(el)
    if annex:  # the portrait section ends on a paragraph carrying its sectPr
        carrier = parse_xml(f"<w:p {W}><w:pPr/></w:p>")
        carrier[0].append(portrait)
        body.append(carrier)
        for el in parse_xml(f"<w:body {W}>{annex}</w:body>"):
            body.append(el)
    body.append(landscape if annex else portrait)
    core = doc.core_properties
    core.title = plan_title(wording, c.unit.name, c.data.plan.kind, c.data.plan.year)
    core.subject = c.view.form.full_title
    core.author = core.last_modified_by = c.unit.name
    core.comments = "征求意见稿" if c.draft else "正式稿"
    stamp = dt.datetime.combine(c.today, dt.time())
    core.created = core.modified = stamp
    core.revision = c.data.plan.revision
    return doc


def _blocked_message(errors) -> str:
    head = "；".join(p.message for p in errors[:3])
    more = f"等 {len(errors)} 个错误" if len(errors) > 3 else f"共 {len(errors)} 个错误"
    return f"方案还有错误，不能正式导出（{more}）：{head}。请修改后再导出，或导出征求意见稿（草稿）。"


def default_filename(plan, draft: bool = False) -> str:
    name = f"{plan.unit_name}{plan.year}年“{plan.kind}”实施方案（{plan.form_id}）{'（征求意见稿）' if draft else ''}.docx"
    return _FILENAME_BAD.sub("_", name)


def render_plan(store: Store, plan_ref, *, draft: bool = False, today: dt.date | None = None,
                template_dir: Path | None = None):
    """(PlanInfo, Document) without writing; refuses a final render while the plan has errors."""
    data = store.plan_data(plan_ref)
    view = store.view_for(data.plan)
    if not draft:
        errors = blocking(validate(view, data.plan.kind, data))
        if errors:
            raise ExportBlocked(_blocked_message(errors), errors)
    unit = store.get_unit(data.plan.unit_code)
    parent = store.get_unit(unit.parent_code).name if unit.parent_code else None
    template, wording = _template(template_dir)
    ctx = _Ctx(view, data, unit, parent, draft, today or dt.date.today())
    return data.plan, build_document(ctx, template, wording)


def export_plan_docx(store: Store, plan_ref, out, *, draft: bool = False, today: dt.date | None = None) -> Path:
    """Write the 实施方案; a final export of a 草稿 marks it 已导出. ``out`` may be a folder."""
    plan, doc = render_plan(store, plan_ref, draft=draft, today=today)
    out = Path(out)
    if out.is_dir():
        out = out / default_filename(plan, draft)
    save_atomic(out, doc.save)
    if not draft and plan.status == "草稿":
        store.set_status(plan.id, "已导出", origin="export")
    return out


def export_plans_docx(store: Store, plan_refs, out_dir, *, draft: bool = False, job=NULL_JOB):
    """Several plans into ``out_dir``: [(plan_ref, path or None, error message or None)].

    One plan's refusal does not stop the others; cancelling stops between plans (every file
    already written is whole).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    refs = list(plan_refs)
    results = []
    for i, ref in enumerate(refs):
        job.check()
        try:
            plan = store.get_plan(ref)
            path = export_plan_docx(store, ref, out_dir / default_filename(plan, draft), draft=draft)
            results.append((ref, path, None))
            msg = plan.unit_name
        except InputError as e:
            results.append((ref, None, str(e)))
            msg = str(e)
        job.progress(i + 1, len(refs), msg)
    return results
