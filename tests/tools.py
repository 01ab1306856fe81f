"""Helpers every test module shares (after novelWriter's tests/tools.py)."""
from __future__ import annotations

import sqlite3

from desktop.core.edits import Edit, Ref


def edit(item_no: int, key: str, value) -> Edit:
    """An edit named as the CLI names it: ``measures``, ``target:KEY``, ``section:KEY``."""
    return Edit(Ref.parse(key, item_no), value)


def db_ref(store) -> str:
    """Where a store's database is, as ``Store.open``/``--db`` take it: a file path or a URL."""
    url = store.engine.url
    return url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=False)


def dump_db(db_path) -> list:
    """All rows of all tables: the 'database unchanged' check (fails if the file is missing).

    ``db_path``: a SQLite file, or a PostgreSQL URL (the ``db_path`` of a postgresql variant)."""
    if "://" in str(db_path):
        from sqlalchemy import create_engine, inspect
        from sqlalchemy.pool import NullPool

        engine = create_engine(str(db_path), poolclass=NullPool)
        try:
            with engine.connect() as c:
                return [(t, [tuple(r) for r in c.exec_driver_sql(f'select * from "{t}" order by 1').fetchall()])
                        for t in sorted(inspect(c).get_table_names())]
        finally:
            engine.dispose()
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table' order by name")]
        return [(t, con.execute(f'select * from "{t}" order by 1').fetchall()) for t in tables]
    finally:
        con.close()


def fill_clean(store, plan_id, view=None) -> None:
    """Answer every item the plan must answer, so the plan is clean (no errors, no open warnings)."""
    from desktop.core.validation import unexplained, validate
    from desktop.core.vocab import Role

    p = store.plans.get(plan_id)
    view = view or store.catalog.get(p.form_id)
    key = view.key
    edits = []
    for it in view.items:
        if view.must_answer(it.no, p.kind):
            edits += [edit(it.no, key(Role.MEASURES), f"第{it.no}项的落实举措"), edit(it.no, key(Role.LEAD), "教务处"),
                      edit(it.no, key(Role.DEADLINE), "2030-06-30"),
                      edit(it.no, key(Role.PROGRESS), view.decl(Role.PROGRESS).choices[1])]
    store.plans.apply_edits(plan_id, edits)
    snap = store.plans.snapshot(plan_id)
    left = unexplained(validate(view, p.kind, snap))
    for pr in left:  # answer any warning with a 说明
        if pr.severity == "warning":
            store.plans.explain(plan_id, pr.item_no, pr.rule_id, pr.field_key, "已核实")
    assert not unexplained(validate(view, p.kind, store.plans.snapshot(plan_id)))


def explain_all(store, plan_id, text: str = "已核实，按计划推进") -> int:
    """Give every open warning a 说明 (errors stay); returns how many were answered."""
    from desktop.core.validation import validate

    p = store.plans.get(plan_id)
    view = store.catalog.get(p.form_id)
    n = 0
    for pr in validate(view, p.kind, store.plans.snapshot(plan_id)):
        if pr.severity == "warning" and not pr.explained:
            store.plans.explain(plan_id, pr.item_no, pr.rule_id, pr.field_key, text)
            n += 1
    return n
