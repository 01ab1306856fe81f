"""The schema of ``forms/vocabulary.yaml`` (pydantic): read with the catalogue, so the ids of
:mod:`.vocab` import without pydantic (the desktop window paints before the catalogue loads)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .vocab import Decision, Origin, Outcome, PlanState, SubmissionState, UnitKind, UserRole


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UserRoleDecl(_Strict):
    label: str = Field(min_length=1)
    unit_kinds: tuple[UnitKind, ...]
    hint: str = ""


class _Answers(_Strict):
    yes: tuple[str, ...] = Field(min_length=1)
    no: tuple[str, ...] = Field(min_length=1)


class VocabularyFile(_Strict):
    plan_states: dict[PlanState, str]
    answers: _Answers
    not_filed: str
    no_progress: str
    submission_states: dict[SubmissionState, str]
    review_decisions: dict[Decision, str]
    unit_kinds: dict[UnitKind, str]
    school_types: dict[str, tuple[str, ...]] = Field(min_length=1)  # label → 学校标识码 type prefixes
    user_roles: dict[UserRole, UserRoleDecl]
    import_outcomes: dict[Outcome, str]
    origins: dict[Origin, str]
