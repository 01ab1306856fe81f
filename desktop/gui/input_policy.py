"""One input policy for the whole application (an application event filter, so no widget can
forget it): the mouse wheel changes a value only in the field that has keyboard focus.

Over any other spin box, date box, drop-down or slider the wheel scrolls the page it sits in, as
the user meant: one notch over 完成时限 used to move the date a year and autosave stored it.
Such widgets also stop taking focus from the wheel (Qt's WheelFocus → StrongFocus), so the
first notch cannot make them "focused" either.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QComboBox, QSlider, QWidget

GUARDED = (QAbstractSpinBox, QComboBox, QSlider)  # scroll bars are QAbstractSlider too: not guarded


def _scroll_area(w: QWidget) -> QAbstractScrollArea | None:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea):
            return p
        p = p.parentWidget()
    return None


class WheelGuard(QObject):
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        t = event.type()
        if t == QEvent.Type.Polish and isinstance(obj, GUARDED):
            if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        elif t == QEvent.Type.Wheel and isinstance(obj, GUARDED) and not obj.hasFocus():
            area = _scroll_area(obj)
            if area is not None:  # the page scrolls instead
                QCoreApplication.sendEvent(area.viewport(), event)
            return True
        return False


def install(app) -> WheelGuard:
    """Install once per application (kept as the application's child)."""
    guard = app.findChild(WheelGuard)
    if guard is None:
        guard = WheelGuard(app)
        app.installEventFilter(guard)
    return guard
