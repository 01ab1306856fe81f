"""The main window: unit tree | checklist | item editor, validation dock, autosave, undo."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QByteArray, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QStandardItemModel, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHeaderView, QInputDialog, QLabel, QLineEdit, QMainWindow, QMessageBox,
    QSplitter, QTableView, QTabWidget, QToolBar, QTreeView, QVBoxLayout, QWidget,
)

from ..store.models import PLAN_STATUSES
from ..store.service import Edit, InputError
from ..validation import completeness, validate
from . import io_actions
from .commands import EditCommand
from .editor import ItemEditor
from .models import ITEM_ROLE, KIND_ROLE, REF_ROLE, ChecklistFilter, ChecklistModel, build_unit_tree, plan_label
from .sections import SectionsEditor
from .settings import get_int, get_str, settings
from .validation_panel import ValidationPanel
from .widgets import year_spin

AUTOSAVE_MS = 400


class MainWindow(QMainWindow):
    saved = Signal()  # after every autosave write
    planOpened = Signal(int)

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        self.plan = self.view = self.data = None
        self.problems: list = []
        self.unit_code: str | None = None
        self.item_no: int | None = None
        self.last_saved: dt.datetime | None = None
        self.pending: dict[tuple[int, str], object] = {}
        self.pending_plan: int | None = None
        self.undo = QUndoStack(self)
        self.setWindowTitle("产教融合实施方案填报")
        self.setObjectName("main_window")
        self._timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._timer.timeout.connect(self.flush)
        self._build()
        self._menus()
        s = settings()
        self.role = get_str(s, "role")  # 学校 / 县区 / 市州 / 省级 (first-start wizard)
        self.year_spin.blockSignals(True)
        self.year_spin.setValue(get_int(s, "year") or dt.date.today().year)
        self.year_spin.blockSignals(False)
        self._tree_loaded = False  # filled after the first paint: a province has thousands of units

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.tree_model = QStandardItemModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setHeaderHidden(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.selectionModel().currentChanged.connect(self._tree_current)
        self.tree_index: dict = {}

        self.model = ChecklistModel(self)
        self.proxy = ChecklistFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("checklist")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

        self.filter_combo = QComboBox()
        self.filter_combo.addItems(ChecklistFilter.MODES)
        self.filter_combo.currentIndexChanged.connect(self.proxy.set_mode)
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索任务、部门、举措…（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        self.plan_title = QLabel("未打开方案")
        self.plan_title.setWordWrap(True)
        self.plan_title.setStyleSheet("font-weight: bold;")
        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.plan_title)
        ml.addWidget(self.table)

        self.editor = ItemEditor(self.store)
        self.editor.edited.connect(self._on_edited)
        self.editor.evidenceChanged.connect(lambda: self.refresh(touch=True))
        self.sections = SectionsEditor(self.store.catalog.base_fields.sections)
        self.sections.edited.connect(self._on_edited)
        self.right = QTabWidget()
        self.right.addTab(self.editor, "任务填报")
        self.right.addTab(self.sections, "方案正文")

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        for w, stretch in ((self.tree, 2), (middle, 5), (self.right, 4)):
            self.splitter.addWidget(w)
            self.splitter.setStretchFactor(self.splitter.count() - 1, stretch)
        self.setCentralWidget(self.splitter)

        self.panel = ValidationPanel(self)
        self.panel.jump.connect(self.jump_to)
        self.panel.explain.connect(self.save_explanation)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.panel)
        self.resizeDocks([self.panel], [self.fontMetrics().lineSpacing() * 9], Qt.Orientation.Vertical)

        tb = QToolBar("方案")
        tb.setObjectName("plan_toolbar")
        self.toolbar = tb
        self.addToolBar(tb)
        tb.addWidget(QLabel(" 年度 "))
        self.year_spin = year_spin()
        self.year_spin.valueChanged.connect(self._year_changed)
        tb.addWidget(self.year_spin)
        tb.addSeparator()
        tb.addWidget(QLabel(" 状态 "))
        self.status_combo = QComboBox()
        self.status_combo.addItems(PLAN_STATUSES)
        self.status_combo.setEnabled(False)
        self.status_combo.activated.connect(lambda _i: self.change_status(self.status_combo.currentText()))
        tb.addWidget(self.status_combo)
        tb.addSeparator()
        tb.addWidget(QLabel(" 显示 "))
        tb.addWidget(self.filter_combo)
        tb.addWidget(self.search)

        sb = self.statusBar()
        self.saved_label = QLabel("")
        self.counts_label = QLabel("")
        self.complete_label = QLabel("")
        sb.addPermanentWidget(self.complete_label)
        sb.addPermanentWidget(self.counts_label)
        sb.addPermanentWidget(self.saved_label)

    def _action(self, menu, text, slot, shortcut=None, obj=None) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.triggered.connect(slot)
        if obj:
            a.setObjectName(obj)
        menu.addAction(a)
        return a

    def _menus(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("文件(&F)")
        self.act_new = self._action(f, "新建方案…", self.new_plan, QKeySequence.StandardKey.New)
        self.act_dup = self._action(f, "复制上年方案为本年草稿", self.duplicate_last_year)
        f.addSeparator()
        self.act_word = self._action(f, "导出 Word…", lambda: io_actions.export_word(self), "Ctrl+E")
        self._action(f, "批量导出 Word（所选单位及下级）…", lambda: io_actions.export_word_batch(self))
        self.act_xlsx = self._action(f, "导出 Excel…", lambda: io_actions.export_xlsx(self), "Ctrl+Shift+E")
        self._action(f, "导出空白模板…", lambda: io_actions.export_template(self))
        self._action(f, "导入报送表…", lambda: io_actions.import_sheets(self), "Ctrl+I")
        self._action(f, "导入文件夹中的报送表…", lambda: io_actions.import_sheets(self, folder=True))
        f.addSeparator()
        self._action(f, "退出", self.close, QKeySequence.StandardKey.Quit)
        e = mb.addMenu("编辑(&E)")
        # own actions (not createUndoAction): pending typing is saved first, then undone
        self.act_undo = self._action(e, "撤销", self.do_undo, QKeySequence.StandardKey.Undo)
        self.act_redo = self._action(e, "重做", self.do_redo, "Ctrl+Y")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence.StandardKey.Redo])
        self.undo.canUndoChanged.connect(self.act_undo.setEnabled)
        self.undo.canRedoChanged.connect(self.act_redo.setEnabled)
        self.undo.undoTextChanged.connect(lambda t: self.act_undo.setText(f"撤销 {t}".strip()))
        self.undo.redoTextChanged.connect(lambda t: self.act_redo.setText(f"重做 {t}".strip()))
        self.act_undo.setEnabled(False)
        self.act_redo.setEnabled(False)
        e.addSeparator()
        self._action(e, "查找", lambda: (self.search.setFocus(), self.search.selectAll()), QKeySequence.StandardKey.Find)
        v = mb.addMenu("视图(&V)")
        v.addAction(self.panel.toggleViewAction())
        v.addAction(self.toolbar.toggleViewAction())
        v.addSeparator()
        self._action(v, "汇总…", lambda: io_actions.open_summary(self), "Ctrl+Shift+S")
        self._action(v, "刷新", self.reload_tree, QKeySequence.StandardKey.Refresh)
        h = mb.addMenu("帮助(&H)")
        self._action(h, "关于", self.about)
        self._action(h, "关于 Qt", lambda: QMessageBox.aboutQt(self))
        self._update_actions()

    def _update_actions(self) -> None:
        on = self.plan is not None
        for a in (self.act_word, self.act_xlsx):
            a.setEnabled(on)
        self.status_combo.setEnabled(on)

    def about(self) -> None:
        QMessageBox.about(self, "关于", "产教融合“一市一策 / 一校一策”实施方案 填报、备案与汇总\n\n"
                          "离线使用：数据保存在本机数据库中，自动保存，无需联网。\n"
                          f"数据库：{self.store.url}")

    # -------------------------------------------------------------------- tree
    @property
    def year(self) -> int:
        return self.year_spin.value()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._tree_loaded:
            self._tree_loaded = True
            QTimer.singleShot(0, self.reload_tree)

    def reload_tree(self) -> None:
        self._tree_loaded = True
        units = self.store.list_units()
        plans = self.store.list_plans(year=self.year)
        self.tree_index = build_unit_tree(self.tree_model, units, plans, self.year)
        self._select_tree(("plan", self.plan.id) if self.plan else ("unit", self.unit_code))

    def _select_tree(self, key) -> None:
        it = self.tree_index.get(key)
        if it is None:
            return
        idx = it.index()
        self.tree.blockSignals(True)
        sm = self.tree.selectionModel()
        sm.blockSignals(True)
        p = idx.parent()
        while p.isValid():
            self.tree.expand(p)
            p = p.parent()
        sm.setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        sm.blockSignals(False)
        self.tree.blockSignals(False)
        self.tree.scrollTo(idx)

    def _tree_current(self, cur, _prev) -> None:
        if not cur.isValid():
            return
        kind, ref = cur.data(KIND_ROLE), cur.data(REF_ROLE)
        if kind == "plan":
            self.open_plan(ref)
        else:
            self.unit_code = ref
            plans = self.store.list_plans(unit_code=ref, year=self.year)
            if plans:
                self.open_plan(plans[0].id)
            else:
                self.close_plan()
                self.plan_title.setText(f"{cur.data()}：{self.year}年尚无方案（文件 → 新建方案）")

    def _year_changed(self, year: int) -> None:
        self.flush()
        unit, plan = self.unit_code, self.plan
        self.close_plan()
        self.unit_code = unit
        self.reload_tree()
        if plan:
            same = self.store.find_plan(plan.unit_code, plan.form_id, year, plan.kind)
            if same:
                self.open_plan(same.id)
            else:
                self.plan_title.setText(f"{plan.unit_name}：{year}年尚无方案（可“复制上年方案为本年草稿”）")
                self._select_tree(("unit", unit))

    # -------------------------------------------------------------------- plan
    def open_plan(self, plan_id: int | None, item_no: int | None = None) -> None:
        if plan_id is None:
            return self.close_plan()
        self.flush()
        if self.plan and self.plan.id == plan_id:
            if item_no is not None:
                self.select_item(item_no)
            return
        try:
            plan = self.store.get_plan(plan_id)
        except InputError:
            return self.close_plan()
        if plan.year != self.year:
            self.year_spin.blockSignals(True)
            self.year_spin.setValue(plan.year)
            self.year_spin.blockSignals(False)
            self.plan = plan
            self.reload_tree()
        self.plan, self.unit_code = plan, plan.unit_code
        self.view = self.store.view_for(plan)
        self.data = self.store.plan_data(plan.id)
        self.problems = validate(self.view, plan.kind, self.data)
        self.model.set_plan(self.view, plan.kind, self.data, self.problems)
        self.sections.fill(self.data)
        self.sections.setEnabled(True)
        self._show_plan_header()
        self.panel.set_problems(self.problems)
        self._update_counts()
        self._select_tree(("plan", plan.id))
        self._update_actions()
        self.item_no = None
        first = item_no or next((it.no for it in self.view.items if self.view.must_answer(it.no, plan.kind)),
                                self.view.items[0].no)
        self.select_item(first)
        self.planOpened.emit(plan.id)

    # A unit moves its own plan 草稿 → 已导出 → 已报送; 已受理 / 已退回 are the receiving office's.
    OWN_STATUSES = ("草稿", "已导出", "已报送")

    def _allowed_statuses(self) -> tuple[str, ...]:
        return self.OWN_STATUSES if self.role in ("学校", None) else PLAN_STATUSES

    def _show_plan_header(self) -> None:
        allowed = self._allowed_statuses()
        model = self.status_combo.model()
        for i, st in enumerate(PLAN_STATUSES):
            model.item(i).setEnabled(st in allowed or st == self.plan.status)
        p, f = self.plan, self.view.form
        self.plan_title.setText(f"{p.unit_name} · {p.year}年{p.kind} · {f.title}（{f.doc_no or f.id}）· 第{p.revision}版")
        self.status_combo.setCurrentText(p.status)
        self.status_combo.setToolTip(p.status_reason or "")
        self.setWindowTitle(f"{p.unit_name} {p.year}年{p.kind} — 产教融合实施方案填报")

    def close_plan(self) -> None:
        self.flush()
        self.plan = self.view = self.data = None
        self.problems = []
        self.item_no = None
        self.model.clear()
        self.editor.set_item(None, None, None, None, [])
        self.sections.fill(None)
        self.sections.setEnabled(False)
        self.panel.set_problems([])
        self.plan_title.setText("未打开方案")
        self.counts_label.setText("")
        self.complete_label.setText("")
        self._update_actions()

    def select_item(self, item_no: int) -> None:
        row = self.model.row_of(item_no)
        if row < 0:
            return
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if not idx.isValid():  # filtered out: show everything again
            self.filter_combo.setCurrentIndex(0)
            self.search.clear()
            idx = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(idx)
        if self.item_no != item_no:  # currentRowChanged may not fire (same row after filtering)
            self._show_item(item_no)

    def _row_changed(self, cur, _prev) -> None:
        if cur.isValid():
            self._show_item(self.proxy.data(cur, ITEM_ROLE))

    def _show_item(self, item_no: int) -> None:
        self.flush()
        self.item_no = item_no
        self.editor.set_item(self.view, self.plan, item_no, self.data, self.problems)

    # -------------------------------------------------------------- autosave
    def label_for(self, e: Edit) -> str:
        if e.key.startswith("section:"):
            return next((d.label for d in self.store.catalog.base_fields.sections if d.key == e.key[8:]), e.key)
        if e.key.startswith(("target:", "actual:")):
            which, k = e.key.split(":", 1)
            ind = self.view.indicator_map[k][1] if self.view and k in self.view.indicator_map else None
            return (ind.name if ind else k) + ("目标值" if which == "target" else "完成值")
        decl = self.view.field_map.get(e.key) if self.view else None
        return decl.label if decl else e.key

    def _on_edited(self, item_no: int, key: str, value) -> None:
        if self.plan is None:
            return
        if self.pending_plan not in (None, self.plan.id):
            self.flush()
        self.pending_plan = self.plan.id
        self.pending[(item_no, key)] = value
        self.saved_label.setText("正在保存…")
        self._timer.start()

    def _old_value(self, item_no: int, key: str):
        if key.startswith("section:"):
            return self.data.sections.get(key[8:])
        if key.startswith(("target:", "actual:")):
            which, k = key.split(":", 1)
            t, a = self.data.indicators.get(k, (None, None))
            return t if which == "target" else a
        return self.data.values.get(item_no, {}).get(key)

    def flush(self) -> bool:
        """Write pending edits now (autosave timer, item/plan switch, close). False if refused."""
        self._timer.stop()
        if not self.pending:
            return True
        pending, plan_id = self.pending, self.pending_plan
        self.pending, self.pending_plan = {}, None
        new = [Edit(no, k, v) for (no, k), v in pending.items()]
        same_plan = self.plan is not None and self.plan.id == plan_id
        old = [Edit(e.item_no, e.key, self._old_value(e.item_no, e.key)) for e in new] if same_plan else []
        try:
            changed = self.store.apply_edits(plan_id, new)
        except InputError as err:
            self.saved_label.setText("未保存")
            self.statusBar().showMessage(f"未保存：{err}", 8000)
            QMessageBox.warning(self, "无法保存", str(err))
            return False
        if changed and same_plan:
            self.undo.push(EditCommand(self, plan_id, new, old, applied=True))
        self._mark_saved()
        if same_plan:
            self.refresh(skip={k for (_no, k) in pending})
        self.saved.emit()
        return True

    def do_undo(self) -> None:
        self.flush()  # a pending edit becomes the command undone
        self.undo.undo()

    def do_redo(self) -> None:
        self.flush()
        self.undo.redo()

    def apply_from_history(self, plan_id: int, edits: list[Edit]) -> None:
        """Undo/redo: write the edits, then show the plan and item they belong to."""
        try:
            self.store.apply_edits(plan_id, edits)
        except InputError as err:
            QMessageBox.warning(self, "无法撤销/重做", str(err))
            return
        self._mark_saved()
        if not self.plan or self.plan.id != plan_id:
            self.open_plan(plan_id, edits[0].item_no)
        else:
            self.refresh()
            if edits[0].key.startswith("section:"):
                self.right.setCurrentWidget(self.sections)
            else:
                self.select_item(edits[0].item_no)
                self.right.setCurrentWidget(self.editor)
            self.editor.fill(self.data, self.problems)
        self.saved.emit()

    def _mark_saved(self) -> None:
        self.last_saved = dt.datetime.now()
        self.saved_label.setText(f"已保存 {self.last_saved:%H:%M:%S}")

    def refresh(self, skip=(), touch: bool = False) -> None:
        """Re-read the open plan after a write and update every view of it."""
        if self.plan is None:
            return
        if touch:
            self._mark_saved()
        self.plan = self.store.get_plan(self.plan.id)
        self.data = self.store.plan_data(self.plan.id)
        self.problems = validate(self.view, self.plan.kind, self.data)
        self.model.refresh(self.data, self.problems)
        self.editor.fill(self.data, self.problems, skip=skip)
        self.sections.fill(self.data, skip=skip)
        self.panel.set_problems(self.problems)
        self._show_plan_header()
        self._update_counts()

    def _update_counts(self) -> None:
        e, w, _x = self.panel.counts
        self.counts_label.setText(f"错误 {e} · 警告 {w}")
        self.complete_label.setText(f"完成度 {completeness(self.view, self.plan.kind, self.data)}")

    # --------------------------------------------------------- validation
    def jump_to(self, item_no: int, field_key: str) -> None:
        self.select_item(item_no)
        self.editor.focus_field(field_key)

    def save_explanation(self, problem, text: str) -> None:
        try:
            self.store.explain(self.plan.id, problem.item_no, problem.rule_id, problem.field_key, text)
        except InputError as err:
            QMessageBox.warning(self, "无法保存说明", str(err))
            return
        self.refresh(touch=True)

    # ----------------------------------------------------- plan operations
    def change_status(self, status: str) -> None:
        if self.plan is None or status == self.plan.status:
            return
        reason = None
        if status == "已退回":
            reason, ok = QInputDialog.getMultiLineText(self, "退回方案", "退回理由：")
            if not ok:
                self.status_combo.setCurrentText(self.plan.status)
                return
        try:
            self.plan = self.store.set_status(self.plan.id, status, reason)
        except InputError as err:
            QMessageBox.warning(self, "无法变更状态", str(err))
        self.status_combo.setCurrentText(self.plan.status)
        it = self.tree_index.get(("plan", self.plan.id))
        if it is not None:
            it.setText(plan_label(self.plan))
        self._show_plan_header()

    def new_plan(self) -> None:
        from .dialogs import NewPlanDialog

        code = self.unit_code
        if not code:
            QMessageBox.information(self, "新建方案", "请先在左侧选择单位。")
            return
        dlg = NewPlanDialog(self.store, self.store.get_unit(code), self.year, self)
        if dlg.exec() and dlg.created:
            self.reload_tree()
            self.open_plan(dlg.created.id)

    def duplicate_last_year(self):
        code = self.plan.unit_code if self.plan else self.unit_code
        if not code:
            QMessageBox.information(self, "复制上年方案", "请先在左侧选择单位。")
            return None
        prev = self.store.list_plans(unit_code=code, year=self.year - 1)
        if not prev:
            QMessageBox.information(self, "复制上年方案", f"该单位没有 {self.year - 1} 年的方案可复制。")
            return None
        try:
            info = self.store.duplicate_plan(prev[0].id, self.year)
        except InputError as err:
            QMessageBox.warning(self, "复制上年方案", str(err))
            return None
        self.plan = None
        self.reload_tree()
        self.open_plan(info.id)
        self.statusBar().showMessage(f"已将 {self.year - 1} 年方案复制为 {self.year} 年草稿", 5000)
        return info

    # ------------------------------------------------------------ settings
    def restore(self, s=None) -> None:
        s = s or settings()
        geo, state = s.value("window/geometry"), s.value("window/state")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        split = s.value("window/splitter")
        if isinstance(split, QByteArray):
            self.splitter.restoreState(split)
        plan_id = get_int(s, "last/plan")
        unit = get_str(s, "last/unit")
        if plan_id:
            self.open_plan(plan_id, get_int(s, "last/item"))
        if self.plan is None and unit:
            self.unit_code = unit
            self._select_tree(("unit", unit))

    def save_settings(self) -> None:
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("year", self.year)
        s.setValue("last/unit", self.unit_code or "")
        s.setValue("last/plan", self.plan.id if self.plan else "")
        s.setValue("last/item", self.item_no or "")
        s.sync()

    def closeEvent(self, event) -> None:
        if not self.flush():
            event.ignore()
            return
        self.save_settings()
        super().closeEvent(event)
