"""A probe inside a measured GUI process (bench children only; the product has no such hook).

It records the first paint of a window, the moment ``ready(window)`` first holds (start →
usable), and every gap between ticks of a 10 ms timer after the first paint: a tick that comes
late means the GUI thread was busy, so ``gap − interval`` is how long input would have waited.
Times count from ``YICE_T0`` (the caller's spawn instant, as the app's own "first paint:" line
does) or, without it, from the process start in /proc. Prints ``BENCH-JSON {...}`` and quits.
Imports only the standard library and PySide6, so the bare-window baseline pays for nothing else.
"""
from __future__ import annotations

import json
import os
import resource
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication


def process_start() -> float:
    env = os.environ.get("YICE_T0")
    if env:
        return float(env)
    with open("/proc/self/stat") as f:
        ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")


class Probe(QObject):
    def __init__(self, window, ready=lambda w: True, settle: float = 1.0, interval_ms: int = 10,
                 limit: float = 60.0, extra=lambda w: {}):
        super().__init__(window)
        self.window, self.ready, self.settle, self.interval = window, ready, settle, interval_ms / 1000
        self.extra = extra
        self.t0 = process_start()
        self.paint = self.usable = None
        self.gaps: list[float] = []  # seconds between ticks after the first paint
        self.last = None
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        window.installEventFilter(self)
        QTimer.singleShot(int(limit * 1000), self._give_up)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint and self.paint is None and obj is self.window:
            self.paint = -1.0
            QTimer.singleShot(0, self._painted)  # after the paint (as the app's own first-paint hook)
        return False

    def _painted(self) -> None:
        self.paint = time.time() - self.t0
        self.last = time.perf_counter()
        self.timer.start()
        self._check()

    def _check(self) -> None:
        if self.usable is None and self.ready(self.window):
            self.usable = time.time() - self.t0
            self.usable_pc = time.perf_counter()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now
        self._check()
        if self.usable is not None and now - self.usable_pc >= self.settle:
            self._finish(True)

    def _give_up(self) -> None:
        self._finish(False)

    def _finish(self, ok: bool) -> None:
        if getattr(self, "done", False):
            return
        self.done = True
        self.timer.stop()
        blocks = [max(0.0, g - self.interval) for g in self.gaps]
        figures = dict(ok=ok, first_paint=self.paint, usable=self.usable,
                       max_block=max(blocks, default=0.0), blocks_over_100ms=sum(b > 0.1 for b in blocks),
                       blocked_total=sum(blocks), ticks=len(self.gaps),
                       maxrss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        try:
            figures.update(self.extra(self.window))
        except Exception as e:  # noqa: BLE001 - a figure missing must not hide the others
            figures["extra_error"] = repr(e)
        print("BENCH-JSON " + json.dumps(figures), flush=True)
        self.window.close()
        QApplication.instance().quit()


class FirstPaintLine(QObject):
    """Prints ``first paint: X s`` as desktop/gui/app.py does with YICE_EXIT_AFTER_PAINT, then quits."""

    def __init__(self, window):
        super().__init__(window)
        self.window, self.fired = window, False
        self.t0 = process_start()
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint and not self.fired:
            self.fired = True
            QTimer.singleShot(0, self._done)
        return False

    def _done(self) -> None:
        print(f"first paint: {time.time() - self.t0:.3f} s", flush=True)
        self.window.close()
        QApplication.instance().quit()
