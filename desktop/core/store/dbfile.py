"""The SQLite file itself: verified copies, integrity, row counts, free disk space.

Before a schema upgrade (store/db.py), for a backup and before a restore (core/backup.py) the
database is copied with SQLite's online backup API, which reads one consistent snapshot while
other programs keep working. The copy is written as ``NAME.part``, checked (``integrity_check``
and the same row count in every table as the snapshot it was taken from), synced to disk and
only then renamed. A full disk, a crash or a kill -9 leaves at most a ``.part`` file, never a
truncated file under the real name.
"""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import quote

from .. import fmt
from ..errors import InputError

class Damaged(InputError):
    """The source database fails its integrity check or is not a database at all."""


META_TABLE = "yice_backup"  # key/value rows a backup carries about itself (see core/backup.py)
SQLITE_FULL = 13
SQLITE_IOERR = 10  # the primary code; IOERR_WRITE, _FSYNC, _TRUNCATE … are extended codes of it
MARGIN = 1 << 20  # bytes kept free beyond the copy itself


def connect_ro(path: Path, timeout: float = 30.0) -> sqlite3.Connection:
    """A read-only connection that never creates a file (a missing path is an error)."""
    return sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=timeout,
                           isolation_level=None)


def tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")]


def table_counts(con: sqlite3.Connection, skip: tuple[str, ...] = (META_TABLE,)) -> dict[str, int]:
    return {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables(con) if t not in skip}


def revision(con: sqlite3.Connection) -> str | None:
    """The Alembic revision a database file is at (None: not one of ours, or empty)."""
    try:
        row = con.execute("select version_num from alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def integrity_problem(con: sqlite3.Connection) -> str | None:
    """None when ``PRAGMA integrity_check`` passes, else its first complaint."""
    rows = [r[0] for r in con.execute("PRAGMA integrity_check(20)")]
    return None if rows == ["ok"] else "；".join(rows[:3])


def file_size(path: Path) -> int:
    """The database with its write-ahead log (what a copy may need at most)."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def check_space(folder: Path, need: int, what: str) -> None:
    free = shutil.disk_usage(folder).free
    if free < need + MARGIN:
        raise InputError(f"磁盘空间不足，无法{what}：需要约 {fmt.size(need + MARGIN)}，「{folder}」所在磁盘只剩 "
                         f"{fmt.size(free)}。请先清理磁盘，数据库未做任何修改")


def disk_message(e: BaseException, what: str, where: Path) -> str | None:
    """One line for a disk that would not take the copy, else None.

    SQLite says SQLITE_FULL for ENOSPC and a plain I/O error for a quota or a file size limit
    (EFBIG); while writing a copy both mean the same to the person at the desk."""
    code = getattr(e, "sqlite_errorcode", None)
    full = (code is not None and (code & 0xFF) in (SQLITE_FULL, SQLITE_IOERR)) or "disk is full" in str(e) \
        or getattr(e, "errno", None) in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", -1))
    if full:
        return f"磁盘空间不足或无法写入，无法{what}（写入「{where}」失败）。请先清理磁盘，数据库未做任何修改"
    return None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        _fsync(folder)
    except OSError:
        pass


def verified_copy(src: Path, dest: Path, meta: dict[str, str] | None = None, what: str = "备份数据库") -> dict[str, int]:
    """Copy the SQLite database ``src`` to ``dest`` and prove the copy; returns its row counts.

    ``meta`` rows go into the copy's ``yice_backup`` table (never counted or compared). The copy
    is a single file in rollback-journal mode, so it can be moved, mailed or opened read-only.
    Raises InputError (disk full, unreadable or damaged source) and leaves nothing at ``dest``.
    """
    src, dest = Path(src), Path(dest)
    if not src.is_file():
        raise InputError(f"数据库文件「{src}」不存在")
    dest.parent.mkdir(parents=True, exist_ok=True)
    check_space(dest.parent, file_size(src), what)
    part = dest.with_name(dest.name + ".part")
    part.unlink(missing_ok=True)
    source = target = None
    try:
        source = connect_ro(src)
        source.execute("BEGIN")  # one read snapshot for the counts and the copy
        counts = table_counts(source)
        target = sqlite3.connect(part, isolation_level=None)
        source.backup(target)
        source.execute("COMMIT")
        target.execute("PRAGMA journal_mode=DELETE")
        problem = integrity_problem(target)
        if problem:
            raise Damaged(f"数据库「{src.name}」已损坏，无法{what}（完整性检查：{problem[:120]}）")
        got = table_counts(target)
        if got != counts:
            raise InputError(f"{what}后核对行数不一致（{_diff(counts, got)}），未完成，请重试")
        if meta:
            meta = dict(meta, schema_revision=revision(target) or "")  # of the snapshot copied
            target.execute(f'DROP TABLE IF EXISTS "{META_TABLE}"')  # a copy of a copy: its own rows
            target.execute(f'CREATE TABLE "{META_TABLE}" (key TEXT PRIMARY KEY, value TEXT)')
            target.executemany(f'INSERT INTO "{META_TABLE}" VALUES (?, ?)', sorted(meta.items()))
        target.close()
        target = None
        _fsync(part)
        os.replace(part, dest)
        _fsync_dir(dest.parent)
        return counts
    except InputError:
        raise
    except (sqlite3.Error, OSError) as e:
        msg = disk_message(e, what, dest)
        if msg:
            raise InputError(msg) from None
        if isinstance(e, sqlite3.DatabaseError) and "not a database" in str(e):
            raise Damaged(f"「{src.name}」不是本程序的数据库文件（或已损坏），无法{what}") from None
        if isinstance(e, sqlite3.DatabaseError) and "malformed" in str(e):
            raise Damaged(f"数据库「{src.name}」已损坏，无法{what}（{e}）") from None
        raise InputError(f"无法{what}：{getattr(e, 'strerror', None) or e}") from None
    finally:
        for con in (target, source):
            if con is not None:
                try:
                    con.close()
                except sqlite3.Error:
                    pass
        if part.exists():
            part.unlink(missing_ok=True)


def _diff(a: dict, b: dict) -> str:
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return "、".join(f"{k} {a.get(k)}→{b.get(k)}" for k in keys[:4])
