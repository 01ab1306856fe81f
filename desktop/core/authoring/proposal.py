"""What the reader hands to the review step: plain dataclasses, one ``Proposal`` per checklist.

A proposal is a suggestion, not a form: every item keeps where it came from (``Provenance``)
and every doubt is a ``ReaderWarning`` the reviewer sees; nothing uncertain is dropped.
``to_form_dict`` turns a reviewed proposal into the dict ``Form.model_validate`` accepts, so
saving goes through the same schema as the shipped forms.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from .catalog_bridge import Form, Indicator, Target, Unit, derive_item_kinds, plan_kind_ids

_AUTO = object()  # sentinel: "use what the document says" (immutable)


class ReaderError(ValueError):
    """The document is refused; ``str()`` is one Chinese sentence for the user (no traceback)."""


@dataclass(frozen=True)
class ReaderWarning:
    """Something the reviewer must check (a skipped number, a guessed column, a dropped run)."""

    message: str
    ref: str | None = None  # the item or table it concerns
    line: int | None = None  # 1-based line (text), paragraph/row (docx/xlsx) in the source

    def __str__(self) -> str:
        where = " ".join(x for x in (self.ref, f"第{self.line}行" if self.line else None) if x)
        return f"{where}：{self.message}" if where else self.message


@dataclass
class DocumentMeta:
    """Who issued the document, when and under which number, as printed (None when absent)."""

    title: str | None = None
    doc_no: str | None = None
    issuers: tuple[str, ...] = ()
    date: dt.date | None = None
    province_guess: str | None = None  # 6-digit code from the issuing organs / title

    @property
    def year(self) -> int | None:
        if self.date:
            return self.date.year
        m = re.search(r"[〔\[［(（【](\d{4})[〕\]］)）】]", self.doc_no or "")
        return int(m.group(1)) if m else None


@dataclass(frozen=True)
class Provenance:
    """Where an item stands in the source: table and rows, or clause; and the exact source text."""

    kind: str  # "table" or "clause"
    lines: tuple[int, ...]  # 1-based source lines (text) / paragraph or row numbers (docx, xlsx)
    source: str  # the exact source line(s), as received
    table: int | None = None  # 1-based index of the task table in the document
    rows: tuple[int, ...] = ()  # 1-based physical rows of that table (continuations included)
    clause: str | None = None  # e.g. 二、（一）


@dataclass
class IndicatorCandidate:
    """A quantified target found in the text, for the reviewer to accept, edit or drop."""

    name: str
    unit: str
    kind: str  # count / percent / amount
    targets: tuple[Target, ...]
    quote: str  # the words of the source that state it

    def to_indicator(self, key: str) -> Indicator:
        return Indicator(key=key, name=self.name, unit=self.unit, kind=self.kind,
                         targets=self.targets, quote=self.quote)


@dataclass
class ProposedItem:
    no: int
    ref: str
    text: str
    label: str | None = None
    category: str | None = None
    title: str | None = None
    units: list[Unit] = field(default_factory=list)
    indicators: list[IndicatorCandidate] = field(default_factory=list)
    provenance: Provenance | None = None
    extra: dict[str, str] = field(default_factory=dict)  # other columns (完成时限, 备注 …)


@dataclass
class Proposal:
    """One proposed checklist: a task table, or the numbered clauses of one part."""

    kind: str  # "table" or "clauses"
    meta: DocumentMeta
    items: list[ProposedItem]
    part: str | None = None  # 附件2 甘肃省工作任务清单 / 正文 …
    part_label: str | None = None  # 附件2
    title: str | None = None  # 甘肃省工作任务清单
    columns: dict[str, str] = field(default_factory=dict)  # no/category/title/text/units → header
    warnings: list[ReaderWarning] = field(default_factory=list)
    source_name: str = ""
    # targets of the part's 目标 sections, tied to no item: the reviewer attaches them (not saved as such)
    goal_indicators: list[IndicatorCandidate] = field(default_factory=list)

    def to_form_dict(self, form_id: str, version: int = 1, province=_AUTO, *,
                     source_file: str | None = None, plan_kinds: tuple[str, ...] | None = None,
                     default_item_kinds: tuple[str, ...] = ("省级",), with_indicators: bool = True,
                     title: str | None = None) -> dict:
        """The proposal as a form dict (``Form.model_validate`` accepts it).

        ``province`` defaults to the code guessed from the issuers; ``plan_kinds`` defaults to
        the kinds the items' units oblige (as the loader derives them) plus the default kinds.
        """
        if not self.items:
            raise ReaderError("清单没有任何条目，无法保存")
        m = self.meta
        if m.date is None and m.year is None:
            raise ReaderError("文件未载成文日期，文号也不含年份：请先填写成文日期")
        doc_title = m.title or self.title or self.part or self.source_name or "未命名文件"
        part = self.part[3:] if self.part and self.part.startswith("正文 ") else self.part  # the body needs no label
        data = {
            "id": form_id,
            "version": version,
            "title": title or self.title or doc_title,
            "full_title": " ".join(x for x in (m.title, part) if x) or doc_title,
            "doc_no": m.doc_no,
            "issuers": list(m.issuers),
            "date": m.date.isoformat() if m.date else None,
            "province": m.province_guess if province is _AUTO else province,
            "source": {k: v for k, v in {
                "document": doc_title + (f"（{m.doc_no}）" if m.doc_no else ""),
                "part": self.part,
                "file": source_file or self.source_name or "pasted.txt",
                "note": None if m.date else "来源文本未载成文日期（date 留空，年份取自文号），待核对原件",
            }.items() if v is not None},
            "plan_kinds": list(plan_kinds or plan_kind_ids()),
            "default_item_kinds": list(default_item_kinds),
            "columns": dict(self.columns),
            "items": [self._item_dict(it, with_indicators) for it in self.items],
        }
        if plan_kinds is None:  # the kinds the units oblige, derived exactly as the loader does
            kinds = derive_item_kinds(Form.model_validate(data))
            used = set(default_item_kinds).union(*kinds.values())
            data["plan_kinds"] = [k for k in plan_kind_ids() if k in used]
        return data

    def item_kinds(self, plan_kinds: tuple[str, ...] | None = None,
                   default_item_kinds: tuple[str, ...] = ("省级",)) -> dict[int, frozenset[str]]:
        """Plan kinds each item obliges, through the loader's own derivation (no date needed)."""
        dated = replace(self, meta=replace(self.meta, date=self.meta.date or dt.date(2000, 1, 1)))
        form = Form.model_validate(dated.to_form_dict("proposal", plan_kinds=plan_kinds,
                                                      default_item_kinds=default_item_kinds,
                                                      with_indicators=False))
        return derive_item_kinds(form)

    @staticmethod
    def _item_dict(it: ProposedItem, with_indicators: bool) -> dict:
        d: dict = {"no": it.no}
        if it.label:
            d["label"] = it.label
        d["ref"] = it.ref
        if it.category:
            d["category"] = it.category
        if it.title:
            d["title"] = it.title
        d["text"] = it.text
        if it.units:
            d["units"] = [{"name": u.name, **({"remark": u.remark} if u.remark else {})} for u in it.units]
        if with_indicators and it.indicators:
            d["indicators"] = [c.to_indicator(f"i{it.no}_{k}").model_dump(mode="json", exclude_none=True)
                               for k, c in enumerate(it.indicators, 1)]
        return d


@dataclass
class Reading:
    """Everything read from one document: its metadata, the proposals and document-level doubts."""

    meta: DocumentMeta
    proposals: list[Proposal]
    warnings: list[ReaderWarning] = field(default_factory=list)
    source_name: str = ""
    source_kind: str = "text"  # text / docx / xlsx
