"""The history of a plan: every change, when, by which path and by whom."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ..edits import Kind, Ref
from ..vocab import Origin, PlanState
from .models import Change
from .store import Part

_STATES = {s.value for s in PlanState}
_ORIGINS = {o.value for o in Origin}
_PLAN_EVENTS = {"create": "新建方案", "copy_from": "复制自"}  # the keys Plans writes for a whole plan
_NOTE = "："  # a state row's new value: "<state id>：第2次报送，理由：…"


@dataclass(frozen=True)
class HistoryLine:
    """One history row as people read it: labels, never ids (the CLI and the GUI show the same)."""

    at: dt.datetime
    origin: str  # 界面, 命令行, 导入 …
    who: str  # 省级 王审核, or "—"
    item_no: int | None
    what: str  # 状态, 落实举措, 「优质中职学校」完成值, 说明（完成时限）, 基本情况 …
    old: str | None
    new: str | None


class History(Part):
    def rows(self, plan_ref, limit: int = 500) -> list[dict]:
        """Newest first: at, origin, entity, item_no, key, old, new, actor."""
        with self.reading() as s:
            p = self.store.plans.row(s, plan_ref)
            rows = s.scalars(select(Change).where(Change.plan_id == p.id).order_by(Change.id.desc()).limit(limit))
            return [dict(at=c.at, origin=c.origin, entity=c.entity, item_no=c.item_no, key=c.key, old=c.old,
                         new=c.new, actor_role=c.actor_role, actor_name=c.actor_name) for c in rows]

    def describe(self, plan_ref, limit: int = 500) -> list[HistoryLine]:
        """The rows of :meth:`rows` in words: state ids as their labels, field keys as field labels."""
        rows = self.rows(plan_ref, limit)
        view = self.catalog.for_plan(self.store.plans.get(plan_ref))
        label = self.store.vocab.label
        out = []
        for h in rows:
            who = " ".join(x for x in (label(h["actor_role"]) if h["actor_role"] else "", h["actor_name"] or "") if x)
            old, new = h["old"], h["new"]
            if h["entity"] == "state":
                old, new = self._state_text(old), self._state_text(new)
            out.append(HistoryLine(h["at"], label(h["origin"]) if h["origin"] in _ORIGINS else h["origin"],
                                   who or "—", h["item_no"], self._what(view, h["entity"], h["key"]), old, new))
        return out

    def _state_text(self, value: str | None) -> str | None:
        if not value:
            return value
        state, sep, note = value.partition(_NOTE)
        return self.store.vocab.label(PlanState(state)) + sep + note if state in _STATES else value

    def _what(self, view, entity: str, key: str | None) -> str:
        """What a row changed, in the form's own words (a key the form no longer knows stays as is)."""
        if entity == "state":
            return "状态"
        if entity == "attachment":
            return "佐证材料"
        if entity == "plan":
            return _PLAN_EVENTS.get(key or "", "方案")
        if not key:
            return entity
        if entity == "section":
            decl = self.catalog.base_fields.section(key)
            return decl.label if decl else key
        if entity == "explanation":
            field = key.partition(":")[2]
            return f"说明（{self._what(view, 'indicator' if ':' in field else 'response', field)}）"
        if entity == "indicator":
            ref = Ref.parse(key)
            ind = view.indicator_map.get(ref.key, (None, None))[1]
            return f"「{ind.name if ind else ref.key}」" + ("本单位目标值" if ref.kind == Kind.TARGET else "完成值")
        decl = view.field_map.get(key)
        return decl.label if decl else key
