"""Backup and restore (issue #20): verified copies, what they hold, restore after damage, a backup
from the previous schema, the daily copy and its rotation, the CLI commands."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from desktop.core import backup, fmt
from desktop.core.demo import build_demo
from desktop.core.errors import InputError
from desktop.core.store import Store, db
from desktop.core.store.dbfile import integrity_problem, revision
from tools import dump_db, holdings, old_database


def everything(store) -> dict:
    """Every plan as a reader sees it: its state and working copy, and each submission."""
    out = {}
    for p in store.plans.list():
        snap = store.plans.snapshot(p.id)
        subs = [(s.number, s.uuid, s.state, s.content_hash) for s in store.plans.submissions(p.id)]
        out[p.uuid] = (p.state, p.revision, snap.values, snap.indicators, snap.sections, snap.explanations,
                       [(e.name, e.sha256) for e in snap.evidence], subs, len(store.history.rows(p.id)))
    return out


@pytest.fixture
def province(db_path, catalog):
    """A demo province: 30 schools and the 市州, plans in every lifecycle state, one with evidence."""
    store = Store.open(db_path, catalog=catalog)
    build_demo(store, schools=30, year=2026)
    first = store.plans.list()[0]
    if store.lifecycle.verdict(first.id, "edit").allowed:
        store.evidence.add_bytes(first.id, 2, "会议纪要.pdf", b"%PDF-1.4 minutes")
    yield store
    store.close()


def _damage(path: Path) -> None:
    """Overwrite the middle of the file (tables' pages) as a failing disk would."""
    data = bytearray(path.read_bytes())
    for off in range(8192, len(data) - 4096, 3 * 4096):
        data[off:off + 4096] = b"\xde\xad\xbe\xef" * 1024
    path.write_bytes(bytes(data))


def test_backup_is_verified_and_says_what_it_holds(province, db_path):
    info = backup.make_backup(province)
    assert info.path.parent == db_path.parent / "backups" and info.path.name.endswith("-manual.sqlite3")
    assert info.kind == "manual" and info.schema_revision == db.HEAD_REVISION and info.app_version
    assert info.plans == len(province.plans.list()) and info.units == len(province.units.list())
    assert info.units_added == 30 and info.submissions > 0 and info.last_change is not None
    con = sqlite3.connect(info.path)
    assert integrity_problem(con) is None and con.execute("pragma journal_mode").fetchone()[0] == "delete"
    con.close()
    text = info.describe()
    assert f"方案：{info.plans} 份" in text and "手动备份" in text and db.HEAD_REVISION in text
    assert f"大小：{fmt.size(info.size)}" in text
    assert backup.inspect(info.path) == info


@pytest.mark.parametrize("damage", ["disk", "deleted rows"])
def test_backup_damage_restore_every_plan_back(province, db_path, catalog, damage):
    want = everything(province)
    made = backup.make_backup(province, db_path.parent / "外出前.sqlite3")
    province.close()
    if damage == "disk":
        _damage(db_path)
        with pytest.raises(InputError):  # the program refuses the damaged file (one line)
            Store.open(db_path, catalog=catalog).plans.list()
    else:
        con = sqlite3.connect(db_path)
        con.execute("pragma foreign_keys=on")
        con.execute("delete from plans where id % 2 = 0")
        con.execute("delete from responses")
        con.commit()
        con.close()
    done = backup.restore(made.path, db_path)
    if damage == "disk":
        assert done.safety_copy is None and done.set_aside and done.set_aside.exists()
    else:  # the database as it was is itself kept, verified
        assert done.set_aside is None and backup.inspect(done.safety_copy).plans == made.plans - made.plans // 2
    again = Store.open(db_path, catalog=catalog)
    try:
        assert everything(again) == want  # every plan back, with its submissions, evidence and history
    finally:
        again.close()


def test_restore_into_a_database_the_program_holds_open(province, db_path):
    """The GUI keeps its store open: after a restore its next read sees the restored content."""
    plan = next(p for p in province.plans.list() if p.state == "draft")
    before = province.plans.snapshot(plan.id).values
    made = backup.make_backup(province)
    province.plans.apply_edits(plan.id, [_edit(2, "measures", "备份之后写的")])
    done = backup.restore(made.path, province)
    assert done.safety_copy is not None
    assert province.plans.snapshot(plan.id).values == before
    assert backup.inspect(done.safety_copy).plans == made.plans  # what it replaced is kept


def _edit(item, key, value):
    from tools import edit
    return edit(item, key, value)


def test_restore_of_a_backup_from_the_previous_schema_upgrades_it(tmp_path, catalog):
    old = tmp_path / "上一版本的备份.sqlite3"
    expect = old_database(old, "0002", plans=12)  # what version 0002 wrote (its .bak was a plain copy)
    current = tmp_path / "yice.sqlite3"
    Store.open(current, catalog=catalog).close()
    info = backup.inspect(old)
    assert info.schema_revision == "0002" and info.plans == 12 and info.kind is None
    done = backup.restore(old, current)
    assert done.safety_copy is not None
    assert revision(sqlite3.connect(old)) == "0002"  # the backup itself is untouched
    store = Store.open(current, catalog=catalog)
    try:
        assert db.current_revision(store.engine) == db.HEAD_REVISION
        assert store.backup is None  # already upgraded by the restore
        assert holdings(current) == expect
        returned = [p for p in store.plans.list() if p.state == "returned"]
        assert returned and all(p.review_reason == "请细化" for p in returned)
    finally:
        store.close()


def test_daily_backup_once_a_day_keeping_the_last_seven(province, db_path):
    manual = backup.make_backup(province)
    start = dt.date(2026, 3, 1)
    for n in range(10):
        day = start + dt.timedelta(days=n)
        made = backup.daily(province, today=day)
        assert made is not None and made.kind == "daily" and f"{day:%Y%m%d}" in made.path.name
        assert backup.daily(province, today=day) is None  # the second start that day: nothing
    dailies = sorted(p.name for p in (db_path.parent / "backups").glob("*-daily.sqlite3"))
    assert [n.split("-")[1] for n in dailies] == [f"{start + dt.timedelta(days=n):%Y%m%d}" for n in range(3, 10)]
    assert manual.path.exists()  # rotation only ever removes daily copies


def test_no_daily_backup_of_an_empty_database_or_a_server(tmp_path, catalog):
    store = Store.open(tmp_path / "new.sqlite3", catalog=catalog)
    try:
        assert backup.daily(store) is None and not (tmp_path / "backups").exists()
    finally:
        store.close()
    assert backup.daily("postgresql://u@127.0.0.1:1/nothing") is None


def test_a_full_disk_refuses_the_backup_and_leaves_nothing(province, db_path, monkeypatch):
    import shutil
    from collections import namedtuple

    monkeypatch.setattr(shutil, "disk_usage", lambda p: namedtuple("u", "total used free")(10**9, 10**9, 1024))
    with pytest.raises(InputError, match="磁盘空间不足.*只剩 1.0 KB。"):
        backup.make_backup(province)
    assert not list((db_path.parent / "backups").glob("*")) if (db_path.parent / "backups").exists() else True


@pytest.mark.parametrize("what, words", [
    ("text", "不是一策通的备份文件"),
    ("truncated", "不是一策通的备份文件，或已损坏"),
    ("other sqlite", "不是一策通的数据库或备份文件"),
    ("newer", "备份来自更新版本的一策通（数据结构版本 0099）"),
])
def test_what_cannot_be_restored_is_refused_before_anything_changes(province, db_path, tmp_path, what, words):
    bad = tmp_path / f"{what}.sqlite3"
    if what == "text":
        bad.write_text("不是数据库", encoding="utf-8")
    elif what == "truncated":
        made = backup.make_backup(province)
        bad.write_bytes(made.path.read_bytes()[: made.size // 3])
    elif what == "other sqlite":
        con = sqlite3.connect(bad)
        con.execute("create table t (x)")
        con.commit()
        con.close()
    else:
        made = backup.make_backup(province, bad)
        con = sqlite3.connect(made.path)
        con.execute("update alembic_version set version_num = '0099'")
        con.commit()
        con.close()
    province.engine.dispose()
    before = dump_db(db_path)
    with pytest.raises(InputError, match=words):
        backup.restore(bad, db_path)
    assert dump_db(db_path) == before
    assert not [p for p in db_path.parent.iterdir() if ".restoring" in p.name]


def test_cli_backup_and_restore(cli, province, db_path, tmp_path):
    want = everything(province)
    out_file = tmp_path / "备份.sqlite3"
    code, out, err = cli("backup", "-o", str(out_file))
    assert code == 0 and "已备份并校验" in out and out_file.exists(), err
    plan = province.plans.list()[0]
    province.close()
    con = sqlite3.connect(db_path)
    con.execute("delete from responses")
    con.commit()
    con.close()
    code, out, err = cli("restore", str(out_file))  # no terminal to ask on: refused
    assert code == 2 and "--yes" in err
    code, out, err = cli("restore", str(out_file), "--yes")
    assert code == 0, err
    assert "方案：" in out and "恢复前的数据库已备份" in out and "已恢复" in out
    again = Store.open(db_path)
    try:
        assert everything(again) == want and again.plans.get(plan.id).uuid == plan.uuid
    finally:
        again.close()


def test_cli_makes_the_daily_backup_when_it_opens_the_database(cli, province, db_path):
    province.close()
    folder = db_path.parent / "backups"
    assert not folder.exists()
    assert cli("plan", "list")[0] == 0
    assert len(list(folder.glob("*-daily.sqlite3"))) == 1
    assert cli("plan", "list")[0] == 0
    assert len(list(folder.glob("*-daily.sqlite3"))) == 1  # once a day


def test_cli_backup_of_the_default_database(monkeypatch, tmp_path):
    """``yice backup`` with neither --db nor $YICE_DB backs up the default database (it was an
    internal error: no database)."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from desktop.core.paths import AppPaths
    from desktop.main import main

    monkeypatch.delenv("YICE_DB", raising=False)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["unit", "list"]) == 0  # the default database, made on first use
        code = main(["backup", "-o", str(tmp_path / "默认.sqlite3")])
    assert code == 0 and "已备份并校验" in out.getvalue(), err.getvalue()
    store = Store.open(AppPaths.user().database)
    try:
        assert backup.inspect(tmp_path / "默认.sqlite3").units == len(store.units.list())
    finally:
        store.close()
