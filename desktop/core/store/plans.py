"""Plans and their content: create, find, read a snapshot, edit (autosave, CLI), 说明, copy.

Every content change goes through :meth:`Plans.apply_edits` (or :meth:`explain`), which asks
the lifecycle first: a plan that is 已报送 or 已受理 is read-only on every path.
"""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import fields, replace
from typing import Iterable

from sqlalchemy import and_, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from ..catalog import FormView
from ..edits import Edit, Kind, Ref
from ..errors import Conflict, InputError
from ..values import ValueProblem, parse_field, parse_number
from ..vocab import Origin, PlanState
from . import db, limits
from .models import Change, Evidence, Explanation, IndicatorValue, Plan, Response, Section, Submission, Unit, now
from .snapshot import EvidenceInfo, PlanInfo, PlanSnapshot, SubmissionInfo, UnitInfo
from .store import Part
from .units import unit_info


def plan_info(p: Plan, u: Unit, review_reason: str | None = None) -> PlanInfo:
    return PlanInfo(p.id, p.uuid, u.code, u.name, p.form_id, p.form_version, p.year, p.kind, p.state,
                    p.submission_no, p.revision, p.received_at, p.updated_at, review_reason)


def submission_info(sub: Submission) -> SubmissionInfo:
    def who(role, name):
        return " ".join(x for x in (role, name) if x) or None

    return SubmissionInfo(sub.number, sub.uuid, sub.replaces, sub.state, sub.content_hash, sub.made_at,
                          who(sub.made_by_role, sub.made_by_name), sub.origin, sub.file_name, sub.reviewed_at,
                          who(sub.reviewed_by_role, sub.reviewed_by_name), sub.review_reason)


MAX_ID = 2**31 - 1  # INTEGER on every backend


def check_edit(catalog, view: FormView, edit: Edit):
    """Parse an edit against the form; returns the canonical value or raises InputError.

    Needs only the catalog (no database), so the importer's checking processes run the very
    same rule as the editor, the CLI and ``Plans.apply_edits``."""
    ref = edit.ref
    if ref.kind == Kind.SECTION:
        decl = catalog.base_fields.section(ref.key)
        if decl is None:
            raise InputError(f"未知的方案章节「{ref.key}」")
        text = "" if edit.value is None else str(edit.value).strip()
        limits.check_text(decl.label, text, decl.max_length)
        return text or None
    item = view.item_map.get(ref.item_no)
    if item is None:
        raise InputError(f"清单「{view.id}」没有第{ref.item_no}项（共{len(view.items)}项）")
    if ref.is_indicator:
        ind = next((i for i in item.indicators if i.key == ref.key), None)
        if ind is None:
            raise InputError(f"第{item.no}项没有指标「{ref.key}」")
        try:
            return parse_number(ind, edit.value)
        except ValueProblem as e:
            label = "本单位目标值" if ref.kind == Kind.TARGET else "完成值"
            raise InputError(f"第{item.no}项「{ind.name}」{label}：{e}") from None
    decl = view.field_map.get(ref.key)
    if decl is None or decl.type == "files":
        keys = "、".join(f.key for f in view.fields if f.type != "files")
        raise InputError(f"未知字段「{ref.key}」（可用：{keys}；指标用 target:KEY / actual:KEY）")
    try:
        value = parse_field(decl, edit.value, catalog.vocab.answers)
    except ValueProblem as e:
        raise InputError(f"第{item.no}项「{decl.label}」：{e}") from None
    limits.check_text(f"第{item.no}项{decl.label}", value)
    return value


def plan_lock(s: Session, unit_id: int, form_id: str, year: int, kind: str) -> None:
    """One writer at a time creating the plan of this unit, form, year and kind (db.serialize)."""
    db.serialize(s, f"plan:{unit_id}:{form_id}:{year}:{kind}")


class Plans(Part):
    # ------------------------------------------------------------ lookup
    @staticmethod
    def row(s: Session, plan_ref) -> Plan:
        """The plan by number or uuid. Inside a write transaction the row is locked (SELECT …
        FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the whole database), so
        two users changing one plan queue up and no revision increment is lost."""
        ref = str(plan_ref).strip()
        lock = bool(s.info.get("write"))
        p = None
        if ref.isascii() and ref.isdigit():
            if len(ref) <= 10 and int(ref) <= MAX_ID:
                p = s.get(Plan, int(ref), with_for_update=True if lock else None)
        elif len(ref) <= 36:
            q = select(Plan).where(Plan.uuid == ref)
            p = s.scalar(q.with_for_update() if lock else q)
        if p is None:
            raise InputError(f"方案「{ref[:40]}」不存在")
        return p

    def info(self, s: Session, p: Plan) -> PlanInfo:
        reason = None
        if p.state == PlanState.RETURNED:
            reason = s.scalar(select(Submission.review_reason).where(
                Submission.plan_id == p.id, Submission.number == p.submission_no))
        return plan_info(p, p.unit, reason)

    def get(self, plan_ref) -> PlanInfo:
        with self.reading() as s:
            return self.info(s, self.row(s, plan_ref))

    def find(self, unit_code: str, form_id: str, year: int, kind: str) -> PlanInfo | None:
        with self.reading() as s:
            p = s.scalar(select(Plan).join(Unit).where(
                Unit.code == unit_code, Plan.form_id == form_id, Plan.year == int(year), Plan.kind == kind))
            return self.info(s, p) if p else None

    def list(self, unit_code: str | None = None, form_id: str | None = None, year: int | None = None,
             unit_codes: Iterable[str] | None = None) -> list[PlanInfo]:
        latest = and_(Submission.plan_id == Plan.id, Submission.number == Plan.submission_no,
                      Plan.state == PlanState.RETURNED.value)
        # plain rows in PlanInfo's order, not ORM objects: a province lists 10,000 plans at once
        q = (select(Plan.id, Plan.uuid, Unit.code, Unit.name, Plan.form_id, Plan.form_version, Plan.year, Plan.kind,
                    Plan.state, Plan.submission_no, Plan.revision, Plan.received_at, Plan.updated_at,
                    Submission.review_reason)
             .join(Unit, Plan.unit_id == Unit.id).outerjoin(Submission, latest)
             .order_by(Plan.year.desc(), Unit.code, Plan.form_id))
        if unit_code:
            q = q.where(Unit.code == unit_code)
        if unit_codes is not None:
            q = q.where(Unit.code.in_(list(unit_codes)))
        if form_id:
            q = q.where(Plan.form_id == form_id)
        if year:
            q = q.where(Plan.year == int(year))
        with self.reading() as s:
            return [PlanInfo(*row) for row in s.execute(q).all()]

    def departments(self, unit_code: str, limit: int = 60) -> list[str]:
        """Departments this unit has named before (牵头部门, 配合部门 of its plans), most used first:
        a school's 教务处 and 招生就业处, not only the provincial agencies the checklist names."""
        from collections import Counter

        keys = {f.key for f in self.catalog.base_fields.fields if f.type in ("dept", "dept_list")}
        counts: Counter = Counter()
        with self.reading() as s:  # a read: no write lock (opening a plan asks for it)
            rows = s.scalars(select(Response.value).join(Plan, Plan.id == Response.plan_id).join(Unit)
                             .where(Unit.code == unit_code, Response.field_key.in_(keys)))
            for v in rows:
                counts.update(x.strip() for x in v.split("、") if x.strip())
        return [name for name, _n in counts.most_common(limit)]

    def view_for(self, plan: PlanInfo) -> FormView:
        """The form version the plan was made on."""
        return self.catalog.for_plan(plan)

    # ------------------------------------------------------------ create
    def kinds_for(self, unit: UnitInfo) -> list[str]:
        """Plan kinds a unit of this kind files (一校一策 for a school …)."""
        return [k.id for k in self.catalog.plan_kinds.values() if unit.kind in k.unit_kinds]

    def default_kind(self, unit: UnitInfo) -> str:
        kinds = self.kinds_for(unit)
        if not kinds:
            raise InputError(f"单位类型「{self.store.vocab.label(unit.kind)}」没有对应的方案类型")
        return kinds[0]

    def forms_for(self, unit: UnitInfo, kind: str) -> list[FormView]:
        """Checklists this unit may plan against: its province's and the national ones."""
        return self.catalog.forms_for(self.store.units.province_of(unit), kind)

    def check_new(self, unit: UnitInfo, form_id: str, year, kind: str | None,
                  version: int | None = None) -> tuple[FormView, int, str]:
        """Every rule for a new plan (GUI, CLI and import alike); returns (view, year, kind).
        A new plan is made on the form's current version unless ``version`` (a received filing's)."""
        try:
            view = self.catalog.get(form_id, version)
        except KeyError as e:
            raise InputError(str(e.args[0])) from None
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise InputError(f"年度「{year}」无效") from None
        if not 2000 <= year <= 2100:
            raise InputError(f"年度「{year}」无效")
        kind = kind or self.default_kind(unit)
        if kind not in self.catalog.plan_kinds:
            raise InputError(f"方案类型「{kind}」无效，应为 {' / '.join(self.catalog.plan_kinds)}")
        if unit.kind not in self.catalog.plan_kinds[kind].unit_kinds:
            raise InputError(f"{unit.name}（{self.store.vocab.label(unit.kind)}）不能编制「{kind}」")
        if view.id not in {v.id for v in self.forms_for(unit, kind)}:
            where = self.store.vocab.label(unit.kind)
            allowed = "、".join(v.id for v in self.forms_for(unit, kind)) or "无"
            raise InputError(f"清单「{view.id}」（{view.form.title}）不适用于{unit.name}（{where}）编制「{kind}」"
                             f"（可用：{allowed}）")
        return view, year, kind

    def create(self, unit_code: str, form_id: str, year: int, kind: str | None = None,
               origin: str = Origin.CLI, plan_uuid: str | None = None) -> PlanInfo:
        unit = self.store.units.get(unit_code)
        view, year, kind = self.check_new(unit, form_id, year, kind)
        with self.session() as s:
            return self.info(s, self.insert(s, unit, view, year, kind, origin, plan_uuid))

    def insert(self, s: Session, unit: UnitInfo, view: FormView, year: int, kind: str, origin: str,
               plan_uuid: str | None = None, *, looked: bool = False, history: list[dict] | None = None) -> Plan:
        """A new draft plan inside the caller's transaction (rules already checked).

        ``looked``: the caller holds this plan's lock (:func:`plan_lock`) and has found no plan.
        ``history``: the caller's history rows, written by it in one insert (a received filing);
        the plan's row comes first, before its content's."""
        if not looked:
            plan_lock(s, unit.id, view.id, year, kind)
            dup = s.scalar(select(Plan.id).where(Plan.unit_id == unit.id, Plan.form_id == view.id,
                                                 Plan.year == year, Plan.kind == kind))
            if dup:
                raise InputError(f"{unit.name} {year}年已有「{view.id}」{kind}方案（编号 {dup}）")
        stamp = now()
        row = dict(uuid=plan_uuid or str(uuidlib.uuid4()), unit_id=unit.id, form_id=view.id,
                   form_version=view.form.version, year=year, kind=kind, state=PlanState.DRAFT.value,
                   submission_no=0, revision=1, content_hash=None, received_at=None, created_at=stamp,
                   updated_at=stamp)
        # Core, then the row as a persistent object (every column set: nothing is read back): an
        # ORM flush costs more than the insert, and an import makes a plan per file
        limits.check_rows(Plan, [row])
        p = Plan(id=s.connection().execute(insert(Plan), row).inserted_primary_key[0], **row)
        make_transient_to_detached(p)
        # merged, not added: a plan made in a SAVEPOINT rolled back earlier in this session may have
        # had the same id (SQLite reuses it) and its object stays (expired); merge takes its place
        p = s.merge(p, load=False)
        row = self.store.change_row(origin, "plan", plan_id=p.id, unit_id=unit.id, key="create",
                                    new=f"{view.id} {year} {kind}")
        if history is not None:
            history.append(row)
            return p
        # written now (not at the next flush): the plan's first history row comes before its content's
        limits.check_rows(Change, [row])
        s.connection().execute(insert(Change), [row])
        return p

    # ------------------------------------------------------------ read
    def snapshot(self, plan_ref, submission: int | None = None) -> PlanSnapshot:
        """The working copy, or (``submission`` N; -1 the latest) what was filed as 第N次报送."""
        with self.reading() as s:
            p = self.row(s, plan_ref)
            info = self.info(s, p)
            if submission is None:
                return self._working(s, p, info)
            number = p.submission_no if submission == -1 else int(submission)
            sub = None if abs(number) > MAX_ID else s.scalar(select(Submission).where(Submission.plan_id == p.id, Submission.number == number))
            if sub is None:
                raise InputError(f"{info.unit_name}的方案没有第{number}次报送"
                                 + (f"（共{p.submission_no}次）" if p.submission_no else "（尚未报送）"))
            earlier = tuple(s.scalars(select(Submission.uuid).where(
                Submission.plan_id == p.id, Submission.number < number).order_by(Submission.number)))
            return PlanSnapshot.from_json(sub.snapshot, info, replace(submission_info(sub), history=earlier))

    def submissions(self, plan_ref) -> list[SubmissionInfo]:
        with self.reading() as s:
            p = self.row(s, plan_ref)
            return [submission_info(x) for x in s.scalars(
                select(Submission).where(Submission.plan_id == p.id).order_by(Submission.number))]

    def _working(self, s: Session, p: Plan, info: PlanInfo) -> PlanSnapshot:
        d = PlanSnapshot(info, unit_info(p.unit, p.unit.parent))
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

    # ------------------------------------------------------------ edit
    def check_edit(self, view: FormView, edit: Edit):
        """Parse an edit against the form (see :func:`check_edit`)."""
        return check_edit(self.catalog, view, edit)

    def set(self, plan_ref, item_no: int, key: str, value, origin: str = Origin.CLI) -> bool:
        """Set one value named as text (``measures``, ``target:KEY`` …); returns whether it changed."""
        return self.apply_edits(plan_ref, [Edit(Ref.parse(key, item_no), value)], origin) > 0

    def apply_edits(self, plan_ref, edits: list[Edit], origin: str = Origin.UI,
                    expect_revision: int | None = None, into: PlanSnapshot | None = None) -> int:
        """Apply edits in one transaction (all or nothing); returns how many changed.

        ``expect_revision``: the revision the editor last read; if someone else wrote since,
        nothing is written and :class:`Conflict` says so (a shared database).
        ``into``: the caller's working copy of this plan, brought to what the database holds
        after the write — by applying the written values when nobody else wrote since it was
        read (an autosave per keystroke then re-reads nothing), else by reading it again.
        """
        from ..lifecycle import Action

        with self.session() as s:
            p = self.row(s, plan_ref)
            self.store.lifecycle.require_state(s, p, Action.EDIT)
            if expect_revision is not None and p.revision != expect_revision:
                raise Conflict("该方案已被其他用户修改，请刷新后再编辑")
            current = (into is not None and into.submission is None and into.plan.id == p.id
                       and into.plan.revision == p.revision)
            view = self.catalog.for_plan(p)
            parsed = [(e.ref, self.check_edit(view, e)) for e in edits]  # all checked before any write
            changed = sum(self._write(s, p, ref, v, origin) for ref, v in parsed)
            if changed:
                self.touch(p)
            fresh = None
            if into is not None and not current:
                s.flush()
                fresh = self._working(s, p, self.info(s, p))
            revision, updated = p.revision, p.updated_at
        if into is not None:  # only once committed: a failed write leaves the copy as it was
            if fresh is None:
                for ref, v in parsed:
                    into.put(ref, v)
                into.plan = replace(into.plan, revision=revision, updated_at=updated)
            else:
                for f in fields(fresh):
                    setattr(into, f.name, getattr(fresh, f.name))
        return changed

    @staticmethod
    def touch(p: Plan) -> None:
        p.revision += 1
        p.updated_at = now()

    def _write(self, s: Session, p: Plan, ref: Ref, value, origin: str) -> bool:
        if ref.kind == Kind.SECTION:
            return self._upsert(s, Section, dict(plan_id=p.id, key=ref.key), value,
                                self.store.change(origin, "section", plan_id=p.id, key=ref.key))
        if ref.is_indicator:
            which = "target" if ref.kind == Kind.TARGET else "actual"
            row = s.scalar(select(IndicatorValue).where(IndicatorValue.plan_id == p.id,
                                                        IndicatorValue.indicator_key == ref.key))
            old = getattr(row, which) if row else None
            if old == value:
                return False
            if row is None:
                row = IndicatorValue(plan_id=p.id, indicator_key=ref.key)
                s.add(row)
            setattr(row, which, value)
            s.add(self.store.change(origin, "indicator", plan_id=p.id, item_no=ref.item_no, key=ref.text,
                                    old=_num(old), new=_num(value)))
            return True
        return self._upsert(s, Response, dict(plan_id=p.id, item_no=ref.item_no, field_key=ref.key), value,
                            self.store.change(origin, "response", plan_id=p.id, item_no=ref.item_no, key=ref.key))

    @staticmethod
    def _upsert(s: Session, model, keys: dict, value, change) -> bool:
        row = s.scalar(select(model).filter_by(**keys))
        old = row.value if row else None
        if old == value:
            return False
        if value is None:
            s.delete(row)
        elif row is None:
            s.add(model(**keys, value=value))
        else:
            row.value = value
        change.old, change.new = old, value
        s.add(change)
        return True

    def explain(self, plan_ref, item_no: int, rule_id: str, field_key: str, text: str,
                origin: str = Origin.UI) -> None:
        """Store (or with blank text, remove) the 说明 that answers a warning."""
        from ..lifecycle import Action

        text = (text or "").strip()
        if len(text) > 2000:
            raise InputError(f"说明过长（{len(text)} 字），最多 2000 字")
        with self.session() as s:
            p = self.row(s, plan_ref)
            self.store.lifecycle.require_state(s, p, Action.EDIT)
            view = self.catalog.for_plan(p)
            item = view.item_map.get(int(item_no)) if abs(int(item_no)) <= MAX_ID else None
            if item is None:
                raise InputError(f"清单「{view.id}」没有第{item_no}项（共{len(view.items)}项）")
            if rule_id not in {r.id for r in view.rules}:
                raise InputError(f"未知的校验规则「{rule_id}」（可用：{'、'.join(r.id for r in view.rules)}）")
            fields = [f.key for f in view.fields] + [Ref.actual(item.no, i.key).text for i in item.indicators]
            if field_key not in fields:
                raise InputError(f"第{item.no}项没有字段「{field_key[:40]}」（可用：{'、'.join(fields)}）")
            row = s.scalar(select(Explanation).where(
                Explanation.plan_id == p.id, Explanation.item_no == int(item_no),
                Explanation.rule_id == rule_id, Explanation.field_key == field_key))
            old = row.text if row else None
            if old == (text or None):
                return
            if not text:
                s.delete(row)
            elif row is None:
                s.add(Explanation(plan_id=p.id, item_no=int(item_no), rule_id=rule_id, field_key=field_key, text=text))
            else:
                row.text = text
            s.add(self.store.change(origin, "explanation", plan_id=p.id, item_no=int(item_no),
                                    key=f"{rule_id}:{field_key}", old=old, new=text or None))
            self.touch(p)

    def duplicate(self, plan_ref, year: int, origin: str = Origin.UI) -> PlanInfo:
        """Last year's plan as this year's draft: answers, indicators, sections, evidence."""
        src = self.snapshot(plan_ref)
        info = self.create(src.plan.unit_code, src.plan.form_id, year, src.plan.kind, origin=origin)
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
            s.add(self.store.change(origin, "plan", plan_id=info.id, key="copy_from", new=src.plan.uuid))
        return info

    def diff(self, plan_ref, old: int | None = None, new: int | None = None) -> list[dict]:
        """What changed between two submissions (default: the last two), item by item."""
        from .diff import diff_snapshots

        subs = self.submissions(plan_ref)
        if not subs:
            raise InputError("该方案尚未报送，没有可比较的报送")
        new = new or subs[-1].number
        old = old or (new - 1)
        if old < 1:
            raise InputError(f"第{new}次报送之前没有报送可比较")
        a, b = self.snapshot(plan_ref, old), self.snapshot(plan_ref, new)
        return diff_snapshots(self.catalog.for_plan(a.plan), a, b)


def _num(v) -> str | None:
    from .. import fmt

    return None if v is None else fmt.number(v)

