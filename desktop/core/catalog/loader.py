"""Read forms/ → validate → build a Catalog (pyxform-style pipeline).

Every problem is reported as one line naming the file, the item and the field, and all
problems of all files are collected before failing, so a transcriber fixes them in one go.

Two folders make one catalogue: the shipped ``forms/`` (read-only; any problem is fatal) and
the user's forms folder (checklists made or imported here, ``AppPaths.user_forms_dir``; a
broken file there is skipped and listed in ``Catalog.problems``, never stops the app). Both
have the same layout: ``<id>.yaml`` (the current version), ``versions/<id>.v<N>.yaml`` (older
versions, kept so that plans made on them still validate and export), ``sources/`` (the source
text) and, in the user folder, ``distribution/<id>.yaml`` (deadline and who must file).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..vocab import VOCABULARY_FILE, Role, Vocabulary, parse_vocabulary
from .schema import Distribution, FieldDecl, FieldSet, Form, Item, PlanKind


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
SOURCES_DIR, VERSIONS_DIR, DISTRIBUTION_DIR = "sources", "versions", "distribution"
SHIPPED, USER = "shipped", "user"  # FormView.origin
_WS = re.compile(r"\s+")
_PLAIN_NAME = re.compile(r"[^/\\:\x00]{1,200}")  # a file name, never a path
_VERSION_FILE = re.compile(r"^(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\.v(?P<version>[1-9][0-9]{0,5})\.yaml$")


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


def form_hash(form: Form) -> str:
    """SHA-256 of a form's content in one canonical form (YAML layout and comments do not count).

    Filings carry it with the form's id and version, so an office can tell that a file was
    filled against exactly the checklist it holds. Defaults are left out, so a field added to
    the schema later does not change the hash of the forms already sent out."""
    doc = form.model_dump(mode="json", exclude_defaults=True)
    raw = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass
class FormView:
    """A loaded form with what consumers need precomputed: fields, item kinds, lookups."""

    form: Form
    fields: tuple[FieldDecl, ...]
    rules: tuple
    item_kinds: dict[int, frozenset[str]]
    vocab: Vocabulary
    origin: str = SHIPPED  # SHIPPED (read-only, forms/) or USER (the user's forms folder)
    source_dir: Path | None = None  # the sources/ folder holding form.source.file
    distribution: Distribution | None = None  # deadline and filers sent with the form

    @property
    def id(self) -> str:
        return self.form.id

    @property
    def version(self) -> int:
        return self.form.version

    @property
    def shipped(self) -> bool:
        return self.origin == SHIPPED

    @cached_property
    def hash(self) -> str:
        return form_hash(self.form)

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
    forms: dict[str, FormView]  # id → the current version
    plan_kinds: dict[str, PlanKind]
    base_fields: FieldSet
    root: Path
    vocab: Vocabulary
    problems: list[FormProblem] = field(default_factory=list)  # user-folder files that were skipped
    versions: dict[tuple[str, int], FormView] = field(default_factory=dict)  # every version, current included
    user_root: Path | None = None

    def get(self, form_id: str, version: int | None = None) -> FormView:
        """The current version of a form, or (``version``) exactly that version; KeyError says what to do."""
        try:
            view = self.forms[form_id]
        except KeyError:
            raise KeyError(f"未知的清单：{form_id}（可用：{', '.join(sorted(self.forms))}）") from None
        if version is None or int(version) == view.version:
            return view
        try:
            return self.versions[(form_id, int(version))]
        except KeyError:
            have = "、".join(f"第{v}版" for v in self.versions_of(form_id))
            raise KeyError(f"本机没有清单「{form_id}」的第{version}版（本机有{have}）：请先导入该清单的第{version}版") from None

    def versions_of(self, form_id: str) -> list[int]:
        return sorted(v for (fid, v) in self.versions if fid == form_id)

    def for_plan(self, plan) -> FormView:
        """The form version a plan was made on (``plan.form_id``, ``plan.form_version``).

        A shipped form whose older version this release no longer carries falls back to the
        current one (the behaviour before versions were kept); a user form never does."""
        try:
            return self.get(plan.form_id, plan.form_version)
        except KeyError:
            view = self.forms.get(plan.form_id)
            if view is not None and view.shipped:
                return view
            raise

    def reload(self) -> Catalog:
        """The catalogue read again (after the user saved or imported a form); shipped forms reused."""
        if self.user_root is None:
            return self
        return with_user_forms(self, self.user_root)

    def forms_for(self, province: str | None, plan_kind: str) -> list[FormView]:
        """Forms a unit of this province may plan against with this kind, own province first."""
        out = [v for v in self.forms.values() if plan_kind in v.form.plan_kinds
               and v.form.province in (province, None)]
        return sorted(out, key=lambda v: (v.form.province is None, -(v.form.date or dt.date(v.form.year, 12, 31)).toordinal()))

    def source_text(self, view: FormView) -> str:
        folder = view.source_dir or self.root / SOURCES_DIR
        return (folder / view.form.source.file).read_text(encoding="utf-8")


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
    return {it.no: item_kinds(it, form.plan_kinds, form.default_item_kinds, kinds) for it in form.items}


def item_kinds(item, plan_kinds, default_item_kinds, kinds: dict[str, PlanKind]) -> frozenset[str]:
    """The plan kinds that must answer one item: its explicit ``plan_kinds``, else those whose
    unit patterns (各州市 → 一市一策 …) name one of its units, else the form's default kinds.
    ``item`` is anything with ``plan_kinds`` and ``units`` (a schema Item, a row under review)."""
    if item.plan_kinds is not None:
        return frozenset(item.plan_kinds)
    got = {k.id for k in kinds.values() if k.id in plan_kinds and any(
        p in u.name for u in item.units for p in k.unit_patterns)}
    return frozenset(got or default_item_kinds)


def _parse_form(path: Path, problems: list[FormProblem]) -> Form | None:
    data = _read_yaml(path, problems)
    if data is None:
        return None
    try:
        return Form.model_validate(data)
    except ValidationError as e:
        problems += _pydantic_problems(path.name, e, data)
        return None


def _make_view(form: Form, base: FieldSet, kinds: dict[str, PlanKind], vocab: Vocabulary, origin: str,
               source_dir: Path) -> FormView:
    return FormView(form, base.fields + form.extra_fields, base.rules, derive_kinds(form, kinds), vocab,
                    origin, source_dir)


def _read_folder(root: Path, base: FieldSet, kinds: dict[str, PlanKind], vocab: Vocabulary, origin: str,
                 problems: list[FormProblem], taken: dict[str, FormView] | None = None):
    """(current views, every version) of one folder; problems appended, bad files left out."""
    views: dict[str, FormView] = {}
    versions: dict[tuple[str, int], FormView] = {}
    sources = root / SOURCES_DIR
    for path in sorted(root.glob("*.yaml")):
        if path.name in DATA_FILES:
            continue
        form = _parse_form(path, problems)
        if form is None:
            continue
        found = _check_form(path.name, form, kinds, base, sources.joinpath(form.source.file).is_file())
        if form.id in views:
            found.append(FormProblem(path.name, f"清单 id 重复：{form.id}"))
        if taken and form.id in taken:
            found.append(FormProblem(path.name, f"清单编号「{form.id}」已被随软件提供的清单使用，此文件未载入", field="id"))
        problems += found
        if not found:
            views[form.id] = versions[(form.id, form.version)] = _make_view(form, base, kinds, vocab, origin, sources)
    for path in sorted((root / VERSIONS_DIR).glob("*.yaml")):
        m = _VERSION_FILE.match(path.name)
        form = _parse_form(path, problems) if m else None
        if m is None:
            problems.append(FormProblem(f"{VERSIONS_DIR}/{path.name}", "文件名应为 <id>.v<版本>.yaml"))
        if form is None:
            continue
        name = f"{VERSIONS_DIR}/{path.name}"
        found = _check_form(f"{form.id}.yaml", form, kinds, base, sources.joinpath(form.source.file).is_file())
        found = [replace(p, file=name) for p in found]
        cur = views.get(form.id)
        if (m.group("id"), int(m.group("version"))) != (form.id, form.version):
            found.append(FormProblem(name, f"文件名与清单的 id、版本（{form.id} 第{form.version}版）不一致"))
        elif cur is None:
            found.append(FormProblem(name, f"没有清单「{form.id}」的当前版本，旧版本未载入"))
        elif form.version >= cur.version:
            found.append(FormProblem(name, f"旧版本的版本号应小于当前的第{cur.version}版"))
        problems += found
        if not found:
            versions[(form.id, form.version)] = _make_view(form, base, kinds, vocab, origin, sources)
    return views, versions


def load_catalog(root: Path, user_root: Path | None = None) -> Catalog:
    """Load and validate every form under ``root`` (raise CatalogError listing all problems), then
    the user's forms under ``user_root`` if given (problems there are kept in ``Catalog.problems``)."""
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
    views, versions = _read_folder(root, base, kinds, vocab, SHIPPED, problems)
    if problems:
        raise CatalogError(problems)
    shipped = Catalog(views, kinds, base, root, vocab, versions=versions)
    return with_user_forms(shipped, user_root) if user_root is not None else shipped


def with_user_forms(catalog: Catalog, user_root: Path) -> Catalog:
    """``catalog``'s shipped forms plus the forms of the user's folder (read afresh)."""
    shipped = {k: v for k, v in catalog.forms.items() if v.shipped}
    versions = {k: v for k, v in catalog.versions.items() if v.shipped}
    problems: list[FormProblem] = []
    user_views: dict[str, FormView] = {}
    user_versions: dict[tuple[str, int], FormView] = {}
    if user_root.is_dir():
        user_views, user_versions = _read_folder(user_root, catalog.base_fields, catalog.plan_kinds, catalog.vocab,
                                                 USER, problems, taken=shipped)
    forms, versions = {**shipped, **user_views}, {**versions, **user_versions}
    for fid, dist in read_distributions(user_root, problems).items():
        if fid in forms:
            forms[fid] = replace(forms[fid], distribution=dist)
            versions[(fid, forms[fid].version)] = forms[fid]
    return Catalog(forms, catalog.plan_kinds, catalog.base_fields, catalog.root, catalog.vocab, problems,
                   versions, user_root)


def read_distributions(user_root: Path, problems: list[FormProblem]) -> dict[str, Distribution]:
    out: dict[str, Distribution] = {}
    for path in sorted((user_root / DISTRIBUTION_DIR).glob("*.yaml")):
        name = f"{DISTRIBUTION_DIR}/{path.name}"
        data = _read_yaml(path, problems)
        if data is None:
            continue
        try:
            dist = Distribution.model_validate(data)
        except ValidationError as e:
            problems += _pydantic_problems(name, e, data)
            continue
        if path.name != f"{dist.form_id}.yaml":
            problems.append(FormProblem(name, f"文件名须与清单 id 一致（{dist.form_id}.yaml）"))
            continue
        out[dist.form_id] = dist
    return out


def _check_form(file: str, form: Form, kinds: dict[str, PlanKind], base: FieldSet,
                source_exists: bool) -> list[FormProblem]:
    """The checks beyond the schema that need the catalogue (plan kinds, base fields, the source)."""
    out = []
    if not file.startswith(form.id + "."):
        out.append(FormProblem(file, f"文件名须与 id 一致（{form.id}.yaml）", field="id"))
    for k in form.plan_kinds + form.default_item_kinds:
        if k not in kinds:
            out.append(FormProblem(file, f"未知的填报类型「{k}」", field="plan_kinds"))
    clash = {f.key for f in form.extra_fields} & {f.key for f in base.fields}
    if clash:
        out.append(FormProblem(file, f"扩展字段与默认字段重名：{sorted(clash)}", field="extra_fields"))
    if not _PLAIN_NAME.fullmatch(form.source.file):
        out.append(FormProblem(file, f"来源文件名「{form.source.file[:60]}」应为 sources/ 中的文件名（不含路径）",
                               field="source.file"))
    elif not source_exists:
        out.append(FormProblem(file, f"来源文件不存在：sources/{form.source.file}", field="source.file"))
    for it in form.items:
        for k in it.plan_kinds or ():
            if k not in form.plan_kinds:
                out.append(FormProblem(file, f"填报类型「{k}」不在本清单的 plan_kinds 中", str(it.no), "plan_kinds"))
    return out
