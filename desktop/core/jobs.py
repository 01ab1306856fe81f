"""Progress and cancellation for long core work (bulk import, batch export, summaries).

The core reports through a plain object; the GUI adapts it to Qt signals on a worker
thread, the CLI prints it. Cancellation is cooperative: long loops call ``job.check()``
between units of work, and nothing half-written survives a cancel because each unit (a
file, a plan) is its own transaction. There is no shared default instance: a function
given no job makes its own (``job or Job()``), so one cancel never leaks into other calls.
"""
from __future__ import annotations

import threading
from typing import Callable

from .errors import Cancelled

__all__ = ["Job", "Cancelled"]


class Job:
    def __init__(self, on_progress: Callable[[int, int, str], None] | None = None):
        self._cancel = threading.Event()
        self._on_progress = on_progress

    def progress(self, done: int, total: int, message: str = "") -> None:
        if self._on_progress:
            self._on_progress(done, total, message)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()
