"""A unit's plan as the reviewer reads it (from the 汇总 roster): what was filed — the latest
submission, or the working copy of a plan never submitted — read-only: checklist, the item
editor with every field disabled, the validation problems, evidence that can be opened."""
from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QSize, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QPushButton,
    QSplitter, QTableView, QVBoxLayout,
)

from ..core.validation import completeness, validate
from . import marks, screen
from .validation_panel import ERROR_COLOR, EXPLAINED_COLOR, WARNING_COLOR
from .editor import ItemEditor
from .models import ITEM_ROLE, ChecklistModel


class PlanViewer(screen.FittedDialog):
    def __init__(self, store, plan_id: int, ui=None, parent=None):
        super().__init__(parent, ui, "viewer/geometry")
        self.store = store
        self.setObjectName("plan_viewer")
        self.plan = store.plans.get(plan_id)
        self.view = store.plans.view_for(self.plan)
        p, label = self.plan, store.vocab.label
        filed = p.submission_no > 0
        self.data = store.plans.snapshot(p.id, -1 if filed else None)
        self.problems = validate(self.view, p.kind, self.data)
        self.setWindowTitle(f"{p.unit_name} {p.year}年{p.kind}（只读）")
        what = (f"第{p.submission_no}次报送（{label(p.state)}）" if filed else f"{label(p.state)}，尚未报送：显示当前内容")
        e = sum(x.severity == "error" for x in self.problems)
        w = sum(x.severity == "warning" and not x.explained for x in self.problems)
        head = QLabel(f"<b>{p.unit_name}</b> · {p.year}年{p.kind} · {self.view.form.title} · {what}<br>"
                      f"完成度 {completeness(self.view, p.kind, self.data)} · 错误 {e} · 警告 {w}"
                      + (f" · 退回理由：{p.review_reason}" if p.review_reason else ""))
        head.setWordWrap(True)
        self.model = ChecklistModel(self)
        self.model.set_plan(self.view, p.kind, self.data, self.problems)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        hh.resizeSection(2, 150)
        self.table.selectionModel().currentRowChanged.connect(self._row)
        self.editor = ItemEditor(store)
        self.editor.set_read_only(True)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        for x in self.problems:
            mark = marks.ERROR if x.severity == "error" else (marks.EXPLAINED if x.explained else marks.WARNING)
            li = QListWidgetItem(f"{mark} {x.message}" + (f"（说明：{x.explanation}）" if x.explained else ""))
            li.setData(Qt.ItemDataRole.UserRole, x.item_no)
            li.setForeground(QBrush(QColor(ERROR_COLOR if x.severity == "error" else
                                           (EXPLAINED_COLOR if x.explained else WARNING_COLOR))))
            self.list.addItem(li)
        self.list.itemClicked.connect(lambda li: self.select_item(li.data(Qt.ItemDataRole.UserRole)))
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.table)
        top.addWidget(self.editor)
        top.setStretchFactor(0, 5)
        top.setStretchFactor(1, 4)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.list)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        foot = QHBoxLayout()
        foot.addStretch(1)
        foot.addWidget(close)
        v = QVBoxLayout(self)
        v.addWidget(head)
        v.addWidget(split, 1)
        v.addLayout(foot)
        first = next((it.no for it in self.view.items if self.view.must_answer(it.no, p.kind)), self.view.items[0].no)
        self.select_item(first)
        self.fit(QSize(1400, 900))

    def select_item(self, item_no: int) -> None:
        row = self.model.row_of(item_no)
        if row >= 0:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def _row(self, cur, _prev) -> None:
        if cur.isValid():
            self.editor.set_item(self.view, self.plan, self.model.data(cur, ITEM_ROLE), self.data, self.problems)
