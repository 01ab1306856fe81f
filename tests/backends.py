"""The two database backends the store runs on, for tests: a SQLite file and a PostgreSQL server.

A test module marked ``pytestmark = pytest.mark.backends`` runs every test that uses a database
(the ``store``, ``db_path``, ``new_db``, ``cli`` … fixtures) once per backend, ``[sqlite]`` and
``[postgresql]``; ``@pytest.mark.sqlite_only`` keeps one test to SQLite (it is about the file).
The server is the one $YICE_TEST_PG names (``.ci/pg-cluster start`` makes a throwaway one on
127.0.0.1); without it the PostgreSQL variants skip, except in CI (env CI set) where they fail.
Each test gets fresh databases, cloned on the server from a template that is migrated and
seeded once per session (CREATE DATABASE … TEMPLATE: ~0.1 s), dropped after the test.
"""
from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

PG_ENV = "YICE_TEST_PG"
BACKENDS = ("sqlite", "postgresql")


class PgServer:
    def __init__(self, url: str):
        from desktop.core.store import db

        self.admin_url = db.resolve_url(url)
        self.engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.prefix = f"yice_t{os.getpid()}_"
        self.template = self.prefix + "template"
        self.count = 0

    def _exec(self, sql: str) -> None:
        with self.engine.connect() as c:
            c.exec_driver_sql(sql)

    def version(self) -> str:
        with self.engine.connect() as c:
            return c.execute(text("show server_version")).scalar()

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    @staticmethod
    def name_of(url: str) -> str:
        return make_url(url).database

    def prepare(self) -> None:
        """The template: every migration applied and the registry seeded, as Store.open leaves it."""
        from desktop.core.store import Store

        self.cleanup()
        self._exec(f'CREATE DATABASE "{self.template}"')
        Store.open(self.url(self.template)).close()

    def create(self, template: str | None = None) -> str:
        self.count += 1
        name = f"{self.prefix}{self.count}"
        # WAL_LOG (PostgreSQL 15's default): no checkpoint per copy, unlike FILE_COPY
        self._exec(f'CREATE DATABASE "{name}" TEMPLATE "{template or self.template}"')
        return self.url(name)

    def create_empty(self) -> str:
        """A database with nothing in it (for upgrade tests: Alembic builds it)."""
        self.count += 1
        name = f"{self.prefix}{self.count}"
        self._exec(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop(self, name: str) -> None:
        self._exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def cleanup(self) -> None:
        with self.engine.connect() as c:
            names = c.execute(text("select datname from pg_database where datname like :p"),
                              {"p": self.prefix + "%"}).scalars().all()
        for n in names:
            self.drop(n)

    def close(self) -> None:
        self.cleanup()
        self.engine.dispose()


def connect(url: str | None = None) -> tuple[PgServer | None, str]:
    """(server, description) — server None with the reason when there is none to use."""
    url = url or os.environ.get(PG_ENV)
    if not url:
        return None, f"not configured (set {PG_ENV}, e.g. $(.ci/pg-cluster start))"
    try:
        server = PgServer(url)
        where = make_url(server.admin_url)
        return server, f"PostgreSQL {server.version()} at {where.host or 'local socket'}:{where.port or 5432}"
    except Exception as e:  # noqa: BLE001 - reported in the header and as the skip reason
        return None, f"unavailable ({type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''})"
