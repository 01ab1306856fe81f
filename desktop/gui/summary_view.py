"""汇总: filing roster with review, item progress with drill-down, indicators, charts, exports.

A thin view over desktop.summary: computation and exports run on a worker thread
(desktop.ui.worker.run_job) with progress and 取消; the core is imported inside the slots so
opening the main window never pays for it. Charts (gui/barchart.py, QPainter) draw the same
Summary the exports use.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
    QMessageBox, QPlainTextEdit, QPushButton, QSizePolicy, QSpinBox, QSplitter, QTableView, QTabWidget, QVBoxLayout,
    QWidget,
)

from ..core import fmt
from ..core.errors import InputError
from ..core.lifecycle import Action
from ..core.vocab import NOT_FILED, Meaning, Origin, PlanState, Role
from . import screen
from .barchart import BarChart, Series
from .widgets import ok_cancel
from .worker import run_job

# colours of the progress meanings (未启动 / 已完成 / 不适用 …) and of roster states
MEANING_COLORS = {Meaning.NOT_STARTED: "#c0504d", Meaning.DONE: "#5b9b55", Meaning.NOT_APPLICABLE: "#a6a6a6"}
OTHER_PROGRESS, NO_PROGRESS = "#f0ad4e", "#dddddd"
ROSTER_COLORS = {NOT_FILED: "#fde2e1", PlanState.RETURNED: "#fde9c9", PlanState.ACCEPTED: "#dff0d8"}


_pct = fmt.percent
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # numbers sort as numbers, the rest as text


def _num(x) -> str:
    """A total or mean as the summary shows it (two decimals at most, as 汇总报告 and yice summary)."""
    return fmt.figure(x, empty="")


class Ratio(float):
    """A share shown as a percentage and sorted as a number (the roster's 完成度)."""

    def __str__(self) -> str:
        return _pct(float(self))


class RowsModel(QAbstractTableModel):
    """A read-only table of plain rows (tuples of display values) with optional row colours."""

    def __init__(self, headers: list[str], numeric: set[int] = frozenset(), parent=None):
        super().__init__(parent)
        self.headers, self.numeric = headers, numeric
        self.rows: list[tuple] = []
        self.payload: list = []  # the core object behind each row
        self.colors: list[str | None] = []

    def set_rows(self, rows, payload=None, colors=None) -> None:
        self.beginResetModel()
        self.rows = [tuple(r) for r in rows]
        self.payload = list(payload) if payload is not None else [None] * len(self.rows)
        self.colors = list(colors) if colors is not None else [None] * len(self.rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        v = self.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return "" if v is None else str(v)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.numeric:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self.colors[index.row()]:
            return QColor(self.colors[index.row()])
        if role == SORT_ROLE:
            return float(v) if isinstance(v, (int, float)) else ("" if v is None else str(v))
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None


def _table(model: RowsModel, stretch: int | None = None) -> QTableView:
    t = QTableView()
    t.setModel(model)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setAlternatingRowColors(True)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(24)
    h = t.horizontalHeader()
    h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    h.setStretchLastSection(stretch is None)
    if stretch is not None:
        h.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


class ReasonDialog(QDialog):
    """退回理由: OK only once a reason is written (a return needs one); says what a return does."""

    def __init__(self, unit_name: str, parent=None, submission_no: int | None = None):
        super().__init__(parent)
        self.setWindowTitle("退回方案")
        v = QVBoxLayout(self)
        which = f"第{submission_no}次报送" if submission_no else "方案"
        again = f"第{submission_no + 1}次" if submission_no else "重新"
        head = QLabel(f"退回「{unit_name}」的{which}：该单位的方案回到可修改状态，修改后作为{again}报送重新上报；"
                      "这份报送不计入汇总。\n请写明退回理由，理由将随退回意见发给该单位：")
        head.setWordWrap(True)
        v.addWidget(head)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("例如：第13项落实举措过于笼统，请细化到具体项目和时间节点。")
        v.addWidget(self.text)
        self.buttons = ok_cancel(self, "退回")
        v.addWidget(self.buttons)
        self.text.textChanged.connect(self._check)
        self._check()
        self.resize(480, 240)

    def _check(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.reason()))

    def reason(self) -> str:
        return self.text.toPlainText().strip()


class SummaryView(QWidget):
    """The 汇总 widget; ``summary`` holds the last computed desktop.summary.Summary."""

    computed = Signal(object)  # the Summary, after every refresh
    exported = Signal(str)  # the written file
    quality_done = Signal()  # the roster's 错误 / 警告 / 完成度 are filled

    def __init__(self, store, parent=None, form_id: str | None = None, year: int | None = None,
                 under: str | None = None):
        super().__init__(parent)
        import datetime as dt

        self.store = store
        self.summary = None
        self.task = None
        self.setWindowTitle("汇总")

        top = QHBoxLayout()
        self.node = QComboBox()
        self.form = QComboBox()
        for combo, chars in ((self.node, 10), (self.form, 14)):  # long titles must not widen the window
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(chars)
        self.form.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)  # wider when there is room
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(year or dt.date.today().year)
        self.refresh_button = QPushButton("汇总")
        self.xlsx_button = QPushButton("导出汇总表…")
        self.docx_button = QPushButton("导出汇总报告…")
        for w in (QLabel("范围"), self.node, QLabel("清单"), self.form, QLabel("年度"), self.year, self.refresh_button):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.xlsx_button)
        top.addWidget(self.docx_button)
        self.status = QLabel("选择范围、清单和年度后点“汇总”。")
        self.status.setWordWrap(True)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._roster_tab(), "报送情况")
        self.tabs.addTab(self._items_tab(), "任务进度")
        self.tabs.addTab(self._indicator_tab(), "指标汇总")

        v = QVBoxLayout(self)
        v.addLayout(top)
        v.addWidget(self.status)
        v.addWidget(self.tabs, 1)

        self._fill_selectors(form_id, under)
        self.refresh_button.clicked.connect(self.refresh)
        for sig in (self.node.currentIndexChanged, self.form.currentIndexChanged, self.year.editingFinished):
            sig.connect(self._selection_changed)
        self.xlsx_button.clicked.connect(lambda: self._ask_export("xlsx"))
        self.docx_button.clicked.connect(lambda: self._ask_export("docx"))
        self._set_enabled_exports(False)

    # ------------------------------------------------------------ layout
    def _roster_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        bar = QHBoxLayout()
        self.roster_filter = QComboBox()
        label = self.store.vocab.label
        self.roster_filter.addItem("全部单位", None)
        self.roster_filter.addItem(f"催报名单（{label(NOT_FILED)}、{label(PlanState.RETURNED)}）", "chase")
        for st in self.store.vocab.roster_states():
            self.roster_filter.addItem(label(st), st)
        self.roster_filter.currentIndexChanged.connect(self._show_roster)
        self.open_button = QPushButton("查看方案")
        self.accept_button = QPushButton("受理…")
        self.return_button = QPushButton("退回…")
        self.letter_button = QPushButton("生成退回意见…")
        for b in (self.open_button, self.accept_button, self.return_button, self.letter_button):
            b.setEnabled(False)
        self.open_button.setToolTip("只读查看所选单位报送的方案（也可双击该行）")
        self.open_button.clicked.connect(self.open_selected)
        self.accept_button.clicked.connect(self._ask_accept)
        self.return_button.clicked.connect(self._ask_return)
        self.letter_button.clicked.connect(self._ask_letter)
        self.roster_counts = QLabel()
        bar.addWidget(QLabel("显示"))
        bar.addWidget(self.roster_filter)
        bar.addWidget(self.roster_counts, 1)
        for b in (self.open_button, self.accept_button, self.return_button, self.letter_button):
            bar.addWidget(b)
        v.addLayout(bar)
        self.quality: dict = {}  # plan id → PlanQuality (kept across refreshes, by revision)
        self.quality_task = None
        self.roster_model = RowsModel(["单位名称", "所属", "上级单位", "方案类型", "状态", "报送次数", "错误", "警告",
                                       "完成度", "收到日期", "退回理由", "联系人", "联系电话"],
                                      numeric={3, 4, 5, 6, 7, 8, 9})
        self.roster_proxy = QSortFilterProxyModel(self)
        self.roster_proxy.setSourceModel(self.roster_model)
        self.roster_proxy.setSortRole(SORT_ROLE)
        self.roster_view = _table(self.roster_model)
        self.roster_view.setModel(self.roster_proxy)
        self.roster_view.setSortingEnabled(True)
        self.roster_view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # roster order until a header is clicked
        self.roster_view.setObjectName("roster_view")
        self.roster_view.setColumnWidth(0, 260)
        for c in (5, 6, 7, 8):
            self.roster_view.setColumnWidth(c, 62)
        self.roster_view.selectionModel().selectionChanged.connect(self._roster_selected)
        self.roster_view.doubleClicked.connect(lambda _i: self.open_selected())
        self.filing_chart = BarChart()
        self.diff_label = QLabel("选择一个报送过两次以上的单位，可查看与上次报送相比改了什么。")
        self.diff_label.setWordWrap(True)
        self.diff_model = RowsModel(["位置", "上次报送", "本次报送"])
        self.diff_view = _table(self.diff_model, stretch=2)
        self.diff_view.setObjectName("diff_view")
        self.diff_view.setWordWrap(True)
        self.diff_view.setColumnWidth(0, 260)
        self.diff_view.setColumnWidth(1, 360)
        diff = QWidget()
        dv = QVBoxLayout(diff)
        dv.setContentsMargins(0, 0, 0, 0)
        dv.addWidget(self.diff_label)
        dv.addWidget(self.diff_view)
        self.roster_lower = QTabWidget()
        self.roster_lower.addTab(self.filing_chart, "报送率")
        self.roster_lower.addTab(diff, "与上次报送比较")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.roster_view)
        split.addWidget(self.roster_lower)
        split.setSizes([400, 240])
        v.addWidget(split, 1)
        return w

    def _items_tab(self) -> QWidget:
        progress = next(f for f in self.store.catalog.base_fields.fields if f.role == Role.PROGRESS)
        states = [*progress.choices, self.store.vocab.no_progress]
        self.items_model = RowsModel(["序号", "任务", "统计方案", "已填报", *states, "完成率"],
                                     numeric={0, *range(2, 5 + len(states))})
        self.items_view = _table(self.items_model, stretch=1)
        self.items_view.setColumnWidth(0, 48)
        for c in range(2, 10):
            self.items_view.setColumnWidth(c, 68)
        self.items_view.selectionModel().selectionChanged.connect(self._item_selected)
        self.progress_chart = BarChart()
        self.detail_label = QLabel("选择一项任务，查看各单位的落实举措。")
        self.detail_model = RowsModel(["单位名称", "所属", "是否适用", "进度", "落实举措", "牵头部门", "完成时限"],
                                      numeric={2, 3, 6})
        self.detail_view = _table(self.detail_model, stretch=4)
        self.detail_view.setColumnWidth(0, 220)
        self.detail_view.setWordWrap(True)
        bottom = QWidget()
        bv = QVBoxLayout(bottom)
        bv.setContentsMargins(0, 0, 0, 0)
        bv.addWidget(self.detail_label)
        bv.addWidget(self.detail_view)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.items_view)
        split.addWidget(self.progress_chart)
        split.addWidget(bottom)
        split.setSizes([260, 240, 200])
        return split

    def _indicator_tab(self) -> QWidget:
        self.ind_model = RowsModel(["指标", "单位", "填报类型", "汇总方式", "省级目标", "填报单位", "目标值", "完成值",
                                    "达成率"], numeric={1, 2, 3, 4, 5, 6, 7, 8})
        self.ind_view = _table(self.ind_model, stretch=0)
        self.ind_view.selectionModel().selectionChanged.connect(self._indicator_selected)
        self.node_model = RowsModel(["地区", "填报单位", "目标值", "完成值", "完成率"], numeric={1, 2, 3, 4})
        self.node_view = _table(self.node_model, stretch=0)
        self.node_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.attain_chart = BarChart(260)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.node_view)
        lower.addWidget(self.attain_chart)
        lower.setSizes([360, 520])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.ind_view)
        split.addWidget(lower)
        split.setSizes([300, 320])
        return split

    def _fill_selectors(self, form_id, under) -> None:
        from ..core.summary import summary_nodes

        for code, name, _kind, depth in summary_nodes(self.store):
            self.node.addItem("　" * depth + name, code)
        for fid, view in self.store.catalog.forms.items():
            self.form.addItem(f"{view.form.title}（{view.form.doc_no or fid}）", fid)
        from ..core.summary import busiest_form

        form_id = form_id or busiest_form(self.store, self.year.value())
        if form_id:
            self.form.setCurrentIndex(max(0, self.form.findData(form_id)))
        node = under
        if node is None and self.form.count():
            node = self.store.catalog.forms[self.form.currentData()].form.province
        if node:
            self.node.setCurrentIndex(max(0, self.node.findData(node)))

    # ---------------------------------------------------------- computing
    def selection(self) -> tuple[str, int, str | None]:
        return self.form.currentData(), self.year.value(), self.node.currentData()

    def refresh(self):
        """Recompute off the GUI thread; returns the running task (tests wait on it)."""
        from ..core.summary import summarise

        form_id, year, under = self.selection()
        if not form_id:
            return None
        store = self.store
        self.refresh_button.setEnabled(False)
        self.status.setText("正在汇总……")
        self.task = run_job(self, "正在汇总……", lambda job: summarise(store, form_id, year, under, job),
                            on_done=self._show, on_error=self._failed)
        self.task.finished.connect(lambda: self.refresh_button.setEnabled(True))
        return self.task

    def _selection_changed(self, *_) -> None:
        """A new node, form or year: what is shown is stale, so compute again."""
        if self.summary is not None and self.selection() != (self.summary.scope.view.id, self.summary.scope.year,
                                                               self.summary.scope.node_code):
            self.refresh()

    def _failed(self, error) -> None:
        self.status.setText(f"汇总失败：{error}")
        QMessageBox.warning(self, "汇总失败", str(error))

    def _set_enabled_exports(self, on: bool) -> None:
        self.xlsx_button.setEnabled(on)
        self.docx_button.setEnabled(on)

    def _show(self, sm) -> None:
        self.summary = sm
        c, n = sm.counts, len(sm.roster)
        filed = sm.filed
        label = self.store.vocab.label
        sub, acc, ret = PlanState.SUBMITTED, PlanState.ACCEPTED, PlanState.RETURNED
        self.status.setText(f"{sm.title}：应报 {n} 个单位，{label(sub)} {filed} 个（{label(acc)} {c[acc]}），"
                            f"{label(ret)} {c[ret]}，{label(NOT_FILED)} {c[NOT_FILED] + c[PlanState.DRAFT]}；"
                            f"报送率 {_pct(filed / n if n else None)}。"
                            f"任务进度与指标统计{label(sub)}、{label(acc)}的方案。（{sm.made_at:%H:%M:%S} 汇总）")
        self.roster_model.headers[1] = sm.scope.branch_label
        self._show_roster()
        self._show_filing_chart(sm)
        if sm.items:
            self.items_model.headers[4:-1] = list(sm.items[0].status)
        self.items_model.set_rows(([it.display_no, it.text, it.plans, it.answered, *it.status.values(),
                                    _pct(it.done_rate)] for it in sm.items), sm.items)
        self._show_progress_chart(sm)
        self.ind_model.set_rows(([t.name, t.unit, t.plan_kind, "合计" if t.aggregation == "sum" else "平均",
                                  t.province_target_text or "—", t.total.plans, _num(t.total.target),
                                  _num(t.total.actual), _pct(t.attainment)] for t in sm.indicators), sm.indicators)
        self.node_model.set_rows([])
        if sm.indicators:
            self.ind_view.selectRow(0)
        self.detail_model.set_rows([])
        self._set_enabled_exports(True)
        self._start_quality(sm)
        self.computed.emit(sm)

    # ------------------------------------------------------------- roster
    def _show_roster(self) -> None:
        if self.summary is None:
            return
        keep = self.selected_roster_row()
        f = self.roster_filter.currentData()
        rows = self.summary.roster
        if f == "chase":
            rows = [r for r in rows if r.to_chase]
        elif f is not None:
            rows = [r for r in rows if r.state == f]
        label = self.store.vocab.label
        self.roster_model.set_rows(
            ([r.unit_name, r.branch_name, r.parent_name, r.plan_kind, label(r.state), r.submission_no or None,
              *self._quality_cells(r.plan_id), r.received_at.date() if r.received_at else None, r.review_reason,
              r.contact_person, r.contact_phone]
             for r in rows), rows, [ROSTER_COLORS.get(r.state) for r in rows])
        self.roster_counts.setText(f"共 {len(rows)} 个单位")
        if keep is not None:
            self.select_unit(keep.unit_code)
        self._roster_selected()

    def _quality_cells(self, plan_id) -> tuple:
        """错误, 警告, 完成度 of a roster row ("…" while they are being computed)."""
        if plan_id is None:
            return None, None, None
        q = self.quality.get(plan_id)
        if q is None:
            return "…", "…", "…"
        return q.errors, q.warnings, Ratio(q.ratio)

    QUALITY_CHUNK = 500  # plans validated per worker run: the first figures show at once

    def _start_quality(self, sm) -> None:
        """Validate every listed plan off the GUI thread (a province: thousands of plans), a chunk at
        a time, the rows shown first; each chunk's figures appear as soon as it is done."""
        if self.quality_task is not None:
            self.quality_task.cancel()
        self._quality_round = getattr(self, "_quality_round", 0) + 1  # a finishing older run stops there
        shown = [r.plan_id for r in self.roster_model.payload if r.plan_id is not None]
        ids = list(dict.fromkeys(shown + [r.plan_id for r in sm.roster if r.plan_id is not None]))
        self._quality_queue = [ids[i:i + self.QUALITY_CHUNK] for i in range(0, len(ids), self.QUALITY_CHUNK)]
        self._next_quality()

    def _next_quality(self) -> None:
        from ..core.summary import plan_quality

        if not self._quality_queue:
            self.quality_task = None
            self.quality_done.emit()
            return
        part, store, known = self._quality_queue.pop(0), self.store, dict(self.quality)
        round_ = self._quality_round

        def done(result) -> None:
            self.quality.update(result)
            self._fill_quality()
            if round_ == self._quality_round:
                self._next_quality()

        def failed(err) -> None:
            self.status.setText(self.status.text() + f"（错误、警告未能统计：{err}）")

        self.quality_task = run_job(self, "校验方案", lambda job: plan_quality(store, part, job, known), done, failed,
                                    show_dialog=False)

    def _fill_quality(self) -> None:
        """Put the known figures into the shown rows (cells only: selection and scroll stay)."""
        m = self.roster_model
        for i, r in enumerate(m.payload):
            m.rows[i] = (*m.rows[i][:6], *self._quality_cells(r.plan_id), *m.rows[i][9:])
        if m.rows:
            m.dataChanged.emit(m.index(0, 6), m.index(len(m.rows) - 1, 8))

    def selected_roster_row(self):
        idx = self.roster_view.selectionModel().selectedRows()
        return self.roster_model.payload[self.roster_proxy.mapToSource(idx[0]).row()] if idx else None

    def select_unit(self, unit_code: str) -> bool:
        for i, r in enumerate(self.roster_model.payload):
            if r.unit_code == unit_code:
                self.roster_view.selectRow(self.roster_proxy.mapFromSource(self.roster_model.index(i, 0)).row())
                return True
        return False

    def _roster_selected(self, *_) -> None:
        r = self.selected_roster_row()
        lc = self.store.lifecycle
        has = r is not None and r.plan_id is not None
        self.open_button.setEnabled(has)
        self.accept_button.setEnabled(has and lc.verdict(r.plan_id, Action.ACCEPT).allowed)
        self.return_button.setEnabled(has and lc.verdict(r.plan_id, Action.RETURN).allowed)
        self.letter_button.setEnabled(has and r.state == PlanState.RETURNED)
        self.show_diff(r)

    def show_diff(self, r) -> None:
        """What the selected unit changed since its previous submission (a returned plan coming back)."""
        if r is None or not r.submission_no or r.submission_no < 2:
            self.diff_model.set_rows([])
            self.diff_label.setText("选择一个报送过两次以上的单位，可查看与上次报送相比改了什么。")
            return
        try:
            rows = self.store.plans.diff(r.plan_id)
        except InputError as e:
            self.diff_model.set_rows([])
            self.diff_label.setText(str(e))
            return
        self.diff_model.set_rows([d.where, d.old or "（空）", d.new or "（空）"] for d in rows)
        self.diff_view.resizeRowsToContents()
        n = r.submission_no
        self.diff_label.setText(f"{r.unit_name}：第{n}次报送与第{n - 1}次相比，改动 {len(rows)} 处。")
        if rows:
            self.roster_lower.setCurrentIndex(1)

    def review_selected(self, accept: bool, reason: str | None = None) -> bool:
        """受理 / 退回 the selected filing (its latest submission), then recompute (the counts change)."""
        r = self.selected_roster_row()
        if r is None or r.plan_id is None:
            return False
        try:
            self.store.lifecycle.review(r.plan_id, accept, reason, r.submission_no, origin=Origin.REVIEW)
        except InputError as e:
            QMessageBox.warning(self, "无法审核", str(e))
            return False
        task = self.refresh()
        if task is not None:
            task.finished.connect(lambda code=r.unit_code: self.select_unit(code))
        return True

    def open_selected(self):
        """The selected unit's plan, read-only (what it filed)."""
        r = self.selected_roster_row()
        if r is None:
            return None
        if r.plan_id is None:
            self.status.setText(f"{r.unit_name}尚未建立本年度方案（{self.store.vocab.label(r.state)}）。")
            return None
        from .plan_viewer import PlanViewer

        self.viewer = PlanViewer(self.store, r.plan_id, getattr(self.window(), "ui", None), self)
        self.viewer.setWindowFlag(Qt.WindowType.Window, True)
        self.viewer.show()
        return self.viewer

    def _ask_accept(self) -> None:
        r = self.selected_roster_row()
        if r is None:
            return
        q = self.quality.get(r.plan_id)
        facts = f"（错误 {q.errors}，未说明的警告 {q.warnings}，完成度 {_pct(q.ratio)}）" if q else ""
        ans = QMessageBox.question(
            self, "受理", f"受理「{r.unit_name}」的第{r.submission_no}次报送{facts}？\n\n"
            "受理后这份报送即为定稿：计入汇总，单位不能再撤回；如需修改，须由单位重新报送。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if ans == QMessageBox.StandardButton.Yes:
            self.review_selected(True)

    def _ask_return(self) -> None:
        r = self.selected_roster_row()
        if r is None:
            return
        dlg = ReasonDialog(r.unit_name, self, r.submission_no)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.review_selected(False, dlg.reason())

    def _ask_letter(self) -> None:
        r = self.selected_roster_row()
        if r is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "保存退回意见", self._start_path(f"{r.unit_name}_退回意见.xlsx"),
                                              "Excel 工作簿 (*.xlsx)")
        if path:
            self._remember(path)
            self.write_letter(path)

    def _ui(self):
        return getattr(self.window(), "ui", None) or getattr(self.parent(), "ui", None)

    def _start_path(self, name: str) -> str:
        """The folder the user last saved to (the same memory as the plan exports)."""
        from pathlib import Path

        from ..core.text import safe_filename

        ui = self._ui()
        d = ui.str("last/export_dir") if ui else None
        return str((Path(d) if d and Path(d).is_dir() else Path.home()) / safe_filename(name))

    def _remember(self, path: str) -> None:
        from pathlib import Path

        ui = self._ui()
        if ui:
            ui.set("last/export_dir", str(Path(path).parent))

    def write_letter(self, path: str) -> bool:
        from ..excel.summary import return_letter_xlsx

        r = self.selected_roster_row()
        try:
            return_letter_xlsx(self.store, r.plan_id, path)
        except InputError as e:
            QMessageBox.warning(self, "无法生成退回意见", str(e))
            return False
        self.status.setText(f"已生成退回意见：{path}")
        return True

    def _show_filing_chart(self, sm) -> None:
        branches = sm.branches
        self.filing_chart.plot(f"各{sm.scope.branch_label.removeprefix('所属')}报送率（%）", [b.name for b in branches],
                               [Series("报送率", "#4f81bd", [100 * (b.rate or 0) for b in branches])],
                               hi=100, labels=True, legend=False)

    # -------------------------------------------------------------- items
    def _show_progress_chart(self, sm) -> None:
        states = list(sm.items[0].status) if sm.items else []
        progress = sm.scope.view.decl(Role.PROGRESS)
        colors = {progress.choice(m): c for m, c in MEANING_COLORS.items()} | {self.store.vocab.no_progress: NO_PROGRESS}
        series = [Series(st, colors.get(st, OTHER_PROGRESS),
                         [100 * it.status[st] / it.plans if it.plans else 0 for it in sm.items]) for st in states]
        self.progress_chart.plot("各项任务进度分布（占统计方案 %）", [it.display_no for it in sm.items], series,
                                 hi=100, stacked=True)

    def _item_selected(self, *_) -> None:
        idx = self.items_view.selectionModel().selectedRows()
        if idx and self.summary is not None:
            self.drill_down(self.items_model.payload[idx[0].row()].no)

    def drill_down(self, item_no: int):
        """Units that answered an item, with their 落实举措 (loaded off the GUI thread)."""
        from ..core.summary import item_detail

        form_id, year, under = self.selection()
        store = self.store
        self.detail_label.setText(f"第{item_no}项：正在读取……")

        def show(rows, no=item_no):
            roles = (Role.APPLICABILITY, Role.PROGRESS, Role.MEASURES, Role.LEAD, Role.DEADLINE)
            self.detail_model.set_rows([r.unit_name, r.branch_name, *(r.values[x] for x in roles)] for r in rows)
            self.detail_view.resizeRowsToContents()
            self.detail_label.setText(f"第{no}项：{len(rows)} 个单位已填报（在上表选择其他任务可切换）")

        self.task = run_job(self, "读取落实举措", lambda job: item_detail(store, form_id, year, item_no, under),
                            on_done=show, on_error=self._failed, show_dialog=False)
        return self.task

    # --------------------------------------------------------- indicators
    def _indicator_selected(self, *_) -> None:
        idx = self.ind_view.selectionModel().selectedRows()
        if not idx:
            return
        t = self.ind_model.payload[idx[0].row()]
        self.node_model.set_rows([n.name, n.plans, _num(n.target), _num(n.actual), _pct(n.attainment)]
                                 for n in (*t.nodes, t.total))
        self._show_attainment_chart(t)

    def _show_attainment_chart(self, t) -> None:
        """One indicator: the units' targets and actuals per node, and the provincial target."""
        goal = f"，省级目标 {t.province_target_text}" if t.province_target_text else ""
        nodes = [n for n in t.nodes if n.plans] or list(t.nodes)
        series = [Series(label, color, [getattr(n, attr) or 0 for n in nodes])
                  for label, color, attr in (("目标值", "#a6a6a6", "target"), ("完成值", "#5b9b55", "actual"))]
        top = max([1.0, *((n.target or 0) for n in nodes), *((n.actual or 0) for n in nodes)])
        self.attain_chart.plot(f"{t.name}（{t.unit}，{t.plan_kind}，{'合计' if t.aggregation == 'sum' else '平均'}{goal}）",
                               [n.name for n in nodes], series, hi=top * 1.1, horizontal=True)

    # ------------------------------------------------------------ exports
    def _ask_export(self, kind: str) -> None:
        if self.summary is None:
            return
        name = f"{self.summary.title}.{kind}".replace("「", "").replace("」", "")
        label = "Excel 工作簿 (*.xlsx)" if kind == "xlsx" else "Word 文档 (*.docx)"
        path, _ = QFileDialog.getSaveFileName(self, "导出汇总表" if kind == "xlsx" else "导出汇总报告",
                                              self._start_path(name), label)
        if path:
            self._remember(path)
            self.export_to(path, kind)

    def export_to(self, path: str, kind: str):
        """Write the 汇总表 / 汇总报告 of the shown summary off the GUI thread; returns the task."""
        sm, store = self.summary, self.store
        sc = sm.scope

        def work(job):
            if kind == "xlsx":
                from ..excel.summary import export_summary_xlsx

                return export_summary_xlsx(store, sc.view.id, sc.year, sc.node_code, path, job=job, summary=sm)
            from ..core.paths import AppPaths
            from ..core.settings import Settings
            from ..word.summary import export_summary_docx

            office = Settings.load(AppPaths.user().settings_file).office  # the organ that signs
            return export_summary_docx(store, sc.view.id, sc.year, sc.node_code, path, job=job, summary=sm,
                                       office=office)

        def done(out):
            self.status.setText(f"已导出：{out}")
            self.exported.emit(str(out))

        self.task = run_job(self, "正在导出……", work, on_done=done, on_error=self._failed)
        return self.task


class SummaryDialog(screen.FittedDialog):
    """The 汇总 view in its own window (what the main window's menu opens), fitted to the screen."""

    def __init__(self, store, parent=None, ui=None, **kw):
        super().__init__(parent, ui, "summary/geometry")
        self.setObjectName("summary_dialog")
        self.setWindowTitle("汇总 — 报送情况、任务进度、指标")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.view = SummaryView(store, self, **kw)
        v = QVBoxLayout(self)
        v.setContentsMargins(6, 6, 6, 6)
        v.addWidget(self.view)
        self.fit(QSize(1280, 860))



def open_summary(store, parent=None, **kw) -> SummaryDialog:
    """Show the 汇总 window and start the first computation."""
    dlg = SummaryDialog(store, parent, getattr(parent, "ui", None), **kw)
    dlg.show()
    dlg.view.refresh()
    return dlg
