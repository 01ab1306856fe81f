"""单位管理: every unit in its tree; add a school, edit a unit's name, codes and contact, move it
under another parent, merge a duplicate into the unit to keep. The rules (identifier checks,
where a unit may sit, what a merge carries over) are the core's (``store.units``)."""
from __future__ import annotations

from PySide6.QtCore import QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QListWidget, QListWidgetItem, QMessageBox, QPushButton, QSplitter, QTreeView, QVBoxLayout, QWidget,
)

from ..core.errors import InputError
from ..core.store.units import PARENT_KINDS
from ..core.vocab import Origin, UnitKind
from . import screen
from .unit_form import UnitForm

CODE_ROLE = Qt.ItemDataRole.UserRole + 1


class ChooseUnitDialog(QDialog):
    """Pick one unit from a filtered list (the new parent of a move, the unit a duplicate merges into)."""

    def __init__(self, title: str, prompt: str, units, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        v = QVBoxLayout(self)
        label = QLabel(prompt)
        label.setWordWrap(True)
        v.addWidget(label)
        self.search = QLineEdit()
        self.search.setPlaceholderText("输入名称或代码筛选")
        self.search.textChanged.connect(self._filter)
        v.addWidget(self.search)
        self.list = QListWidget()
        for text, code in units:
            it = QListWidgetItem(text)
            it.setData(CODE_ROLE, code)
            self.list.addItem(it)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        v.addWidget(self.list, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.currentItemChanged.connect(
            lambda cur, _p: self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(cur is not None))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        v.addWidget(self.buttons)
        screen.fit(self, want=QSize(460, 520))

    def _filter(self, text: str) -> None:
        t = text.strip()
        for i in range(self.list.count()):
            it = self.list.item(i)
            it.setHidden(bool(t) and t not in it.text())

    def choose(self, code: str) -> bool:
        for i in range(self.list.count()):
            if self.list.item(i).data(CODE_ROLE) == code:
                self.list.setCurrentRow(i)
                return True
        return False

    def chosen(self) -> str | None:
        it = self.list.currentItem()
        return it.data(CODE_ROLE) if it else None


class UnitsDialog(screen.FittedDialog):
    """Non-modal; ``changed`` after every write (the main window reloads its tree)."""

    changed = Signal()
    HEADERS = ("单位名称", "类型", "单位代码", "学校标识码", "联系人", "联系电话")

    def __init__(self, store, ui=None, parent=None, select: str | None = None):
        super().__init__(parent, ui, "units/geometry")
        self.store = store
        self.unit = None  # the selected UnitInfo
        self.adding_under: str | None = None  # parent code while a new school is being entered
        self.setWindowTitle("单位管理")
        self.setObjectName("units_dialog")

        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.tree = QTreeView()
        self.tree.setObjectName("units_tree")
        self.tree.setModel(self.proxy)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.selectionModel().currentChanged.connect(self._current)
        self.search = QLineEdit()
        self.search.setPlaceholderText("按名称、代码或联系人筛选")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.search)
        lv.addWidget(self.tree, 1)
        self.count_label = QLabel()
        lv.addWidget(self.count_label)

        self.box = QGroupBox("单位信息")
        bv = QVBoxLayout(self.box)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setStyleSheet("color: #555;")
        bv.addWidget(self.where)
        self.form = UnitForm(store, show_code=True)
        bv.addWidget(self.form)
        row = QHBoxLayout()
        self.save_button = QPushButton("保存修改")
        self.save_button.clicked.connect(self.save)
        self.cancel_add = QPushButton("取消新增")
        self.cancel_add.clicked.connect(lambda: self._show_unit(self.unit))
        row.addStretch(1)
        row.addWidget(self.cancel_add)
        row.addWidget(self.save_button)
        bv.addLayout(row)
        bv.addStretch(1)
        actions = QHBoxLayout()
        self.add_button = QPushButton("新增学校…")
        self.add_button.setToolTip("在所选的市州、县区或省之下新增一所学校")
        self.move_button = QPushButton("移动到…")
        self.move_button.setToolTip("把所选单位放到另一个上级单位之下（方案和记录随之）")
        self.merge_button = QPushButton("合并到…")
        self.merge_button.setToolTip("所选单位是重复的：把它的方案和记录并入要保留的单位，然后删除它")
        self.add_button.clicked.connect(self.start_add)
        self.move_button.clicked.connect(self.ask_move)
        self.merge_button.clicked.connect(self.ask_merge)
        for b in (self.add_button, self.move_button, self.merge_button):
            actions.addWidget(b)
        actions.addStretch(1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(actions)
        rv.addWidget(self.box, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.status = QLabel()
        self.status.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        v = QVBoxLayout(self)
        v.addWidget(split, 1)
        foot = QHBoxLayout()
        foot.addWidget(self.status, 1)
        foot.addWidget(close)
        v.addLayout(foot)
        self.reload(select)
        self.fit(QSize(1200, 760))

    # ------------------------------------------------------------ tree
    def reload(self, select: str | None = None) -> None:
        label = self.store.vocab.label
        self.units = {u.code: u for u in self.store.units.list()}
        self.model.clear()
        self.model.setHorizontalHeaderLabels(list(self.HEADERS))
        items: dict[str, QStandardItem] = {}
        roots = []
        for u in self.units.values():
            row = [QStandardItem(x or "") for x in (u.name, label(u.kind), u.code, u.school_code, u.contact_person,
                                                     u.contact_phone)]
            for it in row:
                it.setData(u.code, CODE_ROLE)
            row[0].setToolTip(f"{u.name}（{label(u.kind)}，代码 {u.code}）" + ("，行政区划名录" if u.builtin else ""))
            parent = items.get(u.parent_code) if u.parent_code else None
            (parent.appendRow(row) if parent is not None else roots.append(row))
            items[u.code] = row[0]
        for r in roots:
            self.model.appendRow(r)
        self.items = items
        h = self.tree.header()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.resizeSection(0, 300)
        for c, w in ((1, 70), (2, 110), (3, 110), (4, 80)):
            h.resizeSection(c, w)
        h.setStretchLastSection(True)
        schools = sum(u.kind == UnitKind.SCHOOL for u in self.units.values())
        self.count_label.setText(f"共 {len(self.units)} 个单位，其中学校 {schools} 所")
        self.select(select or (self.unit.code if self.unit else None))

    def select(self, code: str | None) -> bool:
        it = self.items.get(code) if code else None
        if it is None:
            self._show_unit(None)
            return False
        idx = self.proxy.mapFromSource(it.index())
        if not idx.isValid():
            self.search.clear()
            idx = self.proxy.mapFromSource(it.index())
        self.tree.setCurrentIndex(idx)
        self.tree.scrollTo(idx)
        self._show_unit(self.units[code])
        return True

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if text.strip():
            self.tree.expandAll()

    def _current(self, cur, _prev) -> None:
        code = cur.data(CODE_ROLE) if cur.isValid() else None
        self._show_unit(self.units.get(code) if code else None)

    # ------------------------------------------------------------ form
    def _show_unit(self, u) -> None:
        self.unit, self.adding_under = u, None
        label = self.store.vocab.label
        on = u is not None
        self.box.setEnabled(on)
        self.box.setTitle("单位信息")
        self.form.fill(u)
        school = on and u.kind == UnitKind.SCHOOL
        self.form.set_school(school or not on)
        for w in (self.form.name, self.form.code):
            w.setReadOnly(bool(on and u.builtin))
        self.cancel_add.hide()
        self.save_button.setText("保存修改")
        if on:
            parent = self.units.get(u.parent_code)
            plans = len(self.store.plans.list(unit_code=u.code))
            self.where.setText(f"{label(u.kind)} · 上级：{parent.name if parent else '—'} · 方案 {plans} 份"
                               + ("\n行政区划名录中的单位：名称和代码不能修改，可修改联系人和电话。" if u.builtin else ""))
        else:
            self.where.setText("在左侧选择一个单位。")
        self.add_button.setEnabled(on and u.kind != UnitKind.SCHOOL)
        self.move_button.setEnabled(on and not u.builtin)
        self.merge_button.setEnabled(on and not u.builtin)

    def start_add(self) -> None:
        """A new school under the selected office: the form empties and 保存 adds it."""
        if self.unit is None or self.unit.kind == UnitKind.SCHOOL:
            return
        parent = self.unit
        self._show_unit(parent)
        self.adding_under = parent.code
        self.form.fill(None)
        self.form.set_school(True)
        for w in (self.form.name, self.form.code):
            w.setReadOnly(False)
        self.box.setTitle(f"新增学校（上级：{parent.name}）")
        self.where.setText(f"新学校将放在「{parent.name}」之下。单位代码留空时使用学校标识码。")
        self.save_button.setText("新增")
        self.cancel_add.show()
        self.form.name.setFocus()

    def save(self) -> bool:
        if self.adding_under:
            return self._add()
        u = self.unit
        if u is None:
            return False
        school = u.kind == UnitKind.SCHOOL
        v = self.form.values(school)
        if not v["name"] or not v["code"]:
            self.form.message.setText("单位名称和单位代码不能为空。")
            return False
        if not self.form.passes(u.kind, v["code"], u.province_code, v):
            return False
        try:
            info, _w = self.store.units.update(u.code, origin=Origin.UI, **v)
        except InputError as e:
            self.form.message.setText(str(e))
            return False
        self._done(info.code, f"已保存「{info.name}」")
        return True

    def _add(self) -> bool:
        parent = self.units[self.adding_under]
        v = self.form.values(school=True)
        if not v["name"]:
            self.form.message.setText("请填写学校名称。")
            return False
        code = self.form.new_code(v["school_code"])
        if not self.form.passes(UnitKind.SCHOOL, code, parent.province_code, v):
            return False
        try:
            info, _w = self.store.units.add(code, v["name"], UnitKind.SCHOOL, parent.code,
                                            school_type=v["school_type"], school_code=v["school_code"] or None,
                                            credit_code=v["credit_code"] or None,
                                            contact_person=v["contact_person"] or None,
                                            contact_phone=v["contact_phone"] or None, origin=Origin.UI)
        except InputError as e:
            self.form.message.setText(str(e))
            return False
        self._done(info.code, f"已新增「{info.name}」（{parent.name}）")
        return True

    def _done(self, code: str, message: str) -> None:
        self.unit = None
        self.reload(code)
        self.status.setText(message)
        self.changed.emit()

    # ------------------------------------------------------------ move, merge
    def _indented(self, units) -> list[tuple[str, str]]:
        depth: dict[str, int] = {}
        out = []
        label = self.store.vocab.label
        for u in units:
            d = depth.get(u.parent_code, -1) + 1
            depth[u.code] = d
            out.append(("　" * d + f"{u.name}（{label(u.kind)}，{u.code}）", u.code))
        return out

    def ask_move(self) -> None:
        u = self.unit
        if u is None:
            return
        allowed = set(PARENT_KINDS.get(UnitKind(u.kind), ()))
        province = u.province_code if u.province_code in self.units else None  # a move stays in the province
        units = [x for x in self.store.units.list(province) if x.kind in allowed and x.code not in (u.parent_code, u.code)]
        dlg = ChooseUnitDialog("移动单位", f"把「{u.name}」移动到哪个单位之下？它的方案和记录随之移动。",
                               self._indented(units), self)
        if dlg.exec() != QDialog.DialogCode.Accepted or not dlg.chosen():
            return
        self.move_to(dlg.chosen())

    def move_to(self, parent_code: str) -> bool:
        u = self.unit
        try:
            info = self.store.units.move(u.code, parent_code, origin=Origin.UI)
        except InputError as e:
            QMessageBox.warning(self, "无法移动", str(e))
            return False
        self._done(info.code, f"已将「{info.name}」移动到「{info.parent_name}」之下")
        return True

    def ask_merge(self) -> None:
        u = self.unit
        if u is None:
            return
        same = [x for x in self.units.values() if x.kind == u.kind and x.code != u.code]
        dlg = ChooseUnitDialog("合并重复单位", f"「{u.name}」（{u.code}）是哪个单位的重复？选择要保留的单位：",
                               [(f"{x.name}（{x.code}）" + (f"　— {self.units[x.parent_code].name}"
                                                           if x.parent_code in self.units else ""), x.code)
                                for x in same], self)
        similar = next((x.code for x in same if x.name == u.name), None)
        if similar:
            dlg.choose(similar)
        if dlg.exec() != QDialog.DialogCode.Accepted or not dlg.chosen():
            return
        self.merge_into(dlg.chosen())

    def merge_into(self, keep_code: str, confirm: bool = True) -> bool:
        u, keep = self.unit, self.units[keep_code]
        plans = len(self.store.plans.list(unit_code=u.code))
        if confirm and QMessageBox.question(
                self, "合并重复单位",
                f"将「{u.name}」（{u.code}）合并到「{keep.name}」（{keep.code}）：\n"
                f"· 它的 {plans} 份方案及修改记录归入「{keep.name}」；\n"
                f"· 「{keep.name}」空缺的信息（联系人、代码等）由它补上；\n"
                f"· 然后删除「{u.name}」（{u.code}）。\n\n此操作不能撤销。是否合并？") != QMessageBox.StandardButton.Yes:
            return False
        try:
            info = self.store.units.merge(u.code, keep_code, origin=Origin.UI)
        except InputError as e:
            QMessageBox.warning(self, "无法合并", str(e))
            return False
        self._done(info.code, f"已将「{u.name}」合并到「{info.name}」（方案 {plans} 份）")
        return True
