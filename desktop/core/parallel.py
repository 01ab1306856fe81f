"""Pure-Python work spread over worker processes, results back in order (the bulk importer's checks).

Why processes: checking a 报送表 is Python work from end to end (the zip/XML safety scan, every
cell parsed), so threads would take turns on one interpreter lock; only a second process uses a
second core. Why "spawn": it is the only start method on Windows, where the offices run the
app, and it copies none of the parent's threads or Qt state (forking a GUI with threads running
is unsafe). Results come back in the order of the items, so a caller writes them in order.

Memory stays bounded: at most ``workers × ahead`` chunks are in flight. A worker that dies (a
native crash inside a reader) takes only its own item with it: the chunk is tried again one item
per task in a fresh pool, and the item that kills a worker again is answered by ``crashed``.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def usable_cpus() -> int:
    """Cores this process may run on (a container or affinity mask may allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # Windows, macOS
        return os.cpu_count() or 1


class WorkersUnavailable(RuntimeError):
    """No worker process could start (a broken installation, a frozen build without
    ``multiprocessing.freeze_support``): the caller does the work itself."""


def _run(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [fn(x) for x in chunk]


def _ready() -> bool:
    return True


def ordered_map(fn: Callable[[T], R], items: Sequence[T], *, workers: int, crashed: Callable[[T], R],
                chunk: int = 8, ahead: int = 12, init: Callable | None = None, init_args: tuple = (),
                local: Callable[[T], R] | None = None) -> Iterator[tuple[T, R]]:
    """``(item, fn(item))`` for every item, in order, computed in ``workers`` spawned processes.

    ``local``: the same work done in this process. While the next result is not back, the caller's
    thread takes the next chunk itself (so one worker and this process share two cores, and
    memory holds one process fewer); its results are yielded as they are.

    ``fn`` and ``init`` must be module-level functions (they are pickled by name); ``init(*init_args)``
    runs once in each worker before its first task. Closing the iterator early (a cancel) drops
    the chunks not started and waits only for those running. Raises :class:`WorkersUnavailable`
    when no worker starts (nothing has been yielded then)."""
    # (chunk, alone): a chunk whose worker died is retried one item at a time, nothing else in flight
    queue: deque[tuple[list[T], bool]] = deque((list(items[i:i + chunk]), False) for i in range(0, len(items), chunk))
    pending: deque[tuple[list[T], bool, object]] = deque()
    pool: ProcessPoolExecutor | None = None
    context = multiprocessing.get_context("spawn")
    started = False  # some result has come back
    try:
        while queue or pending:
            if pool is None:
                pool = ProcessPoolExecutor(workers, mp_context=context, initializer=init, initargs=init_args)
                probe = pool.submit(_ready)  # the first task any worker runs: did one start at all?
            # a chunk retried item by item runs with nothing else in flight
            while queue and len(pending) < workers * ahead and not (pending and (queue[0][1] or pending[0][1])):
                part, alone = queue.popleft()
                pending.append((part, alone, pool.submit(_run, fn, part)))
            part, alone, future = pending[0]
            if local is not None and queue and not future.done() and not (alone or queue[0][1]):
                mine = queue.popleft()[0]  # the next chunk in order: it goes to the end of ``pending``
                here: Future = Future()
                try:
                    here.set_result([local(x) for x in mine])
                except Exception as e:  # noqa: BLE001 - raised where its result is read, as a worker's would be
                    here.set_exception(e)
                pending.append((mine, False, here))
                continue
            pending.popleft()
            try:
                results = future.result()
            except BrokenProcessPool:
                pool.shutdown(wait=True, cancel_futures=True)
                pool = None
                if not started and not (probe.done() and probe.exception() is None):
                    raise WorkersUnavailable("检查进程无法启动") from None
                queue.extendleft(reversed([(p, a) for p, a, _f in pending]))  # every unfinished chunk again
                pending.clear()
                if alone:  # it ran with nothing else in flight: this item kills a worker
                    yield part[0], crashed(part[0])
                else:
                    queue.extendleft(reversed([([x], True) for x in part]))
                continue
            started = True
            yield from zip(part, results)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
