"""First start: role → province → unit (or a new school) → the plans that role files."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QRadioButton, QVBoxLayout, QWizard, QWizardPage,
)

from ..core.errors import InputError
from ..core.vocab import Origin, UnitKind, UserRole
from . import screen
from .unit_form import UnitForm
from .widgets import year_spin


def plan_kind_of(store, role: UserRole) -> str | None:
    """The plan kind a role files: the kind whose unit kinds include the role's."""
    kinds = store.vocab.user_roles[role].unit_kinds
    return next((k.id for k in store.catalog.plan_kinds.values() if set(kinds) & set(k.unit_kinds)), None)


class RolePage(QWizardPage):
    def __init__(self, store):
        super().__init__()
        self.setTitle("欢迎使用")
        self.setSubTitle("请选择您的身份和所在省份，之后可在“文件”菜单中随时新建方案。")
        lay = QVBoxLayout(self)
        box = QGroupBox("我是")
        bl = QVBoxLayout(box)
        self.group = QButtonGroup(self)
        self.buttons: dict[UserRole, QRadioButton] = {}
        for i, (role, decl) in enumerate(store.vocab.user_roles.items()):
            rb = QRadioButton(f"{decl.label}　—　{decl.hint}")
            rb.setObjectName(f"role_{role.value}")
            self.group.addButton(rb, i)
            self.buttons[role] = rb
            bl.addWidget(rb)
        self.buttons[UserRole.SCHOOL].setChecked(True)
        lay.addWidget(box)
        form = QFormLayout()
        self.province = QComboBox()
        for u in store.units.list():
            if u.kind == UnitKind.PROVINCE:
                self.province.addItem(u.name, u.code)
        self.province.setCurrentIndex(max(self.province.findData("620000"), 0))  # the checklists start in 甘肃
        form.addRow("省份：", self.province)
        lay.addLayout(form)
        lay.addStretch(1)

    @property
    def role(self) -> UserRole:
        return next(r for r, b in self.buttons.items() if b.isChecked())


class UnitPage(QWizardPage):
    def __init__(self, store):
        super().__init__()
        self.store = store
        self.setTitle("选择本单位")
        lay = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setPlaceholderText("输入名称筛选")
        self.search.textChanged.connect(self._filter)
        lay.addWidget(self.search)
        self.list = QListWidget()
        self.list.setWordWrap(True)  # long school names are read whole, not cut behind a scroll bar
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.currentItemChanged.connect(lambda *_: self.completeChanged.emit())
        lay.addWidget(self.list, 1)
        self.add_check = QCheckBox("我的学校不在列表中，新增学校")
        self.add_check.toggled.connect(self._toggle_add)
        lay.addWidget(self.add_check)
        self.add_box = QGroupBox("新增学校")
        bl = QVBoxLayout(self.add_box)
        self.unit_form = f = UnitForm(store)
        self.parent_combo = QComboBox()
        f.form.insertRow(1, "所在市州/县区＊", self.parent_combo)
        bl.addWidget(f)
        lay.addWidget(self.add_box)
        # the form's widgets by the names the page always had
        self.name, self.school_type, self.school_code = f.name, f.school_type, f.school_code
        self.credit_code, self.contact, self.phone = f.credit_code, f.contact, f.phone
        self.message, self.override = f.message, f.override
        self.unit = None

    def _toggle_add(self, on: bool) -> None:
        self.add_box.setVisible(on)
        self.list.setEnabled(not on)
        self.completeChanged.emit()

    def _reset_override(self) -> None:
        self.unit_form.reset_override()

    def _filter(self, text: str) -> None:
        for i in range(self.list.count()):
            it = self.list.item(i)
            it.setHidden(bool(text) and text not in it.text())

    def initializePage(self) -> None:
        w = self.wizard()
        kinds = self.store.vocab.user_roles[w.role].unit_kinds
        province = w.province
        self.setSubTitle("从列表中选择本单位" + ("；列表中没有时可新增学校。" if UnitKind.SCHOOL in kinds else "。"))
        self.list.clear()
        self.parent_combo.clear()
        units = self.store.units.list(under=province)
        names = {u.code: u.name for u in units}
        for u in units:
            if u.kind in kinds:
                where = names.get(u.parent_code, "") if u.kind in (UnitKind.COUNTY, UnitKind.SCHOOL) else ""
                it = QListWidgetItem(u.name + (f"（{u.school_type}）" if u.school_type else "")
                                     + (f"　— {where}" if where else ""))
                it.setData(Qt.ItemDataRole.UserRole, u)
                it.setToolTip(it.text())
                self.list.addItem(it)
            if u.kind in (UnitKind.CITY, UnitKind.AREA, UnitKind.COUNTY):
                self.parent_combo.addItem(("　　" if u.kind == UnitKind.COUNTY else "") + u.name, u.code)
        if self.list.count() == 1:
            self.list.setCurrentRow(0)
        is_school = UnitKind.SCHOOL in kinds
        self.add_check.setVisible(is_school)
        self.add_check.setChecked(is_school and self.list.count() == 0)
        self._toggle_add(self.add_check.isChecked())
        self.message.clear()
        self._reset_override()

    def isComplete(self) -> bool:
        return self.add_check.isChecked() or self.list.currentItem() is not None

    def validatePage(self) -> bool:
        if not self.add_check.isChecked():
            it = self.list.currentItem()
            if it is not None:
                self.unit = it.data(Qt.ItemDataRole.UserRole)
            return self.unit is not None
        return self._add_school()

    def _add_school(self) -> bool:
        f, parent = self.unit_form, self.parent_combo.currentData()
        v = f.values(school=True)
        if not v["name"] or not parent:
            self.message.setText("请填写学校名称并选择所在市州/县区。")
            return False
        code = f.new_code(v["school_code"])
        if not f.passes(UnitKind.SCHOOL, code, self.wizard().province, v):
            return False
        try:
            self.unit, _ = self.store.units.add(code, v["name"], UnitKind.SCHOOL, parent, school_type=v["school_type"],
                                                school_code=v["school_code"] or None,
                                                credit_code=v["credit_code"] or None,
                                                contact_person=v["contact_person"] or None,
                                                contact_phone=v["contact_phone"] or None, accept_warnings=True,
                                                origin=Origin.UI)
        except InputError as e:
            self.message.setText(str(e))
            return False
        self.message.clear()
        self.add_check.setChecked(False)
        return True


def preferred_form(views, kind: str | None) -> str | None:
    """The checklist to tick for a new plan: the one whose task tells this kind to write its plan
    (附件2 row 2 for a school's 一校一策), else the one it must answer most."""
    if not views or not kind:
        return None
    asking = [v for v in views if v.asks_for_plan(kind)]
    return max(asking or views, key=lambda v: sum(v.must_answer(it.no, kind) for it in v.items)).id


class PlanPage(QWizardPage):
    def __init__(self, store):
        super().__init__()
        self.store = store
        self.setTitle("创建方案")
        self.setSubTitle("勾选要填报的方案；已勾选的是本类单位须编制方案所对照的清单。")
        lay = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        lay.addWidget(self.intro)
        row = QHBoxLayout()
        self.year = year_spin()
        row.addWidget(QLabel("年度："))
        row.addWidget(self.year)
        row.addStretch(1)
        lay.addLayout(row)
        self.forms = QListWidget()
        self.forms.setWordWrap(True)  # long checklist titles wrap instead of hiding behind a scroll bar
        self.forms.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.forms.setSpacing(2)
        lay.addWidget(self.forms, 1)
        lay.addWidget(QLabel("不勾选则暂不创建，之后可在“文件 → 新建方案”中创建。"))
        self.created: list = []

    def initializePage(self) -> None:
        w = self.wizard()
        unit = w.unit_page.unit
        kind = plan_kind_of(self.store, w.role)
        self.forms.clear()
        views = self.store.plans.forms_for(unit, kind) if kind else []
        self.intro.setText(f"{unit.name} 编制“{kind}”方案。请勾选要创建的方案（对照本省任务清单）："
                           if views else f"本省暂无“{kind}”适用的任务清单，可直接完成。")
        must = {v.id: sum(v.must_answer(it.no, kind) for it in v.items) for v in views}
        best = preferred_form(views, kind)
        for v in views:
            asks = "；本清单要求编制此类方案" if v.asks_for_plan(kind) else ""
            it = QListWidgetItem(f"{v.form.title}（{v.form.doc_no or str(v.form.year) + '年'}，{len(v.items)} 项，"
                                 f"本类方案须填报 {must[v.id]} 项{asks}）")
            it.setData(Qt.ItemDataRole.UserRole, v.id)
            it.setToolTip(v.form.full_title)
            self.forms.addItem(it)
        self.choose([best] if best else [])

    def choose(self, form_ids) -> None:
        """Tick exactly these forms."""
        for i in range(self.forms.count()):
            it = self.forms.item(i)
            it.setCheckState(Qt.CheckState.Checked if it.data(Qt.ItemDataRole.UserRole) in form_ids
                             else Qt.CheckState.Unchecked)

    def validatePage(self) -> bool:
        w = self.wizard()
        unit, kind, year = w.unit_page.unit, plan_kind_of(self.store, w.role), self.year.value()
        self.created = []
        for i in range(self.forms.count()):
            it = self.forms.item(i)
            if it.checkState() != Qt.CheckState.Checked:
                continue
            form_id = it.data(Qt.ItemDataRole.UserRole)
            try:
                plan = self.store.plans.find(unit.code, form_id, year, kind) or \
                    self.store.plans.create(unit.code, form_id, year, kind, origin=Origin.UI)
            except InputError as e:
                self.intro.setText(str(e))
                return False
            self.created.append(plan)
        return True


class FirstStartWizard(QWizard):
    """Result after ``exec()``: ``role``, ``province``, ``unit`` (UnitInfo), ``plans`` (created/found)."""

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("首次使用向导")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        for b, t in ((QWizard.WizardButton.NextButton, "下一步 >"), (QWizard.WizardButton.BackButton, "< 上一步"),
                     (QWizard.WizardButton.FinishButton, "完成"), (QWizard.WizardButton.CancelButton, "取消")):
            self.setButtonText(b, t)
        self.role_page, self.unit_page, self.plan_page = RolePage(store), UnitPage(store), PlanPage(store)
        for p in (self.role_page, self.unit_page, self.plan_page):
            self.addPage(p)
        screen.fit(self, want=QSize(760, 640))

    @property
    def role(self) -> str:
        return self.role_page.role

    @property
    def province(self) -> str:
        return self.role_page.province.currentData()

    @property
    def unit(self):
        return self.unit_page.unit

    @property
    def plans(self) -> list:
        return self.plan_page.created

    def save(self, profile, settings_file, ui):
        """Remember the choices: who (core Settings, shared with the CLI) and where to start (ui)."""
        profile.role, profile.province = self.role.value, self.province
        if self.unit:
            profile.unit = self.unit.code
            ui.set("last/unit", self.unit.code)
        profile.save(settings_file)
        if self.plans:
            ui.set("last/plan", self.plans[0].id)
            ui.set("year", self.plans[0].year)
        ui.sync()
        return profile
