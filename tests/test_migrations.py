"""Alembic: first revision → head keeps data, a backup is made, the model equals the migrations."""
from __future__ import annotations

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from desktop.core.store import db
from desktop.core.store.models import Base
from desktop.core.store import Store


def test_head_constant_matches_migration_scripts():
    engine = db.make_engine("sqlite://")
    heads = ScriptDirectory.from_config(db.alembic_config(engine)).get_heads()
    assert heads == [db.HEAD_REVISION]


def test_old_database_is_backed_up_and_upgraded_with_data_intact(tmp_path, catalog):
    path = tmp_path / "old.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine, "0001")
    with engine.begin() as c:
        c.exec_driver_sql("insert into units (code, name, kind, builtin, created_at) values "
                          "('620000', '甘肃省', 'province', 1, '2024-01-01 00:00:00')")
        c.exec_driver_sql("insert into units (code, name, kind, parent_id, builtin, created_at) values "
                          "('S1', '某职业学院', 'school', 1, 0, '2024-01-01 00:00:00')")
        c.exec_driver_sql("insert into plans (uuid, unit_id, form_id, form_version, year, kind, status, revision, "
                          "created_at, updated_at) values ('u-1', 2, 'gs2020-annex2', 1, 2024, '一校一策', '草稿', 3, "
                          "'2024-01-01 00:00:00', '2024-01-01 00:00:00')")
        c.exec_driver_sql("insert into responses (plan_id, item_no, field_key, value) values (1, 2, 'measures', '举措A')")
    engine.dispose()
    assert db.current_revision(db.make_engine(f"sqlite:///{path}")) == "0001"

    store = Store.open(path, catalog=catalog)
    assert db.current_revision(store.engine) == db.HEAD_REVISION
    assert store.backup is not None and store.backup.exists() and store.backup.name.endswith("-before-upgrade-r0001.sqlite3")
    assert store.plans.snapshot("u-1").values == {2: {"measures": "举措A"}}
    assert store.plans.get("u-1").revision == 3
    with sqlite3.connect(store.backup) as c:  # the backup is the old schema with the old data
        assert c.execute("select version_num from alembic_version").fetchone()[0] == "0001"
        assert c.execute("select value from responses").fetchone()[0] == "举措A"
    store.close()


def test_fresh_database_needs_no_backup_and_has_registry(db_path, catalog):
    s = Store.open(db_path, catalog=catalog)
    assert s.backup is None
    with s.engine.connect() as c:
        assert compare_metadata(MigrationContext.configure(c), Base.metadata) == []
        assert c.exec_driver_sql("pragma journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("pragma foreign_keys").scalar() == 1
        assert c.exec_driver_sql("pragma synchronous").scalar() == 2  # FULL
    s.close()
    again = Store.open(db_path, catalog=catalog)  # re-open: no second registry, no backup
    assert again.backup is None and len(again.units.list()) == 127


def test_0002_database_gets_the_filing_lifecycle_without_losing_a_plan_or_its_history(tmp_path, catalog):
    """Old status labels become states; filed plans get 第1次报送 holding their content."""
    path = tmp_path / "v2.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine, "0002")
    rows = [("草稿", None), ("已导出", None), ("已报送", None), ("已受理", None), ("已退回", "请细化第2项")]
    with engine.begin() as c:
        c.exec_driver_sql("insert into units (code, name, kind, builtin, created_at) values "
                          "('620000', '甘肃省', 'province', 1, '2024-01-01 00:00:00')")
        for i, (status, reason) in enumerate(rows, 1):
            c.exec_driver_sql("insert into units (code, name, kind, parent_id, builtin, created_at) values "
                              f"('S{i}', '学校{i}', 'school', 1, 0, '2024-01-01 00:00:00')")
            c.exec_driver_sql(
                "insert into plans (uuid, unit_id, form_id, form_version, year, kind, status, status_reason, revision, "
                f"received_at, created_at, updated_at) values ('u-{i}', {i + 1}, 'gs2020-annex2', 1, 2024, '一校一策', "
                f"'{status}', {repr(reason) if reason else 'NULL'}, 128, '2024-03-01 00:00:00', '2024-01-01 00:00:00', "
                "'2024-02-01 00:00:00')")
            c.exec_driver_sql(f"insert into responses (plan_id, item_no, field_key, value) values ({i}, 2, 'measures', "
                              f"'举措{i}')")
            c.exec_driver_sql(f"insert into explanations (plan_id, item_no, rule_id, field_key, text, created_at) values "
                              f"({i}, 2, 'overdue', 'deadline', '说明{i}', '2024-01-01 00:00:00')")
            c.exec_driver_sql(f"insert into changes (at, origin, entity, plan_id, item_no, key, old, new) values "
                              f"('2024-01-05 00:00:00', 'ui', 'response', {i}, 2, 'measures', NULL, '举措{i}')")
    engine.dispose()
    store = Store.open(path, catalog=catalog)
    got = {p.uuid: p for p in store.plans.list()}
    assert [got[f"u-{i}"].state for i in range(1, 6)] == ["draft", "draft", "submitted", "accepted", "returned"]
    assert [got[f"u-{i}"].submission_no for i in range(1, 6)] == [0, 0, 1, 1, 1]
    assert store.plans.get("u-5").review_reason == "请细化第2项"
    for i in range(1, 6):
        snap = store.plans.snapshot(f"u-{i}")
        assert snap.values == {2: {"measures": f"举措{i}"}} and snap.explanations == {(2, "overdue", "deadline"): f"说明{i}"}
        hist = store.history.rows(f"u-{i}")
        assert any(h["new"] == f"举措{i}" for h in hist)  # the old history row survived
    filed = store.plans.snapshot("u-3", submission=1)
    assert filed.values == {2: {"measures": "举措3"}} and filed.submission.number == 1
    assert filed.content_hash == filed.submission.content_hash  # the migration hashed what it stored
    assert any(h["entity"] == "state" and h["old"] == "已导出" for h in store.history.rows("u-2"))
    store.close()
