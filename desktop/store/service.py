"""The store: units, plans, answers and history behind one object (no Qt).

CLI, GUI, import and reports all go through this class. Each public method is one
transaction: it either writes everything it was asked to or nothing. Results are plain
frozen dataclasses, never live ORM objects, so callers on other threads can hold them.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import uuid as uuidlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from ..catalog import Catalog, FormView
from ..ids import check_credit_code, check_phone, check_school_code, check_unit
from ..resources import package_data
from ..values import ValueProblem, parse_field, parse_number
from . import db
from .models import (
    PLAN_STATUSES, UNIT_KINDS, Blob, Change, Evidence, Explanation, IndicatorValue, Plan,
    Response, Section, Unit, now,
)

KIND_LABELS = {"province": "省", "city": "市州", "area": "功能区", "county": "县区", "school": "学校"}
SCHOOL_TYPES = ("中职", "高职", "技工", "本科")
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024


class InputError(ValueError):
    """Refused input; ``str()`` is one Chinese line a user can act on. Nothing was written."""


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: str
    parent_code: str | None
    province_code: str | None
    school_type: str | None = None
    school_code: str | None = None
    credit_code: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    builtin: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class PlanInfo:
    id: int
    uuid: str
    unit_code: str
    unit_name: str
    form_id: str
    form_version: int
    year: int
    kind: str
    status: str
    status_reason: str | None
    revision: int
    received_at: dt.datetime | None
    updated_at: dt.datetime


@dataclass(frozen=True)
class EvidenceInfo:
    id: int
    item_no: int
    name: str
    sha256: str
    size: int
    added_at: dt.datetime


@dataclass
class PlanData:
    """Everything a unit wrote in a plan, as plain values (what validation/exports read)."""

    plan: PlanInfo
    values: dict[int, dict[str, str]] = field(default_factory=dict)
    indicators: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    explanations: dict[tuple[int, str, str], str] = field(default_factory=dict)
    evidence: list[EvidenceInfo] = field(default_factory=list)

    def value(self, item_no: int, key: str) -> str | None:
        return self.values.get(item_no, {}).get(key)


@dataclass(frozen=True)
class Edit:
    """One field change: ``item_no`` 0 with ``section`` for plan-level text."""

    item_no: int
    key: str
    value: object


def _unit_info(u: Unit, parent_code: str | None) -> UnitInfo:
    return UnitInfo(u.id, u.code, u.name, u.kind, parent_code, u.province_code, u.school_type,
                    u.school_code, u.credit_code, u.contact_person, u.contact_phone, u.builtin)


def _plan_info(p: Plan, u: Unit) -> PlanInfo:
    return PlanInfo(p.id, p.uuid, u.code, u.name, p.form_id, p.form_version, p.year, p.kind, p.status,
                    p.status_reason, p.revision, p.received_at, p.updated_at)


class Store:
    """One database. Construct with :meth:`open`; inject it wherever data is needed."""

    def __init__(self, engine, catalog: Catalog):
        self.engine = engine
        self.catalog = catalog
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.backup: Path | None = None

    @classmethod
    def open(cls, db_ref=None, catalog: Catalog | None = None, seed_registry: bool = True) -> Store:
        from ..catalog import default_catalog

        engine = db.make_engine(db.resolve_url(db_ref))
        backup = db.ensure_schema(engine)
        store = cls(engine, catalog or default_catalog())
        store.backup = backup
        if seed_registry:
            store.ensure_registry()
        return store

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    # ----------------------------------------------------------------- registry
    def ensure_registry(self) -> int:
        """Load the shipped region registry once (first start); returns units added."""
        with self.session() as s:
            if s.scalar(select(func.count()).select_from(Unit).where(Unit.builtin.is_(True))):
                return 0
            rows = read_registry()
            by_code: dict[str, Unit] = {}
            for r in rows:
                u = Unit(code=r["code"], name=r["name"], kind=r["kind"], builtin=True,
                         province_code=(r["parent_code"] or r["code"])[:2] + "0000")
                u.parent = by_code.get(r["parent_code"]) if r["parent_code"] else None
                by_code[u.code] = u
                s.add(u)
            return len(rows)

    # -------------------------------------------------------------------- units
    def add_unit(self, code: str, name: str, kind: str, parent_code: str | None = None, *,
                 school_type: str | None = None, school_code: str | None = None,
                 credit_code: str | None = None, contact_person: str | None = None,
                 contact_phone: str | None = None, accept_warnings: bool = True,
                 origin: str = "cli") -> tuple[UnitInfo, list[str]]:
        """Add a unit after checking its identifiers; returns it and the warnings accepted."""
        code, name = (code or "").strip(), (name or "").strip()
        if not code or not name:
            raise InputError("单位代码和名称不能为空")
        if kind not in UNIT_KINDS:
            raise InputError(f"单位类型「{kind}」无效，应为 {' / '.join(UNIT_KINDS)}")
        if kind == "school" and school_type and school_type not in SCHOOL_TYPES:
            raise InputError(f"学校类别「{school_type}」无效，应为 {'/'.join(SCHOOL_TYPES)}")
        with self.session() as s:
            if s.scalar(select(Unit.id).where(Unit.code == code)):
                raise InputError(f"单位代码「{code}」已存在")
            parent = None
            if parent_code:
                parent = s.scalar(select(Unit).where(Unit.code == parent_code))
                if parent is None:
                    raise InputError(f"上级单位「{parent_code}」不存在")
            elif kind != "province":
                raise InputError("除省级外，新增单位须指定上级单位（--parent）")
            province = parent.province_code if parent else code[:2] + "0000"
            errors, warnings = check_unit(kind, code, province, school_code=school_code,
                                          school_type=school_type, credit_code=credit_code, phone=contact_phone)
            if errors:
                raise InputError("；".join(errors))
            if warnings and not accept_warnings:
                raise InputError("；".join(warnings))
            u = Unit(code=code, name=name, kind=kind, parent=parent, province_code=province,
                     school_type=school_type, school_code=school_code or None,
                     credit_code=(credit_code or "").upper() or None, contact_person=contact_person or None,
                     contact_phone=contact_phone or None)
            s.add(u)
            s.flush()
            s.add(Change(origin=origin, entity="unit", unit_id=u.id, key="create", new=f"{code} {name}"))
            return _unit_info(u, parent_code), warnings

    def update_unit(self, code: str, origin: str = "ui", **attrs) -> UnitInfo:
        allowed = {"name", "school_type", "school_code", "credit_code", "contact_person", "contact_phone"}
        with self.session() as s:
            u = self._unit(s, code)
            for k, v in attrs.items():
                if k not in allowed:
                    raise InputError(f"不能修改单位属性「{k}」")
                v = (v or "").strip() or None
                if k == "school_code" and v:
                    self._raise_errors(check_school_code(v, u.province_code, attrs.get("school_type", u.school_type)))
                if k == "contact_phone" and v:
                    self._raise_errors(check_phone(v))
                if k == "credit_code" and v:
                    v = v.upper()
                    self._raise_errors(check_credit_code(v))
                old = getattr(u, k)
                if old != v:
                    setattr(u, k, v)
                    s.add(Change(origin=origin, entity="unit", unit_id=u.id, key=k, old=old, new=v))
            return _unit_info(u, u.parent.code if u.parent else None)

    @staticmethod
    def _raise_errors(problems):
        errors = [m for sev, m in problems if sev == "error"]
        if errors:
            raise InputError("；".join(errors))

    def _unit(self, s: Session, code: str) -> Unit:
        u = s.scalar(select(Unit).where(Unit.code == code))
        if u is None:
            raise InputError(f"单位「{code}」不存在")
        return u

    def get_unit(self, code: str) -> UnitInfo:
        with self.session() as s:
            u = self._unit(s, code)
            return _unit_info(u, u.parent.code if u.parent else None)

    def list_units(self, under: str | None = None) -> list[UnitInfo]:
        """Units in tree order (parents before children); ``under`` limits to a subtree."""
        with self.session() as s:
            rows = s.execute(select(Unit, Unit.parent_id)).all()
        by_id = {u.id: u for u, _ in rows}
        children: dict[int | None, list[Unit]] = {}
        for u, pid in rows:
            children.setdefault(pid, []).append(u)
        for kids in children.values():
            kids.sort(key=lambda u: (u.kind == "school", u.code))
        if under is not None:
            roots = [u for u in by_id.values() if u.code == under]
            if not roots:
                raise InputError(f"单位「{under}」不存在")
        else:
            roots = children.get(None, [])
        out: list[UnitInfo] = []
        stack = [(r, by_id[r.parent_id].code if r.parent_id else None) for r in reversed(roots)]
        while stack:
            u, pcode = stack.pop()
            out.append(_unit_info(u, pcode))
            stack.extend((c, u.code) for c in reversed(children.get(u.id, [])))
        return out

    # -------------------------------------------------------------------- plans
    def default_plan_kind(self, unit: UnitInfo) -> str:
        for k in self.catalog.plan_kinds.values():
            if unit.kind in k.unit_kinds:
                return k.id
        raise InputError(f"单位类型「{unit.kind}」没有对应的方案类型")

    def new_plan(self, unit_code: str, form_id: str, year: int, kind: str | None = None,
                 origin: str = "cli", plan_uuid: str | None = None) -> PlanInfo:
        try:
            view = self.catalog.get(form_id)
        except KeyError as e:
            raise InputError(str(e.args[0])) from None
        if not 2000 <= int(year) <= 2100:
            raise InputError(f"年度「{year}」无效")
        unit = self.get_unit(unit_code)
        kind = kind or self.default_plan_kind(unit)
        if kind not in self.catalog.plan_kinds:
            raise InputError(f"方案类型「{kind}」无效，应为 {' / '.join(self.catalog.plan_kinds)}")
        if kind not in view.form.plan_kinds:
            raise InputError(f"清单「{form_id}」不用于「{kind}」（可用：{'、'.join(view.form.plan_kinds)}）")
        if unit.kind not in self.catalog.plan_kinds[kind].unit_kinds:
            raise InputError(f"{unit.name}（{unit.kind_label}）不能编制「{kind}」")
        with self.session() as s:
            dup = s.scalar(select(Plan.id).where(Plan.unit_id == unit.id, Plan.form_id == form_id,
                                                 Plan.year == int(year), Plan.kind == kind))
            if dup:
                raise InputError(f"{unit.name} {year}年已有「{form_id}」{kind}方案（编号 {dup}）")
            p = Plan(uuid=plan_uuid or str(uuidlib.uuid4()), unit_id=unit.id, form_id=form_id,
                     form_version=view.form.version, year=int(year), kind=kind, status="草稿", revision=1)
            s.add(p)
            s.flush()
            s.add(Change(origin=origin, entity="plan", plan_id=p.id, unit_id=unit.id, key="create",
                         new=f"{form_id} {year} {kind}"))
            return _plan_info(p, s.get(Unit, unit.id))

    def _plan(self, s: Session, plan_ref) -> Plan:
        ref = str(plan_ref)
        p = s.get(Plan, int(ref)) if ref.isdigit() else s.scalar(select(Plan).where(Plan.uuid == ref))
        if p is None:
            raise InputError(f"方案「{plan_ref}」不存在")
        return p

    def get_plan(self, plan_ref) -> PlanInfo:
        with self.session() as s:
            p = self._plan(s, plan_ref)
            return _plan_info(p, p.unit)

    def find_plan(self, unit_code: str, form_id: str, year: int, kind: str) -> PlanInfo | None:
        with self.session() as s:
            row = s.execute(select(Plan, Unit).join(Unit).where(
                Unit.code == unit_code, Plan.form_id == form_id, Plan.year == year, Plan.kind == kind)).first()
            return _plan_info(*row) if row else None

    def list_plans(self, unit_code: str | None = None, form_id: str | None = None,
                   year: int | None = None, unit_codes: Iterable[str] | None = None) -> list[PlanInfo]:
        q = select(Plan, Unit).join(Unit).order_by(Plan.year.desc(), Unit.code, Plan.form_id)
        if unit_code:
            q = q.where(Unit.code == unit_code)
        if unit_codes is not None:
            q = q.where(Unit.code.in_(list(unit_codes)))
        if form_id:
            q = q.where(Plan.form_id == form_id)
        if year:
            q = q.where(Plan.year == year)
        with self.session() as s:
            return [_plan_info(p, u) for p, u in s.execute(q).all()]

    def plan_data(self, plan_ref) -> PlanData:
        with self.session() as s:
            p = self._plan(s, plan_ref)
            return self._plan_data(s, p)

    def _plan_data(self, s: Session, p: Plan) -> PlanData:
        d = PlanData(_plan_info(p, p.unit))
        for item_no, key, value in s.execute(select(Response.item_no, Response.field_key, Response.value)
                                             .where(Response.plan_id == p.id)):
            d.values.setdefault(item_no, {})[key] = value
        for key, t, a in s.execute(select(IndicatorValue.indicator_key, IndicatorValue.target,
                                          IndicatorValue.actual).where(IndicatorValue.plan_id == p.id)):
            d.indicators[key] = (t, a)
        d.sections = dict(s.execute(select(Section.key, Section.value).where(Section.plan_id == p.id)).all())
        for e in s.scalars(select(Explanation).where(Explanation.plan_id == p.id)):
            d.explanations[(e.item_no, e.rule_id, e.field_key)] = e.text
        d.evidence = [EvidenceInfo(e.id, e.item_no, e.name, e.sha256, e.size, e.added_at)
                      for e in s.scalars(select(Evidence).where(Evidence.plan_id == p.id).order_by(Evidence.id))]
        return d

    def view_for(self, plan: PlanInfo) -> FormView:
        return self.catalog.get(plan.form_id)

    # ------------------------------------------------------------------- edits
    def set_value(self, plan_ref, item_no: int, key: str, value, origin: str = "cli") -> bool:
        """Set one field (None/blank clears it). Returns whether anything changed."""
        return self.apply_edits(plan_ref, [Edit(item_no, key, value)], origin) > 0

    def check_edit(self, view: FormView, edit: Edit):
        """Parse an edit against the form; returns the canonical value or raises InputError."""
        if edit.key.startswith("section:"):
            skey = edit.key.split(":", 1)[1]
            decl = next((x for x in self.catalog.base_fields.sections if x.key == skey), None)
            if decl is None:
                raise InputError(f"未知的方案章节「{skey}」")
            text = "" if edit.value is None else str(edit.value).strip()
            if len(text) > decl.max_length:
                raise InputError(f"「{decl.label}」内容过长（{len(text)} 字），最多 {decl.max_length} 字")
            return text or None
        item = view.item_map.get(int(edit.item_no))
        if item is None:
            raise InputError(f"清单「{view.id}」没有第{edit.item_no}项（共{len(view.items)}项）")
        if edit.key.startswith(("target:", "actual:")):
            which, ikey = edit.key.split(":", 1)
            ind = next((i for i in item.indicators if i.key == ikey), None)
            if ind is None:
                raise InputError(f"第{item.no}项没有指标「{ikey}」")
            try:
                return parse_number(ind, edit.value)
            except ValueProblem as e:
                label = "本单位目标值" if which == "target" else "完成值"
                raise InputError(f"第{item.no}项「{ind.name}」{label}：{e}") from None
        decl = view.field_map.get(edit.key)
        if decl is None or decl.type == "files":
            keys = "、".join(f.key for f in view.fields if f.type != "files")
            raise InputError(f"未知字段「{edit.key}」（可用：{keys}；指标用 target:KEY / actual:KEY）")
        try:
            return parse_field(decl, edit.value)
        except ValueProblem as e:
            raise InputError(f"第{item.no}项「{decl.label}」：{e}") from None

    def apply_edits(self, plan_ref, edits: list[Edit], origin: str = "ui") -> int:
        """Apply edits in one transaction (all or nothing); returns how many changed."""
        with self.session() as s:
            p = self._plan(s, plan_ref)
            view = self.catalog.get(p.form_id)
            parsed = [(e, self.check_edit(view, e)) for e in edits]  # all checked before any write
            changed = sum(self._write(s, p, e, v, origin) for e, v in parsed)
            if changed:
                p.revision += 1
                p.updated_at = now()
            return changed

    def _write(self, s: Session, p: Plan, e: Edit, value, origin: str) -> bool:
        if e.key.startswith("section:"):
            return self._upsert(s, Section, dict(plan_id=p.id, key=e.key[8:]), "value", value,
                                Change(origin=origin, entity="section", plan_id=p.id, key=e.key[8:]))
        if e.key.startswith(("target:", "actual:")):
            which, ikey = e.key.split(":", 1)
            row = s.scalar(select(IndicatorValue).where(IndicatorValue.plan_id == p.id,
                                                        IndicatorValue.indicator_key == ikey))
            old = getattr(row, which) if row else None
            if old == value:
                return False
            if row is None:
                row = IndicatorValue(plan_id=p.id, indicator_key=ikey)
                s.add(row)
            setattr(row, which, value)
            s.add(Change(origin=origin, entity="indicator", plan_id=p.id, item_no=e.item_no, key=e.key,
                         old=None if old is None else f"{old:g}", new=None if value is None else f"{value:g}"))
            return True
        return self._upsert(s, Response, dict(plan_id=p.id, item_no=int(e.item_no), field_key=e.key), "value",
                            value, Change(origin=origin, entity="response", plan_id=p.id, item_no=int(e.item_no),
                                          key=e.key))

    @staticmethod
    def _upsert(s: Session, model, keys: dict, attr: str, value, change: Change) -> bool:
        row = s.scalar(select(model).filter_by(**keys))
        old = getattr(row, attr) if row else None
        if old == value:
            return False
        if value is None:
            s.delete(row)
        elif row is None:
            s.add(model(**keys, **{attr: value}))
        else:
            setattr(row, attr, value)
        change.old, change.new = old, value
        s.add(change)
        return True

    # -------------------------------------------------------- status & review
    def set_status(self, plan_ref, status: str, reason: str | None = None, origin: str = "ui") -> PlanInfo:
        if status not in PLAN_STATUSES:
            raise InputError(f"状态「{status}」无效，应为 {' / '.join(PLAN_STATUSES)}")
        if status == "已退回" and not (reason or "").strip():
            raise InputError("退回方案须填写退回理由")
        with self.session() as s:
            p = self._plan(s, plan_ref)
            old = p.status
            p.status, p.status_reason = status, (reason or "").strip() or None
            if old != status or reason:
                s.add(Change(origin=origin, entity="status", plan_id=p.id, key="status", old=old,
                             new=status + (f"：{reason}" if reason else "")))
            return _plan_info(p, p.unit)

    def explain(self, plan_ref, item_no: int, rule_id: str, field_key: str, text: str, origin: str = "ui") -> None:
        """Store (or with blank text, remove) the 说明 that answers a warning."""
        text = (text or "").strip()
        with self.session() as s:
            p = self._plan(s, plan_ref)
            row = s.scalar(select(Explanation).where(
                Explanation.plan_id == p.id, Explanation.item_no == item_no,
                Explanation.rule_id == rule_id, Explanation.field_key == field_key))
            old = row.text if row else None
            if old == (text or None):
                return
            if not text:
                s.delete(row)
            elif row is None:
                s.add(Explanation(plan_id=p.id, item_no=item_no, rule_id=rule_id, field_key=field_key, text=text))
            else:
                row.text = text
            s.add(Change(origin=origin, entity="explanation", plan_id=p.id, item_no=item_no,
                         key=f"{rule_id}:{field_key}", old=old, new=text or None))
            p.revision += 1
            p.updated_at = now()

    def duplicate_plan(self, plan_ref, year: int, origin: str = "ui") -> PlanInfo:
        """Last year's plan as this year's draft: answers, indicators, sections, evidence."""
        src = self.plan_data(plan_ref)
        info = self.new_plan(src.plan.unit_code, src.plan.form_id, year, src.plan.kind, origin=origin)
        with self.session() as s:
            for no, vals in src.values.items():
                for k, v in vals.items():
                    s.add(Response(plan_id=info.id, item_no=no, field_key=k, value=v))
            for k, (t, a) in src.indicators.items():
                s.add(IndicatorValue(plan_id=info.id, indicator_key=k, target=t, actual=a))
            for k, v in src.sections.items():
                s.add(Section(plan_id=info.id, key=k, value=v))
            for e in src.evidence:
                s.add(Evidence(plan_id=info.id, item_no=e.item_no, name=e.name, sha256=e.sha256, size=e.size))
            s.add(Change(origin=origin, entity="plan", plan_id=info.id, key="copy_from", new=src.plan.uuid))
        return info

    # ---------------------------------------------------------------- evidence
    def add_evidence(self, plan_ref, item_no: int, path: str | Path, origin: str = "ui") -> EvidenceInfo:
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_EVIDENCE_BYTES:
                raise InputError(f"文件「{path.name}」过大（{size // 1048576} MB），单个佐证材料不超过 50 MB")
            data = path.read_bytes()
        except OSError as e:
            raise InputError(f"无法读取文件「{path.name}」：{e.strerror or e}") from None
        return self.add_evidence_bytes(plan_ref, item_no, path.name, data, origin)

    def add_evidence_bytes(self, plan_ref, item_no: int, name: str, data: bytes, origin: str = "ui") -> EvidenceInfo:
        digest = hashlib.sha256(data).hexdigest()
        with self.session() as s:
            p = self._plan(s, plan_ref)
            if int(item_no) not in self.catalog.get(p.form_id).item_map:
                raise InputError(f"没有第{item_no}项")
            if s.get(Blob, digest) is None:
                s.add(Blob(sha256=digest, size=len(data), data=data))
            e = Evidence(plan_id=p.id, item_no=int(item_no), name=name, sha256=digest, size=len(data))
            s.add(e)
            s.flush()
            s.add(Change(origin=origin, entity="evidence", plan_id=p.id, item_no=int(item_no), key="add",
                         new=f"{name} ({digest[:12]})"))
            p.revision += 1
            p.updated_at = now()
            return EvidenceInfo(e.id, e.item_no, e.name, e.sha256, e.size, e.added_at)

    def remove_evidence(self, evidence_id: int, origin: str = "ui") -> None:
        with self.session() as s:
            e = s.get(Evidence, evidence_id)
            if e is None:
                raise InputError(f"佐证材料 {evidence_id} 不存在")
            p = s.get(Plan, e.plan_id)
            s.add(Change(origin=origin, entity="evidence", plan_id=e.plan_id, item_no=e.item_no, key="remove",
                         old=f"{e.name} ({e.sha256[:12]})"))
            sha = e.sha256
            s.delete(e)
            s.flush()
            if not s.scalar(select(func.count()).select_from(Evidence).where(Evidence.sha256 == sha)):
                s.execute(delete(Blob).where(Blob.sha256 == sha))
            p.revision += 1
            p.updated_at = now()

    def evidence_bytes(self, sha256: str) -> bytes:
        with self.session() as s:
            b = s.get(Blob, sha256)
            if b is None:
                raise InputError("佐证材料内容不存在")
            return b.data

    # ----------------------------------------------------------------- history
    def history(self, plan_ref, limit: int = 500) -> list[dict]:
        with self.session() as s:
            p = self._plan(s, plan_ref)
            rows = s.scalars(select(Change).where(Change.plan_id == p.id).order_by(Change.id.desc()).limit(limit))
            return [dict(at=c.at, origin=c.origin, entity=c.entity, item_no=c.item_no, key=c.key,
                         old=c.old, new=c.new) for c in rows]

    # ------------------------------------------------------------------ import
    def parse_content(self, view: FormView, edits: list[Edit], check: bool = True):
        """Edits as whole-plan content: ({(item_no, key): text}, {ind_key: [target, actual]},
        {section_key: text}), every value checked (unless already canonical) and blanks dropped."""
        responses: dict[tuple[int, str], str] = {}
        indicators: dict[str, list] = {}
        sections: dict[str, str] = {}
        for e in edits:
            v = self.check_edit(view, e) if check else e.value
            if v is None:
                continue
            if e.key.startswith("section:"):
                sections[e.key[8:]] = v
            elif e.key.startswith(("target:", "actual:")):
                which, ikey = e.key.split(":", 1)
                indicators.setdefault(ikey, [None, None])[which == "actual"] = v
            else:
                responses[(int(e.item_no), e.key)] = v
        return responses, indicators, sections

    def _create_for_import(self, s: Session, c: dict, origin: str) -> Plan:
        """A received plan, inside the caller's transaction (the importer has checked form,
        year and duplicates; the unit may file this kind is checked here)."""
        view = self.catalog.get(c["form_id"])
        unit = self._unit(s, c["unit_code"])
        kind = self.catalog.plan_kinds.get(c["kind"])
        if kind is None or c["kind"] not in view.form.plan_kinds or unit.kind not in kind.unit_kinds:
            raise InputError(f"{unit.name}（{KIND_LABELS.get(unit.kind, unit.kind)}）不能编制「{c['kind']}」")
        p = Plan(uuid=c.get("plan_uuid") or str(uuidlib.uuid4()), unit_id=unit.id, form_id=view.id,
                 form_version=view.form.version, year=int(c["year"]), kind=c["kind"], status="草稿", revision=1)
        s.add(p)
        s.flush()
        s.add(Change(origin=origin, entity="plan", plan_id=p.id, unit_id=unit.id, key="create",
                     new=f"{view.id} {p.year} {p.kind}"))
        return p

    def replace_plan_content(self, plan_ref, edits: list[Edit], revision: int, origin: str = "import",
                             content_hash: str | None = None, record: dict | None = None,
                             create: dict | None = None) -> int:
        """Make the plan hold exactly ``edits`` (a received filing), in one transaction.

        Answers, indicators and sections not in ``edits`` are cleared; every difference gets a
        Change row, so history keeps what was replaced. The plan becomes 已报送 at ``revision``.
        ``record`` (ImportRecord fields) is written in the same transaction; ``create``
        (unit_code, form_id, year, kind, plan_uuid) makes the plan in it too (``plan_ref`` None).
        Returns how many values changed. Bulk statements: an import writes hundreds of plans.
        """
        from sqlalchemy import insert

        from .models import ImportRecord

        with self.session() as s:
            p = self._plan(s, plan_ref) if create is None else self._create_for_import(s, create, origin)
            view = self.catalog.get(p.form_id)
            want_r, want_i, want_s = self.parse_content(view, edits)
            changes: list[dict] = []

            def note(entity, item_no, key, old, new):
                changes.append(dict(at=now(), origin=origin, entity=entity, plan_id=p.id, item_no=item_no,
                                    key=key, old=old, new=new))

            def sync(rows, key_of, want, entity, item_of, key_name):
                for row in rows:
                    k = key_of(row)
                    new = want.pop(k, None)
                    if new != row.value:
                        note(entity, item_of(k), key_name(k), row.value, new)
                        if new is None:
                            s.delete(row)
                        else:
                            row.value = new
                return want

            new_r = sync(s.scalars(select(Response).where(Response.plan_id == p.id)),
                         lambda r: (r.item_no, r.field_key), want_r, "response", lambda k: k[0], lambda k: k[1])
            new_s = sync(s.scalars(select(Section).where(Section.plan_id == p.id)),
                         lambda r: r.key, want_s, "section", lambda k: None, lambda k: k)
            conn = s.connection()  # Core executemany: the ORM bulk path costs more than the rows
            if new_r:
                conn.execute(insert(Response), [dict(plan_id=p.id, item_no=no, field_key=k, value=v)
                                             for (no, k), v in new_r.items()])
            if new_s:
                conn.execute(insert(Section), [dict(plan_id=p.id, key=k, value=v) for k, v in new_s.items()])
            for (no, k), v in new_r.items():
                note("response", no, k, None, v)
            for k, v in new_s.items():
                note("section", None, k, None, v)
            item_of = {ind.key: it.no for it in view.items for ind in it.indicators}
            for row in list(s.scalars(select(IndicatorValue).where(IndicatorValue.plan_id == p.id))):
                t, a = want_i.pop(row.indicator_key, (None, None))
                for which, new in (("target", t), ("actual", a)):
                    old = getattr(row, which)
                    if old != new:
                        note("indicator", item_of.get(row.indicator_key), f"{which}:{row.indicator_key}",
                             None if old is None else f"{old:g}", None if new is None else f"{new:g}")
                        setattr(row, which, new)
                if t is None and a is None:
                    s.delete(row)
            for k, (t, a) in want_i.items():
                s.add(IndicatorValue(plan_id=p.id, indicator_key=k, target=t, actual=a))
                for which, new in (("target", t), ("actual", a)):
                    if new is not None:
                        note("indicator", item_of.get(k), f"{which}:{k}", None, f"{new:g}")
            if p.status != "已报送":
                note("status", None, "status", p.status, "已报送")
            if changes:
                conn.execute(insert(Change), changes)
            p.revision, p.status, p.status_reason = int(revision), "已报送", None
            p.content_hash = content_hash
            p.received_at = p.updated_at = now()
            if record:
                s.add(ImportRecord(plan_id=p.id, **record))
            return sum(c["entity"] != "status" for c in changes)


def read_registry() -> list[dict]:
    """The shipped division registry (desktop/data/registry.csv; source lines in the file)."""
    with open(package_data("registry.csv"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))
