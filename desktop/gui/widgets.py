"""Field widgets with one interface: ``value() -> str | None``, ``set_value(v)``, ``changed``."""
from __future__ import annotations

import datetime as dt
from functools import partial

from PySide6.QtCore import QDate, QSize, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget, QComboBox, QCompleter, QDialog, QDialogButtonBox, QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit, QMenu,
    QPlainTextEdit, QSizePolicy, QSpinBox, QToolButton, QVBoxLayout, QWidget, QWidgetAction,
)

from ..core.values import ValueProblem, parse_field


def ok_cancel(dialog: QDialog, ok_text: str, on_ok=None) -> QDialogButtonBox:
    """A dialog's two buttons in Chinese (the verb on the OK button), wired to ``on_ok`` (default:
    accept) and reject."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
    buttons.accepted.connect(on_ok or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons

EMPTY = "（未填写）"
PROBLEM_STYLE = "color: #c01c28;"
MENU_BUTTON_STYLE = "QToolButton::menu-indicator { image: none; width: 0px; }"  # the arrow hid the text


def menu_button(text: str, tip: str, parent) -> QToolButton:
    """A small text button that opens a menu (添加, 日历)."""
    b = QToolButton(parent)
    b.setText(text)
    b.setToolTip(tip)
    b.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    b.setStyleSheet(MENU_BUTTON_STYLE)
    b.setMenu(QMenu(b))
    return b


class FieldWidget(QWidget):
    """``inner`` in a row (``self.row``) that subclasses may add buttons to."""

    changed = Signal()

    def __init__(self, inner: QWidget, parent=None):
        super().__init__(parent)
        self.inner = inner
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.addWidget(inner, 1)
        box.addLayout(self.row)
        self.setFocusProxy(inner)


class _PlainText(QPlainTextEdit):
    """Multi-line text that asks for about four lines (grows to nine when there is room)."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.fontMetrics().lineSpacing() * 4 + 2 * self.frameWidth() + 8)


class TextField(FieldWidget):
    def __init__(self, multiline: bool, max_length: int | None, parent=None):
        inner = _PlainText() if multiline else QLineEdit()
        super().__init__(inner, parent)
        if multiline:
            inner.setTabChangesFocus(True)
            inner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            inner.setMaximumHeight(inner.fontMetrics().lineSpacing() * 9)
            inner.textChanged.connect(self.changed)
        else:
            if max_length:
                inner.setMaxLength(max_length)
            inner.textChanged.connect(self.changed)
        self.multiline = multiline

    def value(self):
        t = self.inner.toPlainText() if self.multiline else self.inner.text()
        return t if t.strip() else None

    def set_value(self, v) -> None:
        v = v or ""
        if self.value() != (v or None):
            (self.inner.setPlainText if self.multiline else self.inner.setText)(v)


class ChoiceField(FieldWidget):
    """Drop-down of fixed choices; the first entry is 未填写 unless a default exists."""

    def __init__(self, choices, default: str | None = None, parent=None):
        super().__init__(QComboBox(), parent)
        self.default = default
        if default is None:
            self.inner.addItem(EMPTY, None)
        for c in choices:
            self.inner.addItem(c + ("（默认）" if c == default else ""), c)
        self.inner.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def value(self):
        return self.inner.currentData()

    def set_value(self, v) -> None:
        v = v if v is not None else self.default
        i = self.inner.findData(v)
        self.inner.setCurrentIndex(max(i, 0))


class DeptField(FieldWidget):
    """Editable drop-down: the unit's own departments first (its earlier plans), then the
    checklist's responsible units; completions match anywhere in the name."""

    def __init__(self, names, parent=None):
        super().__init__(QComboBox(), parent)
        self.inner.setEditable(True)
        self.inner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._names = QStringListModel(self)
        comp = QCompleter(self._names, self.inner)
        comp.setFilterMode(Qt.MatchFlag.MatchContains)
        comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.inner.setCompleter(comp)
        self.inner.lineEdit().setPlaceholderText("选择或输入部门")
        self.set_names(names)
        self.inner.editTextChanged.connect(lambda _t: self.changed.emit())

    def set_names(self, names) -> None:
        names = list(dict.fromkeys(names))
        if names == self._names.stringList():
            return
        text = self.inner.currentText()
        self.inner.blockSignals(True)
        self.inner.clear()
        self.inner.addItem("")
        self.inner.addItems(names)
        self.inner.setEditText(text)
        self.inner.blockSignals(False)
        self._names.setStringList(names)

    def names(self) -> list[str]:
        return self._names.stringList()

    def value(self):
        t = self.inner.currentText().strip()
        return t or None

    def set_value(self, v) -> None:
        if (self.value() or None) != (v or None):
            self.inner.setEditText(v or "")


class DeptListField(FieldWidget):
    """Departments separated by 、; the 添加 menu appends one of the suggested names."""

    def __init__(self, names, parent=None):
        super().__init__(QLineEdit(), parent)
        self.inner.setPlaceholderText("多个部门用“、”分隔")
        self.inner.textChanged.connect(self.changed)
        self.button = menu_button("添加…", "从部门中选择并添加", self)
        self.row.addWidget(self.button)
        self._names: list[str] = []
        self.set_names(names)

    def set_names(self, names) -> None:
        names = list(dict.fromkeys(names))
        if names == self._names:
            return
        self._names = names
        menu = self.button.menu()
        menu.clear()
        for n in names:
            menu.addAction(n, lambda n=n: self.append(n))
        self.button.setEnabled(bool(names))

    def names(self) -> list[str]:
        return list(self._names)

    def append(self, name: str) -> None:
        parts = [p for p in self.inner.text().split("、") if p.strip()]
        if name not in parts:
            self.inner.setText("、".join(parts + [name]))

    def value(self):
        t = self.inner.text().strip()
        return t or None

    def set_value(self, v) -> None:
        if self.value() != (v or None):
            self.inner.setText(v or "")


class DateField(FieldWidget):
    """A date typed as people write it — 2027-06-30, 2027.6.30, 2027/6/30, 2027年6月30日 — or picked
    from the calendar. ``check(text)`` is the core's parser with the field's range (canonical text,
    or :class:`ValueProblem`); the same one the CLI and the Excel import use. Once understood the
    date shows as 2027-06-30 and ``changed`` fires; text it refuses stays as typed, with the reason
    under it, and is not saved."""

    def __init__(self, check=None, bounds: tuple[dt.date | None, dt.date | None] = (None, None), parent=None):
        super().__init__(QLineEdit(), parent)
        if check is None:  # a date outside a form (a document's date): the core's date rule, these bounds
            from ..core.catalog.schema import FieldDecl

            decl = FieldDecl(key="date", label="日期", type="date", min_date=bounds[0], max_date=bounds[1])
            check = partial(parse_field, decl, answers=((), ()))
        self.check = check
        self._value: str | None = None
        self.problem: str | None = None
        self.inner.setPlaceholderText("如 2027-06-30 或 2027年6月30日")
        self.inner.editingFinished.connect(self.commit)
        self.inner.textEdited.connect(lambda _t: self._show_problem(None))
        self.bounds = bounds
        self.calendar: QCalendarWidget | None = None  # made on first use: it costs a start-up 50 ms
        self.pick = menu_button("日历…", "从日历中选择", self)
        self.pick.menu().aboutToShow.connect(self._open_calendar)
        self.row.addWidget(self.pick)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(PROBLEM_STYLE)
        self.note.hide()
        self.layout().addWidget(self.note)

    def _open_calendar(self) -> None:
        if self.calendar is None:
            self.calendar = QCalendarWidget()
            self.calendar.setGridVisible(True)
            lo, hi = self.bounds
            if lo:
                self.calendar.setMinimumDate(QDate(lo.year, lo.month, lo.day))
            if hi:
                self.calendar.setMaximumDate(QDate(hi.year, hi.month, hi.day))
            self.calendar.clicked.connect(self._picked)
            self.calendar.activated.connect(self._picked)
            act = QWidgetAction(self.pick.menu())
            act.setDefaultWidget(self.calendar)
            self.pick.menu().addAction(act)
        d = dt.date.fromisoformat(self._value) if self._value else dt.date.today()
        self.calendar.setSelectedDate(QDate(d.year, d.month, d.day))

    def _picked(self, d: QDate) -> None:
        self.pick.menu().close()
        self.inner.setText(d.toString("yyyy-MM-dd"))
        self.commit()

    def _show_problem(self, text: str | None) -> None:
        self.problem = text
        self.note.setText(text or "")
        self.note.setVisible(bool(text))
        self.inner.setStyleSheet("QLineEdit { border: 1px solid #c01c28; }" if text else "")

    def commit(self) -> None:
        """Parse what is typed; a new valid value is shown canonically and reported."""
        text = self.inner.text().strip()
        try:
            new = self.check(text) if text else None
        except ValueProblem as e:
            self._show_problem(f"{e}，未保存。可写作 2027-06-30、2027.6.30、2027/6/30 或 2027年6月30日")
            return
        self._show_problem(None)
        if (new or "") != self.inner.text():
            self.inner.setText(new or "")
        if new != self._value:
            self._value = new
            self.changed.emit()

    def value(self):
        return self._value

    def set_value(self, v) -> None:
        self._value = v or None
        self._show_problem(None)
        if self.inner.text() != (v or ""):
            self.inner.setText(v or "")


class NumberField(FieldWidget):
    """Indicator value with its unit; the minimum (-1) shows as 未填 and means empty."""

    def __init__(self, unit: str, percent: bool, integer: bool, parent=None):
        super().__init__(QDoubleSpinBox(), parent)
        sp = self.inner
        sp.setDecimals(0 if integer else 2)
        sp.setRange(-1, 100 if percent else 1e9)
        sp.setSpecialValueText("未填")
        sp.setSuffix(" " + unit)
        sp.setValue(-1)
        sp.setKeyboardTracking(False)
        sp.setAccelerated(True)
        sp.valueChanged.connect(lambda _v: self.changed.emit())

    def value(self):
        v = self.inner.value()
        return None if v < 0 else (int(v) if v == int(v) else v)

    def set_value(self, v) -> None:
        self.inner.setValue(-1 if v is None else float(v))


def year_spin(value: int | None = None) -> QSpinBox:
    """A plan-year picker (the forms' date range); defaults to this year."""
    sp = QSpinBox()
    sp.setRange(2018, 2035)
    sp.setSuffix(" 年")
    sp.setValue(value or dt.date.today().year)
    return sp
