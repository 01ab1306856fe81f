"""Pydantic schema of the checklist files in forms/.

The schema is the contract between transcribers (who write YAML) and every consumer
(store, validation, reports, import). Anything a consumer relies on is checked here,
so a malformed file fails on load with a message, never later in a report.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..text import units_text
from ..vocab import Meaning, Role, UnitKind

FieldType = Literal["bool", "text", "longtext", "date", "choice", "dept", "dept_list", "files"]
Comparator = Literal[">=", "=", "<=", "about"]
Severity = Literal["error", "warning"]
_FIRST_CLAUSE = re.compile(r"[，。；：！？]")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(Strict):
    """One target of an indicator: ``≥50 by 2022`` is value=50, comparator='>=', year=2022."""

    value: float = Field(ge=0)
    comparator: Comparator = "="
    year: int | None = Field(default=None, ge=2000, le=2100)
    label: str | None = None  # e.g. "“十四五”末"

    def describe(self, unit: str) -> str:
        """How people write it: ``2022年 ≥50家``, ``“十四五”末 ≥100家``, ``约50%``."""
        when = self.label or (f"{self.year}年" if self.year else "")
        sign = {">=": "≥", "<=": "≤", "about": "约", "=": ""}[self.comparator]
        return f"{when} {sign}{self.value:g}{unit}".strip()


class Indicator(Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    unit: str = Field(min_length=1)  # 所, 个, 家, 名, %, 元 ...
    kind: Literal["count", "percent", "amount"] = "count"
    aggregate: Literal["sum", "mean"] | None = None  # default: mean for percent, else sum
    targets: tuple[Target, ...] = ()
    quote: str | None = None  # the words of the source that state the target

    @property
    def aggregation(self) -> str:
        return self.aggregate or ("mean" if self.kind == "percent" else "sum")

    @property
    def max_value(self) -> float | None:
        return 100.0 if self.kind == "percent" else None


class Unit(Strict):
    """A responsible unit; ``省教育厅会同有关部门`` is name=省教育厅, remark=会同有关部门."""

    name: str = Field(min_length=1)
    remark: str | None = None


class FieldDecl(Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    type: FieldType
    help: str | None = None
    choices: tuple[str, ...] = ()
    default: str | bool | None = None
    max_length: int | None = Field(default=None, gt=0)
    min_date: dt.date | None = None
    max_date: dt.date | None = None
    required: bool = False  # required on items the plan kind must answer ...
    required_when: dict[str, str | bool] | None = None  # ... or only when another field has a value
    in_table: bool = True  # exported as a column of the filing table
    role: Role | None = None  # what the code relies on this field for (desktop/core/vocab.py)
    meanings: dict[Meaning, str] = Field(default_factory=dict)  # choice → what it means

    @model_validator(mode="after")
    def _choices(self):
        if self.type == "choice" and not self.choices:
            raise ValueError("choice 类型的字段必须给出 choices")
        bad = [v for v in self.meanings.values() if v not in self.choices]
        if bad:
            raise ValueError(f"meanings 中的取值不在 choices 中：{bad}")
        return self

    def choice(self, meaning: Meaning) -> str | None:
        return self.meanings.get(meaning)


class Rule(Strict):
    """A declared check; ``kind`` selects the built-in evaluator, the rest is data."""

    id: str
    kind: Literal["required", "below_target", "overdue", "conflict"]
    severity: Severity
    message: str
    field: str | None = None
    when: dict[str, str | bool] | None = None
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)


class SectionDecl(Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    help: str | None = None
    max_length: int = 10_000


class FieldSet(Strict):
    fields: tuple[FieldDecl, ...]
    sections: tuple[SectionDecl, ...] = ()
    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _roles(self):
        roles = [f.role for f in self.fields if f.role]
        dup = sorted({str(r) for r in roles if roles.count(r) > 1})
        if dup:
            raise ValueError(f"role 重复：{dup}")
        missing = [r.value for r in Role if r not in roles]
        if missing:
            raise ValueError(f"缺少 role：{missing}（每个 role 须由一个字段承担）")
        return self

    def section(self, key: str) -> SectionDecl | None:
        return next((d for d in self.sections if d.key == key), None)


class PlanKind(Strict):
    id: str  # 一市一策 ...
    label: str
    unit_kinds: tuple[UnitKind, ...]
    unit_patterns: tuple[str, ...] = ()  # responsible-unit names that oblige this kind


class Source(Strict):
    document: str
    part: str | None = None  # 附件2, 正文 三、 ...
    file: str  # path under forms/sources/
    note: str | None = None




class Item(Strict):
    no: int = Field(ge=1)
    label: str | None = None  # numbering as printed: （一）, 1. ... (default: the number)
    ref: str = Field(min_length=1)  # clause/row in the source, e.g. 附件2 第13行
    category: str | None = None
    title: str | None = None  # the source's own heading of the task, verbatim
    short_title: str | None = None  # editorial: a short topic for document headings where the source has none
    text: str = Field(min_length=1)
    units: tuple[Unit, ...] = ()
    plan_kinds: tuple[str, ...] | None = None  # explicit override of the derived kinds
    indicators: tuple[Indicator, ...] = ()

    @field_validator("text", "title", "short_title", "category")
    @classmethod
    def _no_blank(cls, v):
        if v is not None and not v.strip():
            raise ValueError("不能为空白")
        return v

    @property
    def display_no(self) -> str:
        return self.label or str(self.no)

    @property
    def topic(self) -> str:
        """A short topical heading: the source's title, the form's editorial short title, or the
        text's first clause (never cut: a heading that wraps beats a heading that lies)."""
        return self.title or self.short_title or _FIRST_CLAUSE.split(self.text, 1)[0].strip()

    @property
    def units_text(self) -> str:
        """责任部门 as the source prints them: ``省教育厅会同有关部门、各州市``."""
        return units_text(self.units)


class Form(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    version: int = Field(ge=1)
    title: str
    full_title: str
    doc_no: str | None = None
    issuers: tuple[str, ...]
    date: dt.date | None = None  # None only where the source states no date (say so in source.note)
    province: str | None = Field(default=None, pattern=r"^\d{6}$")  # None: national
    source: Source
    plan_kinds: tuple[str, ...]  # which plan kinds the form serves
    default_item_kinds: tuple[str, ...] = ()  # kinds for items whose units oblige none
    columns: dict[str, str] = Field(default_factory=dict)  # source headers: no/text/units/category
    extra_fields: tuple[FieldDecl, ...] = ()
    items: tuple[Item, ...]

    @model_validator(mode="after")
    def _numbering(self):
        nos = [i.no for i in self.items]
        if nos != list(range(1, len(nos) + 1)):
            raise ValueError(f"序号必须从1起连续编号，实际为 {nos}")
        if self.date is None and not (self.source.note and self._doc_year()):
            raise ValueError("缺少成文日期 date（来源未载日期时须在 source.note 中说明，且文号须含年份）")
        keys = [ind.key for i in self.items for ind in i.indicators]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise ValueError(f"指标 key 重复：{sorted(dup)}")
        return self

    def _doc_year(self) -> int | None:
        m = re.search(r"[〔\[［(（](\d{4})[〕\]］)）]", self.doc_no or "")
        return int(m.group(1)) if m else None

    @property
    def document_title(self) -> str:
        """The source document's title as cited: without its number (the 文号 follows the 书名号,
        not inside it) and without the space that joint issuers leave before 关于."""
        doc, no = self.source.document, self.doc_no or ""
        for wrap in (f"（{no}）", f"({no})"):
            if no and doc.endswith(wrap):
                doc = doc[: -len(wrap)]
        return re.sub(r"\s+(?=关于)", "", doc).strip()

    @property
    def year(self) -> int:
        """Year of issue: from the date, else from the document number (〔2018〕)."""
        return self.date.year if self.date else self._doc_year()


class Distribution(Strict):
    """What an office sends with a checklist: the deadline and the units that must file it.

    Kept beside the form, not in it (``distribution/<id>.yaml`` of the user's forms folder):
    the list changes from year to year while the checklist, and so its version, stays.
    With ``filers`` set, the roster (催报名单) lists exactly these units instead of every unit of
    the form's plan kinds; ``year`` limits that to one year's roster.
    """

    form_id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    deadline: dt.date | None = None
    year: int | None = Field(default=None, ge=2000, le=2100)
    filers: tuple[str, ...] = Field(default=(), max_length=100_000)
    issued_by: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("filers")
    @classmethod
    def _codes(cls, v):
        bad = [c for c in v if not re.fullmatch(r"[0-9A-Za-z_-]{1,32}", c)]
        if bad:
            raise ValueError(f"单位代码格式不对：{bad[:5]}")
        dup = sorted(c for c, n in Counter(v).items() if n > 1)
        if dup:
            raise ValueError(f"单位代码重复：{dup[:5]}")
        return v
