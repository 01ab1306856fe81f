"""Alembic environment: desktop.core.store.db hands in a connection with its transaction open.

The whole upgrade (every revision and the version bump) runs in that one transaction, under
the caller's upgrade lock: ``begin_transaction`` is a no-op on a connection that is already in
a transaction, and ``transactional_ddl`` makes Alembic treat SQLite like PostgreSQL (one
transaction, not one per revision). No alembic.ini.
"""
from alembic import context

from desktop.core.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only db.upgrade runs migrations
    raise RuntimeError("migrations run through desktop.core.store.db.upgrade (a connection in a transaction)")

context.configure(connection=connection, target_metadata=Base.metadata, transactional_ddl=True,
                  transaction_per_migration=False, render_as_batch=True)  # SQLite needs batch mode for ALTERs
with context.begin_transaction():
    context.run_migrations()
