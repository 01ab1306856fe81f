"""Qt models over the store: the unit tree with plans, and the checklist of one plan."""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
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
                "、".join(u.name for u in item.units), item.units_text,  # short: remarks in the tooltip
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
