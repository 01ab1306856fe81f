"""Alembic environment: the engine is handed in by desktop.core.store.db (no alembic.ini)."""
from alembic import context

from desktop.core.store.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True)  # SQLite needs batch mode for ALTERs
    context.run_migrations()
