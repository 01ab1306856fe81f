"""Writers that cannot collide (issue #17): two programs on one database, on SQLite and PostgreSQL.

Each round, two processes released by one barrier write the same plan at the same instant: a
field no one has written yet (both INSERT the same row), a 说明 for the same warning, the same
evidence file (both INSERT the same blob). Every write must succeed, and every one must be
counted: the plan's revision goes up once per write, and the history holds each of them.
"""
from __future__ import annotations

import multiprocessing as mp
import sqlite3

import pytest
from sqlalchemy import func, select

from desktop.core.edits import Edit, Ref
from desktop.core.errors import Conflict, InputError
from desktop.core.store import Actor, Store, db
from desktop.core.store.models import Change

pytestmark = pytest.mark.backends

ROUNDS = 100
FIELDS = ("measures", "lead", "partners", "owner")


def _slots(items: int):
    return [(no, key) for key in FIELDS for no in range(1, items + 1)][:ROUNDS]


def _writer(ref: str, who: str, plan_id: int, items: int, barrier, results) -> None:
    """One of the school's staff on the shared database: ROUNDS writes of its plan, each started
    together with the other's (the school's own role: only the unit edits its plan)."""
    store = Store.open(ref, actor=Actor("school", who))
    slots = _slots(items)
    done, errors = 0, []
    try:
        for i in range(ROUNDS):
            barrier.wait(timeout=120)
            try:
                if i % 3 == 0 or i % 3 == 1 and i // 3 >= items:
                    item, key = slots[i]
                    done += store.plans.apply_edits(plan_id, [Edit(Ref.field(item, key), f"{who}第{i}次")]) > 0
                elif i % 3 == 1:  # the same 说明 (first write of it in this round)
                    store.plans.explain(plan_id, i // 3 + 1, "overdue", "deadline", f"{who} 的说明 {i}")
                    done += 1
                else:  # the same file attached by both: one blob, two attachments
                    store.evidence.add_bytes(plan_id, 2, f"{who}-{i}.pdf", f"同一份文件 {i}".encode())
                    done += 1
            except Exception as e:  # noqa: BLE001 - counted: the test demands none
                errors.append(f"{i}: {type(e).__name__}: {e}")
    finally:
        store.close()
        results.put((who, done, errors))


def test_two_processes_writing_the_same_plan_at_the_same_instant_lose_nothing(store, school, db_path):
    plan = store.plans.create(school.code, "gs2020-annex2", 2026)
    items = len(store.catalog.get(plan.form_id).items)
    store.close()
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(db_path), who, plan.id, items, barrier, results))
             for who in ("甲", "乙")]
    for p in procs:
        p.start()
    got = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [e for _, _, errs in got for e in errs]
    writes = sum(done for _, done, _ in got)
    again = Store.open(db_path)
    try:
        final = again.plans.get(plan.id)
        with again.reading() as s:
            history = s.scalar(select(func.count()).select_from(Change).where(
                Change.plan_id == plan.id, Change.entity.in_(("response", "explanation", "attachment"))))
            actors = set(s.scalars(select(Change.actor_name).where(Change.plan_id == plan.id,
                                                                  Change.entity != "plan")))
        snap = again.plans.snapshot(plan.id)
    finally:
        again.close()
    print(f"{again.engine.dialect.name}: {len(procs)} processes × {ROUNDS} simultaneous writes: "
          f"{writes} written, {len(errors)} errors, revision {final.revision}")
    assert errors == []
    assert writes == 2 * ROUNDS
    assert final.revision == 1 + writes  # no increment lost
    assert history == writes  # every write in the history …
    assert actors == {"甲", "乙"}  # … under the name of who made it
    for i, (item, key) in enumerate(_slots(items)):
        if i % 3 == 0:
            assert snap.values[item][key] in (f"甲第{i}次", f"乙第{i}次")
    assert len(snap.evidence) == 2 * len(range(2, ROUNDS, 3))


def _adder(ref: str, who: str, barrier, results) -> None:
    store = Store.open(ref, actor=Actor("province", who))
    try:
        barrier.wait(timeout=120)
        store.units.add("S-SAME", f"{who}建的学校", "school", "620100")
        results.put((who, "ok"))
    except InputError as e:
        results.put((who, f"InputError: {e}"))
    except Exception as e:  # noqa: BLE001
        results.put((who, f"{type(e).__name__}: {e}"))
    finally:
        store.close()


def test_two_users_adding_the_same_unit_at_once_get_one_unit_and_one_clear_refusal(db_path, store):
    store.close()
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_adder, args=(str(db_path), who, barrier, results)) for who in ("甲", "乙")]
    for p in procs:
        p.start()
    got = sorted(r for _, r in (results.get(timeout=300) for _ in procs))
    for p in procs:
        p.join(timeout=60)
    assert got[0].startswith("InputError: 单位代码「S-SAME」已存在") and got[1] == "ok", got


def test_a_stale_editor_gets_a_conflict_not_a_traceback(store, school):
    p = store.plans.create(school.code, "gs2020-annex2", 2026)
    seen = store.plans.get(p.id).revision
    other = Store.open(store.engine.url.render_as_string(hide_password=False)
                       if store.engine.dialect.name != "sqlite" else store.engine.url.database)
    try:
        other.plans.apply_edits(p.id, [Edit(Ref.field(2, "measures"), "另一位同事先写的")])
    finally:
        other.close()
    with pytest.raises(Conflict, match="该方案已被其他用户修改，请刷新后再编辑"):
        store.plans.apply_edits(p.id, [Edit(Ref.field(2, "measures"), "我写的")], expect_revision=seen)
    assert store.plans.snapshot(p.id).values[2]["measures"] == "另一位同事先写的"


@pytest.mark.sqlite_only
def test_a_write_that_cannot_get_the_lock_in_time_says_so(store, school, db_path, catalog):
    p = store.plans.create(school.code, "gs2020-annex2", 2026)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program in the middle of a long write
    impatient = Store(db.make_engine(db.resolve_url(db_path), busy_ms=200), catalog)
    try:
        with pytest.raises(Conflict, match="数据库正被其他用户或程序写入，请稍后重试"):
            impatient.plans.apply_edits(p.id, [Edit(Ref.field(2, "measures"), "x")])
        assert impatient.plans.get(p.id).revision == 1  # reading is not blocked by a writer
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        impatient.close()
