"""The main window: unit tree | checklist | item editor, validation dock, autosave, undo."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import (
    QByteArray, QCoreApplication, QEvent, QItemSelectionModel, QSize, Qt, QThreadPool, QTimer, Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QComboBox, QHeaderView, QLabel, QLineEdit, QMainWindow, QMessageBox,
    QSplitter, QTableView, QTabWidget, QToolBar, QTreeView, QVBoxLayout, QWidget,
)

from ..core.edits import Edit, Kind, Ref
from ..core.errors import InputError
from ..core.validation import completeness, validate
from ..core.vocab import Origin, PlanState
from . import authoring, input_policy, operations, screen
from .commands import EditCommand
from .editor import ItemEditor
from .help import show_about, show_guide
from .models import ITEM_ROLE, KIND_ROLE, REF_ROLE, ChecklistFilter, ChecklistModel, UnitTree, UnitTreeModel
from .sections import SectionsEditor
from .settings import UiSettings
from .validation_panel import ValidationPanel
from .widgets import year_spin
from .worker import run_job

AUTOSAVE_MS = 400
RETRY_MS = 5000  # after a failed write (disk full, database locked): try again this often
WANT = QSize(1680, 1010)  # a new main window: this, or what the screen allows


OPENING = "正在打开数据库，请稍候…"


class MainWindow(QMainWindow):
    saved = Signal()  # after every autosave write
    planOpened = Signal(int)

    def __init__(self, store=None, ui: UiSettings | None = None, parent=None):
        """``store`` None: the window paints first and :meth:`attach` gives it the store once the
        database (SQLAlchemy, the catalogue) is open - the start-up of the app."""
        super().__init__(parent)
        self.store = None
        self.opening = None  # the worker Task opening the database at start (app.Session)
        self._reopen_last = False  # restore() came before the store: reopen the last plan on attach
        if ui is None:
            from ..core.paths import AppPaths

            ui = UiSettings(AppPaths.user().window_file)
        self.ui = ui
        self.plan = self.view = self.data = None
        self.problems: list = []
        self.unit_code: str | None = None
        self.item_no: int | None = None
        self.last_saved: dt.datetime | None = None
        self.pending: dict[Ref, object] = {}
        self.pending_plan: int | None = None
        self.save_error: str | None = None  # why the last write failed (edits kept in ``pending``)
        self.undo = QUndoStack(self)
        self.setWindowTitle("产教融合实施方案填报")
        self.setObjectName("main_window")
        self._timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._timer.timeout.connect(lambda: self.flush(commit_typing=False))  # a date half typed stays so
        self.role = None
        self._build()
        self._menus()
        self.year_spin.blockSignals(True)
        self.year_spin.setValue(self.ui.int("year") or dt.date.today().year)
        self.year_spin.blockSignals(False)
        self._tree_loaded = False  # filled after the first paint: a province has thousands of units
        self._tree_job = 0  # the latest tree load (an older one's result is dropped)
        QApplication.instance().focusChanged.connect(self._focus_changed)
        input_policy.install(QApplication.instance())  # make_app does too; a window never runs without it
        self._set_usable(False)
        if store is not None:
            self.attach(store)

    def attach(self, store) -> None:
        """The window's store: the checklists' chapters, the tree's labels; the last plan reopens
        if :meth:`restore` ran before, and the unit tree loads after the next paint."""
        self.store = store
        self.role = store.actor.role  # UserRole id from the first-start wizard
        self.tree_model.vocab = store.vocab
        self.editor.store = store
        self.sections.set_sections(store.catalog.base_fields.sections)
        self.sections.setEnabled(self.plan is not None)
        self._set_usable(True)
        if self._reopen_last:
            self._reopen_last = False
            self._restore_plan()
        self.update()  # the paint loads the unit tree

    def _set_usable(self, on: bool) -> None:
        """Before the store is attached nothing can be asked of it: menus and panes wait, and the
        window says so (an empty window reading 未打开方案 looked as if the plans were gone)."""
        for w in (self.menuBar(), self.toolbar, self.splitter, self.panel):
            w.setEnabled(on)
        if not on:
            self.plan_title.setText(OPENING)
            self.statusBar().showMessage(OPENING)
        else:
            if self.plan is None and self.plan_title.text() == OPENING:
                self.plan_title.setText("未打开方案")
            self.statusBar().clearMessage()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.tree_model = UnitTreeModel(None, self)  # its labels' vocabulary comes with the store
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)  # one row height: a county of 1,000 schools lays out at once
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
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)  # more rows fit
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
        self.banner = QLabel()
        self.banner.setObjectName("state_banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.plan_title)
        ml.addWidget(self.banner)
        ml.addWidget(self.table)

        self.editor = ItemEditor(self.store)
        self.editor.edited.connect(self._on_edited)
        self.editor.evidenceChanged.connect(lambda: self.refresh(touch=True))
        self.sections = SectionsEditor()  # the chapters' fields come with the store (attach)
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
        self.state_label = QLabel("—")
        self.state_label.setObjectName("state_label")
        tb.addWidget(self.state_label)
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
        self.act_submit = self._action(f, "报送…", self.submit, "Ctrl+Return", "act_submit")
        self.act_withdraw = self._action(f, "撤回报送", self.withdraw, None, "act_withdraw")
        f.addSeparator()
        self.act_word = self._action(f, "导出 Word（正式稿）…", lambda: operations.export_word(self), "Ctrl+E")
        self.act_xlsx = self._action(f, "导出 Excel 报送表（正式稿）…", lambda: operations.export_xlsx(self),
                                     "Ctrl+Shift+E")
        self.act_word_draft = self._action(f, "导出 Word 征求意见稿…", lambda: operations.export_word(self, draft=True))
        self.act_xlsx_draft = self._action(f, "导出 Excel 草稿…", lambda: operations.export_xlsx(self, draft=True))
        self._action(f, "批量导出 Word（所选单位及下级）…", lambda: operations.export_word_batch(self))
        self._action(f, "导出空白模板…", lambda: operations.export_template(self))
        f.addSeparator()
        self._action(f, "导入报送表…", lambda: operations.import_sheets(self), "Ctrl+I")
        self._action(f, "导入文件夹中的报送表…", lambda: operations.import_sheets(self, folder=True))
        authoring.add_menu(self, f)  # 新建清单… / 修改清单… / 导出清单… / 导入清单…
        f.addSeparator()
        self._action(f, "备份数据…", lambda: _backup_dialogs().backup_data(self))  # core/backup.py
        self._action(f, "恢复数据…", lambda: _backup_dialogs().restore_data(self))
        f.addSeparator()
        self.act_quit = self._action(f, "退出", self.close, QKeySequence.StandardKey.Quit, "act_quit")
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
        e.addSeparator()
        self.act_units = self._action(e, "单位管理…", self.manage_units, None, "act_units")
        v = mb.addMenu("视图(&V)")
        v.addAction(self.panel.toggleViewAction())
        v.addAction(self.toolbar.toggleViewAction())
        v.addSeparator()
        self._action(v, "汇总…", lambda: operations.open_summary(self), "Ctrl+Shift+S")
        self._action(v, "方案历史…", self.show_history)
        self._action(v, "刷新", self.reload_tree, QKeySequence.StandardKey.Refresh)
        h = mb.addMenu("帮助(&H)")
        self._action(h, "使用说明", lambda: show_guide(self), QKeySequence.StandardKey.HelpContents)
        self._action(h, "关于", lambda: show_about(self))
        self._action(h, "关于 Qt", lambda: QMessageBox.aboutQt(self))
        self._update_actions()

    def _update_actions(self) -> None:
        on = self.plan is not None
        for a in (self.act_word, self.act_xlsx, self.act_word_draft, self.act_xlsx_draft):
            a.setEnabled(on)
        state = PlanState(self.plan.state) if on else None
        self.act_submit.setEnabled(on and state in _editable())
        self.act_withdraw.setEnabled(on and state == PlanState.SUBMITTED)

    # -------------------------------------------------------------------- tree
    @property
    def year(self) -> int:
        return self.year_spin.value()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._tree_loaded and self.store is not None:
            self._tree_loaded = True
            QTimer.singleShot(0, self.load_tree)

    def reload_tree(self) -> None:
        """Fill the unit tree now (after a change the caller made and is about to show)."""
        self._tree_loaded = True
        self._tree_job += 1  # a load still running in the background is superseded
        self._show_tree(self._read_tree(self.year))

    def load_tree(self) -> None:
        """Fill the unit tree from a worker thread (start-up: a province has 10,000 units), the
        GUI thread staying free; a newer load or :meth:`reload_tree` supersedes it."""
        self._tree_loaded = True
        self._tree_job += 1
        job, year = self._tree_job, self.year

        def done(tree) -> None:
            if job == self._tree_job:
                self._show_tree(tree)

        self.tree_task = run_job(self, "正在读取单位", lambda _job: self._read_tree(year), done,
                                 lambda err: self.statusBar().showMessage(f"单位列表未能读取：{err}", 8000),
                                 show_dialog=False)

    def _read_tree(self, year: int) -> UnitTree:
        """The tree's content read from the store (plain objects: may run on a worker thread)."""
        return UnitTree(self.store.units.list(), self.store.plans.list(year=year), year)

    def _show_tree(self, tree: UnitTree) -> None:
        self.tree_model.set_tree(tree)
        self.tree_index = tree.index
        self._select_tree(("plan", self.plan.id) if self.plan else ("unit", self.unit_code))

    def _select_tree(self, key) -> None:
        idx = self.tree_model.index_of(key)
        if not idx.isValid():
            return
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
            plans = self.store.plans.list(unit_code=ref, year=self.year)
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
            same = self.store.plans.find(plan.unit_code, plan.form_id, year, plan.kind)
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
            plan = self.store.plans.get(plan_id)
        except InputError:
            return self.close_plan()
        if plan.year != self.year:
            self.year_spin.blockSignals(True)
            self.year_spin.setValue(plan.year)
            self.year_spin.blockSignals(False)
            self.plan = plan
            self.reload_tree()
        self.plan, self.unit_code = plan, plan.unit_code
        self.view = self.store.plans.view_for(plan)
        self.editor.set_departments(self.store.plans.departments(plan.unit_code))
        self.data = self.store.plans.snapshot(plan.id)
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

    def _show_plan_header(self) -> None:
        p, f = self.plan, self.view.form
        label = self.store.vocab.label
        filed = f" · 第{p.submission_no}次报送" if p.submission_no else ""
        self.plan_title.setText(f"{p.unit_name} · {p.year}年{p.kind} · {f.title}（{f.doc_no or f.id}）{filed}")
        self.state_label.setText(label(p.state) + (f"（第{p.submission_no}次）" if p.submission_no else ""))
        self.state_label.setToolTip(p.review_reason or "")
        self.setWindowTitle(f"{p.unit_name} {p.year}年{p.kind} — 产教融合实施方案填报")
        state = PlanState(p.state)
        read_only = state not in _editable()
        self.editor.set_read_only(read_only)
        self.sections.set_read_only(read_only)
        if read_only:
            from ..core.lifecycle import Action

            why = self.store.lifecycle.verdict(p.id, Action.EDIT).reason
            hint = "可在“文件 → 撤回报送”撤回后修改。" if state == PlanState.SUBMITTED else ""
            self._banner(f"只读：{why}。{hint}", "#e8f0fe")
        elif state == PlanState.RETURNED:
            self._banner(f"第{p.submission_no}次报送已退回：{p.review_reason or '—'}。请修改后重新报送（文件 → 报送）。",
                         "#fde9c9")
        else:
            self.banner.hide()
        self._update_actions()

    def _banner(self, message: str, color: str) -> None:
        self.banner.setText(message)
        self.banner.setStyleSheet(f"background: {color}; padding: 6px; border-radius: 3px;")
        self.banner.show()

    def close_plan(self) -> None:
        self.flush()
        self.plan = self.view = self.data = None
        self.problems = []
        self.item_no = None
        self.model.clear()
        self.editor.set_item(None, None, None, None, [])
        self.banner.hide()
        self.state_label.setText("—")
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
        if self.pending and self.pending_plan == self.plan.id:  # a failed save: the typing is still shown
            self.editor.show_pending(self.pending)

    # -------------------------------------------------------------- autosave
    def label_for(self, e: Edit) -> str:
        ref = e.ref
        if ref.kind == Kind.SECTION:
            decl = self.store.catalog.base_fields.section(ref.key)
            return decl.label if decl else ref.key
        if ref.is_indicator:
            ind = self.view.indicator_map[ref.key][1] if self.view and ref.key in self.view.indicator_map else None
            return (ind.name if ind else ref.key) + ("目标值" if ref.kind == Kind.TARGET else "完成值")
        decl = self.view.field_map.get(ref.key) if self.view else None
        return decl.label if decl else ref.key

    def _on_edited(self, ref: Ref, value) -> None:
        if self.plan is None:
            return
        if self.pending_plan not in (None, self.plan.id):
            self.flush()
        self.pending_plan = self.plan.id
        self.pending[ref] = value
        self.saved_label.setText("正在保存…" if self.save_error is None else "未保存")
        self._timer.start(AUTOSAVE_MS if self.save_error is None else RETRY_MS)

    def _old_value(self, ref: Ref):
        if ref.kind == Kind.SECTION:
            return self.data.sections.get(ref.key)
        if ref.is_indicator:
            t, a = self.data.indicators.get(ref.key, (None, None))
            return t if ref.kind == Kind.TARGET else a
        return self.data.values.get(ref.item_no, {}).get(ref.key)

    def _focus_changed(self, old, _new) -> None:
        """Leaving a field saves it at once (not 0.4 s later): focus-out is a natural checkpoint."""
        if old is not None and self.pending and (self.editor.isAncestorOf(old) or self.sections.isAncestorOf(old)):
            QTimer.singleShot(0, lambda: self.flush(commit_typing=False))  # the field left has committed itself

    def flush(self, commit_typing: bool = True) -> bool:
        """Write pending edits now (autosave timer, focus-out, item/plan switch, close, SIGTERM).

        ``commit_typing``: first take in a date or number still being typed (not from the autosave
        timer: "2027-6" of "2027-6-30" is a valid month and would be saved as 2027-06-30).

        False if nothing could be written: a refused value (reported; the field keeps the typed
        text) or a failed write (disk full, database locked …: reported once, the edits stay
        pending and on screen, and are written again every few seconds)."""
        self._timer.stop()
        if commit_typing:
            self.editor.commit_typing()
        if not self.pending:
            return True
        pending, plan_id = self.pending, self.pending_plan
        self.pending, self.pending_plan = {}, None
        new = [Edit(ref, v) for ref, v in pending.items()]
        same_plan = self.plan is not None and self.plan.id == plan_id
        old = [Edit(e.ref, self._old_value(e.ref)) for e in new] if same_plan else []
        try:
            changed = self.store.plans.apply_edits(plan_id, new, into=self.data if same_plan else None)
        except InputError as err:
            return self._refused(err, plan_id, new, old, same_plan)
        except Exception as err:  # noqa: BLE001 - any failed write keeps the typing, never drops it
            return self._write_failed(err, pending, plan_id)
        self._saved_edits(changed, plan_id, new, old, same_plan, pending)
        return True

    def _saved_edits(self, changed, plan_id, new, old, same_plan, pending) -> None:
        if self.save_error:
            self.save_error = None
            self.statusBar().showMessage("已重新保存，之前未能保存的修改已写入", 8000)
        if changed and same_plan:
            self.undo.push(EditCommand(self, plan_id, new, old, applied=True))
        self._mark_saved()
        if same_plan:  # the store brought self.data up to date: nothing to re-read
            self.plan = self.data.plan
            self.refresh(skip=set(pending), reread=False)
            if any(r.kind == Kind.FIELD and r.key in self._dept_keys() for r in pending):  # a new department
                self.editor.set_departments(self.store.plans.departments(self.plan.unit_code))
        self.saved.emit()

    def _dept_keys(self) -> set[str]:
        return {f.key for f in (self.view.fields if self.view else ()) if f.type in ("dept", "dept_list")}

    def _refused(self, err: InputError, plan_id, new, old, same_plan) -> bool:
        """A value the core refuses (too long, read-only plan): the others of the batch are still
        saved; the refused one stays in its field as typed, with the reason."""
        if same_plan and len(new) > 1:
            good, olds = [], []
            for e, o in zip(new, old):
                try:
                    self.store.plans.check_edit(self.view, e)
                except InputError:
                    continue
                good.append(e)
                olds.append(o)
            if good and len(good) < len(new):
                try:
                    changed = self.store.plans.apply_edits(plan_id, good, into=self.data)
                    # every field of the batch is skipped on refresh: the refused one keeps its typing
                    self._saved_edits(changed, plan_id, good, olds, same_plan, {e.ref: e.value for e in new})
                except Exception:  # noqa: BLE001 - the plan itself is refused (read-only): reported below
                    pass
        self.saved_label.setText("未保存")
        self.statusBar().showMessage(f"未保存：{err}", 8000)
        QMessageBox.warning(self, "无法保存", f"{err}\n\n输入的内容仍保留在界面上，请修改后再保存。")
        return False

    def _write_failed(self, err: Exception, pending: dict, plan_id) -> bool:
        self.pending = {**pending, **self.pending}  # newer typing (during the message) wins
        self.pending_plan = plan_id
        first = self.save_error is None
        self.save_error = storage_message(err)
        self.saved_label.setText("未保存")
        self.statusBar().showMessage(f"未保存：{self.save_error}", 0)
        self._timer.start(RETRY_MS)
        if first:
            QMessageBox.critical(self, "无法保存", f"{self.save_error}\n\n您输入的内容仍保留在界面上，"
                                 f"本程序每 {RETRY_MS // 1000} 秒自动重试保存；关闭程序前请先排除问题。")
        return False

    def do_undo(self) -> None:
        self.flush()  # a pending edit becomes the command undone
        self.undo.undo()

    def do_redo(self) -> None:
        self.flush()
        self.undo.redo()

    def apply_from_history(self, plan_id: int, edits: list[Edit]) -> None:
        """Undo/redo: write the edits, then show the plan and item they belong to."""
        try:
            self.store.plans.apply_edits(plan_id, edits)
        except InputError as err:
            QMessageBox.warning(self, "无法撤销/重做", str(err))
            return
        self._mark_saved()
        first = edits[0].ref
        if not self.plan or self.plan.id != plan_id:
            self.open_plan(plan_id, first.item_no or None)
        else:
            self.refresh()
            if first.kind == Kind.SECTION:
                self.right.setCurrentWidget(self.sections)
            else:
                self.select_item(first.item_no)
                self.right.setCurrentWidget(self.editor)
            self.editor.fill(self.data, self.problems)
        self.saved.emit()

    def _mark_saved(self) -> None:
        self.last_saved = dt.datetime.now()
        self.saved_label.setText(f"已保存 {self.last_saved:%H:%M:%S}")

    def refresh(self, skip=(), touch: bool = False, reread: bool = True) -> None:
        """Re-read the open plan after a write and update every view of it (``reread=False``:
        ``self.data`` is already current, as after an autosave)."""
        if self.plan is None:
            return
        if touch:
            self._mark_saved()
        if reread:
            self.plan = self.store.plans.get(self.plan.id)
            self.data = self.store.plans.snapshot(self.plan.id)
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
            self.store.plans.explain(self.plan.id, problem.item_no, problem.rule_id, problem.field_key, text)
        except InputError as err:
            QMessageBox.warning(self, "无法保存说明", str(err))
            return
        self.refresh(touch=True)

    # ----------------------------------------------------- plan operations
    def submit(self) -> bool:
        """报送: the lifecycle checks the plan; the user confirms what it means (read-only after)."""
        if self.plan is None or not self.flush():
            return False
        from ..core.lifecycle import Action

        v = self.store.lifecycle.verdict(self.plan.id, Action.SUBMIT)
        if not v.allowed:
            lines = "\n".join(p.message for p in v.problems[:15])
            QMessageBox.warning(self, "不能报送", v.reason + (f"\n\n{lines}" if lines else ""))
            if v.problems:
                self.panel.raise_()
            return False
        n = self.plan.submission_no + 1
        ans = QMessageBox.question(self, "报送", f"将本方案作为第{n}次报送？\n报送后方案只读，可导出正式的 Word 和 Excel 文件"
                                   "报送上级；审核前可撤回修改。")
        if ans != QMessageBox.StandardButton.Yes:
            return False
        try:
            sub = self.store.lifecycle.submit(self.plan.id, origin=Origin.UI)
        except InputError as err:
            QMessageBox.warning(self, "不能报送", str(err))
            return False
        self._after_transition(f"已报送（第{sub.number}次报送）")
        return True

    def withdraw(self) -> bool:
        if self.plan is None:
            return False
        ans = QMessageBox.question(self, "撤回报送", f"撤回第{self.plan.submission_no}次报送，方案回到草稿以便修改？\n"
                                   "（已发出的文件不会随之收回，修改后请重新报送。）")
        if ans != QMessageBox.StandardButton.Yes:
            return False
        try:
            self.store.lifecycle.withdraw(self.plan.id, origin=Origin.UI)
        except InputError as err:
            QMessageBox.warning(self, "不能撤回", str(err))
            return False
        self._after_transition("已撤回，方案可修改")
        return True

    def _after_transition(self, message: str) -> None:
        self.refresh()
        self.tree_model.set_plan(self.plan)
        self.statusBar().showMessage(message, 8000)

    def show_history(self) -> None:
        if self.plan is None:
            return
        from .dialogs import HistoryDialog

        self.history_dialog = HistoryDialog(self.store, self.plan, self)
        self.history_dialog.open()

    def new_plan(self) -> None:
        from .dialogs import NewPlanDialog

        code = self.unit_code
        if not code:
            QMessageBox.information(self, "新建方案", "请先在左侧选择单位。")
            return
        dlg = NewPlanDialog(self.store, self.store.units.get(code), self.year, self)
        if dlg.exec() and dlg.created:
            self.reload_tree()
            self.open_plan(dlg.created.id)

    def duplicate_last_year(self):
        code = self.plan.unit_code if self.plan else self.unit_code
        if not code:
            QMessageBox.information(self, "复制上年方案", "请先在左侧选择单位。")
            return None
        prev = self.store.plans.list(unit_code=code, year=self.year - 1)
        if not prev:
            QMessageBox.information(self, "复制上年方案", f"该单位没有 {self.year - 1} 年的方案可复制。")
            return None
        try:
            info = self.store.plans.duplicate(prev[0].id, self.year)
        except InputError as err:
            QMessageBox.warning(self, "复制上年方案", str(err))
            return None
        self.plan = None
        self.reload_tree()
        self.open_plan(info.id)
        self.statusBar().showMessage(f"已将 {self.year - 1} 年方案复制为 {self.year} 年草稿", 5000)
        return info

    # ------------------------------------------------------------ settings
    def restore(self) -> None:
        s = self.ui
        screen.fit(self, s, "window/geometry", WANT)
        state = s.value("window/state")
        if not isinstance(state, QByteArray):  # first start: a 768-pixel screen keeps room for the editor
            lines = 9 if screen.available(self).height() > 900 else 5
            self.resizeDocks([self.panel], [self.fontMetrics().lineSpacing() * lines], Qt.Orientation.Vertical)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        split = s.value("window/splitter")
        if isinstance(split, QByteArray):
            self.splitter.restoreState(split)
        if self.store is None:
            self._reopen_last = True
        else:
            self._restore_plan()

    def _restore_plan(self) -> None:
        """The plan (else the unit) open when the app was last closed."""
        s = self.ui
        plan_id = s.int("last/plan")
        unit = s.str("last/unit")
        if plan_id:
            self.open_plan(plan_id, s.int("last/item"))
        if self.plan is None and unit:
            self.unit_code = unit
            self._select_tree(("unit", unit))

    def save_settings(self) -> None:
        s = self.ui
        s.set("window/geometry", self.saveGeometry())
        s.set("window/state", self.saveState())
        s.set("window/splitter", self.splitter.saveState())
        s.set("year", self.year)
        if self.store is not None:  # closed before the database opened: the last plan stays the last
            s.set("last/unit", self.unit_code or "")
            s.set("last/plan", self.plan.id if self.plan else "")
            s.set("last/item", self.item_no or "")
        s.sync()

    def _finish_opening(self) -> None:
        """Closed while the database is still opening: let that finish and attach first, so the
        session ends as a started one does (its last plan remembered, no upgrade cut short)."""
        if self.store is None and self.opening is not None:
            QThreadPool.globalInstance().waitForDone()
            QCoreApplication.sendPostedEvents(self.opening, QEvent.Type.MetaCall)  # its done/failed slot

    def closeEvent(self, event) -> None:
        self._finish_opening()
        if not self.flush():
            if not self.pending:  # a refused value: the user has just been told; stay open once
                event.ignore()
                return
            ans = QMessageBox.question(
                self, "修改未能保存", f"有 {len(self.pending)} 处修改未能保存：{self.save_error}\n\n"
                "仍然退出将丢失这些修改。是否退出？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if ans != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.pending.clear()
        self.save_settings()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """The session ends without asking (SIGTERM, logout): write what can be written, remember
        the layout, close."""
        self._finish_opening()
        try:
            self.flush()
        finally:
            self.pending.clear()
            self.save_settings()

    def manage_units(self) -> None:
        from .units_dialog import UnitsDialog

        if not self.flush():
            return
        code = self.plan.unit_code if self.plan else self.unit_code
        self.units_dialog = UnitsDialog(self.store, self.ui, self, select=code)
        self.units_dialog.changed.connect(self._units_changed)
        self.units_dialog.show()

    def _units_changed(self) -> None:
        """Units were added, edited, moved or merged: the tree and the open plan's header follow."""
        if self.plan is not None:
            try:
                self.plan = self.store.plans.get(self.plan.id)
                self.unit_code = self.plan.unit_code
                self._show_plan_header()
            except InputError:
                self.close_plan()
        self.reload_tree()


def warm_up(store, plan_id: int | None) -> None:
    """The reads that reopening the last plan makes, done once where the database is opened (a
    worker thread at start): SQLAlchemy compiles its statements and the catalogue builds the
    form's view there, so :meth:`MainWindow.attach` does not block the GUI thread doing it."""
    from ..core.lifecycle import Action

    if not plan_id:
        return
    try:
        plan = store.plans.get(plan_id)
        store.plans.view_for(plan)
        store.plans.departments(plan.unit_code)
        store.plans.snapshot(plan.id)
        store.lifecycle.verdict(plan.id, Action.EDIT)
    except InputError:  # deleted meanwhile: attach shows no plan, as restore() would
        pass


def _backup_dialogs():
    """文件 → 备份数据… / 恢复数据… (imported when used: it loads the store's modules)."""
    from . import backup_dialogs

    return backup_dialogs


def _editable() -> frozenset:
    """The lifecycle's editable states (imported with the store: the window paints without SQLAlchemy)."""
    from ..core.lifecycle import EDITABLE

    return EDITABLE


def storage_message(err: Exception) -> str:
    """One line for a failed write, naming the likely cause a user can fix."""
    text = str(getattr(err, "orig", None) or err)
    low = text.lower()
    if "disk is full" in low or "no space" in low or "disk full" in low:
        why = "磁盘空间已满，数据库无法写入"
    elif "locked" in low or "busy" in low:
        why = "数据库正被其他程序占用"
    elif "readonly" in low or "read-only" in low or "permission" in low:
        why = "数据库文件不可写（只读或无权限）"
    else:
        why = "数据库写入失败"
    return f"{why}（{text.splitlines()[0][:120] if text else type(err).__name__}）"
