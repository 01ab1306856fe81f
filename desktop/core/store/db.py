"""Open the database: default location, SQLite pragmas, migrate (with a backup) on open."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url

# Alembic head revision. Checked against desktop/core/migrations by a test, so opening an
# up-to-date database (every start) does not pay for importing Alembic.
HEAD_REVISION = "0003"
ENV_VAR = "YICE_DB"


def resolve_url(db: str | os.PathLike | None = None, default: Path | None = None) -> str:
    """``--db`` beats ``$YICE_DB`` beats ``default`` (the caller's AppPaths.database, made once at
    start: the user profile, or ``data/`` beside a portable program); a plain path means SQLite."""
    db = db or os.environ.get(ENV_VAR) or default
    if not db:
        raise ValueError("no database: --db, $YICE_DB or AppPaths.database")
    s = str(db)
    if "://" in s:
        return s
    path = Path(s).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_pragmas(foreign_keys: bool):
    def connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()
    return connect


def make_engine(url: str, foreign_keys: bool = True) -> Engine:
    """``foreign_keys=False`` only for migrations: SQLite's batch ALTER rebuilds a table by
    dropping it, and with foreign keys on that cascades (every answer of every plan gone)."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(foreign_keys))
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
    """Migrate to ``target``; on SQLite with foreign keys off during the run, checked after."""
    from alembic import command

    if engine.dialect.name != "sqlite":
        command.upgrade(alembic_config(engine), target)
        return
    migrating = make_engine(str(engine.url.render_as_string(hide_password=False)), foreign_keys=False)
    try:
        command.upgrade(alembic_config(migrating), target)
        with migrating.connect() as c:
            broken = c.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"数据库升级后外键检查失败（{len(broken)} 处），请用升级前的备份恢复")
    finally:
        migrating.dispose()


def ensure_schema(engine: Engine) -> Path | None:
    """Bring the database to the head revision; returns the backup made, if any."""
    rev = current_revision(engine)
    if rev == HEAD_REVISION:
        return None
    backup = backup_sqlite(engine, rev) if (rev is not None or has_tables(engine)) else None
    upgrade(engine)
    return backup
