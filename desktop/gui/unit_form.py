"""The fields of one unit (name, codes, contact) with the core's identifier checks: used by the
first-start wizard (a new school) and by 单位管理 (add and edit)."""
from __future__ import annotations

import uuid

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ..core.ids import check_unit


class UnitForm(QWidget):
    """``show_code``: the unit code itself is editable (单位管理); the wizard derives it."""

    def __init__(self, store, show_code: bool = False, parent=None):
        super().__init__(parent)
        self.store = store
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        v.addLayout(self.form)
        self.name = QLineEdit()
        self.code = QLineEdit()
        self.code.setPlaceholderText("留空则使用学校标识码")
        self.school_type = QComboBox()
        self.school_type.addItems(store.vocab.school_types)
        self.school_type.setCurrentIndex(1 if len(store.vocab.school_types) > 1 else 0)  # 高职
        self.school_code = QLineEdit()
        self.school_code.setPlaceholderText("10位数字，如 4162010730")
        self.credit_code = QLineEdit()
        self.credit_code.setPlaceholderText("18位")
        self.contact = QLineEdit()
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("手机或 区号-号码")
        self.rows = {"name": ("单位名称＊", self.name), "code": ("单位代码", self.code),
                     "school_type": ("学校类别", self.school_type), "school_code": ("学校标识码", self.school_code),
                     "credit_code": ("统一社会信用代码", self.credit_code), "contact_person": ("联系人", self.contact),
                     "contact_phone": ("联系电话", self.phone)}
        for key, (label, w) in self.rows.items():
            if key == "code" and not show_code:
                continue
            self.form.addRow(label, w)
            if isinstance(w, QLineEdit):
                w.textChanged.connect(self.reset_override)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c01c28;")
        v.addWidget(self.message)
        self.override = QCheckBox("以上为警告：我已核对，信息无误，仍然保存")
        v.addWidget(self.override)
        self.override.hide()

    def reset_override(self) -> None:
        self.override.setChecked(False)
        self.override.hide()

    def set_school(self, on: bool) -> None:
        """学校类别 and 学校标识码 only mean something for a school."""
        for key in ("school_type", "school_code"):
            label, w = self.rows[key]
            w.setVisible(on)
            lbl = self.form.labelForField(w)
            if lbl is not None:
                lbl.setVisible(on)

    def fill(self, u) -> None:
        """Show a unit (UnitInfo) or clear the form (None)."""
        self.name.setText(u.name if u else "")
        self.code.setText(u.code if u else "")
        if u and u.school_type:
            self.school_type.setCurrentText(u.school_type)
        for w, v in ((self.school_code, u and u.school_code), (self.credit_code, u and u.credit_code),
                     (self.contact, u and u.contact_person), (self.phone, u and u.contact_phone)):
            w.setText(v or "")
        self.message.clear()
        self.reset_override()

    def values(self, school: bool) -> dict:
        out = dict(name=self.name.text().strip(), code=self.code.text().strip(),
                   credit_code=self.credit_code.text().strip().upper(), contact_person=self.contact.text().strip(),
                   contact_phone=self.phone.text().strip())
        if school:
            out.update(school_type=self.school_type.currentText(), school_code=self.school_code.text().strip())
        return out

    def new_code(self, school_code: str | None) -> str:
        """A new school's unit code: its 学校标识码, else what was typed, else a generated one."""
        return self.code.text().strip() or school_code or f"S{uuid.uuid4().hex[:9].upper()}"

    def passes(self, kind: str, code: str, province: str | None, v: dict) -> bool:
        """The core's identifier checks on the form: errors stop, warnings stop until overridden."""
        errors, warnings = check_unit(kind, code, province, school_code=v.get("school_code") or None,
                                      school_type=v.get("school_type"), credit_code=v.get("credit_code") or None,
                                      phone=v.get("contact_phone") or None,
                                      fitting=self.store.vocab.school_code_types(v.get("school_type")))
        if errors:
            self.message.setText("请改正：\n" + "\n".join(errors))
            return False
        if warnings and not self.override.isChecked():
            self.message.setText("请核对：\n" + "\n".join(warnings))
            self.override.show()
            return False
        self.message.clear()
        return True
