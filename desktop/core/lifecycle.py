"""The filing lifecycle: the one owner of a plan's state (草稿 → 已报送 → 已受理 / 已退回).

A unit fills its draft, then submits: a numbered, immutable snapshot (第N次报送) is made and
the plan becomes read-only. Before review the unit may withdraw it (back to a draft; the
number stays used). The office receiving it accepts it or returns it with a reason; a
returned plan is revised and submitted again as 第N+1次. Review applies to the latest
submission only; a newer one supersedes the older.

Every path asks the same table — the GUI (fields disabled, menus), the CLI, the Word and Excel
exports (a formal document *is* a submission), the importer and the summary review — through
:meth:`Lifecycle.verdict` / :meth:`Lifecycle.require_state`. No other code writes
``Plan.state``; a test holds every state × action × entry point against this table.

    草稿 ──报送──▶ 已报送 ──受理──▶ 已受理
     ▲  ◀──撤回──   │
     │              └──退回──▶ 已退回 ──修改、再报送──▶ 已报送（第N+1次）
"""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import InputError, Refused
from .store.models import Plan, Submission, now
from .store.snapshot import PlanInfo, PlanSnapshot, SubmissionInfo
from .store.store import Part
from .validation import unexplained, validate
from .vocab import Decision, Origin, PlanState, SubmissionState, UserRole


class Action(StrEnum):
    EDIT = "edit"  # change answers, sections, 说明, evidence
    SUBMIT = "submit"  # 报送: make 第N次报送
    WITHDRAW = "withdraw"  # 撤回 an unreviewed submission
    ACCEPT = Decision.ACCEPT.value  # 受理 the latest submission
    RETURN = Decision.RETURN.value  # 退回 it with a reason
    RECEIVE = "receive"  # import a filed submission
    RECEIVE_DRAFT = "receive_draft"  # import a draft (for information only)
    EXPORT_FORMAL = "export_formal"  # a formal Word / Excel document (= the submission)
    EXPORT_DRAFT = "export_draft"  # 草稿 / 征求意见稿


# state → action → why it is refused ({plan} 某校2026年一校一策方案, {n} latest number); None: allowed.
# SUBMIT and a formal export from a draft also need clean content (see Lifecycle.verdict).
_D, _S, _A, _R = PlanState.DRAFT, PlanState.SUBMITTED, PlanState.ACCEPTED, PlanState.RETURNED
RULES: dict[PlanState, dict[Action, str | None]] = {
    _D: {Action.EDIT: None, Action.SUBMIT: None,
         Action.WITHDRAW: "{plan}尚未报送，没有可撤回的报送",
         Action.ACCEPT: "{plan}尚未报送（当前为{state}），不能受理",
         Action.RETURN: "{plan}尚未报送（当前为{state}），不能退回",
         Action.RECEIVE: None, Action.RECEIVE_DRAFT: None, Action.EXPORT_FORMAL: None, Action.EXPORT_DRAFT: None},
    _S: {Action.EDIT: "{plan}已报送（第{n}次报送），内容只读；如需修改，请先撤回",
         Action.SUBMIT: "{plan}已报送第{n}次，等待审核；如需修改，请先撤回",
         Action.WITHDRAW: None, Action.ACCEPT: None, Action.RETURN: None,
         Action.RECEIVE: None,
         Action.RECEIVE_DRAFT: "{plan}已有第{n}次报送，收到的草稿仅供参考，未替换报送内容",
         Action.EXPORT_FORMAL: None, Action.EXPORT_DRAFT: None},
    _A: {Action.EDIT: "{plan}第{n}次报送已受理，内容只读",
         Action.SUBMIT: "{plan}第{n}次报送已受理，无需再报送",
         Action.WITHDRAW: "{plan}第{n}次报送已受理，不能撤回",
         Action.ACCEPT: "{plan}第{n}次报送已受理",
         Action.RETURN: "{plan}第{n}次报送已受理，不能退回",
         Action.RECEIVE: None,
         Action.RECEIVE_DRAFT: "{plan}已有第{n}次报送，收到的草稿仅供参考，未替换报送内容",
         Action.EXPORT_FORMAL: None, Action.EXPORT_DRAFT: None},
    _R: {Action.EDIT: None, Action.SUBMIT: None,
         Action.WITHDRAW: "{plan}第{n}次报送已退回，无需撤回：修改后重新报送即可",
         Action.ACCEPT: "{plan}第{n}次报送已退回，等待重新报送，不能受理",
         Action.RETURN: "{plan}第{n}次报送已退回",
         Action.RECEIVE: None,
         Action.RECEIVE_DRAFT: "{plan}已有第{n}次报送，收到的草稿仅供参考，未替换报送内容",
         Action.EXPORT_FORMAL: None, Action.EXPORT_DRAFT: None},
}
OWN_ACTIONS = frozenset({Action.EDIT, Action.SUBMIT, Action.WITHDRAW})  # the unit's own (see _role_refusal)
REVIEW_ACTIONS = frozenset({Action.ACCEPT, Action.RETURN})  # an office above the unit
NEEDS_CLEAN = {(_D, Action.SUBMIT), (_R, Action.SUBMIT), (_D, Action.EXPORT_FORMAL), (_R, Action.EXPORT_FORMAL)}
EDITABLE = frozenset(s for s, acts in RULES.items() if acts[Action.EDIT] is None)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str | None = None
    problems: tuple = ()  # what keeps the plan from a formal filing (validation problems)

    def raise_if_refused(self) -> None:
        if not self.allowed:
            raise Refused(self.reason or "", self.problems)


def not_clean_message(problems) -> str:
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    parts = []
    if errors:
        parts.append(f" {len(errors)} 个错误")
    if warnings:
        parts.append(f" {len(warnings)} 个警告未填写说明")
    head = "；".join(p.message.rstrip("。") for p in problems[:3])
    return (f"方案还有{'、'.join(parts)}，不能正式报送或导出正式稿：{head}"
            f"{' 等' if len(problems) > 3 else ''}。请改正错误、为警告填写说明后再报送，或导出草稿（征求意见稿）。")


class Lifecycle(Part):
    """The filing lifecycle over one store (``store.lifecycle``)."""

    # ------------------------------------------------------------ verdicts
    def _plan_words(self, p: Plan) -> dict:
        return dict(plan=f"{p.unit.name}{p.year}年“{p.kind}”方案", n=p.submission_no,
                    state=self.store.vocab.label(PlanState(p.state)))

    def state_verdict(self, p: Plan, action: Action) -> Verdict:
        why = RULES[PlanState(p.state)][action] or self._role_refusal(p, action)
        return Verdict(True) if why is None else Verdict(False, why.format(**self._plan_words(p)))

    def _role_refusal(self, p: Plan, action: Action) -> str | None:
        """Who may act, when the acting role is known (settings, ``--role``): a unit fills, files and
        withdraws its own plan; an office above it reviews it. Without a role (a script, a test)
        the state decides alone."""
        role = self.store.actor.role
        if not role or action not in OWN_ACTIONS | REVIEW_ACTIONS:
            return None
        roles = list(self.store.vocab.user_roles)  # school, county, city, province: the vocabulary's order
        mine = UserRole(role)
        rank = {k: i for i, r in enumerate(roles) for k in self.store.vocab.user_roles[r].unit_kinds}
        unit_rank = rank.get(p.unit.kind)
        label = self.store.vocab.label(mine)
        if action in OWN_ACTIONS and p.unit.kind not in self.store.vocab.user_roles[mine].unit_kinds:
            return f"{{plan}}由该单位自行填写、报送或撤回；当前身份为“{label}”，只能查看" + (
                "、受理或退回" if unit_rank is not None and roles.index(mine) > unit_rank else "")
        if action in REVIEW_ACTIONS and (unit_rank is None or roles.index(mine) <= unit_rank):
            return f"{{plan}}由上级单位受理或退回；当前身份为“{label}”，不能审核本级或上级的方案"
        return None

    def require_state(self, s: Session, p: Plan, action: Action) -> None:
        """Inside a store transaction: refuse ``action`` if the plan's state forbids it."""
        self.state_verdict(p, action).raise_if_refused()

    def problems(self, plan_ref) -> list:
        """What stands between the working copy and a formal filing (errors, unexplained warnings)."""
        snap = self.store.plans.snapshot(plan_ref)
        return unexplained(validate(self.catalog.for_plan(snap.plan), snap.plan.kind, snap))

    def verdict(self, plan_ref, action: Action) -> Verdict:
        """May ``action`` happen to this plan now? The same answer on every path."""
        with self.reading() as s:
            p = self.store.plans.row(s, plan_ref)
            v = self.state_verdict(p, action)
            state = PlanState(p.state)
        if not v.allowed or (state, action) not in NEEDS_CLEAN:
            return v
        problems = self.problems(plan_ref)
        if problems:
            return Verdict(False, not_clean_message(problems), tuple(problems))
        if state == PlanState.RETURNED:
            same = self._same_as_returned(plan_ref)
            if same:
                return Verdict(False, same)
        return v

    def _same_as_returned(self, plan_ref) -> str | None:
        """A returned plan must change before it is filed again (else the office gets it back as is)."""
        snap = self.store.plans.snapshot(plan_ref)
        with self.reading() as s:
            prev = self._latest(s, self.store.plans.row(s, plan_ref))
            if prev is not None and prev.content_hash == snap.content_hash:
                return (f"内容与已退回的第{prev.number}次报送相同：请按退回理由修改后再报送"
                        f"（退回理由：{prev.review_reason or '—'}）")
        return None

    # ------------------------------------------------------------ transitions
    def _set(self, s: Session, p: Plan, state: PlanState, origin: str, note: str | None = None,
             history: list[dict] | None = None) -> None:
        """The one write of ``Plan.state``, with its history row (``history``: appended to the
        caller's rows for one bulk insert, as a received filing writes its history)."""
        old = p.state
        p.state = state.value
        row = dict(plan_id=p.id, key="state", old=old, new=state.value + (f"：{note}" if note else ""))
        if history is None:
            s.add(self.store.change(origin, "state", **row))
        else:
            history.append(self.store.change_row(origin, "state", **row))

    def _latest(self, s: Session, p: Plan) -> Submission | None:
        if not p.submission_no:
            return None
        return s.scalar(select(Submission).where(Submission.plan_id == p.id, Submission.number == p.submission_no))

    def submit(self, plan_ref, origin: str = Origin.LIFECYCLE) -> SubmissionInfo:
        """报送: the working copy becomes 第N次报送 (refused while errors or unexplained warnings remain)."""
        from .store.plans import submission_info

        v = self.verdict(plan_ref, Action.SUBMIT)
        v.raise_if_refused()
        snap = self.store.plans.snapshot(plan_ref)
        with self.session() as s:
            p = self.store.plans.row(s, plan_ref)
            self.require_state(s, p, Action.SUBMIT)  # again, inside the write transaction
            if p.revision != snap.plan.revision:
                raise InputError("方案在检查期间被修改，请重新报送")
            prev = self._latest(s, p)
            digest = snap.content_hash
            sub = Submission(plan_id=p.id, number=p.submission_no + 1, uuid=str(uuidlib.uuid4()),
                             replaces=prev.uuid if prev else None, state=SubmissionState.SUBMITTED.value,
                             content_hash=digest, snapshot=snap.to_json(self.catalog.for_plan(snap.plan).hash),
                             made_at=now(),
                             made_by_role=self.store.actor.role, made_by_name=self.store.actor.name, origin=str(origin))
            s.add(sub)
            p.submission_no, p.content_hash, p.received_at = sub.number, digest, sub.made_at
            self._set(s, p, PlanState.SUBMITTED, origin, f"第{sub.number}次报送")
            s.flush()
            return submission_info(sub)

    def withdraw(self, plan_ref, origin: str = Origin.LIFECYCLE) -> PlanInfo:
        """撤回 a submission nobody has reviewed yet: the plan is a draft again."""
        with self.session() as s:
            p = self.store.plans.row(s, plan_ref)
            self.require_state(s, p, Action.WITHDRAW)
            sub = self._latest(s, p)
            sub.state = SubmissionState.WITHDRAWN.value
            self._set(s, p, PlanState.DRAFT, origin, f"撤回第{sub.number}次报送")
            return self.store.plans.info(s, p)

    def review(self, plan_ref, accept: bool, reason: str | None = None, number: int | None = None,
               origin: str = Origin.REVIEW) -> PlanInfo:
        """受理 or 退回 (with a reason) the latest submission; ``number`` guards against a stale screen."""
        reason = (reason or "").strip()
        if not accept and not reason:
            raise InputError("退回方案须填写退回理由")
        if len(reason) > 2000:
            raise InputError(f"退回理由过长（{len(reason)} 字），最多 2000 字")
        with self.session() as s:
            p = self.store.plans.row(s, plan_ref)
            self.require_state(s, p, Action.ACCEPT if accept else Action.RETURN)
            if number is not None and int(number) != p.submission_no:
                raise Refused(f"第{number}次报送已被第{p.submission_no}次报送取代，只能审核最新的报送")
            sub = self._latest(s, p)
            sub.state = (SubmissionState.ACCEPTED if accept else SubmissionState.RETURNED).value
            sub.reviewed_at = now()
            sub.reviewed_by_role, sub.reviewed_by_name = self.store.actor.role, self.store.actor.name
            sub.review_reason = None if accept else reason
            self._set(s, p, PlanState.ACCEPTED if accept else PlanState.RETURNED, origin,
                      f"第{sub.number}次报送" + ("" if accept else f"，理由：{reason}"))
            return self.store.plans.info(s, p)

    # ------------------------------------------------------------ exports
    def formal_snapshot(self, plan_ref, origin: str = Origin.EXPORT) -> PlanSnapshot:
        """What a formal document shows: the latest submission, made now if the plan is a draft."""
        v = self.verdict(plan_ref, Action.EXPORT_FORMAL)
        v.raise_if_refused()
        if PlanState(self.store.plans.get(plan_ref).state) in EDITABLE:
            self.submit(plan_ref, origin)
        return self.store.plans.snapshot(plan_ref, submission=-1)

    def draft_snapshot(self, plan_ref) -> PlanSnapshot:
        self.verdict(plan_ref, Action.EXPORT_DRAFT).raise_if_refused()
        return self.store.plans.snapshot(plan_ref)

    # ------------------------------------------------------------ receiving
    def enter_received(self, s: Session, p: Plan, sub: Submission, origin: str = Origin.IMPORT,
                       history: list[dict] | None = None) -> str | None:
        """A received submission becomes the plan's latest; returns a warning for the operator, if any.
        ``history``: the receiver's history rows, written by it in one insert (see :meth:`_set`)."""
        self.require_state(s, p, Action.RECEIVE)
        prev = self._latest(s, p)
        warning = None
        if prev is not None and prev.state == SubmissionState.SUBMITTED:
            prev.state = SubmissionState.SUPERSEDED.value
        elif prev is not None and prev.state == SubmissionState.ACCEPTED:
            warning = f"第{prev.number}次报送已受理，现收到第{sub.number}次报送，需重新审核"
        p.submission_no, p.content_hash, p.received_at = sub.number, sub.content_hash, sub.made_at
        self._set(s, p, PlanState.SUBMITTED, origin, f"收到第{sub.number}次报送", history)
        return warning

    def enter_received_draft(self, s: Session, p: Plan, not_clean: str | None = None) -> None:
        """A received draft may only fill a plan that has nothing filed (stays a draft).

        ``not_clean``: the file claimed to be a filing but its content is not clean (see
        :meth:`received_problems`); the refusal then says both why it is a draft and why it
        cannot be stored even as one."""
        v = self.state_verdict(p, Action.RECEIVE_DRAFT)
        if not v.allowed and not_clean:
            raise Refused(f"{not_clean}；{v.reason}", v.problems)
        v.raise_if_refused()

    @staticmethod
    def received_problems(view, plan_kind: str, content, today) -> list:
        """Formal means clean on the receiving side too: what a received filing still lacks (errors,
        warnings without 说明), judged on the day the file was made. A file with any is received
        as a draft copy (for information), never as 已报送 — whoever made it (an older program,
        a hand-filled template, an edited file)."""
        return unexplained(validate(view, plan_kind, content, today=today))

    @staticmethod
    def received_not_clean_message(problems) -> str:
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        parts = [f"{errors} 个错误"] * bool(errors) + [f"{warnings} 个警告未填写说明"] * bool(warnings)
        head = "；".join(p.message.rstrip("。") for p in problems[:3])
        return (f"文件内容还有{'、'.join(parts)}，不是可受理的正式报送，按草稿（仅供参考）导入："
                f"{head}{' 等' if len(problems) > 3 else ''}")

    # ------------------------------------------------------------ bulk (demo data)
    def seed(self, s: Session, filed: dict, snapshots: dict) -> None:
        """Sample data in bulk: {plan_id: (state, made_at, return reason)} as 第1次报送 each.

        The demo path of the same transitions (one INSERT for all submissions), so that even
        sample data gets its state here and nowhere else. The caller files clean content only
        (formal means clean: demo.py explains every warning and leaves a plan with errors a draft)."""
        from sqlalchemy import insert, update

        sub_state = {PlanState.SUBMITTED: SubmissionState.SUBMITTED, PlanState.ACCEPTED: SubmissionState.ACCEPTED,
                     PlanState.RETURNED: SubmissionState.RETURNED}
        rows = []
        for pid, (state, made_at, reason) in filed.items():
            snap = snapshots[pid]
            rows.append(dict(plan_id=pid, number=1, uuid=str(uuidlib.uuid4()), replaces=None,
                             state=sub_state[state].value, content_hash=snap.content_hash,
                             snapshot=snap.to_json(self.catalog.for_plan(snap.plan).hash),
                             made_at=made_at, origin=Origin.DEMO.value, review_reason=reason,
                             reviewed_at=made_at if state != PlanState.SUBMITTED else None))
        if rows:
            s.execute(insert(Submission), rows)
        for state in sub_state:
            ids = [pid for pid, (st, _m, _r) in filed.items() if st == state]
            if ids:
                s.execute(update(Plan).where(Plan.id.in_(ids)).values(state=state.value, submission_no=1))
        if filed:  # ORM bulk UPDATE by primary key: one executemany
            s.execute(update(Plan), [dict(id=pid, received_at=made_at, content_hash=snapshots[pid].content_hash)
                                     for pid, (_st, made_at, _r) in filed.items()])
