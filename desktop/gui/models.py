"""Qt models over the store: the unit tree with plans, and the checklist of one plan."""
from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel

from ..core.text import units_text
from ..core.validation import item_completeness
from ..core.vocab import Role

KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "unit" / "plan"
REF_ROLE = Qt.ItemDataRole.UserRole + 2  # unit code / plan id
ITEM_ROLE = Qt.ItemDataRole.UserRole + 3  # item number
MUST_ROLE = Qt.ItemDataRole.UserRole + 4
ANSWERED_ROLE = Qt.ItemDataRole.UserRole + 5  # all required fields filled
PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 6  # number of unexplained problems
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 7


class _Node:
    """One row of the unit tree: a unit or one of its plans (a plain object, no Qt)."""

    __slots__ = ("kind", "info", "parent", "row", "children")

    def __init__(self, kind: str, info, parent: _Node | None):
        self.kind, self.info, self.parent, self.children = kind, info, parent, []
        self.row = 0
        if parent is not None:
            self.row = len(parent.children)
            parent.children.append(self)

    @property
    def key(self) -> tuple:
        return (self.kind, self.info.code if self.kind == "unit" else self.info.id)


class UnitTree:
    """What the unit tree shows: units (tree order from ``Units.list``) and their plans of ``year``.

    Plain objects only, so it can be built on a worker thread; ``index`` maps ("unit", code) /
    ("plan", id) to its node for selecting nodes later."""

    def __init__(self, units=(), plans=(), year: int | None = None):
        self.root = _Node("root", None, None)
        self.index: dict = {}
        by_unit: dict[str, list] = {}
        for p in plans:
            if year is None or p.year == year:
                by_unit.setdefault(p.unit_code, []).append(p)
        index = self.index
        for u in units:
            parent = index.get(("unit", u.parent_code)) if u.parent_code else None
            node = _Node("unit", u, parent or self.root)
            index[("unit", u.code)] = node
            for p in by_unit.get(u.code, ()):
                index[("plan", p.id)] = _Node("plan", p, node)


class UnitTreeModel(QAbstractItemModel):
    """The unit tree over a :class:`UnitTree`: Qt asks only for the rows it shows, so a province
    of 10,000 units costs no Qt object per unit (the tree used to make a QStandardItem each)."""

    def __init__(self, vocab=None, parent=None):
        super().__init__(parent)
        self.vocab = vocab
        self.tree = UnitTree()
        self._plan_brush = QBrush(QColor("#1a5fb4"))

    def set_tree(self, tree: UnitTree) -> None:
        self.beginResetModel()
        self.tree = tree
        self.endResetModel()

    def index_of(self, key) -> QModelIndex:
        node = self.tree.index.get(key)
        return QModelIndex() if node is None else self.createIndex(node.row, 0, node)

    def set_plan(self, plan) -> None:
        """A plan's state changed (报送, 撤回): its row shows the new one."""
        node = self.tree.index.get(("plan", plan.id))
        if node is not None:
            node.info = plan
            idx = self.createIndex(node.row, 0, node)
            self.dataChanged.emit(idx, idx)

    def _node(self, index) -> _Node:
        return index.internalPointer() if index.isValid() else self.tree.root

    def index(self, row, column, parent=QModelIndex()):
        node = self._node(parent)
        if column != 0 or not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row])

    def parent(self, index=None):
        if index is None:  # QObject.parent()
            return super().parent()
        if not index.isValid():
            return QModelIndex()
        up = index.internalPointer().parent
        if up is None or up is self.tree.root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.column() > 0 else len(self._node(parent).children)

    def hasChildren(self, parent=QModelIndex()) -> bool:
        return parent.column() <= 0 and bool(self._node(parent).children)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 1

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and section == 0:
            return "单位 / 方案"
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node = index.internalPointer()
        x = node.info
        if role == Qt.ItemDataRole.DisplayRole:
            return x.name if node.kind == "unit" else plan_label(x, self.vocab)
        if role == KIND_ROLE:
            return node.kind
        if role == REF_ROLE:
            return x.code if node.kind == "unit" else x.id
        if role == Qt.ItemDataRole.ToolTipRole:
            if node.kind == "unit":
                return f"{self.vocab.label(x.kind)} · 代码 {x.code}"
            return (f"{x.form_id} · {x.year}年 · {x.kind} · {self.vocab.label(x.state)}"
                    + (f" · 第{x.submission_no}次报送" if x.submission_no else ""))
        if role == Qt.ItemDataRole.ForegroundRole and node.kind == "plan":
            return self._plan_brush
        return None


def plan_label(p, vocab) -> str:
    return f"方案：{p.year}年{p.kind}（{vocab.label(p.state)}）"


class ChecklistModel(QStandardItemModel):
    """One row per checklist item of the open plan; values come from a PlanData snapshot.

    The cells are held by Qt (QStandardItem), not answered from Python on every ``data()`` call:
    the table's resize-to-contents columns re-measure every row whenever any cell changes, which
    through a Python ``data()`` cost several milliseconds per autosave. A refresh recomputes what
    each row shows and touches only the rows that differ."""

    HEADERS = ("序号", "任务", "责任部门", "进度", "完成时限", "完成度")

    def __init__(self, parent=None):
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        self.view = None
        self.kind = None
        self.data_ = None
        self.problems: dict[int, list] = {}
        self._rows: list = []
        self._shown: list[tuple] = []  # per row: what its cells show (compared on refresh)
        self._row_no: dict[int, int] = {}

    def set_plan(self, view, kind: str, data, problems) -> None:
        self.beginResetModel()
        self.blockSignals(True)  # the reset tells the views; no per-row signals meanwhile
        try:
            self.view, self.kind, self.data_ = view, kind, data
            self._rows = list(view.items) if view else []
            self._row_no = {it.no: r for r, it in enumerate(self._rows)}
            self._set_problems(problems)
            self.setRowCount(0)
            self.setRowCount(len(self._rows))
            self._shown = [self._row_shows(it) for it in self._rows]
            for r, shows in enumerate(self._shown):
                self._put_row(r, shows)
        finally:
            self.blockSignals(False)
            self.endResetModel()

    def clear(self) -> None:
        self.set_plan(None, None, None, [])

    def _set_problems(self, problems) -> None:
        self.problems = {}
        for p in problems:
            self.problems.setdefault(p.item_no, []).append(p)

    def refresh(self, data, problems) -> None:
        """New values after an edit: same rows, new cells (keeps selection and scroll); only the
        rows whose cells differ are updated."""
        self.data_ = data
        self._set_problems(problems)
        for r, it in enumerate(self._rows):
            shows = self._row_shows(it)
            if shows != self._shown[r]:
                self._shown[r] = shows
                self.blockSignals(True)
                try:
                    self._put_row(r, shows)
                finally:
                    self.blockSignals(False)
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.HEADERS) - 1))

    def row_of(self, item_no: int) -> int:
        return self._row_no.get(item_no, -1)

    def _open_problems(self, no: int) -> list:
        return [p for p in self.problems.get(no, []) if not p.explained]

    def _row_shows(self, item) -> tuple:
        """Everything one row shows or answers, as plain values."""
        values = self.data_.values.get(item.no, {}) if self.data_ else {}
        c = item_completeness(self.view, item.no, values)
        open_ = self._open_problems(item.no)
        n = len(open_)
        text = item.text if len(item.text) <= 60 else item.text[:60] + "…"
        color = ("#c01c28" if any(p.severity == "error" for p in open_) else "#b5651d") if n else None
        search = " ".join([item.display_no, item.category or "", item.text, *(u.name for u in item.units),
                           *values.values()]).lower()
        return (item.display_no, (f"［{item.category}］" if item.category else "") + text, item.text,
                units_text(item.units, "names"), item.units_text,  # short: remarks in the tooltip
                values.get(self.view.key(Role.PROGRESS), ""), values.get(self.view.key(Role.DEADLINE), ""),
                f"{c.answered}/{c.required}" + (f"  ⚠{n}" if n else ""), color,
                item.no, int(self.view.must_answer(item.no, self.kind)),
                int(bool(values) and c.answered == c.required), n, search)

    def _put_row(self, r: int, shows: tuple) -> None:
        no_, task, task_tip, units, units_tip, progress, deadline, done, color, item_no, must, answered, n, search \
            = shows
        display = Qt.ItemDataRole.DisplayRole
        center = int(Qt.AlignmentFlag.AlignCenter)
        common = {ITEM_ROLE: item_no, MUST_ROLE: must, ANSWERED_ROLE: answered, PROBLEM_ROLE: n, SEARCH_ROLE: search}
        cells = ({display: no_, Qt.ItemDataRole.TextAlignmentRole: center},
                 {display: task, Qt.ItemDataRole.ToolTipRole: task_tip},
                 {display: units, Qt.ItemDataRole.ToolTipRole: units_tip},
                 {display: progress, Qt.ItemDataRole.TextAlignmentRole: center},
                 {display: deadline, Qt.ItemDataRole.TextAlignmentRole: center},
                 {display: done, Qt.ItemDataRole.TextAlignmentRole: center})
        for col, roles in enumerate(cells):
            it = QStandardItem()
            it.setEditable(False)
            for role, value in (*roles.items(), *common.items()):
                it.setData(value, role)
            if col == 5 and color:
                it.setData(QBrush(QColor(color)), Qt.ItemDataRole.ForegroundRole)
            self.setItem(r, col, it)


class ChecklistFilter(QSortFilterProxyModel):
    """Filters: all / items my plan kind must answer / unanswered / with problems, plus text."""

    MODES = ("全部事项", "本方案须填报", "未填完", "有问题")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.mode = 0
        self.text = ""

    def _refilter(self, attr: str, value) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9: invalidateFilter is deprecated
            self.beginFilterChange()
            setattr(self, attr, value)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            setattr(self, attr, value)
            self.invalidateFilter()

    def set_mode(self, mode: int) -> None:
        self._refilter("mode", mode)

    def set_text(self, text: str) -> None:
        self._refilter("text", text.strip().lower())

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:
        m = self.sourceModel()
        idx = m.index(row, 0, parent)
        if self.mode == 1 and not m.data(idx, MUST_ROLE):
            return False
        if self.mode == 2 and (m.data(idx, ANSWERED_ROLE) or not m.data(idx, MUST_ROLE)):
            return False
        if self.mode == 3 and not m.data(idx, PROBLEM_ROLE):
            return False
        if self.text and not all(w in m.data(idx, SEARCH_ROLE) for w in self.text.split()):
            return False
        return True
