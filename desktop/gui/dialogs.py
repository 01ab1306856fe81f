"""Small dialogs: new plan for a unit, a plan's history."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHeaderView, QLabel, QMessageBox, QTableWidget,
    QTableWidgetItem, QVBoxLayout,
)

from ..core.errors import InputError
from ..core.vocab import Origin
from .widgets import ok_cancel, year_spin


def forms_for_unit(store, unit):
    """(plan kind, forms this unit may plan against), own province first (the core's rule)."""
    kind = store.plans.default_kind(unit)
    return kind, store.plans.forms_for(unit, kind)


class NewPlanDialog(QDialog):
    def __init__(self, store, unit, year: int, parent=None):
        super().__init__(parent)
        self.store, self.unit, self.created = store, unit, None
        self.setWindowTitle("新建方案")
        lay = QFormLayout(self)
        lay.addRow("单位：", QLabel(f"{unit.name}（{store.vocab.label(unit.kind)}）"))
        try:
            self.kind, forms = forms_for_unit(store, unit)
        except InputError:
            self.kind, forms = None, []
        lay.addRow("方案类型：", QLabel(self.kind or "—"))
        self.form_combo = QComboBox()
        for v in forms:
            self.form_combo.addItem(f"{v.form.title}（{v.form.doc_no or str(v.form.year) + '年'}）", v.id)
        lay.addRow("任务清单：", self.form_combo)
        self.year = year_spin(year)
        lay.addRow("年度：", self.year)
        buttons = ok_cancel(self, "创建")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(forms))
        if not forms:
            lay.addRow(QLabel("该单位所在省份暂无适用的任务清单。"))
        lay.addRow(buttons)

    def accept(self) -> None:
        try:
            self.created = self.store.plans.create(self.unit.code, self.form_combo.currentData(), self.year.value(),
                                                   self.kind, origin=Origin.UI)
        except InputError as e:
            QMessageBox.warning(self, "无法新建方案", str(e))
            return
        super().accept()


class HistoryDialog(QDialog):
    """Who did what to a plan: every edit, submission and review, newest first."""

    HEADERS = ("时间", "途径", "操作人", "项", "内容", "原值", "新值")

    def __init__(self, store, plan, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"方案历史 — {plan.unit_name} {plan.year}年{plan.kind}")
        rows = store.history.describe(plan.id)
        table = QTableWidget(len(rows), len(self.HEADERS), self)
        table.setObjectName("history_table")
        table.setHorizontalHeaderLabels(self.HEADERS)
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, h in enumerate(rows):
            vals = (f"{h.at:%Y-%m-%d %H:%M:%S}", h.origin, h.who, str(h.item_no or ""), h.what, h.old or "",
                    h.new or "")
            for c, v in enumerate(vals):
                item = QTableWidgetItem(v)
                item.setToolTip(v)
                table.setItem(r, c, item)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeColumnsToContents()
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"共 {len(rows)} 条记录（最新在前）。"))
        lay.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.table = table
        self.resize(900, 520)
