"""Alembic: first revision → head keeps data, a backup is made, the model equals the migrations."""
from __future__ import annotations

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from desktop.store import db
from desktop.store.models import Base
from desktop.store.service import Store


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
    assert store.backup is not None and store.backup.exists() and ".r0001.bak" in store.backup.name
    assert store.plan_data("u-1").values == {2: {"measures": "举措A"}}
    assert store.get_plan("u-1").revision == 3
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
    assert again.backup is None and len(again.list_units()) == 127
