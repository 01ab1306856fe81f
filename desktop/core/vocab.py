"""The one vocabulary: stable ids the code names, labels from ``forms/vocabulary.yaml``.

Python code never spells a state, kind, outcome, field key or section key as a string of its
own; it names a member here (``PlanState.SUBMITTED``, ``Role.DEADLINE``) and shows
``vocab.label(member)``. Field keys are found by role (``view.key(Role.DEADLINE)``) from
``forms/fields.yaml``. The database stores the ids, so a label can change without a migration.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the file's schema (pydantic) loads with the catalogue, not with these ids
    from .vocabfile import UserRoleDecl, VocabularyFile

VOCABULARY_FILE = "vocabulary.yaml"


class PlanState(StrEnum):
    """Where a plan stands in the filing lifecycle (desktop/core/lifecycle.py)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


NOT_FILED = "not_filed"  # roster only: a unit that must file and has no plan


class SubmissionState(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    SUPERSEDED = "superseded"


class Decision(StrEnum):
    """The answer of a review (受理 / 退回); lifecycle.Action.ACCEPT / RETURN carry the same ids."""

    ACCEPT = "accept"
    RETURN = "return"


class UnitKind(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    AREA = "area"
    COUNTY = "county"
    SCHOOL = "school"


class UserRole(StrEnum):
    SCHOOL = "school"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"


class Outcome(StrEnum):
    """What became of one imported file."""

    ACCEPTED = "accepted"
    UNCHANGED = "unchanged"
    DRAFT = "draft"
    REJECTED = "rejected"


class Origin(StrEnum):
    """Which path made a change (history rows)."""

    UI = "ui"
    CLI = "cli"
    IMPORT = "import"
    REVIEW = "review"
    EXPORT = "export"
    LIFECYCLE = "lifecycle"
    TEMPLATE = "template"  # a filing without identity (a blank template filled by hand)
    DEMO = "demo"
    MIGRATION = "migration"


class Role(StrEnum):
    """What a field of forms/fields.yaml means to the code (``role:`` in the file)."""

    APPLICABILITY = "applicability"
    TASK_TITLE = "task_title"  # the unit's own heading of the task in its 实施方案
    MEASURES = "measures"
    LEAD = "lead"
    PARTNERS = "partners"
    OWNER = "owner"
    DEADLINE = "deadline"
    PROGRESS = "progress"
    OUTCOME = "outcome"
    PROGRESS_NOTE = "progress_note"
    PROBLEMS = "problems"
    NEXT_STEPS = "next_steps"
    EVIDENCE = "evidence"


class Meaning(StrEnum):
    """What a choice of the progress field means (``meanings:`` in forms/fields.yaml)."""

    NOT_STARTED = "not_started"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


# ------------------------------------------------------------------ the file
_GROUPS = {PlanState: "plan_states", SubmissionState: "submission_states", UnitKind: "unit_kinds",
           UserRole: "user_roles", Outcome: "import_outcomes", Origin: "origins", Decision: "review_decisions"}


@dataclass(frozen=True)
class Vocabulary:
    """Labels for every id; ``label(x)`` works for any member of the enums above."""

    data: VocabularyFile

    def label(self, member) -> str:
        """The label of an enum member; a plain id string is looked up in the order of _GROUPS
        (plan states first: ``"accepted"`` from the database is a plan's 已受理)."""
        if member == NOT_FILED:
            return self.data.not_filed
        enum = next((e for e in _GROUPS if isinstance(member, e)), None)
        enum = enum or next((e for e in _GROUPS if member in e._value2member_map_), None)
        if enum is None:
            raise KeyError(member)
        value = getattr(self.data, _GROUPS[enum])[enum(member)]
        return value if isinstance(value, str) else value.label  # a user role's entry has more

    @property
    def yes(self) -> str:
        return self.data.answers.yes[0]

    @property
    def no(self) -> str:
        return self.data.answers.no[0]

    @property
    def answers(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(words meaning yes, words meaning no), the stored word first."""
        return self.data.answers.yes, self.data.answers.no

    def yes_no(self, flag: bool) -> str:
        return self.yes if flag else self.no

    def decision(self, word: str) -> Decision:
        """A review's answer from its id or its label (accept / 受理); InputError naming both otherwise."""
        from .errors import InputError

        for d, label in self.data.review_decisions.items():
            if word in (d.value, label):
                return d
        shown = "、".join(f"{label}（{d.value}）" for d, label in self.data.review_decisions.items())
        raise InputError(f"审核结论「{word[:20]}」无效，应为 {shown}")

    @property
    def no_progress(self) -> str:
        return self.data.no_progress

    @property
    def school_types(self) -> tuple[str, ...]:
        return tuple(self.data.school_types)

    def school_code_types(self, school_type: str | None) -> tuple[str, ...] | None:
        """学校标识码 type prefixes that fit a 学校类别 (None: any known type)."""
        return self.data.school_types.get(school_type) if school_type else None

    @property
    def user_roles(self) -> dict[UserRole, UserRoleDecl]:
        return self.data.user_roles

    def roster_states(self) -> list[str]:
        """Roster order: not filed, then the plan states."""
        return [NOT_FILED, *PlanState]


def parse_vocabulary(raw, file: str = VOCABULARY_FILE) -> Vocabulary:
    """Validate the loaded YAML; every id the code knows must have a label, no unknown ids."""
    from pydantic import ValidationError

    from .errors import InputError
    from .vocabfile import VocabularyFile

    try:
        data = VocabularyFile.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise InputError(f"{file}：「{where}」有误：{first['msg']}") from None
    for enum, group in _GROUPS.items():
        missing = [m.value for m in enum if m not in getattr(data, group)]
        if missing:
            raise InputError(f"{file}：「{group}」缺少：{'、'.join(missing)}")
    return Vocabulary(data)
