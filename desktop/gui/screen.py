"""Window sizes: fitted to the screen the window opens on, and the user's last geometry restored.

Every top-level window of the app goes through :func:`fit`, so none opens larger than the
available screen (a 1366×768 laptop with a task bar) or at a cramped default on 1920×1080.
"""
from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QWidget

MARGIN = 0.94  # of the available width/height a new window may take
FRAME_GUESS = QSize(16, 40)  # borders and title bar a window manager adds (openbox: 2 + 24 px)


def available(w: QWidget | None = None) -> QRect:
    """The available geometry (without task bars) of the screen ``w`` is on, or the primary one."""
    screen = w.screen() if w is not None and w.screen() is not None else QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 768)


def frame_extra(w: QWidget) -> QSize:
    """Title bar and borders the window manager adds (zero before the window is shown)."""
    fg, g = w.frameGeometry(), w.geometry()
    return QSize(max(fg.width() - g.width(), 0), max(fg.height() - g.height(), 0))


def fit(w: QWidget, ui=None, key: str | None = None, want: QSize | None = None) -> None:
    """Restore ``key``'s saved geometry when there is one; otherwise size ``w`` to ``want`` (at most
    94 % of the available screen, at least its own minimum) and centre it. Either way the result
    fits the screen it is on, the window manager's title bar and borders included (guessed before
    the window is shown: a title bar of a 768-pixel screen is 3 % of it)."""
    saved = ui.value(key) if ui is not None and key else None
    if isinstance(saved, QByteArray) and w.restoreGeometry(saved):
        shrink(w)
        return
    area = available(w)
    want = want or w.sizeHint()
    room = QSize(area.width() - FRAME_GUESS.width(), area.height() - FRAME_GUESS.height())
    size = QSize(min(want.width(), int(area.width() * MARGIN)), min(want.height(), int(area.height() * MARGIN)))
    size = size.boundedTo(room).expandedTo(w.minimumSizeHint()).boundedTo(room)
    w.resize(size)  # the client area; move() below places the frame
    w.move(area.x() + max((area.width() - size.width() - FRAME_GUESS.width()) // 2, 0),
           area.y() + max((area.height() - size.height() - FRAME_GUESS.height()) // 2, 0))


def shrink(w: QWidget) -> None:
    """A restored geometry from a larger screen: make it fit this one (size first, then position)."""
    area = available(w)
    extra = frame_extra(w)
    g = w.geometry()
    size = g.size().boundedTo(QSize(area.width() - extra.width(), area.height() - extra.height()))
    if size != g.size():
        w.resize(size)
    g = w.frameGeometry()
    x = min(max(g.x(), area.x()), area.right() - g.width() + 1)
    y = min(max(g.y(), area.y()), area.bottom() - g.height() + 1)
    if (x, y) != (g.x(), g.y()):
        w.move(x, y)


def remember(w: QWidget, ui, key: str | None) -> None:
    if ui is not None and key:
        ui.set(key, w.saveGeometry())


class FittedDialog(QDialog):
    """A window of its own that opens fitted to the screen and reopens where the user left it
    (``key`` in the GUI settings ``ui``)."""

    def __init__(self, parent=None, ui=None, key: str | None = None):
        super().__init__(parent)
        self.ui, self.geometry_key = ui, key

    def fit(self, want: QSize) -> None:
        fit(self, self.ui, self.geometry_key, want)

    def done(self, r: int) -> None:
        remember(self, self.ui, self.geometry_key)
        super().done(r)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        remember(self, self.ui, self.geometry_key)
        super().closeEvent(event)
