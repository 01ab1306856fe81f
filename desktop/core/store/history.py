"""The history of a plan: every change, when, by which path and by whom."""
from __future__ import annotations

from sqlalchemy import select

from .models import Change
from .store import Part


class History(Part):
    def rows(self, plan_ref, limit: int = 500) -> list[dict]:
        """Newest first: at, origin, entity, item_no, key, old, new, actor."""
        with self.reading() as s:
            p = self.store.plans.row(s, plan_ref)
            rows = s.scalars(select(Change).where(Change.plan_id == p.id).order_by(Change.id.desc()).limit(limit))
            return [dict(at=c.at, origin=c.origin, entity=c.entity, item_no=c.item_no, key=c.key, old=c.old,
                         new=c.new, actor_role=c.actor_role, actor_name=c.actor_name) for c in rows]
