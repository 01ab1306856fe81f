"""The store: one database behind one object, in parts a newcomer can find (no Qt).

``store.units`` (the registry and unit records), ``store.plans`` (plans and their content),
``store.evidence`` (佐证材料), ``store.history`` (who changed what), ``store.lifecycle`` (the
filing lifecycle: submit, withdraw, review — the only writer of a plan's state) and
``store.receiving`` (writing a received filing). Each public method is one transaction: it
writes everything it was asked to or nothing. Results are plain frozen dataclasses, never live
ORM objects, so callers on other threads can hold them. The acting user (``actor``) is stamped
on every history row.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sqlalchemy.orm import Session, sessionmaker

from ..catalog import Catalog
from . import db
from .models import Change


@dataclass(frozen=True)
class Actor:
    """Who is working: the role and name from the settings (the wizard, ``--as``)."""

    role: str | None = None  # UserRole id
    name: str | None = None

    def describe(self, vocab) -> str:
        role = vocab.label(self.role) if self.role else ""
        return " ".join(x for x in (role, self.name) if x) or "—"


class Store:
    """One database. Construct with :meth:`open`; inject it wherever data is needed."""

    def __init__(self, engine, catalog: Catalog, actor: Actor | None = None):
        from ..lifecycle import Lifecycle
        from .evidence import EvidenceFiles
        from .history import History
        from .plans import Plans
        from .receiving import Receiving
        from .units import Units

        self.engine = engine
        self.catalog = catalog
        self.actor = actor or Actor()
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.backup: Path | None = None
        self.units = Units(self)
        self.plans = Plans(self)
        self.evidence = EvidenceFiles(self)
        self.history = History(self)
        self.lifecycle = Lifecycle(self)
        self.receiving = Receiving(self)

    @classmethod
    def open(cls, db_ref=None, catalog: Catalog | None = None, seed_registry: bool = True,
             actor: Actor | None = None) -> Store:
        from ..catalog import installed_catalog

        engine = db.make_engine(db.resolve_url(db_ref))
        backup = db.ensure_schema(engine)
        store = cls(engine, catalog or installed_catalog(), actor)  # shipped forms and the user's
        store.backup = backup
        if seed_registry:
            store.units.ensure_registry()
        return store

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def vocab(self):
        return self.catalog.vocab

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    def change(self, origin: str, entity: str, **fields) -> Change:
        """A history row stamped with the acting user (the caller adds it to its session)."""
        return Change(origin=str(origin), entity=entity, actor_role=self.actor.role, actor_name=self.actor.name,
                      **fields)

    def change_row(self, origin: str, entity: str, **fields) -> dict:
        """The same as a plain dict, for bulk inserts."""
        from .models import now

        return dict(at=now(), origin=str(origin), entity=entity, actor_role=self.actor.role,
                    actor_name=self.actor.name, **fields)


class Part:
    """A part of the store: shares its sessions, catalog and actor."""

    def __init__(self, store: Store):
        self.store = store

    @property
    def catalog(self) -> Catalog:
        return self.store.catalog

    def session(self):
        return self.store.session()
