"""Qt models over the store: the unit tree with plans, and the checklist of one plan."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel

from ..core.validation import item_completeness
from ..core.vocab import Role

KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "unit" / "plan"
REF_ROLE = Qt.ItemDataRole.UserRole + 2  # unit code / plan id
ITEM_ROLE = Qt.ItemDataRole.UserRole + 3  # item number
MUST_ROLE = Qt.ItemDataRole.UserRole + 4
ANSWERED_ROLE = Qt.ItemDataRole.UserRole + 5  # all required fields filled
PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 6  # number of unexplained problems
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 7



def build_unit_tree(model: QStandardItemModel, units, plans, year: int | None, vocab) -> dict:
    """Fill ``model`` with units (tree order from Store.list_units) and their plans of ``year``.

    Returns {("unit", code) | ("plan", id): QStandardItem} for selecting nodes later.
    """
    model.clear()
    model.setHorizontalHeaderLabels(["单位 / 方案"])
    index: dict = {}
    by_unit: dict[str, list] = {}
    for p in plans:
        if year is None or p.year == year:
            by_unit.setdefault(p.unit_code, []).append(p)
    roots: list[QStandardItem] = []  # the tree is built detached and added at once (no per-row view updates)
    for u in units:
        it = QStandardItem(f"{u.name}")
        it.setEditable(False)
        it.setToolTip(f"{vocab.label(u.kind)} · 代码 {u.code}")
        it.setData("unit", KIND_ROLE)
        it.setData(u.code, REF_ROLE)
        parent = index.get(("unit", u.parent_code)) if u.parent_code else None
        if parent is None:
            roots.append(it)
        else:
            parent.appendRow(it)
        index[("unit", u.code)] = it
        for p in by_unit.get(u.code, []):
            pi = QStandardItem(plan_label(p, vocab))
            pi.setEditable(False)
            pi.setData("plan", KIND_ROLE)
            pi.setData(p.id, REF_ROLE)
            pi.setForeground(QBrush(QColor("#1a5fb4")))
            pi.setToolTip(f"{p.form_id} · {p.year}年 · {p.kind} · {vocab.label(p.state)}"
                          + (f" · 第{p.submission_no}次报送" if p.submission_no else ""))
            it.appendRow(pi)
            index[("plan", p.id)] = pi
    for r in roots:
        model.appendRow(r)
    return index


def plan_label(p, vocab) -> str:
    return f"方案：{p.year}年{p.kind}（{vocab.label(p.state)}）"


class ChecklistModel(QAbstractTableModel):
    """One row per checklist item of the open plan; values come from a PlanData snapshot."""

    HEADERS = ("序号", "任务", "责任部门", "进度", "完成时限", "完成度")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = None
        self.kind = None
        self.data_ = None
        self.problems: dict[int, list] = {}
        self._rows: list = []

    def set_plan(self, view, kind: str, data, problems) -> None:
        self.beginResetModel()
        self.view, self.kind, self.data_ = view, kind, data
        self._rows = list(view.items) if view else []
        self._set_problems(problems)
        self.endResetModel()

    def clear(self) -> None:
        self.set_plan(None, None, None, [])

    def _set_problems(self, problems) -> None:
        self.problems = {}
        for p in problems:
            self.problems.setdefault(p.item_no, []).append(p)

    def refresh(self, data, problems) -> None:
        """New values after an edit: same rows, new cells (keeps selection and scroll)."""
        self.data_ = data
        self._set_problems(problems)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.HEADERS) - 1))

    def row_of(self, item_no: int) -> int:
        for r, it in enumerate(self._rows):
            if it.no == item_no:
                return r
        return -1

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def _open_problems(self, no: int) -> list:
        return [p for p in self.problems.get(no, []) if not p.explained]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self._rows[index.row()]
        values = self.data_.values.get(item.no, {}) if self.data_ else {}
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return item.display_no
            if col == 1:
                text = item.text if len(item.text) <= 60 else item.text[:60] + "…"
                return (f"［{item.category}］" if item.category else "") + text
            if col == 2:
                return "、".join(u.name for u in item.units)  # short: remarks in the tooltip
            if col == 3:
                return values.get(self.view.key(Role.PROGRESS), "")
            if col == 4:
                return values.get(self.view.key(Role.DEADLINE), "")
            if col == 5:
                c = item_completeness(self.view, item.no, values)
                n = len(self._open_problems(item.no))
                return f"{c.answered}/{c.required}" + (f"  ⚠{n}" if n else "")
        if role == Qt.ItemDataRole.ToolTipRole and col in (1, 2):
            return item.text if col == 1 else item.units_text
        if role == Qt.ItemDataRole.ForegroundRole and col == 5 and self._open_problems(item.no):
            errs = any(p.severity == "error" for p in self._open_problems(item.no))
            return QBrush(QColor("#c01c28" if errs else "#b5651d"))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 3, 4, 5):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == ITEM_ROLE:
            return item.no
        if role == MUST_ROLE:
            return int(self.view.must_answer(item.no, self.kind))
        if role == ANSWERED_ROLE:
            c = item_completeness(self.view, item.no, values)
            return int(bool(values) and c.answered == c.required)
        if role == PROBLEM_ROLE:
            return len(self._open_problems(item.no))
        if role == SEARCH_ROLE:
            return " ".join([item.display_no, item.category or "", item.text, *(u.name for u in item.units),
                             *values.values()]).lower()
        return None


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
