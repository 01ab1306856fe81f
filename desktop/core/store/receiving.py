"""Receiving a filing: place the unit, identify the submission, write it whole or not at all.

The Excel importer (desktop/excel/importer.py) turns a file into an :class:`Incoming`: every
cell checked and parsed by the same parsers as the GUI and CLI. This part decides what the
file *is* — a new submission, the same one again, an older one, a draft — from identities, not
from counters a file could carry edited (ODK's instanceID / deprecatedID): each submission
names the uuids of the ones before it. Then it writes the content, the submission and the
import record, and the lifecycle moves the plan to 已报送.

One file is one unit of work: written whole or not at all. :meth:`Receiving.receive` gives it
its own transaction; :meth:`Receiving.receive_many` (a bulk import) puts a run of files in one
transaction, each file in its own SAVEPOINT, so a refused file leaves nothing of itself while
the others stay, and the commit (the disk sync) is paid per run, not per file. A run is short
(:data:`BATCH_FILES` files, :data:`BATCH_SECONDS`): another program waiting for the write lock
waits about that long, never for the whole import. If a run's commit fails, each of its files
is written again alone, so what the caller is told about each file stays exact.
"""
from __future__ import annotations

import datetime as dt
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from .. import fmt
from ..catalog import FormView
from ..edits import Edit, Kind
from ..errors import InputError, UnknownUnit
from ..lifecycle import Action
from ..vocab import Origin, Outcome, SubmissionState, UnitKind
from .models import (
    Blob, Change, Evidence, Explanation, ImportRecord, IndicatorValue, Plan, Response, Section, Submission, Unit,
    now,
)
from . import db
from .snapshot import EvidenceInfo, PlanSnapshot, UnitInfo, content_hash
from .store import Part
from .plans import plan_lock
from .units import unit_info


@dataclass
class Incoming:
    """One checked file, ready to receive (content already canonical)."""

    file_name: str
    file_sha256: str
    view: FormView
    unit: dict  # code, name, unit_kind, parent_code, parent_name, school_type, school_code, credit_code, contact_*
    year: int
    kind: str | None
    edits: list[Edit]
    explanations: dict[tuple[int, str, str], str] = field(default_factory=dict)
    evidence: list[tuple[int, str, int, str]] = field(default_factory=list)  # item, name, size, sha256
    blobs: dict[str, bytes] = field(default_factory=dict)  # sha256 → content (a 报送包 carries them)
    plan_uuid: str | None = None
    submission_uuid: str | None = None
    history: tuple[str, ...] = ()  # uuids of the earlier submissions, oldest first
    draft: bool = False
    claimed_hash: str | None = None  # the hash the exporting program wrote (_meta)
    made_on: dt.date | None = None  # the day the exporting program made the file (None: today)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Content:
    """A filing's content as validation reads it (values, indicators, 说明)."""

    values: dict
    indicators: dict
    explanations: dict


@dataclass
class Receipt:
    outcome: Outcome
    unit_code: str | None = None
    unit_name: str | None = None
    plan_uuid: str | None = None
    submission_no: int | None = None
    changed: int = 0
    warnings: list[str] = field(default_factory=list)


def content_of(edits: list[Edit]) -> tuple[dict, dict, dict]:
    """Edits as whole-plan content: ({item: {key: text}}, {ind: (target, actual)}, {section: text})."""
    values: dict[int, dict[str, str]] = {}
    inds: dict[str, list] = {}
    secs: dict[str, str] = {}
    field, section, actual = Kind.FIELD, Kind.SECTION, Kind.ACTUAL  # fields first: most edits are
    for e in edits:
        v = e.value
        if v is None:
            continue
        r = e.ref
        kind = r.kind
        if kind == field:
            kv = values.get(r.item_no)
            if kv is None:
                values[r.item_no] = kv = {}
            kv[r.key] = v
        elif kind == section:
            secs[r.key] = v
        else:
            inds.setdefault(r.key, [None, None])[kind == actual] = v
    return values, {k: (t, a) for k, (t, a) in inds.items()}, secs


# the plan a filing is for, locked (built once: building a statement costs more than running it)
_PLAN_BY_UUID = select(Plan).where(Plan.uuid == bindparam("uuid")).with_for_update()
_BY_KEY = and_(Plan.unit_id == bindparam("unit_id"), Plan.form_id == bindparam("form_id"),
               Plan.year == bindparam("year"), Plan.kind == bindparam("kind"))
_PLAN_BY_KEY = select(Plan).where(_BY_KEY).with_for_update()
_PLAN_BY_UUID_OR_KEY = select(Plan).where(or_(Plan.uuid == bindparam("uuid"), _BY_KEY)).with_for_update()

BATCH_FILES = 50  # files per transaction in receive_many
BATCH_SECONDS = 0.5  # … or this long: the longest another program's write waits for an import


class _Seen:
    """Rows looked up once per transaction of a batch: units by code (a province's schools share
    their 市州), those a run's files name read in one query up front. Forgotten whenever a file's
    SAVEPOINT is rolled back (what it made is gone); a code not found is looked up again."""

    def __init__(self):
        self.units: dict[str, Unit] = {}

    def clear(self) -> None:
        self.units.clear()

    def prefetch(self, s: Session, incoming: list[Incoming]) -> None:
        codes = {c for inc in incoming for c in ((inc.unit.get("code") or "").strip(),
                                                 (inc.unit.get("parent_code") or "").strip())} - {""}
        codes -= self.units.keys()
        if codes:
            self.units.update((u.code, u) for u in s.scalars(select(Unit).where(Unit.code.in_(codes))))


class Receiving(Part):
    def receive(self, inc: Incoming, create_units: bool = False) -> Receipt:
        """Decide and write one filing in its own transaction; raises InputError (nothing written) when refused."""
        with self.session() as s:
            return self._receive(s, inc, create_units, _Seen())

    def receive_many(self, incoming: Iterable[Incoming], create_units: bool = False) -> list[Receipt | Exception]:
        """Receive filings in order, each exactly as :meth:`receive` would: for each, its Receipt, or
        the exception that refused it (InputError: refused; any other: the write failed). Nothing of
        a refused or failed file is written; the others are."""
        todo = list(incoming)
        out: list[Receipt | Exception] = []
        i = 0
        while i < len(todo):
            start, failed = i, False
            try:
                with self.session() as s:
                    seen, began = _Seen(), time.monotonic()
                    seen.prefetch(s, todo[start:start + BATCH_FILES])
                    while i < len(todo) and i - start < BATCH_FILES and (
                            i == start or time.monotonic() - began < BATCH_SECONDS):
                        try:
                            with s.begin_nested():
                                got: Receipt | Exception = self._receive(s, todo[i], create_units, seen)
                        except InputError as e:
                            seen.clear()
                            got = e
                        except Exception:  # noqa: BLE001 - not this run's business: written alone below
                            seen.clear()
                            failed = True
                            break
                        out.append(got)
                        i += 1
            except Exception:  # noqa: BLE001 - the run's commit failed: none of it was written
                del out[start:]
                out += [self._alone(inc, create_units) for inc in todo[start:i]]
            if failed:  # a database error inside one file: that file alone, in its own transaction
                out.append(self._alone(todo[i], create_units))
                i += 1
        return out

    def _alone(self, inc: Incoming, create_units: bool) -> Receipt | Exception:
        try:
            return self.receive(inc, create_units)
        except Exception as e:  # noqa: BLE001 - the caller reports it for this file
            return e

    def _receive(self, s: Session, inc: Incoming, create_units: bool, seen: _Seen) -> Receipt:
        history: list[dict] = []  # this file's history rows, in order: one insert at the end
        receipt = self._decide(s, inc, create_units, seen, history)
        db.insert_rows(s.connection(), Change, history)
        return receipt

    def _decide(self, s: Session, inc: Incoming, create_units: bool, seen: _Seen, history: list[dict]) -> Receipt:
        values, inds, secs = content_of(inc.edits)
        digest = content_hash(values, inds, secs, inc.explanations, inc.evidence)
        receipt = Receipt(Outcome.REJECTED, warnings=list(inc.warnings))
        if inc.claimed_hash and inc.claimed_hash != digest:
            receipt.warnings.append("文件导出后内容被修改过（校验值不符），已按文件内容导入")
        unit = self._unit(s, inc, receipt, create_units, seen)
        receipt.unit_code, receipt.unit_name = unit.code, unit.name
        p, fresh = self._plan(s, inc, unit, history)
        receipt.plan_uuid = p.uuid
        lifecycle = self.store.lifecycle
        not_clean = None
        if not inc.draft:
            problems = lifecycle.received_problems(inc.view, p.kind, Content(values, inds, inc.explanations),
                                                   inc.made_on)
            if problems:
                not_clean = lifecycle.received_not_clean_message(problems)
        if inc.draft or not_clean:
            lifecycle.enter_received_draft(s, p, not_clean)
            if not_clean:
                receipt.warnings.append(not_clean)
            receipt.changed = self._replace(s, p, inc, values, inds, secs, fresh, history)
            receipt.outcome = Outcome.DRAFT
            self._record(s, p, inc, receipt, None)
            return receipt
        latest = lifecycle._latest(s, p)
        known = {} if fresh else {x.uuid: x for x in s.scalars(select(Submission).where(Submission.plan_id == p.id))}
        same = known.get(inc.submission_uuid) if inc.submission_uuid else None
        if same is not None:
            if same.content_hash != digest:
                raise InputError(f"文件标识与已收到的第{same.number}次报送相同，但内容不同（文件被改动过？），未导入")
            if same is not latest:
                raise InputError(f"文件是第{same.number}次报送，早于本机已有的第{latest.number}次报送，未导入")
            receipt.outcome, receipt.submission_no = Outcome.UNCHANGED, same.number
            return receipt
        number, replaces, origin, warning = self._place(s, inc, latest, known, digest)
        if warning:
            receipt.warnings.append(warning)
        if number is None:
            receipt.outcome, receipt.submission_no = Outcome.UNCHANGED, latest.number
            return receipt
        lifecycle.require_state(s, p, Action.RECEIVE)
        receipt.changed = self._replace(s, p, inc, values, inds, secs, fresh, history)
        snap = PlanSnapshot(self.store.plans.info(s, p), self._declared_unit(unit, inc), values, inds, secs,
                            dict(inc.explanations),
                            [EvidenceInfo(0, no, name, sha, size) for no, name, size, sha in inc.evidence])
        row = dict(plan_id=p.id, number=number, uuid=inc.submission_uuid or str(uuidlib.uuid4()),
                   replaces=replaces, state=SubmissionState.SUBMITTED.value, content_hash=digest,
                   snapshot=snap.to_json(inc.view.hash), made_at=now(), made_by_role=None,
                   made_by_name=(inc.unit.get("contact_person") or None), origin=str(origin),
                   file_name=inc.file_name[:500])
        db.insert_rows(s.connection(), Submission, [row])  # Core: an ORM flush costs more than the row
        sub = Submission(**row)  # what the lifecycle reads of it (not added: written above)
        warning = lifecycle.enter_received(s, p, sub, history=history)
        if warning:
            receipt.warnings.append(warning)
        receipt.outcome, receipt.submission_no = Outcome.ACCEPTED, number
        self._record(s, p, inc, receipt, sub.uuid)
        return receipt

    # ------------------------------------------------------------ decisions
    @staticmethod
    def _place(s: Session, inc: Incoming, latest: Submission | None, known: dict, digest: str):
        """(number, replaces, origin, warning) of a new submission; number None: the same content again."""
        if inc.submission_uuid is None:  # a hand-filled template (or _meta deleted): no identity of its own
            if latest is None:
                return 1, None, Origin.TEMPLATE, None
            if latest.origin != Origin.TEMPLATE:
                raise InputError(f"文件没有报送标识（隐藏的 _meta 工作表缺失或被删除），而本机已有第{latest.number}次报送"
                                 "（带标识）；无法判断先后，未导入。请让报送单位用本软件重新导出报送表")
            if latest.content_hash == digest:
                return None, None, None, None
            older = next((x for x in sorted(known.values(), key=lambda x: x.number)
                          if x.content_hash == digest), None)
            if older is not None:
                raise InputError(f"文件内容与本机已有的第{older.number}次报送相同，早于最新的第{latest.number}次报送"
                                 "（旧文件？），未导入")
            return (latest.number + 1, latest.uuid, Origin.TEMPLATE,
                    f"文件没有报送标识（手工填写的模板），无法判断与第{latest.number}次报送的先后：已按收到的顺序作为"
                    f"第{latest.number + 1}次报送导入，替换第{latest.number}次；如是旧文件，请退回")
        chain = list(inc.history)
        if latest is None:
            return len(chain) + 1, chain[-1] if chain else None, Origin.IMPORT, None
        if latest.uuid in chain:
            return len(chain) + 1, chain[-1], Origin.IMPORT, None
        older = [known[u].number for u in chain if u in known]
        if any(u not in known for u in chain) or not older or len(chain) + 1 <= latest.number:
            raise InputError(f"文件是第{len(chain) + 1}次报送，但本机已有第{latest.number}次报送，且两者不是先后关系"
                             "（文件早于已收到的报送，或来自另一份方案副本），未导入")
        raise InputError(f"文件是第{len(chain) + 1}次报送，但不晚于本机已有的第{latest.number}次报送，未导入")

    @staticmethod
    def _by_code(s: Session, code: str, seen: _Seen) -> Unit | None:
        u = seen.units.get(code)
        if u is None:
            u = s.scalar(select(Unit).where(Unit.code == code))
            if u is not None:
                seen.units[code] = u
        return u

    def _parent(self, s: Session, inc: Incoming, seen: _Seen) -> Unit | None:
        """The 上级单位 the filing declares (by code, else by name), checked against the registry."""
        code = (inc.unit.get("parent_code") or "").strip()
        name = (inc.unit.get("parent_name") or "").strip()
        if code:
            p = self._by_code(s, code, seen)
            if p is None:
                raise InputError(f"封面上级单位代码「{code[:32]}」不在本机单位名录中，未导入")
            if name and name != p.name:
                raise InputError(f"封面上级单位代码「{code}」在名录中是「{p.name}」，与封面所填上级单位「{name[:40]}」不一致，未导入")
            return p
        if name:
            found = list(s.scalars(select(Unit).where(Unit.name == name, Unit.kind != UnitKind.SCHOOL.value).limit(2)))
            if len(found) != 1:
                why = "不在本机单位名录中" if not found else "在名录中有重名"
                raise InputError(f"封面上级单位「{name[:40]}」{why}：请填写上级单位代码，未导入")
            return found[0]
        return None

    def _unit(self, s: Session, inc: Incoming, receipt: Receipt, create: bool, seen: _Seen) -> Unit:
        """Where the filing says the unit stands — checked against the registry, never guessed."""
        label = self.store.vocab.label
        code = (inc.unit.get("code") or "").strip()
        db.serialize(s, f"unit:{code}")  # two files creating the same school at once: one creates it
        kind = inc.unit.get("unit_kind") or None
        u = self._by_code(s, code, seen)
        parent = self._parent(s, inc, seen)
        if u is not None:
            if kind and kind != u.kind:
                raise InputError(f"封面单位类型「{label(kind)}」与名录中「{u.name}（{u.code}）」的类型「{label(u.kind)}」不一致，未导入")
            if parent is not None and u.parent_id != parent.id:
                have = f"「{u.parent.name}（{u.parent.code}）」" if u.parent else "（无上级单位）"
                raise InputError(f"封面上级单位「{parent.name}（{parent.code}）」与名录中「{u.name}」的上级单位{have}不一致，未导入")
            name = (inc.unit.get("name") or "").strip()
            if name and name != u.name:
                receipt.warnings.append(f"封面单位名称「{name[:40]}」与名录中的「{u.name}」不同，按单位代码导入")
            return u
        if not create:
            raise UnknownUnit(f"单位「{code}」不在本机单位名录中（可用 --create-units 按封面新建，放在封面所填的上级单位之下）",
                              inc.unit)
        name = (inc.unit.get("name") or "").strip()
        if not name:
            raise InputError(f"单位「{code}」不存在，且封面未填写单位名称，无法新建")
        if kind and kind != UnitKind.SCHOOL:
            raise InputError(f"单位「{code}」（{label(kind)}）不在本机单位名录中：只能按封面新建学校，市州、县区请先更新名录")
        if parent is None:
            raise InputError(f"单位「{code}」不存在，且封面未填写上级单位代码，无法确定其所属市州或县区，未导入"
                             "（不会默认放在省级之下）")
        if parent.kind == UnitKind.SCHOOL:
            raise InputError(f"封面上级单位「{parent.name}」是学校，学校不能放在学校之下，未导入")
        info, warns = self.store.units.add(
            code, name, UnitKind.SCHOOL, parent.code, school_type=inc.unit.get("school_type"),
            school_code=inc.unit.get("school_code"), credit_code=inc.unit.get("credit_code"),
            contact_person=inc.unit.get("contact_person"), contact_phone=inc.unit.get("contact_phone"),
            origin=Origin.IMPORT, session=s)
        s.flush()
        receipt.warnings += [f"已按封面新建单位「{info.name}」（上级单位：{parent.name}）"] + warns
        return s.get(Unit, info.id)

    def _plan(self, s: Session, inc: Incoming, unit: Unit, history: list[dict]) -> tuple[Plan, bool]:
        """The plan the filing is for, locked; and whether it was made just now (nothing to compare)."""
        info = unit_info(unit, unit.parent)
        # the plan row is locked for the rest of the transaction (two operators, one plan). A file
        # that names its plan kind gives the key a new plan would have: the plan by uuid and the one
        # by key are read in one query, under the lock on that key (check_new confirms the key)
        key = dict(unit_id=unit.id, form_id=inc.view.id, year=inc.year, kind=inc.kind)
        by_key = None
        if inc.kind and isinstance(inc.year, int):
            plan_lock(s, **key)
            found = s.scalars(_PLAN_BY_UUID_OR_KEY, {"uuid": inc.plan_uuid, **key}).all()
            p = next((x for x in found if x.uuid == inc.plan_uuid), None) if inc.plan_uuid else None
            by_key = next((x for x in found if (x.unit_id, x.form_id, x.year, x.kind) == tuple(key.values())), None)
        else:
            key = None
            p = s.scalar(_PLAN_BY_UUID, {"uuid": inc.plan_uuid}) if inc.plan_uuid else None
        if p is not None:
            if (p.unit_id, p.form_id, p.year) != (unit.id, inc.view.id, inc.year):
                raise InputError(f"方案标识 {inc.plan_uuid} 已属于 {p.unit.name} {p.year}年的方案，与封面不符")
            return self._same_version(p, inc), False
        kind = inc.kind or self.store.plans.default_kind(info)
        view, year, kind = self.store.plans.check_new(info, inc.view.id, inc.year, kind, inc.view.version)
        if key != dict(unit_id=unit.id, form_id=view.id, year=year, kind=kind):
            plan_lock(s, unit.id, view.id, year, kind)
            by_key = s.scalar(_PLAN_BY_KEY, dict(unit_id=unit.id, form_id=view.id, year=year, kind=kind))
        p = by_key
        if p is not None:
            if inc.plan_uuid and p.submission_no:
                raise InputError(f"{unit.name} {year}年已有另一份「{kind}」方案（标识不同），请核对是否重复报送")
            return self._same_version(p, inc), False
        return self.store.plans.insert(s, info, view, year, kind, Origin.IMPORT, inc.plan_uuid, looked=True,
                                       history=history), True

    @staticmethod
    def _same_version(p: Plan, inc: Incoming) -> Plan:
        """A plan keeps the form version it was made on: a filing of another version is refused."""
        if p.form_version != inc.view.version:
            raise InputError(f"{p.unit.name} {p.year}年的方案按清单「{inc.view.form.title}」第{p.form_version}版填报，"
                             f"文件却按第{inc.view.version}版填写，未导入；请报送单位按第{p.form_version}版重新导出报送表")
        return p

    @staticmethod
    def _declared_unit(unit: Unit, inc: Incoming) -> UnitInfo:
        """The unit as the registry knows it, with the contact details the filing declared."""
        base = unit_info(unit, unit.parent)
        return UnitInfo(base.id, base.code, base.name, base.kind, base.parent_code, base.province_code,
                        inc.unit.get("school_type") or base.school_type, inc.unit.get("school_code") or base.school_code,
                        inc.unit.get("credit_code") or base.credit_code,
                        inc.unit.get("contact_person") or base.contact_person,
                        inc.unit.get("contact_phone") or base.contact_phone, base.builtin, base.parent_name)

    def _record(self, s: Session, p: Plan, inc: Incoming, receipt: Receipt, sub_uuid: str | None) -> None:
        db.insert_rows(s.connection(), ImportRecord, [dict(at=now(), plan_id=p.id, file_name=inc.file_name[:500],
                                          file_sha256=inc.file_sha256, outcome=receipt.outcome.value,
                                          submission_no=receipt.submission_no, submission_uuid=sub_uuid,
                                          message="；".join(receipt.warnings) or None)])

    # ------------------------------------------------------------ writing
    def _replace(self, s: Session, p: Plan, inc: Incoming, want_r: dict, want_i: dict, want_s: dict,
                 fresh: bool, history: list[dict]) -> int:
        """Make the working copy hold exactly the received content; history keeps what it replaced
        (its rows appended to ``history``, written by the caller).

        Bulk statements: an import writes hundreds of plans. A plan made just now (``fresh``) has
        nothing to compare with, so nothing is read back. Returns how many values changed.
        """
        changes: list[dict] = []
        want_r = {(no, k): v for no, kv in want_r.items() for k, v in kv.items()}
        want_s, want_i = dict(want_s), dict(want_i)
        stamp = self.store.change_row(Origin.IMPORT, None, plan_id=p.id)  # when, how, who: one per file

        def note(entity, item_no, key, old, new):
            changes.append({**stamp, "entity": entity, "item_no": item_no, "key": key, "old": old, "new": new})

        def stored(model) -> list:
            return [] if fresh else list(s.scalars(select(model).where(model.plan_id == p.id)))

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

        new_r = sync(stored(Response), lambda r: (r.item_no, r.field_key), want_r, "response", lambda k: k[0],
                     lambda k: k[1])
        new_s = sync(stored(Section), lambda r: r.key, want_s, "section", lambda k: None, lambda k: k)
        conn = s.connection()  # Core executemany: the ORM bulk path costs more than the rows
        db.insert_rows(conn, Response, [dict(plan_id=p.id, item_no=no, field_key=k, value=v) for (no, k), v in new_r.items()])
        db.insert_rows(conn, Section, [dict(plan_id=p.id, key=k, value=v) for k, v in new_s.items()])
        changes += [{**stamp, "entity": "response", "item_no": no, "key": k, "old": None, "new": v}
                    for (no, k), v in new_r.items()]  # one per value: a comprehension, not note()
        for k, v in new_s.items():
            note("section", None, k, None, v)
        item_of = {ind.key: it.no for it in inc.view.items for ind in it.indicators}
        for row in stored(IndicatorValue):
            t, a = want_i.pop(row.indicator_key, (None, None))
            for which, new in (("target", t), ("actual", a)):
                old = getattr(row, which)
                if old != new:
                    note("indicator", item_of.get(row.indicator_key), f"{which}:{row.indicator_key}",
                         fmt.number(old, None), fmt.number(new, None))
                    setattr(row, which, new)
            if t is None and a is None:
                s.delete(row)
        db.insert_rows(conn, IndicatorValue, [dict(plan_id=p.id, indicator_key=k, target=t, actual=a)
                                       for k, (t, a) in want_i.items()])
        for k, (t, a) in want_i.items():
            for which, new in (("target", t), ("actual", a)):
                if new is not None:
                    note("indicator", item_of.get(k), f"{which}:{k}", None, fmt.number(new))
        self._sync_explanations(s, p, inc.explanations, note, stored(Explanation))
        self._sync_evidence(s, p, inc, note, stored(Evidence))
        history += changes
        self.store.plans.touch(p)
        return len(changes)

    @staticmethod
    def _sync_explanations(s: Session, p: Plan, want: dict, note, rows: list) -> None:
        want = dict(want)
        for row in rows:
            new = want.pop((row.item_no, row.rule_id, row.field_key), None)
            if new != row.text:
                note("explanation", row.item_no, f"{row.rule_id}:{row.field_key}", row.text, new)
                if new is None:
                    s.delete(row)
                else:
                    row.text = new
        at = now()
        db.insert_rows(s.connection(), Explanation, [dict(plan_id=p.id, item_no=no, rule_id=rule, field_key=fkey, text=text,
                                                   created_at=at) for (no, rule, fkey), text in want.items()])
        for (no, rule, fkey), text in want.items():
            note("explanation", no, f"{rule}:{fkey}", None, text)

    @staticmethod
    def _sync_evidence(s: Session, p: Plan, inc: Incoming, note, rows: list) -> None:
        """Evidence rows follow the filing where the file content is at hand (a 报送包, or known here);
        the submission's snapshot always lists every file by name, size and SHA-256."""
        want = {(no, name, sha): size for no, name, size, sha in inc.evidence}
        for row in rows:
            if want.pop((row.item_no, row.name, row.sha256), None) is None:
                note("attachment", row.item_no, "remove", f"{row.name} ({row.sha256[:12]})", None)
                s.delete(row)
        for (no, name, sha), size in want.items():
            if s.get(Blob, sha) is None:
                data = inc.blobs.get(sha)
                if data is None:
                    continue
                db.insert_missing(s, Blob, dict(sha256=sha, size=len(data), data=data))
            s.add(Evidence(plan_id=p.id, item_no=no, name=name, sha256=sha, size=size))
            note("attachment", no, "add", None, f"{name} ({sha[:12]})")

