"""导入结果: one row per imported file — file, unit, result, reason (file, sheet!cell) — sortable,
filtered by result or text, the full messages of the selected file below, and 另存为 Excel (the
same report the command line writes with ``--report``)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QSplitter, QTableView, QVBoxLayout,
)

from ..core.text import safe_filename
from ..core.vocab import Outcome
from . import screen
from .worker import run_job

OUTCOME_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
HAS_NOTES = "notes"  # filter: files with warnings
COLORS = {Outcome.REJECTED: "#fde2e1", Outcome.UNCHANGED: "#eeeeee", Outcome.DRAFT: "#fdf3d8"}


def reasons(f) -> list[str]:
    """The file's messages and warnings without the leading file name (the 文件 column has it)."""
    name = Path(f.path).name
    return [m.removeprefix(name).lstrip("：").lstrip() for m in (*f.messages, *f.warnings)]


class _Filter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.outcome = None
        self.text = ""

    def set(self, outcome=None, text: str | None = None) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9: invalidateFilter is deprecated
            self.beginFilterChange()
        self.outcome = outcome
        if text is not None:
            self.text = text.strip().lower()
        if hasattr(self, "endFilterChange"):
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateFilter()

    def filterAcceptsRow(self, row, parent) -> bool:  # noqa: N802 (Qt API)
        m = self.sourceModel()
        first = m.index(row, 0, parent)
        f = m.data(first, ROW_ROLE)
        if self.outcome == HAS_NOTES and not f.warnings:
            return False
        if self.outcome not in (None, HAS_NOTES) and f.outcome != self.outcome:
            return False
        if self.text:
            hay = " ".join(str(m.data(m.index(row, c, parent)) or "") for c in range(m.columnCount())).lower()
            return all(w in hay for w in self.text.split())
        return True


class ImportResults(screen.FittedDialog):
    HEADERS = ("文件", "单位", "结果", "原因与提示（文件 工作表!单元格）")

    def __init__(self, store, report, ui=None, parent=None, title: str = "导入结果"):
        super().__init__(parent, ui, "import/geometry")
        self.store, self.report = store, report
        self.setWindowTitle(title)
        self.setObjectName("import_results")
        label = store.vocab.label
        files = list(report.files)
        counts = {o: sum(f.outcome == o for f in files) for o in Outcome}
        parts = [f"{label(o)} {n} 个" for o, n in counts.items() if n]
        self.summary = QLabel(f"共 {len(files)} 个文件：{'，'.join(parts) or '没有文件'}"
                              + ("（已取消，其余文件未导入）" if report.cancelled else "") + "。")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold;")

        self.model = QStandardItemModel(0, len(self.HEADERS), self)
        self.model.setHorizontalHeaderLabels(list(self.HEADERS))
        for f in files:
            why = reasons(f)
            unit = (f.unit_name or "") + (f"（{f.unit_code}）" if f.unit_code else "")
            if not unit and f.unknown_unit:
                u = f.unknown_unit
                unit = f"{u.get('name') or ''}（{u.get('code') or '?'}，不在名录中）"
            row = [QStandardItem(Path(f.path).name), QStandardItem(unit), QStandardItem(label(f.outcome)),
                   QStandardItem("；".join(why))]
            row[0].setToolTip(f.path)
            row[3].setToolTip("\n".join(why))
            color = COLORS.get(f.outcome)
            for it in row:
                it.setEditable(False)
                it.setData(f.outcome, OUTCOME_ROLE)
                it.setData(f, ROW_ROLE)
                if color:
                    it.setBackground(QBrush(QColor(color)))
            self.model.appendRow(row)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = QTableView()
        self.table.setObjectName("import_table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # file order until a header is clicked
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setStretchLastSection(True)
        for c, w in ((0, 220), (1, 220), (2, 80)):
            self.table.setColumnWidth(c, w)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)

        self.filter = QComboBox()
        self.filter.addItem(f"全部（{len(files)}）", None)
        for o, n in counts.items():
            if n:
                self.filter.addItem(f"{label(o)}（{n}）", o)
        notes = sum(bool(f.warnings) for f in files)
        if notes:
            self.filter.addItem(f"有提示（{notes}）", HAS_NOTES)
        self.filter.currentIndexChanged.connect(lambda _i: self.proxy.set(self.filter.currentData()))
        self.search = QLineEdit()
        self.search.setPlaceholderText("按文件、单位或原因筛选")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda t: self.proxy.set(self.filter.currentData(), t))
        self.save_button = QPushButton("另存为 Excel…")
        self.save_button.clicked.connect(self.ask_save)
        self.close_button = QPushButton("关闭")
        self.close_button.clicked.connect(self.close)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("显示"))
        bar.addWidget(self.filter)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.save_button)

        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("选择一个文件，查看全部原因与提示。")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        foot = QHBoxLayout()
        self.status = QLabel()
        foot.addWidget(self.status, 1)
        foot.addWidget(self.close_button)
        v = QVBoxLayout(self)
        v.addWidget(self.summary)
        v.addLayout(bar)
        v.addWidget(split, 1)
        v.addLayout(foot)
        first_bad = next((i for i, f in enumerate(files) if f.outcome == Outcome.REJECTED), 0 if files else None)
        if first_bad is not None:
            self.table.selectRow(self.proxy.mapFromSource(self.model.index(first_bad, 0)).row())
        self.fit(QSize(1180, 700))

    def rows(self) -> list[list[str]]:
        """What the table shows, in its current order and filter (tests, copy)."""
        return [[self.proxy.data(self.proxy.index(r, c)) for c in range(self.proxy.columnCount())]
                for r in range(self.proxy.rowCount())]

    def _show_detail(self, cur, _prev) -> None:
        if not cur.isValid():
            self.detail.clear()
            return
        f = self.proxy.data(cur, ROW_ROLE)
        label = self.store.vocab.label
        head = f"{Path(f.path).name}：{label(f.outcome)}" + (f"（第{f.submission_no}次报送）" if f.submission_no else "")
        self.detail.setPlainText("\n".join([head, f.path, "", *reasons(f)]))

    def ask_save(self) -> None:
        start = Path(self.ui.str("last/export_dir") or Path.home()) if self.ui else Path.home()
        name = safe_filename(f"导入报告（{len(self.report.files)}个文件）.xlsx")
        out, _ = QFileDialog.getSaveFileName(self, "保存导入报告", str(start / name), "Excel 工作簿 (*.xlsx)")
        if out:
            if self.ui:
                self.ui.set("last/export_dir", str(Path(out).parent))
            self.save_to(out)

    def save_to(self, out: str):
        """Write the xlsx report off the GUI thread; returns the task."""
        report, vocab = self.report, self.store.vocab

        def work(job):
            from ..excel.report import write_import_report_xlsx

            return write_import_report_xlsx(report, vocab, out)

        def done(path) -> None:
            self.status.setText(f"已保存：{path}")

        return run_job(self, "正在保存导入报告…", work, done, show_dialog=False)
