"""core/parallel.ordered_map: results in order, a worker's crash costs only its own item, an early stop does not hang."""
from __future__ import annotations

import os
import time

import pytest

from desktop.core.parallel import WorkersUnavailable, ordered_map

CRASH = 13


def _square(x: int) -> int:
    if x == CRASH:
        os._exit(3)  # a native crash inside a reader: the process is gone, no exception
    return x * x


def _pid(_x: int) -> int:
    return os.getpid()


def test_results_come_back_in_order_from_other_processes():
    items = [x for x in range(50) if x != CRASH]
    got = list(ordered_map(_square, items, workers=2, crashed=lambda x: None, chunk=3))
    assert got == [(x, x * x) for x in items]
    pids = {pid for _x, pid in ordered_map(_pid, items, workers=2, crashed=lambda x: None, chunk=3)}
    assert os.getpid() not in pids and len(pids) >= 1


def test_a_crashing_item_is_answered_by_crashed_and_the_others_still_computed():
    items = list(range(30))
    got = dict(ordered_map(_square, items, workers=2, crashed=lambda x: "crashed", chunk=4))
    assert got[CRASH] == "crashed"
    assert all(got[x] == x * x for x in items if x != CRASH)
    assert list(got) == items


def _slow(x: int) -> int:
    time.sleep(0.05)
    return x


def test_closing_early_stops_the_workers():
    it = ordered_map(_slow, list(range(1000)), workers=2, crashed=lambda x: None, chunk=2)
    assert next(it) == (0, 0)
    t = time.perf_counter()
    it.close()  # a cancel: the chunks not started are dropped (all of them would take 25 s)
    assert time.perf_counter() - t < 5


def _die() -> None:
    os._exit(4)


def test_workers_that_cannot_start_are_reported_not_blamed_on_the_items():
    """A frozen build without freeze_support, a broken installation: the caller checks the items itself."""
    it = ordered_map(_square, [1, 2, 3], workers=2, crashed=lambda x: "crashed", init=_die)
    with pytest.raises(WorkersUnavailable):
        next(it)


def test_an_import_checks_here_when_no_checking_process_starts(store, school, tmp_path, monkeypatch, catalog):
    from desktop.core.parallel import WorkersUnavailable as Unavailable
    from desktop.excel import importer
    from desktop.excel.filing import export_plan_xlsx
    from test_sheets_export import fill_plan

    plan = fill_plan(store, school.code)
    xlsx = export_plan_xlsx(store, plan.id, tmp_path / "f.xlsx")

    def unavailable(*_a, **_k):
        raise Unavailable("检查进程无法启动")
        yield  # a generator, as ordered_map

    monkeypatch.setattr(importer, "ordered_map", unavailable)
    from desktop.core.store import Store

    other = Store.open(tmp_path / "other.sqlite3", catalog=catalog)
    try:
        rep = importer.import_files(other, [xlsx], create_units=True, checkers=2)
    finally:
        other.close()
    assert [f.outcome for f in rep.files] == ["accepted"]


def _slow_pid(x: int) -> tuple[int, int]:
    time.sleep(0.02)
    return x, os.getpid()


def test_this_process_takes_chunks_while_it_waits():
    """``local``: one worker and the caller share the work; results still in order."""
    items = list(range(60))
    got = list(ordered_map(_slow_pid, items, workers=1, crashed=lambda x: None, chunk=2, local=_slow_pid))
    assert [x for x, _r in got] == items and [r[0] for _x, r in got] == items
    pids = [r[1] for _x, r in got]
    assert os.getpid() in pids and len(set(pids)) == 2, set(pids)
