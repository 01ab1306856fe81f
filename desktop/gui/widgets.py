"""Field widgets with one interface: ``value() -> str | None``, ``set_value(v)``, ``changed``."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QCompleter, QDateEdit, QDoubleSpinBox, QHBoxLayout, QLineEdit, QMenu, QPlainTextEdit,
    QSizePolicy, QSpinBox, QToolButton, QWidget,
)

EMPTY = "（未填写）"


class FieldWidget(QWidget):
    changed = Signal()

    def __init__(self, inner: QWidget, parent=None):
        super().__init__(parent)
        self.inner = inner
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(inner, 1)
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
    """Editable drop-down with the form's unit names as choices and completions."""

    def __init__(self, names, parent=None):
        super().__init__(QComboBox(), parent)
        self.inner.setEditable(True)
        self.inner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.inner.addItem("")
        self.inner.addItems(list(names))
        comp = QCompleter(list(names), self.inner)
        comp.setFilterMode(Qt.MatchFlag.MatchContains)
        comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.inner.setCompleter(comp)
        self.inner.lineEdit().setPlaceholderText("选择或输入部门")
        self.inner.editTextChanged.connect(lambda _t: self.changed.emit())

    def value(self):
        t = self.inner.currentText().strip()
        return t or None

    def set_value(self, v) -> None:
        if (self.value() or None) != (v or None):
            self.inner.setEditText(v or "")


class DeptListField(FieldWidget):
    """Departments separated by 、; the menu button appends one of the form's unit names."""

    def __init__(self, names, parent=None):
        super().__init__(QLineEdit(), parent)
        self.inner.setPlaceholderText("多个部门用“、”分隔")
        self.inner.textChanged.connect(self.changed)
        btn = QToolButton(self)
        btn.setText("添加")
        btn.setToolTip("从责任部门中选择并添加")
        btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(btn)
        for n in names:
            menu.addAction(n, lambda n=n: self.append(n))
        btn.setMenu(menu)
        btn.setEnabled(bool(names))
        self.layout().addWidget(btn)

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


class _DateEdit(QDateEdit):
    """Opens its calendar on today's month while empty (not on the sentinel's)."""

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        cal = self.calendarWidget()
        if self.date() == self.minimumDate() and cal is not None:
            today = QDate.currentDate()
            cal.setCurrentPage(today.year(), today.month())


class DateField(FieldWidget):
    """Date picker with a calendar popup and a 清除 button; the minimum date means empty."""

    def __init__(self, min_date: dt.date | None, max_date: dt.date | None, parent=None):
        super().__init__(_DateEdit(), parent)
        lo = min_date or dt.date(2000, 1, 1)
        self.empty = QDate(lo.year, lo.month, lo.day).addDays(-1)
        self.inner.setCalendarPopup(True)
        self.inner.setDisplayFormat("yyyy-MM-dd")
        self.inner.setMinimumDate(self.empty)
        if max_date:
            self.inner.setMaximumDate(QDate(max_date.year, max_date.month, max_date.day))
        self.inner.setSpecialValueText(EMPTY)
        self.inner.setDate(self.empty)
        self.inner.dateChanged.connect(self._changed)
        clear = QToolButton(self)
        clear.setText("清除")
        clear.clicked.connect(lambda: self.inner.setDate(self.empty))
        self.layout().addWidget(clear)

    def _changed(self, _d: QDate) -> None:
        self.changed.emit()

    def value(self):
        d = self.inner.date()
        return None if d == self.empty else d.toString("yyyy-MM-dd")

    def set_value(self, v) -> None:
        if v:
            y, m, d = (int(x) for x in v.split("-"))
            self.inner.setDate(QDate(y, m, d))
        else:
            self.inner.setDate(self.empty)


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
