"""Open the database: default location, SQLite pragmas, migrate (with a backup) on open."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url

# Alembic head revision. Checked against desktop/migrations by a test, so opening an
# up-to-date database (every start) does not pay for importing Alembic.
HEAD_REVISION = "0002"
ENV_VAR = "YICE_DB"


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("yice", appauthor=False)) / "yice.sqlite3"


def resolve_url(db: str | os.PathLike | None = None) -> str:
    """``--db`` beats ``$YICE_DB`` beats the user data folder; a plain path means SQLite."""
    db = db or os.environ.get(ENV_VAR) or default_db_path()
    s = str(db)
    if "://" in s:
        return s
    path = Path(s).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as c:
        if not inspect(c).has_table("alembic_version"):
            return None
        return c.execute(text("select version_num from alembic_version")).scalar()


def has_tables(engine: Engine) -> bool:
    with engine.connect() as c:
        return bool(inspect(c).get_table_names())


def backup_sqlite(engine: Engine, rev: str | None) -> Path | None:
    """Copy the SQLite file to ``name.YYYYmmdd-HHMMSS.rREV.bak`` beside it (after a checkpoint)."""
    path = make_url(str(engine.url)).database
    if not path or path == ":memory:" or not Path(path).exists():
        return None
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = Path(path).with_name(f"{Path(path).name}.{stamp}.r{rev or 'none'}.bak")
    shutil.copy2(path, dest)
    return dest


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent.parent / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, target: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), target)


def ensure_schema(engine: Engine) -> Path | None:
    """Bring the database to the head revision; returns the backup made, if any."""
    rev = current_revision(engine)
    if rev == HEAD_REVISION:
        return None
    backup = backup_sqlite(engine, rev) if (rev is not None or has_tables(engine)) else None
    upgrade(engine)
    return backup
