"""The review step between a proposal and a saved checklist (文件 → 新建清单…, ``yice forms new --save``).

A ``FormDraft`` is what the review grid edits: the form's metadata and one row per item, each
with the source words it was read from. It is plain data with a few edit operations; the
rules stay where they live: units are split by the reader's ``split_units``, plan kinds are
derived by the loader's ``item_kinds``, and validation and saving are the user forms
folder's (``UserForms.prepare`` / ``save``: the same schema and checks as ``forms/``).
A draft made from a saved form saves as that form's next version.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..catalog import Catalog, FormProblem, FormView, Target, Unit, normalise
from ..catalog.loader import item_kinds
from ..catalog.user import FormRefused, Saved, UserForms
from ..errors import InputError
from ..text import units_text as join_units
from .proposal import Proposal, Reading
from .reader import read_document
from .sources import decode, document_text, from_html, from_text, load_path
from .units import split_units

_SIGNS = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", "约": "about", "=": "=", "": "="}
_TARGET = re.compile(r"^(?P<when>.*?)\s*(?P<sign>≥|>=|≤|<=|约|=)?\s*(?P<value>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)$")
_KINDS = {"count": "数量", "percent": "比例", "amount": "金额"}
# field paths of the schema → what the review grid calls them (form level, item level)
_FORM_LABELS = {"id": "清单编号", "title": "清单名称", "full_title": "文件全称", "doc_no": "文号", "issuers": "发文机关",
                "date": "成文日期", "province": "适用省份", "plan_kinds": "填报类型", "default_item_kinds": "填报类型",
                "source": "来源文件", "items": "任务"}
_ITEM_LABELS = {"text": "任务内容", "category": "类别", "title": "标题", "units": "责任单位", "ref": "出处",
                "label": "编号", "plan_kinds": "填报类型", "indicators": "指标"}
_INDICATOR_LABELS = {"name": "名称", "unit": "单位", "kind": "类型", "targets": "目标", "key": "编号", "quote": "原文"}


# ----------------------------------------------------------------------------- text forms

def units_text(units) -> str:
    """Units as the reviewer reads and types them: ``省教育厅（牵头）、省财政厅、省发展改革委会同有关部门``."""
    return join_units(units, "roles")


def parse_units(text: str) -> list[Unit]:
    """What the reviewer typed, split by the reader's own rule (牵头/配合, 会同, 等 …)."""
    return split_units(text.strip())


def targets_text(targets, unit: str) -> str:
    """``2022年 ≥35所；“十四五”末（2025年） ≥100所``: Target.describe, joined, with the year of a
    labelled target kept in brackets so that :func:`parse_targets` gives the same targets back."""
    out = []
    for t in targets:
        t = Target.model_validate(t) if isinstance(t, dict) else t
        if t.label and t.year:
            t = t.model_copy(update={"label": f"{t.label}（{t.year}年）"})
        out.append(t.describe(unit))
    return "；".join(out)


def parse_targets(text: str, unit: str) -> list[dict]:
    """The inverse of :func:`targets_text`; raises InputError naming the piece it cannot read."""
    out = []
    for piece in re.split(r"[；;]", text or ""):
        s = piece.strip()
        if not s:
            continue
        if unit and s.endswith(unit):
            s = s[: -len(unit)].rstrip()
        m = _TARGET.match(s)
        if not m:
            raise InputError(f"目标「{piece.strip()[:30]}」无法识别：应写作「2022年 ≥35」或「≥35」，多个目标用；分隔")
        when = m["when"].strip()
        t: dict = {"value": float(m["value"]), "comparator": _SIGNS[m["sign"] or ""]}
        year = re.fullmatch(r"(\d{4})\s*年?", when)
        labelled = re.fullmatch(r"(.+?)（(\d{4})年）", when)
        if year:
            t["year"] = int(year.group(1))
        elif labelled:
            t["label"], t["year"] = labelled.group(1), int(labelled.group(2))
        elif when:
            t["label"] = when
        out.append(t)
    return out


def locate(source_text: str, text: str) -> str:
    """The source line an item's text stands in (whitespace ignored); '' when not found."""
    want = normalise(text)[:24]
    if len(want) < 4:
        return ""
    for line in source_text.splitlines():
        if want in normalise(line):
            return line.strip()
    return ""


# ----------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class Source:
    """A document read for review: the reading and the text kept as the checklist's source."""

    reading: Reading
    text: str
    name: str


def read_source_path(path, *, mode: str = "auto") -> Source:
    """Read a .docx/.xlsx/.csv/.html/text file (ReaderError: one Chinese sentence)."""
    path = Path(path)
    raw = load_path(path)
    reading = read_document(raw, mode=mode)
    text = decode(path.read_bytes()) if raw.kind in ("text", "csv") else document_text(raw)
    return Source(reading, text, path.name)


def read_source_text(text: str, *, name: str = "粘贴的文本", mode: str = "auto") -> Source:
    """Pasted text (from a PDF or a web page; pasted HTML is recognised)."""
    head = text.lstrip()[:15].lower()
    raw = from_html(text, name) if head.startswith(("<!doctype html", "<html", "<table")) else from_text(text, name)
    reading = read_document(raw, mode=mode)
    return Source(reading, text if raw.kind == "text" else document_text(raw), name)


# ----------------------------------------------------------------------------- the draft

@dataclass
class DraftItem:
    ref: str
    text: str
    label: str | None = None
    category: str | None = None
    title: str | None = None
    units: list[Unit] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)  # as the form holds them (key, name, unit, kind, targets …)
    plan_kinds: list[str] | None = None  # explicit override of the derived kinds
    source: str = ""  # the source words this row was read from

    @property
    def units_text(self) -> str:
        return units_text(self.units)


@dataclass
class FormDraft:
    id: str
    title: str
    full_title: str
    document: str  # source.document: the document's title and 文号
    items: list[DraftItem]
    source_text: str
    source_name: str = ""
    doc_no: str | None = None
    issuers: list[str] = field(default_factory=list)
    date: dt.date | None = None
    province: str | None = None
    part: str | None = None
    note: str | None = None
    plan_kinds: list[str] = field(default_factory=list)
    default_item_kinds: list[str] = field(default_factory=list)
    columns: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # keys carried unchanged (extra_fields …)
    warnings: list[str] = field(default_factory=list)  # the reader's doubts, for the reviewer
    edit_of: FormView | None = None  # a saved form being revised: saving makes its next version

    # --------------------------------------------------------------- building
    @classmethod
    def from_proposal(cls, proposal: Proposal, source: Source, catalog: Catalog, form_id: str | None = None) -> FormDraft:
        p = proposal
        undated = p.meta.date is None and p.meta.year is None
        if undated:  # the reviewer fills the date in; the dict needs one to be built
            p = replace(p, meta=replace(p.meta, date=dt.date.today()))
        year = p.meta.year or dt.date.today().year
        fid = form_id or (UserForms(catalog).next_id(f"form{year}") if catalog.user_root else f"form{year}-1")
        data = p.to_form_dict(fid)
        items = []
        for d, it in zip(data["items"], proposal.items):
            items.append(DraftItem(
                ref=d["ref"], text=d["text"], label=d.get("label"), category=d.get("category"), title=d.get("title"),
                units=[Unit.model_validate(u) for u in d.get("units", [])], indicators=list(d.get("indicators", [])),
                source=it.provenance.source if it.provenance else locate(source.text, it.text)))
        warnings = [str(w) for w in source.reading.warnings] + [str(w) for w in proposal.warnings]
        if proposal.goal_indicators:
            warnings.append(f"目标部分另有 {len(proposal.goal_indicators)} 个量化目标未归入任何一项，可在相应任务的指标中添加")
        src = data["source"]
        return cls(id=fid, title=data["title"], full_title=data["full_title"], document=src["document"],
                   items=items, source_text=source.text, source_name=source.name, doc_no=data.get("doc_no"),
                   issuers=list(data.get("issuers") or []), date=None if undated else p.meta.date,
                   province=data.get("province"), part=src.get("part"), note=src.get("note"),
                   plan_kinds=list(data["plan_kinds"]), default_item_kinds=list(data["default_item_kinds"]),
                   columns=dict(data.get("columns") or {}), warnings=warnings)

    @classmethod
    def from_view(cls, view: FormView, catalog: Catalog) -> FormDraft:
        """A saved user form, to revise (saved again, it becomes the next version)."""
        f = view.form
        text = catalog.source_text(view)
        data = f.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        known = {"id", "version", "title", "full_title", "doc_no", "issuers", "date", "province", "source",
                 "plan_kinds", "default_item_kinds", "columns", "items"}
        items = [DraftItem(ref=it.ref, text=it.text, label=it.label, category=it.category, title=it.title,
                           units=list(it.units), indicators=[i.model_dump(mode="json", exclude_none=True)
                                                             for i in it.indicators],
                           plan_kinds=list(it.plan_kinds) if it.plan_kinds is not None else None,
                           source=locate(text, it.text)) for it in f.items]
        return cls(id=f.id, title=f.title, full_title=f.full_title, document=f.source.document, items=items,
                   source_text=text, source_name=f.source.file, doc_no=f.doc_no, issuers=list(f.issuers),
                   date=f.date, province=f.province, part=f.source.part, note=f.source.note,
                   plan_kinds=list(f.plan_kinds), default_item_kinds=list(f.default_item_kinds),
                   columns=dict(f.columns), extra={k: v for k, v in data.items() if k not in known}, edit_of=view)

    # --------------------------------------------------------------- the form
    def to_dict(self) -> dict:
        """The form dict (``Form.model_validate`` accepts it once the review is done)."""
        items = []
        for no, it in enumerate(self.items, 1):
            d: dict = {"no": no}
            if it.label:
                d["label"] = it.label
            d["ref"] = it.ref
            for k in ("category", "title"):
                v = getattr(it, k)
                if v is not None and v.strip():
                    d[k] = v.strip()
            d["text"] = it.text.strip()
            if it.units:
                d["units"] = [u.model_dump(exclude_none=True) for u in it.units]
            if it.plan_kinds is not None:
                d["plan_kinds"] = list(it.plan_kinds)
            if it.indicators:
                d["indicators"] = [dict(i) for i in it.indicators]
            items.append(d)
        source = {k: v for k, v in (("document", self.document), ("part", self.part), ("file", "pending.txt"),
                                    ("note", self.note)) if v}
        data = {"id": self.id.strip(), "version": 1, "title": self.title.strip(), "full_title": self.full_title.strip(),
                "doc_no": (self.doc_no or "").strip() or None, "issuers": [x.strip() for x in self.issuers if x.strip()],
                "date": self.date.isoformat() if self.date else None, "province": self.province or None,
                "source": source, "plan_kinds": list(self.plan_kinds),
                "default_item_kinds": list(self.default_item_kinds), "columns": dict(self.columns), **self.extra,
                "items": items}
        return data

    @property
    def new_version(self) -> bool:
        return self.edit_of is not None and self.id.strip() == self.edit_of.id

    def problems(self, catalog: Catalog) -> list[FormProblem]:
        """Everything that stops saving, as the loader words it (nothing written)."""
        try:
            UserForms(catalog).prepare(self.to_dict(), self.source_text, new_version=self.new_version)
        except FormRefused as e:
            return [self._named(p) for p in e.problems]
        return []

    def save(self, catalog: Catalog) -> Saved:
        try:
            return UserForms(catalog).save(self.to_dict(), self.source_text, new_version=self.new_version)
        except FormRefused as e:
            raise FormRefused(str(e).split("：", 1)[0], [self._named(p) for p in e.problems]) from None

    @staticmethod
    def _named(p: FormProblem) -> FormProblem:
        """A problem with the grid's words for the field (任务内容, 责任单位, 指标2 name …)."""
        if not p.field:
            return p
        head, _, rest = p.field.partition(".")
        if not p.item:
            return replace(p, field=_FORM_LABELS.get(head, p.field))
        if head == "indicators" and rest[:1].isdigit():
            k, _, sub = rest.partition(".")
            sub = _INDICATOR_LABELS.get(sub.split(".")[0], sub)
            return replace(p, field=f"指标{int(k) + 1}" + (f" {sub}" if sub else ""))
        return replace(p, field=_ITEM_LABELS.get(head, p.field))

    # --------------------------------------------------------------- per row
    def kinds(self, catalog: Catalog) -> list[frozenset[str]]:
        """Plan kinds each row obliges, derived by the loader's rule from its units."""
        return [item_kinds(it, self.plan_kinds, self.default_item_kinds, catalog.plan_kinds) for it in self.items]

    def set_units(self, row: int, text: str) -> None:
        self.items[row].units = parse_units(text)

    def insert(self, row: int) -> DraftItem:
        it = DraftItem(ref="新增", text="")
        self.items.insert(row, it)
        return it

    def remove(self, row: int) -> DraftItem:
        return self.items.pop(row)

    def move(self, row: int, delta: int) -> int:
        to = max(0, min(len(self.items) - 1, row + delta))
        self.items.insert(to, self.items.pop(row))
        return to

    def add_indicator(self, row: int, name: str = "新指标", unit: str = "个") -> dict:
        keys = {i["key"] for it in self.items for i in it.indicators}
        k = 1
        while f"i{row + 1}_{k}" in keys:
            k += 1
        ind = {"key": f"i{row + 1}_{k}", "name": name, "unit": unit, "kind": "count", "targets": []}
        self.items[row].indicators.append(ind)
        return ind


def kind_label(kind: str) -> str:
    return _KINDS.get(kind, kind)
