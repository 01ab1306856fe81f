"""Backups of the database and restoring one (文件 → 备份数据… / 恢复数据…, ``yice backup|restore``).

A backup is a verified copy of the SQLite file (store/dbfile.py: SQLite's online backup API,
``integrity_check``, the same row count in every table) that carries a small ``yice_backup``
table saying what it is: when and why it was made, the program's version, the schema revision.
One file, so it survives being moved to a USB stick or mailed; :func:`inspect` reads what it
holds (units, plans, submissions, the last change) before anyone restores it.

Restoring never loses the database it replaces: the backup is first copied beside the target
and brought up to this program's schema (a backup made by an older version goes through the
migrations), then the current database is backed up (or, if damaged, set aside as it is), and
only then is the content swapped in — through the backup API, so a program still holding the
database sees the old or the new content, never a mix, and a kill -9 leaves the old one.

:func:`daily` is called when the GUI or the CLI opens the database: the first start of a day
makes one copy in ``backups/`` beside the database, keeping the last :data:`KEEP_DAILY`.
A PostgreSQL server database is backed up by its administrator (pg_dump; see the README).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from . import fmt
from .errors import InputError
from .store import db
from .store.dbfile import (
    META_TABLE, Damaged, check_space, connect_ro, file_size, integrity_problem, revision, table_counts, verified_copy,
)

KEEP_DAILY = 7
SERVER_REFUSAL = ("备份与恢复只适用于本机数据库文件（SQLite）；PostgreSQL 服务器上的数据库请由管理员用 pg_dump / "
                  "pg_restore 备份和恢复")


class Kind:
    """Why a backup was made (its file name says it too)."""

    MANUAL = "manual"
    DAILY = "daily"
    BEFORE_UPGRADE = "before-upgrade"
    BEFORE_RESTORE = "before-restore"


KIND_LABELS = {Kind.MANUAL: "手动备份", Kind.DAILY: "每日自动备份", Kind.BEFORE_UPGRADE: "升级前自动备份",
               Kind.BEFORE_RESTORE: "恢复前自动备份"}


@dataclass(frozen=True)
class BackupInfo:
    """What a backup (or any database file of this program) holds."""

    path: Path
    made_at: dt.datetime | None
    kind: str | None
    app_version: str | None
    schema_revision: str | None
    units: int
    units_added: int  # units people added (the shipped registry excluded)
    plans: int
    submissions: int
    last_change: dt.datetime | None
    size: int

    def describe(self, full_path: bool = True) -> str:
        """Several lines for a confirmation dialog (``full_path=False``: the file name) or the terminal."""
        def when(t):
            return t.strftime("%Y-%m-%d %H:%M") if t else "不详"

        made = f"{when(self.made_at)}（{KIND_LABELS.get(self.kind or '', '数据库文件')}）"
        version = f"一策通 {self.app_version}" if self.app_version else "程序版本不详"
        return "\n".join([
            f"备份文件：{self.path if full_path else self.path.name}",
            f"备份时间：{made}",
            f"来自：{version}，数据结构版本 {self.schema_revision or '—'}",
            f"单位：{self.units} 个（其中自行添加 {self.units_added} 个）",
            f"方案：{self.plans} 份，报送记录 {self.submissions} 次",
            f"最后修改：{when(self.last_change)}",
            f"大小：{fmt.size(self.size)}",
        ])


@dataclass(frozen=True)
class Restored:
    backup: BackupInfo
    safety_copy: Path | None  # the database as it was before, as a verified backup
    set_aside: Path | None  # …or, if it was damaged, the damaged file moved aside as it was


# ------------------------------------------------------------------ where
def database_file(ref) -> Path:
    """The SQLite file of a Store, a path or a URL; InputError for a server database."""
    engine = getattr(ref, "engine", None)
    path = db.sqlite_file(engine if engine is not None else db.resolve_url(ref))
    if path is None:
        raise InputError(SERVER_REFUSAL)
    return path


def backup_name(database: Path, kind: str, when: dt.datetime | None = None) -> Path:
    when = when or dt.datetime.now()
    return db.backups_folder(database) / f"{database.stem}-{when:%Y%m%d-%H%M%S}-{kind}.sqlite3"


def _meta(kind: str, source: Path) -> dict[str, str]:
    from .. import __version__

    return {"kind": kind, "made_at": dt.datetime.now().isoformat(" ", "seconds"), "app_version": __version__,
            "source": str(source)}


# ------------------------------------------------------------------ backup
def make_backup(ref, dest: str | os.PathLike | None = None, kind: str = Kind.MANUAL) -> BackupInfo:
    """A verified copy of the database at ``dest`` (default: ``backups/`` beside it)."""
    src = database_file(ref)
    out = Path(dest) if dest else backup_name(src, kind)
    if out.is_dir():
        raise InputError(f"「{out}」是文件夹，请指定备份文件名")
    if out.suffix == "":
        out = out.with_suffix(".sqlite3")
    if out.exists() and out.resolve() == src.resolve():
        raise InputError("备份文件不能是数据库本身，请另选位置")
    verified_copy(src, out, meta=_meta(kind, src))
    return inspect(out, verify=False)  # verified_copy has just checked it


def daily(ref, today: dt.date | None = None, keep: int = KEEP_DAILY) -> BackupInfo | None:
    """The first start of a day: one backup of a database that holds data, the last ``keep`` kept.

    None when there is nothing to do (a server database, already done today, nothing entered yet)."""
    engine = getattr(ref, "engine", None)
    path = db.sqlite_file(engine if engine is not None else db.resolve_url(ref))
    if path is None or not path.exists():
        return None
    today = today or dt.date.today()
    folder = db.backups_folder(path)
    pattern = f"{path.stem}-????????-??????-{Kind.DAILY}.sqlite3"
    if any(p.name.startswith(f"{path.stem}-{today:%Y%m%d}-") for p in folder.glob(pattern)):
        return None
    if not _holds_data(path):
        return None
    now = dt.datetime.combine(today, dt.datetime.now().time())
    info = make_backup(path, backup_name(path, Kind.DAILY, now), Kind.DAILY)
    for old in sorted(folder.glob(pattern))[:-keep]:
        old.unlink(missing_ok=True)
    return info


def _holds_data(path: Path) -> bool:
    """Anything a person entered: a plan or a unit beyond the shipped registry."""
    try:
        con = connect_ro(path)
        try:
            plans = con.execute("select exists(select 1 from plans)").fetchone()[0]
            units = con.execute("select exists(select 1 from units where builtin = 0)").fetchone()[0]
            return bool(plans or units)
        finally:
            con.close()
    except sqlite3.Error:
        return True  # cannot tell: better one copy too many


# ------------------------------------------------------------------ what a backup holds
def inspect(path: str | os.PathLike, verify: bool = True) -> BackupInfo:
    """Read what a backup holds (checking it first); InputError if it is not one of ours or damaged."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"备份文件「{path}」不存在")
    with open(path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise InputError(f"「{path.name}」不是一策通的备份文件")
    try:
        con = connect_ro(path)
        try:
            problem = integrity_problem(con) if verify else None
            if problem:
                raise Damaged(f"备份文件「{path.name}」已损坏（完整性检查：{problem[:120]}），不能用于恢复")
            rev = revision(con)
            names = {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}
            if rev is None or not {"units", "plans", "changes"} <= names:
                raise InputError(f"「{path.name}」不是一策通的数据库或备份文件")
            if rev not in db.known_revisions():
                raise InputError(f"备份来自更新版本的一策通（数据结构版本 {rev}），请先升级本程序再恢复")
            meta = dict(con.execute(f'select key, value from "{META_TABLE}"').fetchall()) if META_TABLE in names else {}

            def one(sql):
                return con.execute(sql).fetchone()[0]

            made = meta.get("made_at")
            last = one("select max(at) from changes")
            return BackupInfo(
                path=path, made_at=_time(made) or dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0),
                kind=meta.get("kind"), app_version=meta.get("app_version"), schema_revision=rev,
                units=one("select count(*) from units"), units_added=one("select count(*) from units where builtin = 0"),
                plans=one("select count(*) from plans"),
                submissions=one("select count(*) from submissions") if "submissions" in names else 0,
                last_change=_time(last), size=file_size(path))
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise Damaged(f"「{path.name}」不是一策通的备份文件，或已损坏（{e}）") from None


def _time(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value)).replace(microsecond=0)
    except ValueError:
        return None


# ------------------------------------------------------------------ restore
def restore(backup: str | os.PathLike, target, lock_wait: float = db.LOCK_WAIT_S) -> Restored:
    """Replace the database ``target`` (Store, path or URL) by the backup's content.

    A caller holding the database open (the GUI's store) should dispose its engine after this:
    a damaged database is replaced by a new file, not rewritten in place."""
    backup = Path(backup)
    info = inspect(backup)
    dest = database_file(target)
    if dest.exists() and dest.resolve() == backup.resolve():
        raise InputError("要恢复的备份就是当前数据库本身")
    staged = dest.with_name(f".{dest.name}.restoring")
    try:
        counts = _stage(backup, staged)
        safety = set_aside = None
        if dest.exists():
            try:
                safety = make_backup(dest, backup_name(dest, Kind.BEFORE_RESTORE), Kind.BEFORE_RESTORE).path
            except Damaged:
                set_aside = _set_aside(dest)
        if safety is not None:
            _copy_into(staged, dest, lock_wait)
        else:
            _move_into(staged, dest)
        _check_restored(dest, counts)
    finally:
        for p in (staged, Path(f"{staged}-wal"), Path(f"{staged}-shm"), Path(f"{staged}-journal")):
            p.unlink(missing_ok=True)
        for p in staged.parent.glob(staged.name + ".part"):
            p.unlink(missing_ok=True)
    return Restored(info, safety, set_aside)


def _stage(backup: Path, staged: Path) -> dict[str, int]:
    """The backup copied beside the target, without its backup note, at this program's schema."""
    verified_copy(backup, staged, what="准备恢复")
    con = sqlite3.connect(staged, isolation_level=None)
    try:
        con.execute(f'DROP TABLE IF EXISTS "{META_TABLE}"')
    finally:
        con.close()
    engine = db.make_engine(f"sqlite:///{staged}")
    try:
        db.upgrade(engine, backup=False)  # an older backup goes through the migrations
    finally:
        engine.dispose()
    con = sqlite3.connect(staged, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        problem = integrity_problem(con)
        if problem:
            raise InputError(f"恢复准备失败：升级后的备份未通过完整性检查（{problem[:120]}），当前数据库未改动")
        return table_counts(con)
    finally:
        con.close()


def _set_aside(dest: Path) -> Path:
    """A damaged database is kept as it is (with its log files) before it is replaced."""
    aside = backup_name(dest, "damaged")
    aside.parent.mkdir(parents=True, exist_ok=True)
    check_space(aside.parent, file_size(dest), "保留已损坏的数据库")
    shutil.copyfile(dest, aside)
    for ext in ("-wal", "-shm"):
        if Path(f"{dest}{ext}").exists():
            shutil.copyfile(f"{dest}{ext}", f"{aside}{ext}")
    return aside


def _copy_into(staged: Path, dest: Path, lock_wait: float) -> None:
    """The staged content written into the live database in one transaction (backup API)."""
    src = sqlite3.connect(staged, isolation_level=None)
    dst = sqlite3.connect(dest, isolation_level=None, timeout=lock_wait)
    try:
        src.backup(dst)
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            raise InputError("数据库正被其他程序使用，无法恢复；请关闭其他一策通窗口后重试（当前数据库未改动）") from None
        raise InputError(f"恢复失败：{e}（当前数据库未改动，恢复前的备份已保存）") from None
    finally:
        dst.close()
        src.close()


def _move_into(staged: Path, dest: Path) -> None:
    """No usable database to write into: the staged file takes its place (its logs removed)."""
    for ext in ("-wal", "-shm", "-journal"):
        Path(f"{dest}{ext}").unlink(missing_ok=True)
    os.replace(staged, dest)


def _check_restored(dest: Path, counts: dict[str, int]) -> None:
    con = connect_ro(dest)
    try:
        problem = integrity_problem(con)
        got = table_counts(con)
    finally:
        con.close()
    if problem or got != counts:
        raise InputError(f"恢复后核对失败（{problem or '行数不一致'}）；恢复前的数据库已备份在 backups 文件夹中")
