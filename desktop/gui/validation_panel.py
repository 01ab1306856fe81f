"""The 校验 dock: every problem of the open plan; a click jumps to it; warnings take a 说明."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDockWidget, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QVBoxLayout,
    QWidget,
)

from . import marks

ERROR_COLOR, WARNING_COLOR, EXPLAINED_COLOR = "#c01c28", "#b5651d", "#26a269"


class ValidationPanel(QDockWidget):
    jump = Signal(int, str)  # item_no, field_key
    explain = Signal(object, str)  # Problem, text

    def __init__(self, parent=None):
        super().__init__("校验", parent)
        self.setObjectName("validation_dock")
        body = QWidget()
        outer = QHBoxLayout(body)
        left = QVBoxLayout()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        left.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.currentItemChanged.connect(self._selected)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        left.addWidget(self.list, 1)
        outer.addLayout(left, 3)
        v = QVBoxLayout()
        outer.addLayout(v, 2)
        self.explain_label = QLabel("说明（回应所选警告，随方案一起报送）：")
        self.explain_label.setWordWrap(True)
        v.addWidget(self.explain_label)
        self.explain_edit = QPlainTextEdit()
        self.explain_edit.setPlaceholderText("例如：受疫情影响，实训基地建设延期至下半年。")
        v.addWidget(self.explain_edit, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.save_btn = QPushButton("保存说明")
        self.save_btn.clicked.connect(self._save)
        row.addWidget(self.save_btn)
        v.addLayout(row)
        line = self.fontMetrics().lineSpacing()
        for w in (self.list, self.explain_edit):  # the dock may be made short on a 768-pixel screen
            w.setMinimumHeight(line * 2 + 8)
        self.setWidget(body)
        self.problems: list = []
        self._filled = False
        self._set_explain_enabled(None)

    @property
    def counts(self) -> tuple[int, int, int]:
        """(errors, open warnings, explained warnings)."""
        e = sum(p.severity == "error" for p in self.problems)
        w = sum(p.severity == "warning" and not p.explained for p in self.problems)
        return e, w, sum(p.explained for p in self.problems)

    def set_problems(self, problems) -> None:
        problems = list(problems)
        if self._filled and problems == self.problems:  # an autosave that changed no problem
            return
        self._filled = True
        current = self._current()
        key = (current.item_no, current.rule_id, current.field_key) if current else None
        self.problems = problems
        self.list.blockSignals(True)
        self.list.clear()
        select = None
        for p in self.problems:
            mark = (f"{marks.ERROR} 错误" if p.severity == "error"
                    else (f"{marks.EXPLAINED} 已说明" if p.explained else f"{marks.WARNING} 警告"))
            li = QListWidgetItem(f"{mark}　{p.message}" + (f"\n　　说明：{p.explanation}" if p.explained else ""))
            li.setData(Qt.ItemDataRole.UserRole, p)
            color = ERROR_COLOR if p.severity == "error" else (EXPLAINED_COLOR if p.explained else WARNING_COLOR)
            li.setForeground(QBrush(QColor(color)))
            self.list.addItem(li)
            if key == (p.item_no, p.rule_id, p.field_key):
                select = li
        if select:
            self.list.setCurrentItem(select)
        self.list.blockSignals(False)
        e, w, x = self.counts
        parts = [f"错误 {e} 个（须改正后才能正式导出）" if e else "没有错误，可以正式导出"]
        if w or x:
            parts.append(f"警告 {w} 个待说明" + (f"，{x} 个已说明" if x else ""))
        self.summary.setText("；".join(parts) + "。")
        self.setWindowTitle(f"校验（错误 {e}，警告 {w}）")
        self._set_explain_enabled(self._current())

    def _current(self):
        li = self.list.currentItem()
        return li.data(Qt.ItemDataRole.UserRole) if li else None

    def _set_explain_enabled(self, p) -> None:
        on = p is not None and p.severity == "warning"
        self.explain_edit.setEnabled(on)
        self.save_btn.setEnabled(on)
        self.explain_edit.setPlainText(p.explanation or "" if on else "")

    def _selected(self, cur, _prev) -> None:
        self._set_explain_enabled(cur.data(Qt.ItemDataRole.UserRole) if cur else None)

    def _activated(self, li) -> None:
        p = li.data(Qt.ItemDataRole.UserRole)
        self.jump.emit(p.item_no, p.field_key)

    def select_problem(self, row: int) -> None:
        self.list.setCurrentRow(row)

    def _save(self) -> None:
        p = self._current()
        if p is not None:
            self.explain.emit(p, self.explain_edit.toPlainText())
