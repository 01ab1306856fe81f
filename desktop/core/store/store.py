"""The store: one database behind one object, in parts a newcomer can find (no Qt).

``store.units`` (the registry and unit records), ``store.plans`` (plans and their content),
``store.evidence`` (佐证材料), ``store.history`` (who changed what), ``store.lifecycle`` (the
filing lifecycle: submit, withdraw, review — the only writer of a plan's state) and
``store.receiving`` (writing a received filing). Each public method is one transaction: it
writes everything it was asked to or nothing. Results are plain frozen dataclasses, never live
ORM objects, so callers on other threads can hold them. The acting user (``actor``) is stamped
on every history row.

Transactions: :meth:`Store.session` is a *write* transaction (its lock taken up front, see
db.py; a plan read through ``Plans.row`` inside it is locked against other writers);
:meth:`Store.reading` is for work that only reads. Every string written is checked against its
column (limits.py) on every backend. A write that still collides with another user's (a
unique key taken meanwhile, a lock not granted in time) raises :class:`Conflict` with one line.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..catalog import Catalog
from ..errors import Conflict
from . import db, limits
from .models import Change


@dataclass(frozen=True)
class Actor:
    """Who is working: the role and name from the settings (the wizard, ``--as``)."""

    role: str | None = None  # UserRole id
    name: str | None = None

    def check(self) -> None:
        """The name is written on every history row: it must fit there (and be text)."""
        limits.check_text("操作人姓名", self.name, Change.__table__.c.actor_name.type.length)
        limits.check_text("操作人身份", self.role, Change.__table__.c.actor_role.type.length)

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
        self._sessions = sessionmaker(engine, expire_on_commit=False, info={"write": True})
        self._reads = sessionmaker(db.reading(engine), expire_on_commit=False, info={"write": False})
        limits.install(self._sessions)
        self.backup: Path | None = None  # the verified copy made before a schema upgrade
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

        if actor is not None:
            actor.check()
        engine = db.make_engine(db.resolve_url(db_ref))
        try:
            backup = db.ensure_schema(engine)
            store = cls(engine, catalog or installed_catalog(), actor)  # shipped forms and the user's
            store.backup = backup
            if seed_registry:
                store.units.ensure_registry()
        except BaseException:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def vocab(self):
        return self.catalog.vocab

    @property
    def actor(self) -> Actor:
        return self._actor

    @actor.setter
    def actor(self, actor: Actor) -> None:
        actor.check()
        self._actor = actor

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One write transaction: all of it is written, or (an exception) none of it."""
        try:
            with self._sessions.begin() as s:
                yield s
        except IntegrityError as e:  # a unique key another user took meanwhile
            raise Conflict("保存时与其他用户同时进行的修改冲突（同一数据已被他人写入），未保存；请刷新后重试") from e
        except OperationalError as e:
            if _busy(e):
                raise Conflict(db.BUSY_MESSAGE) from e
            raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """One read-only transaction (takes no write lock; one consistent snapshot)."""
        try:
            with self._reads.begin() as s:
                yield s
        except OperationalError as e:
            if _busy(e):
                raise Conflict(db.BUSY_MESSAGE) from e
            raise

    def change(self, origin: str, entity: str, **fields) -> Change:
        """A history row stamped with the acting user (the caller adds it to its session)."""
        return Change(origin=str(origin), entity=entity, actor_role=self.actor.role, actor_name=self.actor.name,
                      **fields)

    def change_row(self, origin: str, entity: str | None, **fields) -> dict:
        """The same as a plain dict for bulk inserts, every column named (rows of different
        entities go in one executemany)."""
        from .models import now

        return dict(at=now(), origin=str(origin), entity=entity, actor_role=self.actor.role,
                    actor_name=self.actor.name, **{**_CHANGE_FIELDS, **fields})


_CHANGE_FIELDS = dict.fromkeys(("plan_id", "unit_id", "item_no", "key", "old", "new"))


class Part:
    """A part of the store: shares its sessions, catalog and actor."""

    def __init__(self, store: Store):
        self.store = store

    @property
    def catalog(self) -> Catalog:
        return self.store.catalog

    def session(self):
        return self.store.session()

    def reading(self):
        return self.store.reading()


def _busy(e: OperationalError) -> bool:
    """SQLite's busy/locked after the timeout; PostgreSQL's deadlock, serialization or lock timeout."""
    code = getattr(getattr(e, "orig", None), "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or any(w in str(e.orig) for w in ("locked", "busy"))
