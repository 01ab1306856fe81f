"""Run long core work off the GUI thread with a cancellable progress dialog.

``run_job(parent, title, fn, on_done)`` calls ``fn(job)`` on a QThreadPool thread; the
core reports through ``job.progress`` (bridged to a Qt signal) and the dialog's 取消
button calls ``job.cancel()``, which the core notices at its next ``job.check()``.
"""
from __future__ import annotations

import traceback
from typing import Callable

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from ..core.jobs import Cancelled, Job


class _Signals(QObject):
    progress = Signal(int, int, str)
    done = Signal(object)
    failed = Signal(object)  # the exception
    cancelled = Signal()


class _Runnable(QRunnable):
    def __init__(self, fn, job: Job, signals: _Signals):
        super().__init__()
        self.fn, self.job, self.signals = fn, job, signals

    def run(self) -> None:
        try:
            result = self.fn(self.job)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as e:  # noqa: BLE001 - every failure is shown to the user
            e.trace = traceback.format_exc()
            self.signals.failed.emit(e)
        else:
            self.signals.done.emit(result)


class Task(QObject):
    """One running job; keeps its signals and dialog alive until it ends.

    While it runs, the task is held by its parent widget (or the application): the worker thread
    still emits its signals after the caller has dropped the task, so it must not be collected."""

    finished = Signal()

    def __init__(self, parent: QWidget | None, title: str, fn: Callable[[Job], object],
                 on_done: Callable[[object], None] | None = None,
                 on_error: Callable[[Exception], None] | None = None, show_dialog: bool = True):
        super().__init__(parent)
        self.result = None
        self.error: Exception | None = None
        self.was_cancelled = False
        self._on_done, self._on_error = on_done, on_error
        self.signals = _Signals()
        self.job = Job(on_progress=lambda d, t, m: self.signals.progress.emit(int(d), int(t), str(m)))
        self.dialog = None
        if show_dialog:
            self.dialog = QProgressDialog(title, "取消", 0, 0, parent)
            self.dialog.setWindowTitle(title)
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(300)
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.canceled.connect(self.cancel)
        self.signals.progress.connect(self._progress)
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self.signals.cancelled.connect(self._cancelled)
        self._runnable = _Runnable(fn, self.job, self.signals)
        self._runnable.setAutoDelete(False)

    def _holder(self) -> set:
        owner = self.parent() or QCoreApplication.instance()
        if not hasattr(owner, "_running_tasks"):
            owner._running_tasks = set()
        return owner._running_tasks

    def start(self) -> "Task":
        self._holder().add(self)
        QThreadPool.globalInstance().start(self._runnable)
        return self

    def cancel(self) -> None:
        self.job.cancel()
        if self.dialog:
            self.dialog.setLabelText("正在取消……")

    def _progress(self, done: int, total: int, message: str) -> None:
        if self.dialog:
            if message:  # before setValue: on a modal dialog it processes events, which may end the task
                self.dialog.setLabelText(message)
            self.dialog.setMaximum(max(total, 0))
            if self.dialog is not None:
                self.dialog.setValue(min(done, total) if total else 0)

    def _close(self) -> None:
        if self.dialog:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        self.finished.emit()
        self._holder().discard(self)

    def _done(self, result) -> None:
        self.result = result
        self._close()
        if self._on_done:
            self._on_done(result)

    def _failed(self, error: Exception) -> None:
        self.error = error
        self._close()
        if self._on_error:
            self._on_error(error)
        else:
            QMessageBox.warning(self.parent(), "操作失败", str(error) or type(error).__name__)

    def _cancelled(self) -> None:
        self.was_cancelled = True
        self._close()


def run_job(parent: QWidget | None, title: str, fn: Callable[[Job], object],
            on_done: Callable[[object], None] | None = None,
            on_error: Callable[[Exception], None] | None = None, show_dialog: bool = True) -> Task:
    """Start ``fn(job)`` on a worker thread; ``on_done(result)`` runs on the GUI thread."""
    return Task(parent, title, fn, on_done, on_error, show_dialog).start()
