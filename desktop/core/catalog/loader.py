"""Read forms/ → validate → build a Catalog (pyxform-style pipeline).

Every problem is reported as one line naming the file, the item and the field, and all
problems of all files are collected before failing, so a transcriber fixes them in one go.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..vocab import VOCABULARY_FILE, Role, Vocabulary, parse_vocabulary
from .schema import FieldDecl, FieldSet, Form, Item, PlanKind


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe loader (C-accelerated where libyaml exists) where only true/false are booleans.

    YAML 1.1 reads an unquoted ``no:`` key (our item number) or ``yes``/``on`` as booleans,
    a silent trap for anyone editing forms/ by hand.
    """


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rs if tag != "tag:yaml.org,2002:bool"]
    for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _ch in "tTfF":
    _Loader.yaml_implicit_resolvers.setdefault(_ch, []).insert(
        0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")))

FIELDS_FILE = "fields.yaml"
PLAN_KINDS_FILE = "plan_kinds.yaml"
DATA_FILES = (FIELDS_FILE, PLAN_KINDS_FILE, VOCABULARY_FILE)
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Whitespace-normalised text, the form in which item text must stand in its source."""
    return _WS.sub("", text)


@dataclass(frozen=True)
class FormProblem:
    file: str
    message: str
    item: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.item:
            where += f" 第{self.item}项"
        if self.field:
            where += f" {self.field}"
        return f"{where}：{self.message}"


class CatalogError(Exception):
    def __init__(self, problems: list[FormProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class FormView:
    """A loaded form with what consumers need precomputed: fields, item kinds, lookups."""

    form: Form
    fields: tuple[FieldDecl, ...]
    rules: tuple
    item_kinds: dict[int, frozenset[str]]
    vocab: Vocabulary

    @property
    def id(self) -> str:
        return self.form.id

    @property
    def items(self) -> tuple[Item, ...]:
        return self.form.items

    @cached_property
    def field_map(self) -> dict[str, FieldDecl]:
        return {f.key: f for f in self.fields}

    @cached_property
    def item_map(self) -> dict[int, Item]:
        return {i.no: i for i in self.form.items}

    @cached_property
    def indicator_map(self) -> dict[str, tuple[Item, object]]:
        return {ind.key: (it, ind) for it in self.form.items for ind in it.indicators}

    @cached_property
    def _by_role(self) -> dict[Role, FieldDecl]:
        return {f.role: f for f in self.fields if f.role}

    def decl(self, role: Role) -> FieldDecl:
        """The field that plays ``role`` (every role has one: the schema checks it)."""
        return self._by_role[role]

    def key(self, role: Role) -> str:
        return self._by_role[role].key

    def must_answer(self, item_no: int, plan_kind: str) -> bool:
        return plan_kind in self.item_kinds.get(item_no, frozenset())

    def asks_for_plan(self, plan_kind: str) -> bool:
        """Does a task of this checklist tell units of ``plan_kind`` to write their plan (甘政发〔2020〕38号
        附件2 row 2: 各职业院校制定“一校一策”实施方案)? That checklist is the one such a plan answers."""
        return any(self.must_answer(it.no, plan_kind) and plan_kind in it.text for it in self.items)


@dataclass
class Catalog:
    forms: dict[str, FormView]
    plan_kinds: dict[str, PlanKind]
    base_fields: FieldSet
    root: Path
    vocab: Vocabulary
    problems: list[FormProblem] = field(default_factory=list)

    def get(self, form_id: str) -> FormView:
        try:
            return self.forms[form_id]
        except KeyError:
            raise KeyError(f"未知的清单：{form_id}（可用：{', '.join(sorted(self.forms))}）") from None

    def forms_for(self, province: str | None, plan_kind: str) -> list[FormView]:
        """Forms a unit of this province may plan against with this kind, own province first."""
        out = [v for v in self.forms.values() if plan_kind in v.form.plan_kinds
               and v.form.province in (province, None)]
        return sorted(out, key=lambda v: (v.form.province is None, -(v.form.date or dt.date(v.form.year, 12, 31)).toordinal()))

    def source_text(self, view: FormView) -> str:
        return (self.root / "sources" / view.form.source.file).read_text(encoding="utf-8")


def _read_yaml(path: Path, problems: list[FormProblem]):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError) as e:
        problems.append(FormProblem(path.name, f"无法读取：{e}"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第{mark.line + 1}行第{mark.column + 1}列 " if mark else ""
        problems.append(FormProblem(path.name, f"{where}YAML 格式错误：{getattr(e, 'problem', e)}"))
    return None


_PYDANTIC_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的键（拼写错误？）",
    "string_too_short": "不能为空",
    "string_type": "应为文字",
    "string_pattern_mismatch": "格式不符合要求",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "literal_error": "不是允许的取值",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "tuple_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "bool_parsing": "应为 true 或 false",
}


def _zh(e: dict) -> str:
    base = _PYDANTIC_ZH.get(e["type"])
    if e["type"] == "value_error":
        return str(e.get("ctx", {}).get("error", e["msg"]))
    if base is None:
        return e["msg"]
    got = e.get("input")
    return f"{base}（现为 {got!r}）" if e["type"] not in ("missing",) and not isinstance(got, (dict, list)) else base


def _pydantic_problems(file: str, err: ValidationError, data) -> list[FormProblem]:
    out = []
    for e in err.errors():
        loc = list(e["loc"])
        item = None
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            try:
                item = str(data["items"][loc[1]].get("no", f"#{loc[1] + 1}"))
            except (KeyError, IndexError, TypeError, AttributeError):
                item = f"#{loc[1] + 1}"
            loc = loc[2:]
        out.append(FormProblem(file, _zh(e), item, ".".join(str(x) for x in loc) or None))
    return out


def derive_kinds(form: Form, kinds: dict[str, PlanKind]) -> dict[int, frozenset[str]]:
    out = {}
    for it in form.items:
        if it.plan_kinds is not None:
            out[it.no] = frozenset(it.plan_kinds)
            continue
        got = {k.id for k in kinds.values() if k.id in form.plan_kinds and any(
            p in u.name for u in it.units for p in k.unit_patterns)}
        out[it.no] = frozenset(got or form.default_item_kinds)
    return out


def load_catalog(root: Path) -> Catalog:
    """Load and validate every form under ``root``; raise CatalogError listing all problems."""
    problems: list[FormProblem] = []
    raw_fields = _read_yaml(root / FIELDS_FILE, problems)
    raw_kinds = _read_yaml(root / PLAN_KINDS_FILE, problems)
    raw_vocab = _read_yaml(root / VOCABULARY_FILE, problems)
    base = kinds = vocab = None
    try:
        vocab = parse_vocabulary(raw_vocab)
    except ValueError as e:
        problems.append(FormProblem(VOCABULARY_FILE, str(e).split("：", 1)[-1]))
    try:
        base = FieldSet.model_validate(raw_fields)
    except ValidationError as e:
        problems += _pydantic_problems(FIELDS_FILE, e, raw_fields)
    try:
        kinds = {k.id: k for k in (PlanKind.model_validate(x) for x in (raw_kinds or {}).get("plan_kinds", []))}
    except (ValidationError, AttributeError) as e:
        problems.append(FormProblem(PLAN_KINDS_FILE, str(e)))
    if base is None or not kinds or vocab is None:
        raise CatalogError(problems or [FormProblem(FIELDS_FILE, "缺少字段或填报类型定义")])

    views: dict[str, FormView] = {}
    for path in sorted(root.glob("*.yaml")):
        if path.name in DATA_FILES:
            continue
        data = _read_yaml(path, problems)
        if data is None:
            continue
        try:
            form = Form.model_validate(data)
        except ValidationError as e:
            problems += _pydantic_problems(path.name, e, data)
            continue
        problems += _check_form(path.name, form, kinds, base, root)
        if form.id in views:
            problems.append(FormProblem(path.name, f"清单 id 重复：{form.id}"))
        views[form.id] = FormView(form, base.fields + form.extra_fields, base.rules, derive_kinds(form, kinds), vocab)
    if problems:
        raise CatalogError(problems)
    return Catalog(views, kinds, base, root, vocab)


def _check_form(file: str, form: Form, kinds: dict[str, PlanKind], base: FieldSet, root: Path) -> list[FormProblem]:
    out = []
    if not file.startswith(form.id + "."):
        out.append(FormProblem(file, f"文件名须与 id 一致（{form.id}.yaml）", field="id"))
    for k in form.plan_kinds + form.default_item_kinds:
        if k not in kinds:
            out.append(FormProblem(file, f"未知的填报类型「{k}」", field="plan_kinds"))
    clash = {f.key for f in form.extra_fields} & {f.key for f in base.fields}
    if clash:
        out.append(FormProblem(file, f"扩展字段与默认字段重名：{sorted(clash)}", field="extra_fields"))
    src = root / "sources" / form.source.file
    if not src.is_file():
        out.append(FormProblem(file, f"来源文件不存在：sources/{form.source.file}", field="source.file"))
    for it in form.items:
        for k in it.plan_kinds or ():
            if k not in form.plan_kinds:
                out.append(FormProblem(file, f"填报类型「{k}」不在本清单的 plan_kinds 中", str(it.no), "plan_kinds"))
    return out
