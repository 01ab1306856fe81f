"""Open the database: where it is, the engine and its transactions, and the schema upgrade.

Two backends: a SQLite file (one office PC, the default) and a PostgreSQL server (several staff
of a provincial office on one database). The rules that keep data safe on both:

- **Transactions that take their lock up front.** On SQLite every write transaction starts with
  ``BEGIN IMMEDIATE``: the write lock is taken (or waited for, ``busy_timeout``) before the first
  read, so two programs writing the same plan at the same instant queue up instead of one failing
  when it upgrades a read lock. pysqlite's own transaction handling (no BEGIN before DDL or
  SELECT) is switched off and SQLAlchemy emits BEGIN itself — the recipe of SQLAlchemy's SQLite
  dialect documentation. Read-only work uses :func:`reading` (a plain deferred BEGIN; on
  PostgreSQL REPEATABLE READ, so a summary reads one consistent state). On PostgreSQL a write
  transaction locks the plan row it changes (``Plans.row``: SELECT … FOR UPDATE).
- **Upgrades that cannot brick.** The schema change and the version bump run in ONE transaction
  (SQLite and PostgreSQL both have transactional DDL), behind a lock that a second program
  waits for (SQLite's write lock; a PostgreSQL advisory lock) and then finds the work done. On
  SQLite a verified copy (:mod:`.dbfile`) is made inside that lock before anything changes; if
  it cannot be made (disk full) the upgrade is refused. A kill at any point leaves the old
  database (rolled back) or the new one (committed), never a mix.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import time
import zlib
from operator import itemgetter
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from ..errors import InputError

# Alembic head revision. Checked against desktop/core/migrations by a test, so opening an
# up-to-date database (every start) does not pay for importing Alembic.
HEAD_REVISION = "0003"
ENV_VAR = "YICE_DB"
BUSY_MS = 15000  # how long a write waits for another program's write (SQLite busy_timeout)
LOCK_WAIT_S = 120.0  # how long opening waits for another program's upgrade
PG_LOCK_SPACE = 0x59494345  # "YICE": first key of every advisory lock this program takes
PG_DRIVER = "postgresql+psycopg"
BUSY_MESSAGE = "数据库正被其他用户或程序写入，请稍后重试"


# ------------------------------------------------------------------ where
def resolve_url(db: str | os.PathLike | None = None, default: Path | None = None) -> str:
    """``--db`` beats ``$YICE_DB`` beats ``default`` (the caller's AppPaths.database, made once at
    start: the user profile, or ``data/`` beside a portable program); a plain path means SQLite.

    A PostgreSQL URL may be written ``postgresql://user@host/db`` (or ``postgres://``): the
    driver is filled in. Anything else is refused with one line, so is a path given by the user
    (``--db``, ``$YICE_DB``) in a folder that does not exist: a mistyped path must not quietly
    start an empty database; only the default data folder is created."""
    if not (db or os.environ.get(ENV_VAR) or default):
        raise ValueError("no database: --db, $YICE_DB or AppPaths.database")
    ref = str(db or os.environ.get(ENV_VAR) or default)
    if _bad_text(ref):
        raise InputError("数据库路径或 URL 含有无效字符（控制字符或非 UTF-8 编码）")
    if "://" in ref:
        return _server_url(ref)
    path = Path(ref).expanduser()
    try:
        path = path.resolve()
        if path.is_dir():
            raise InputError(f"「{path}」是文件夹，请指定数据库文件（例如 {path / 'yice.sqlite3'}）")
        if not path.parent.is_dir() and ref != str(default):  # only the program's own data folder is made
            raise InputError(f"数据库所在的文件夹「{path.parent}」不存在：请检查路径（新建数据库请先建好该文件夹）")
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"无法使用数据库位置「{path}」：{e.strerror or e}") from None
    return f"sqlite:///{path}"


def _bad_text(s: str) -> bool:
    return any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in s)


def _server_url(ref: str) -> str:
    shown = _hide_password(ref)
    try:
        url = make_url(ref)
    except (ArgumentError, ValueError):
        raise InputError(f"数据库 URL「{shown}」格式无效") from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "sqlite":
        return url.render_as_string(hide_password=False)
    if backend not in ("postgresql", "postgres"):
        raise InputError(f"不支持的数据库「{url.drivername}」：请用 SQLite 文件路径或 postgresql://用户@服务器/数据库")
    if driver in ("", "psycopg2", "psycopg"):  # the one driver this program ships with (the postgres extra)
        url = url.set(drivername=PG_DRIVER)
    if not url.database:
        raise InputError(f"数据库 URL「{shown}」须写明数据库名，例如 postgresql://用户@服务器:5432/yice")
    return url.render_as_string(hide_password=False)


def _hide_password(ref: str) -> str:
    try:
        return make_url(ref).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for a message about a URL that does not parse
        return ref.split("@")[-1][:80]


def sqlite_file(engine_or_url) -> Path | None:
    """The database file of a SQLite engine/URL; None for a server or an in-memory database."""
    url = make_url(str(getattr(engine_or_url, "url", engine_or_url)))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


# ------------------------------------------------------------------ engine
def _sqlite_connect(foreign_keys: bool, busy_ms: int):
    def connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _sqlite_begin)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()
    return connect


def _sqlite_begin(conn: Connection) -> None:
    """BEGIN IMMEDIATE for writes (the lock first), a deferred BEGIN for :func:`reading`."""
    read = conn.get_execution_options().get("yice_read", False)
    conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def make_engine(url: str, foreign_keys: bool = True, busy_ms: int = BUSY_MS) -> Engine:
    """``foreign_keys=False`` only for migrations: SQLite's batch ALTER rebuilds a table by
    dropping it, and with foreign keys on that cascades (every answer of every plan gone)."""
    try:
        backend = make_url(url).get_backend_name()
        if backend == "postgresql":
            _require_psycopg(url)
            engine = create_engine(url, pool_pre_ping=True,
                                   connect_args={"connect_timeout": 10, "application_name": "yice"})
        else:
            engine = create_engine(url)
    except (ArgumentError, NoSuchModuleError) as e:
        raise InputError(f"数据库 URL「{_hide_password(url)}」无法使用：{str(e).splitlines()[0][:120]}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect(foreign_keys, busy_ms))
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _require_psycopg(url: str) -> None:
    if "+psycopg" in url.split("://")[0] and "+psycopg2" not in url.split("://")[0]:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise InputError('连接 PostgreSQL 需要安装 psycopg：pip install "yice[postgres]"') from None


def reading(engine: Engine) -> Engine:
    """The same engine for read-only work: no write lock on SQLite, one snapshot on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(yice_read=True)
    return engine.execution_options(isolation_level="REPEATABLE READ", yice_read=True)


def serialize(session, name: str) -> None:
    """Inside a write transaction: one writer at a time for ``name`` (e.g. creating a unit code).

    SQLite's BEGIN IMMEDIATE already serialises every writer; PostgreSQL takes a transaction
    advisory lock, released at commit or rollback."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("select pg_advisory_xact_lock(:a, :b)"),
                        {"a": PG_LOCK_SPACE, "b": zlib.crc32(name.encode()) & 0x7FFFFFFF})


def insert_missing(session, model, values: dict) -> None:
    """INSERT unless a row with the same key exists (ON CONFLICT DO NOTHING on both backends):
    content stored once by its hash, attached by two users at the same instant."""
    from .limits import check_rows

    check_rows(model, [values])
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


def insert_rows(conn: Connection, model, rows: list[dict]) -> None:
    """One executemany of plain rows (every row with the same keys, as an import writes them),
    checked against their columns first (limits.py).

    The statement is compiled once per table, columns and dialect and the driver gets the rows
    with each column's bind processor applied: SQLAlchemy's per-row parameter building costs
    more than the driver's insert of hundreds of rows per file. Where the compiled statement
    wants more than the rows give (a column default), SQLAlchemy's own path is taken."""
    if not rows:
        return
    from .limits import check_columns, check_rows

    keys = tuple(rows[0])
    columns = _columns(rows, keys)
    plan = None if columns is None else _insert_plan(model, keys, conn.dialect)
    if plan is None:
        from sqlalchemy import insert

        check_rows(model, rows)
        conn.execute(insert(model), rows)
        return
    check_columns(model, columns, rows)
    conn.exec_driver_sql(plan[0], _params(rows, keys, columns, plan[1], plan[2]))


def _columns(rows: list[dict], keys: tuple[str, ...]) -> dict[str, list] | None:
    """``{key: [value per row]}`` (``map`` runs in C); None when a row's keys differ from the first's."""
    if len(set(map(len, rows))) != 1:
        return None
    try:
        return {k: list(map(itemgetter(k), rows)) for k in keys}  # a missing key: KeyError
    except KeyError:
        return None


def _params(rows: list[dict], keys: tuple[str, ...], columns: dict[str, list], names, procs) -> list:
    """The driver's parameters, built column by column (``zip`` runs in C)."""
    for key, f in procs:
        columns[key] = _converted(columns[key], f)
    if names is None:  # named parameters (psycopg): the column keys are the bind names
        return [dict(zip(keys, values)) for values in zip(*columns.values())] if procs else rows
    return list(zip(*[columns[k] for k in names]))


def _converted(values: list, f) -> list:
    """A bind processor over one column; a value repeated row after row (the time stamped on
    every history row of one file) is converted once."""
    out, last, done = [], object(), None
    for v in values:
        if v is not last:
            last, done = v, f(v)
        out.append(done)
    return out


@functools.lru_cache(maxsize=64)
def _insert_plan(model, keys: tuple[str, ...], dialect):
    """(sql, positional names or None, [(key, bind processor)]) or None: see :func:`insert_rows`."""
    from sqlalchemy import insert

    table = model.__table__
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys), for_executemany=True)  # no RETURNING
    names = list(compiled.positiontup) if compiled.positional else None
    plan = None
    if set(names if names is not None else compiled.binds) == set(keys):
        procs = [(k, f) for k in keys if (f := table.c[k].type.dialect_impl(dialect).bind_processor(dialect))]
        plan = (str(compiled), names, procs)
    return plan


# ------------------------------------------------------------------ schema
def current_revision(engine_or_conn) -> str | None:
    def read(c):
        if not inspect(c).has_table("alembic_version"):
            return None
        return c.execute(text("select version_num from alembic_version")).scalar()

    if isinstance(engine_or_conn, Connection):
        return read(engine_or_conn)
    with reading(engine_or_conn).connect() as c:
        return read(c)


def has_tables(engine_or_conn) -> bool:
    if isinstance(engine_or_conn, Connection):
        return bool(inspect(engine_or_conn).get_table_names())
    with reading(engine_or_conn).connect() as c:
        return bool(inspect(c).get_table_names())


def alembic_config(engine: Engine | None = None, connection: Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent.parent / "migrations"))
    cfg.attributes["engine"] = engine
    cfg.attributes["connection"] = connection
    return cfg


def known_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    return [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]


def open_problem(url: str, e: BaseException) -> InputError:
    """One line for a database that cannot be opened (not a database, no server, no rights …)."""
    where = _hide_password(url)
    path = sqlite_file(url)
    msg = str(getattr(e, "orig", None) or e).strip().splitlines()
    first = msg[0][:160] if msg else type(e).__name__
    if path is not None:
        if "not a database" in first or "malformed" in first:
            return InputError(f"「{path}」不是本程序的数据库文件，或已损坏（可用“恢复数据”从备份恢复）")
        if "locked" in first or "busy" in first:
            return InputError(f"数据库「{path.name}」正被其他程序占用，请稍后再试")
        if "readonly" in first or "unable to open" in first:
            return InputError(f"无法打开数据库文件「{path}」（没有读写权限或位置不可用）")
        return InputError(f"无法打开数据库「{path}」：{first}")
    reason = next((words for key, words in _SERVER_REASONS if key in first.lower()), first)
    return InputError(f"无法连接数据库服务器「{where}」：{reason}")


# libpq's words → ours, for the usual reasons a server cannot be reached (else its own words)
_SERVER_REASONS = [
    ("password authentication failed", "用户名或密码不对"),
    ("no password supplied", "服务器要求密码，请在 URL 中写明（postgresql://用户:密码@服务器/数据库）"),
    ("does not exist", "服务器上没有这个数据库或用户，请管理员先创建（见 README“多人共用数据库”）"),
    ("connection refused", "服务器未运行，或不接受来自本机的连接"),
    ("timeout expired", "连接超时（服务器地址不对或网络不通）"),
    ("could not translate host name", "找不到服务器（地址写错了？）"),
    ("failed to resolve host", "找不到服务器（地址写错了？）"),
    ("permission denied", "该用户没有这个数据库的权限"),
]


def ensure_schema(engine: Engine, lock_wait: float = LOCK_WAIT_S) -> Path | None:
    """Bring the database to the head revision; returns the verified copy made first, if any."""
    try:
        rev = current_revision(engine)
    except DBAPIError as e:
        raise open_problem(str(engine.url.render_as_string(hide_password=False)), e) from None
    if rev == HEAD_REVISION:
        return None
    return upgrade(engine, lock_wait=lock_wait)


def upgrade(engine: Engine, target: str = "head", backup: bool = True, lock_wait: float = LOCK_WAIT_S) -> Path | None:
    """Migrate to ``target`` in one transaction under the upgrade lock; returns the SQLite copy made."""
    if engine.dialect.name == "sqlite":
        return _upgrade_sqlite(engine, target, backup, lock_wait)
    return _upgrade_server(engine, target, lock_wait)


def _reached(rev: str | None, target: str) -> bool:
    return rev == (HEAD_REVISION if target == "head" else target)


def _check_known(rev: str | None) -> None:
    if rev is not None and rev not in known_revisions():
        raise InputError(f"数据库的结构版本（{rev}）比本程序新：它已被更新版本的一策通打开过。请安装最新版本后再打开")


def _migrate(conn: Connection, target: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection=conn), target)


def _upgrade_sqlite(engine: Engine, target: str, backup: bool, lock_wait: float) -> Path | None:
    path = sqlite_file(engine)
    url = engine.url.render_as_string(hide_password=False)
    # a file: a separate engine with foreign keys off (set outside any transaction)
    migrating = engine if path is None else make_engine(url, foreign_keys=False, busy_ms=int(lock_wait * 1000))
    made = None
    try:
        with migrating.connect() as conn:
            try:
                conn.begin()  # BEGIN IMMEDIATE: the upgrade lock (a second program waits here)
            except OperationalError as e:
                if "locked" in str(e) or "busy" in str(e):
                    raise InputError("数据库正在被另一个程序升级或写入，请稍后再打开") from None
                raise open_problem(url, e) from None
            rev = current_revision(conn)
            if _reached(rev, target):  # another program did it while we waited
                conn.rollback()
                return None
            _check_known(rev)
            if backup and path is not None and (rev is not None or has_tables(conn)):
                made = pre_upgrade_copy(path, rev)
            _migrate(conn, target)
            if path is not None:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:  # rolled back: the old database stays as it was
                    raise InputError(f"数据库升级后外键检查失败（{len(broken)} 处），未升级；备份在「{made}」")
            conn.commit()
    finally:
        if migrating is not engine:
            migrating.dispose()
    return made


def pre_upgrade_copy(path: Path, rev: str | None) -> Path:
    """The verified copy made inside the upgrade lock, before the first change."""
    from .dbfile import verified_copy

    from ... import __version__

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = backups_folder(path) / f"{path.stem}-{stamp}-before-upgrade-r{rev or 'none'}.sqlite3"
    verified_copy(path, dest, meta={"kind": "before-upgrade", "made_at": dt.datetime.now().isoformat(" ", "seconds"),
                                    "app_version": __version__, "schema_revision": rev or "",
                                    "source": str(path)}, what="在升级前备份数据库")
    return dest


def backups_folder(db_file: Path) -> Path:
    """Backups live in ``backups/`` beside the database they copy: the one rule (core/backup.py, upgrades)."""
    return Path(db_file).parent / "backups"


def _upgrade_server(engine: Engine, target: str, lock_wait: float) -> None:
    """PostgreSQL: DDL is transactional; an advisory lock makes a second program wait.

    No copy is made here: the office's administrator backs the server database up (pg_dump)
    before installing a new version — the README's precondition. A failure rolls back whole."""
    url = engine.url.render_as_string(hide_password=False)
    try:
        with engine.connect() as conn:
            conn.begin()
            deadline = time.monotonic() + lock_wait
            while not conn.execute(text("select pg_try_advisory_xact_lock(:a, 0)"), {"a": PG_LOCK_SPACE}).scalar():
                if time.monotonic() > deadline:
                    raise InputError("数据库正在被另一个程序升级，请稍后再打开")
                time.sleep(0.2)
            rev = current_revision(conn)
            if _reached(rev, target):
                conn.rollback()
                return None
            _check_known(rev)
            _migrate(conn, target)
            conn.commit()
    except OperationalError as e:
        raise open_problem(url, e) from None
    return None
