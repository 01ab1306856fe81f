"""Small dialogs: new plan for a unit."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QMessageBox

from ..store.service import InputError
from .widgets import year_spin


def province_of(store, unit) -> str | None:
    return unit.province_code or (unit.code if unit.kind == "province" else None)


def forms_for_unit(store, unit):
    """(plan kind, forms this unit may plan against), own province first."""
    kind = store.default_plan_kind(unit)
    return kind, store.catalog.forms_for(province_of(store, unit), kind)


class NewPlanDialog(QDialog):
    def __init__(self, store, unit, year: int, parent=None):
        super().__init__(parent)
        self.store, self.unit, self.created = store, unit, None
        self.setWindowTitle("新建方案")
        lay = QFormLayout(self)
        lay.addRow("单位：", QLabel(f"{unit.name}（{unit.kind_label}）"))
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("创建")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(forms))
        if not forms:
            lay.addRow(QLabel("该单位所在省份暂无适用的任务清单。"))
        lay.addRow(buttons)

    def accept(self) -> None:
        try:
            self.created = self.store.new_plan(self.unit.code, self.form_combo.currentData(), self.year.value(),
                                               self.kind, origin="ui")
        except InputError as e:
            QMessageBox.warning(self, "无法新建方案", str(e))
            return
        super().accept()
