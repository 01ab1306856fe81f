"""Check a plan against its form's declared rules (forms/fields.yaml); no Qt, no database.

Rule kinds are evaluated here; which fields, severities and wording live in the data.
An item the plan kind must answer is always checked; any other item only once the unit
has written something in it (answer it voluntarily, then answer it properly).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import fmt
from .edits import Ref
from .vocab import Meaning, Role

if TYPE_CHECKING:  # the catalogue (pydantic, YAML) is not imported to validate: the window paints first
    from .catalog import FormView
    from .catalog.schema import FieldDecl, Rule


@dataclass(frozen=True)
class Problem:
    severity: str  # error / warning
    item_no: int
    field_key: str
    rule_id: str
    message: str  # full line: 第13项「落实举措」：该项适用时必须填写。
    explanation: str | None = None  # the stored 说明 answering a warning

    @property
    def explained(self) -> bool:
        return self.explanation is not None

    def as_dict(self) -> dict:
        return dict(severity=self.severity, item=self.item_no, field=self.field_key, rule=self.rule_id,
                    message=self.message, explanation=self.explanation)


def effective(view: FormView, decl: FieldDecl, values: dict[str, str]) -> str | None:
    """The value of a field, or its default (a yes/no default in the vocabulary's words)."""
    v = values.get(decl.key)
    if v is None and decl.default is not None:
        return view.vocab.yes_no(decl.default) if isinstance(decl.default, bool) else str(decl.default)
    return v


def applies(view: FormView, values: dict[str, str]) -> bool:
    """Is the item applicable (是否适用, its default when unanswered)?"""
    return effective(view, view.decl(Role.APPLICABILITY), values) == view.vocab.yes


class _Conditions:
    """The form's conditions (required_when, a rule's when) with their words resolved once per
    :func:`validate` or :func:`completeness` (a plan has dozens of items, each asked the same
    conditions); an unanswered field counts as its default."""

    def __init__(self, view: FormView):
        words = view.vocab.yes_no
        self.defaults = {f.key: effective(view, f, {}) for f in view.fields if f.default is not None}
        self.required = [(f, None if f.required else self._resolved(f.required_when, words))
                         for f in view.fields if f.required or f.required_when]
        self.when = {id(r): self._resolved(r.when, words) for r in view.rules if r.when}

    @staticmethod
    def _resolved(cond: dict, words) -> tuple[tuple[str, object], ...]:
        return tuple((key, words(want) if isinstance(want, bool) else want) for key, want in cond.items())

    def matches(self, pairs, values: dict[str, str]) -> bool:
        defaults = self.defaults
        for key, want in pairs:
            got = values.get(key)
            if (defaults.get(key) if got is None else got) != want:
                return False
        return True

    def required_fields(self, values: dict[str, str]) -> list[FieldDecl]:
        return [f for f, cond in self.required if cond is None or self.matches(cond, values)]


def validate(view: FormView, plan_kind: str, data, today: dt.date | None = None) -> list[Problem]:
    """All problems of a plan (``data`` is a PlanSnapshot), in item order, errors first per item."""
    today = today or dt.date.today()
    out: list[Problem] = []
    conds = None
    for item in view.items:
        values = data.values.get(item.no, {})
        must = view.must_answer(item.no, plan_kind)
        has_ind = any(data.indicators.get(i.key, (None, None)) != (None, None) for i in item.indicators)
        if not must and not values and not has_ind:
            continue
        conds = conds or _Conditions(view)
        for rule in view.rules:
            out += _apply(rule, view, item, values, data, must, today, conds)
    out.sort(key=lambda p: (p.item_no, p.severity != "error"))
    return [_with_explanation(p, data) for p in out]


def _with_explanation(p: Problem, data) -> Problem:
    if p.severity != "warning":
        return p
    text = data.explanations.get((p.item_no, p.rule_id, p.field_key))
    return p if text is None else Problem(p.severity, p.item_no, p.field_key, p.rule_id, p.message, text)


def _msg(item_no: int, label: str, text: str) -> str:
    return f"第{item_no}项「{label}」：{text}"


def _apply(rule: Rule, view: FormView, item, values, data, must: bool, today: dt.date,
           conds: _Conditions) -> list[Problem]:
    if rule.kind == "required":
        defaults = conds.defaults
        return [Problem(rule.severity, item.no, f.key, rule.id, _msg(item.no, f.label, rule.message))
                for f in conds.required_fields(values)
                if values.get(f.key) is None and defaults.get(f.key) is None]
    if rule.when and not conds.matches(conds.when[id(rule)], values):
        return []
    if rule.params.get("only_required") and not must:
        return []
    if rule.kind == "conflict":
        label = view.field_map[rule.field].label
        return [Problem(rule.severity, item.no, rule.field, rule.id, _msg(item.no, label, rule.message))]
    if rule.kind == "overdue":
        dl, progress = view.decl(Role.DEADLINE), view.decl(Role.PROGRESS)
        deadline, status = values.get(dl.key), values.get(progress.key)
        if not applies(view, values) or not deadline:
            return []
        finished = {progress.choice(Meaning.DONE), progress.choice(Meaning.NOT_APPLICABLE)}
        if dt.date.fromisoformat(deadline) < today and status not in finished:
            text = rule.message.format(deadline=deadline, status=status or "未填写")
            return [Problem(rule.severity, item.no, rule.field, rule.id, _msg(item.no, dl.label, text))]
        return []
    if rule.kind == "below_target":
        progress = view.decl(Role.PROGRESS)
        if values.get(progress.key) != progress.choice(Meaning.DONE):
            return []
        out = []
        for ind in item.indicators:
            target, actual = data.indicators.get(ind.key, (None, None))
            if target is not None and actual is not None and actual < target:
                text = rule.message.format(indicator=ind.name, actual=fmt.number(actual), target=fmt.number(target),
                                           unit=ind.unit)
                out.append(Problem(rule.severity, item.no, Ref.actual(item.no, ind.key).text, rule.id,
                                   _msg(item.no, ind.name, text)))
        return out
    raise ValueError(f"unknown rule kind {rule.kind}")  # pragma: no cover - schema forbids it


@dataclass(frozen=True)
class Completeness:
    answered: int
    required: int

    @property
    def ratio(self) -> float:
        return 1.0 if self.required == 0 else self.answered / self.required

    def __str__(self) -> str:
        return f"{self.answered}/{self.required}（{fmt.percent(self.ratio, digits=0)}）"


def item_completeness(view: FormView, item_no: int, values: dict[str, str],
                      conds: _Conditions | None = None) -> Completeness:
    req = (conds or _Conditions(view)).required_fields(values)
    return Completeness(sum(effective(view, f, values) is not None for f in req), len(req))


def completeness(view: FormView, plan_kind: str, data) -> Completeness:
    """Answered required fields / required fields over the items this plan kind must answer."""
    a = r = 0
    conds = _Conditions(view)
    for item in view.items:
        if view.must_answer(item.no, plan_kind):
            c = item_completeness(view, item.no, data.values.get(item.no, {}), conds)
            a, r = a + c.answered, r + c.required
    return Completeness(a, r)


def blocking(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def unexplained(problems: list[Problem]) -> list[Problem]:
    """What stands between a plan and a formal filing: errors and warnings without a 说明."""
    return [p for p in problems if p.severity == "error" or not p.explained]
