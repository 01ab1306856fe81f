"""Schema upgrades that cannot brick a database (issue #17).

The upgrade runs in one transaction behind a lock, after a verified copy: killed at any point it
leaves the old database or the new one; a second program waits for it and finds the work done;
a full disk refuses it before anything changes; a failure inside rolls everything back.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.core.errors import InputError
from desktop.core.store import Store, db
from desktop.core.store.dbfile import integrity_problem, revision
from tools import holdings, old_database

pytestmark = pytest.mark.backends

# A child that opens an old database the way the program does (imports done before "ready",
# so the kill lands inside the upgrade, not in Python's start-up).
CHILD = """
import os, signal, sys
from desktop.core.store import db
import alembic.command, alembic.script  # noqa: F401
from desktop.core.store import models  # noqa: F401
from sqlalchemy import event
from sqlalchemy.engine import Engine
ref, mode = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
count = [0]
if mode.startswith(("kill-at=", "count")):  # every statement and the COMMIT, numbered
    stop = int(mode.split("=")[1]) if "=" in mode else None

    def step(*_a, **_k):
        count[0] += 1
        if count[0] == stop:
            os.kill(os.getpid(), signal.SIGKILL)  # kill -9 of this process, exactly here

    event.listen(Engine, "before_cursor_execute", step)
    event.listen(Engine, "commit", step)
engine = db.make_engine(db.resolve_url(ref))
print("ready", flush=True)
if mode == "go":
    sys.stdin.readline()  # "go": start together with another child
try:
    db.ensure_schema(engine)
except Exception as e:
    print("refused", type(e).__name__, e, flush=True)
    sys.exit(2)
print("done", count[0], flush=True)
"""


def _child(ref, wait_for_go: bool = False, preexec=None, mode: str = "") -> subprocess.Popen:
    args = [sys.executable, "-c", CHILD, str(ref), "go" if wait_for_go else mode]
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=preexec)
    assert p.stdout.readline().strip() == "ready", p.stderr.read()
    return p


def _schema(ref) -> list:
    """The database's own description of its tables and indexes (SQLite) or catalog (PostgreSQL)."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    engine = create_engine(db.resolve_url(ref), poolclass=NullPool)
    try:
        with engine.connect() as c:
            insp = inspect(c)
            return [(t, sorted(col["name"] for col in insp.get_columns(t)),
                     sorted(i["name"] for i in insp.get_indexes(t))) for t in sorted(insp.get_table_names())]
    finally:
        engine.dispose()


@pytest.fixture
def empty_db(backend, tmp_path, request, pg_databases):
    """A database with nothing in it yet (a file path, or a new empty database on the server)."""
    if backend == "sqlite":
        return tmp_path / "old.sqlite3"
    server = request.getfixturevalue("pg_server")
    pg_databases.append(server.create_empty())
    return pg_databases[-1]


# ------------------------------------------------------------------ one transaction
def test_a_failure_inside_the_upgrade_rolls_all_of_it_back(empty_db, monkeypatch, catalog):
    """Every revision and the version bump are one transaction: a failure after the last DDL
    statement leaves exactly the old schema and data (it used to leave 0002's index behind)."""
    expect = old_database(empty_db, "0001", plans=10)
    before = _schema(empty_db)
    real = db._migrate

    def migrate_then_fail(conn, target):
        real(conn, target)  # all three revisions ran (tables rebuilt, indexes made, data moved) …
        raise RuntimeError("killed after the last statement")  # … and then the upgrade fails

    monkeypatch.setattr(db, "_migrate", migrate_then_fail)
    with pytest.raises(RuntimeError):
        Store.open(empty_db, catalog=catalog)
    assert db.current_revision(db.make_engine(db.resolve_url(empty_db))) == "0001"
    assert _schema(empty_db) == before
    monkeypatch.setattr(db, "_migrate", real)
    store = Store.open(empty_db, catalog=catalog)  # and the next start upgrades it whole
    store.close()
    assert holdings(empty_db) == expect


def test_two_programs_opening_an_old_database_at_once_both_start(empty_db):
    """The second waits for the upgrade lock, then finds the work done (7 of 10 used to crash)."""
    expect = old_database(empty_db, "0001", plans=60, items=20)
    a, b = _child(empty_db, wait_for_go=True), _child(empty_db, wait_for_go=True)
    for p in (a, b):
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=120) for p in (a, b)]
    assert [p.returncode for p in (a, b)] == [0, 0], outs
    assert holdings(empty_db) == expect
    if not str(empty_db).startswith("postgresql"):
        copies = list(db.backups_folder(Path(empty_db)).glob("*-before-upgrade-r0001.sqlite3"))
        assert len(copies) == 1  # one copy, made by the one that upgraded


@pytest.mark.sqlite_only
def test_a_held_lock_gives_a_clear_message(empty_db):
    old_database(empty_db, "0001", plans=2)
    holder = sqlite3.connect(empty_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(InputError, match="正在被另一个程序升级或写入，请稍后再打开"):
            db.ensure_schema(db.make_engine(db.resolve_url(empty_db)), lock_wait=0.3)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert revision(sqlite3.connect(empty_db)) == "0001"


def test_a_database_from_a_newer_version_is_refused_with_one_line(empty_db, catalog):
    old_database(empty_db, "0002", plans=1)
    Store.open(empty_db, catalog=catalog).close()
    engine = db.make_engine(db.resolve_url(empty_db))
    with engine.begin() as c:
        c.exec_driver_sql("update alembic_version set version_num = '0099'")
    engine.dispose()
    with pytest.raises(InputError, match="结构版本（0099）比本程序新"):
        Store.open(empty_db, catalog=catalog)


# ------------------------------------------------------------------ kill -9
def _reopens_whole(path: Path, expect: dict) -> str:
    """After a kill: 'old' or 'upgraded' (nothing between), the database opens and holds every
    plan, and no backup under its real name is truncated."""
    rev = revision(sqlite3.connect(path))  # before anyone repairs anything
    assert rev in ("0001", db.HEAD_REVISION), rev
    store = Store.open(path)  # always opens; an old one is upgraded now
    store.close()
    assert holdings(path) == expect
    for copy in db.backups_folder(path).glob(f"{path.stem}-*.sqlite3"):
        con = sqlite3.connect(copy)
        assert integrity_problem(con) is None and revision(con) == "0001", copy
        con.close()
    return "old" if rev == "0001" else "upgraded"


@pytest.mark.sqlite_only
def test_kill_9_at_random_points_of_the_upgrade_never_bricks(tmp_path):
    """kill -9 of the upgrading process at 24 random points: 12 at random statements of the
    upgrade, the COMMIT included (the kill lands exactly there, so the database must still be the
    old one), and 12 at random moments from start to end (the verified copy included). Every
    database opens again holding every plan; no backup under its real name is truncated."""
    template = tmp_path / "template.sqlite3"
    expect = old_database(template, "0001", plans=300, items=20)
    probe = tmp_path / "probe.sqlite3"
    probe.write_bytes(template.read_bytes())
    p = _child(probe, mode="count")
    t0 = time.monotonic()
    out = p.communicate(timeout=120)[0].split()
    span, statements = time.monotonic() - t0, int(out[-1])  # the kill window; statements + COMMIT
    rng = random.Random(1714)
    seen = {"old": 0, "upgraded": 0}
    for i, stop in enumerate(sorted(rng.sample(range(1, statements + 1), 12))):
        path = tmp_path / f"stmt{i}.sqlite3"
        path.write_bytes(template.read_bytes())
        p = _child(path, mode=f"kill-at={stop}")
        p.wait(timeout=120)
        assert p.returncode == -signal.SIGKILL, p.stdout.read()
        assert _reopens_whole(path, expect) == "old", (stop, statements)  # nothing half-done survives
        seen["old"] += 1
    for i in range(12):
        path = tmp_path / f"time{i}.sqlite3"
        path.write_bytes(template.read_bytes())
        p = _child(path)
        time.sleep(span * (i + rng.random()) / 12 * 1.1)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        seen[_reopens_whole(path, expect)] += 1
    print(f"kill -9 during upgrade: 24 runs ({statements} statements, {span:.2f} s), {seen}")


# ------------------------------------------------------------------ full disk
@pytest.mark.sqlite_only
def test_too_little_free_space_refuses_the_upgrade_before_anything_changes(empty_db, monkeypatch, catalog):
    import shutil
    from collections import namedtuple

    old_database(empty_db, "0002", plans=5)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 4096, 4096))
    with pytest.raises(InputError, match="磁盘空间不足.*数据库未做任何修改"):
        Store.open(empty_db, catalog=catalog)
    assert revision(sqlite3.connect(empty_db)) == "0002"
    assert not list(db.backups_folder(empty_db).glob("*"))  # nothing left behind, not even a .part


@pytest.mark.sqlite_only
def test_a_disk_that_fills_during_the_copy_leaves_no_truncated_backup(empty_db):
    """A real write failure (the file size limit of the process, like a full disk): the copy
    fails, the upgrade is refused with the disk message, no file is left under a backup name."""
    import resource

    old_database(empty_db, "0001", plans=300, items=20)
    limit = empty_db.stat().st_size // 2

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    p = _child(empty_db, preexec=small_disk)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 2 and "磁盘空间不足" in out, (out, err)
    assert revision(sqlite3.connect(empty_db)) == "0001"
    assert [f.name for f in db.backups_folder(empty_db).glob("*")] == []
    store = Store.open(empty_db)  # with room again, it upgrades
    assert db.current_revision(store.engine) == db.HEAD_REVISION
    store.close()
