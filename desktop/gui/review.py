"""The review grid: a proposed checklist corrected row by row before it is saved.

One row per item with the source words beside it (the 原文 column, and the whole document
below with the row's words selected). The reviewer edits 类别, 标题, 任务内容 and 责任单位 in
place, the indicators of the current row in the table below, and the form's particulars above.
After every edit the draft is checked as the loader checks ``forms/`` and the problems are
listed in the loader's words; rows with a problem are marked. 保存 writes to the user's forms
folder (a revised saved form becomes its next version). The rules are the core's
(``desktop.core.authoring.draft``); this module only shows and edits.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QMessageBox, QPlainTextEdit, QPushButton, QSplitter, QTableView,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ..core.authoring.draft import FormDraft, kind_label, parse_targets, targets_text, units_text
from ..core.catalog.user import FormRefused
from ..core.errors import InputError
from ..core.vocab import UnitKind
from .widgets import DateField

NATIONAL = "全国"
ROW_ROLE = Qt.ItemDataRole.UserRole + 20
_BAD = QColor("#fde2e1")


class ItemsModel(QAbstractTableModel):
    """The rows of a draft: 类别, 标题, 任务内容 and 责任单位 editable; 须填报 derived from the units."""

    COLS = ("序号", "类别", "标题", "任务内容", "责任单位", "须填报", "指标", "原文")
    NO, CATEGORY, TITLE, TEXT, UNITS, KINDS, INDICATORS, SOURCE = range(8)
    EDITABLE = (CATEGORY, TITLE, TEXT, UNITS)
    edited = Signal()

    def __init__(self, draft: FormDraft, catalog, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.draft = draft
        self.kinds: list[frozenset[str]] = []
        self.bad: dict[int, list[str]] = {}  # row → problems
        self._derive()

    def set_draft(self, draft: FormDraft) -> None:
        self.beginResetModel()
        self.draft = draft
        self.bad = {}
        self._derive()
        self.endResetModel()

    def _derive(self) -> None:
        self.kinds = self.draft.kinds(self.catalog)

    def rederive(self) -> None:
        """Plan kinds again (after units or the form's kinds changed)."""
        self._derive()
        if self.draft.items:
            self.dataChanged.emit(self.index(0, self.KINDS), self.index(len(self.draft.items) - 1, self.KINDS))

    def set_problems(self, bad: dict[int, list[str]]) -> None:
        self.bad = bad
        if self.draft.items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.draft.items) - 1, len(self.COLS) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.draft.items)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLS[section]
        return None

    def flags(self, index):
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return f | Qt.ItemFlag.ItemIsEditable if index.column() in self.EDITABLE else f

    def _text(self, row: int, col: int) -> str:
        it = self.draft.items[row]
        if col == self.NO:
            return it.label or str(row + 1)
        if col == self.CATEGORY:
            return it.category or ""
        if col == self.TITLE:
            return it.title or ""
        if col == self.TEXT:
            return it.text
        if col == self.UNITS:
            return units_text(it.units)
        if col == self.KINDS:
            return "、".join(sorted(self.kinds[row])) if row < len(self.kinds) else ""
        if col == self.INDICATORS:
            return "；".join(f"{i.get('name', '')} {targets_text(i.get('targets', ()), i.get('unit', ''))}".strip()
                            for i in it.indicators)
        return " ".join(it.source.split())

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            it = self.draft.items[row]
            if col == self.NO and row in self.bad:
                return "\n".join(self.bad[row])
            if col == self.SOURCE:
                return f"出处：{it.ref}\n{it.source}"
            return self._text(row, col) or None
        if role == Qt.ItemDataRole.BackgroundRole and row in self.bad and col in (self.NO, self.TEXT):
            return QBrush(_BAD)
        if role == Qt.ItemDataRole.ForegroundRole and col in (self.KINDS, self.INDICATORS, self.SOURCE):
            return QBrush(QColor("#555555"))
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() not in self.EDITABLE:
            return False
        row, col = index.row(), index.column()
        it = self.draft.items[row]
        text = str(value or "").strip()
        if col == self.TEXT:
            it.text = text
        elif col == self.CATEGORY:
            it.category = text or None
        elif col == self.TITLE:
            it.title = text or None
        elif col == self.UNITS:
            self.draft.set_units(row, text)
            self._derive()
            self.dataChanged.emit(self.index(row, self.KINDS), self.index(row, self.KINDS))
        self.dataChanged.emit(index, index)
        self.edited.emit()
        return True

    # rows -------------------------------------------------------------------
    def insert(self, row: int) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self.draft.insert(row)
        self._derive()
        self.endInsertRows()
        self.edited.emit()

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        self.draft.remove(row)
        self._derive()
        self.endRemoveRows()
        self.edited.emit()

    def move(self, row: int, delta: int) -> int:
        to = max(0, min(len(self.draft.items) - 1, row + delta))
        if to == row:
            return row
        self.beginResetModel()
        self.draft.move(row, delta)
        self._derive()
        self.endResetModel()
        self.edited.emit()
        return to


class IndicatorTable(QTableWidget):
    """The indicators of one row: 名称, 单位, 类型, 目标 (``2022年 ≥35；…``), 原文."""

    HEADERS = ("指标名称", "单位", "类型", "目标", "原文")
    KINDS = ("count", "percent", "amount")
    edited = Signal()
    refused = Signal(str)

    def __init__(self, parent=None):
        super().__init__(0, len(self.HEADERS), parent)
        self.setObjectName("indicator_table")
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.verticalHeader().hide()
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.inds: list[dict] = []
        self._loading = False
        self.cellChanged.connect(self._changed)

    def show_row(self, inds: list[dict] | None) -> None:
        self._loading = True
        self.inds = inds if inds is not None else []
        self.setRowCount(len(self.inds))
        for r, ind in enumerate(self.inds):
            self.setItem(r, 0, QTableWidgetItem(ind.get("name", "")))
            self.setItem(r, 1, QTableWidgetItem(ind.get("unit", "")))
            combo = QComboBox()
            for k in self.KINDS:
                combo.addItem(kind_label(k), k)
            combo.setCurrentIndex(max(0, combo.findData(ind.get("kind", "count"))))
            combo.currentIndexChanged.connect(lambda _i, r=r, c=combo: self._kind(r, c.currentData()))
            self.setCellWidget(r, 2, combo)
            self.setItem(r, 3, QTableWidgetItem(targets_text(ind.get("targets", ()), ind.get("unit", ""))))
            q = QTableWidgetItem(ind.get("quote", ""))
            q.setToolTip(ind.get("quote", ""))
            self.setItem(r, 4, q)
        self._loading = False

    def _kind(self, r: int, kind: str) -> None:
        self.inds[r]["kind"] = kind
        self.edited.emit()

    def _changed(self, r: int, c: int) -> None:
        if self._loading or r >= len(self.inds):
            return
        ind = self.inds[r]
        text = self.item(r, c).text().strip()
        if c == 0:
            ind["name"] = text
        elif c == 1:
            ind["unit"] = text
        elif c == 3:
            try:
                ind["targets"] = parse_targets(text, ind.get("unit", ""))
            except InputError as e:
                self.refused.emit(str(e))
                self._loading = True
                self.item(r, c).setText(targets_text(ind.get("targets", ()), ind.get("unit", "")))
                self._loading = False
                return
        elif c == 4:
            ind["quote"] = text or None
            if not text:
                ind.pop("quote", None)
        self.edited.emit()


class ReviewWindow(QDialog):
    """Review one proposed (or saved) checklist and save it to the user's forms folder."""

    saved = Signal(object)  # the FormView saved

    def __init__(self, store, draft: FormDraft, proposals=None, source=None, parent=None):
        super().__init__(parent)
        self.setObjectName("review_window")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.store = store
        self.draft = draft
        self.proposals = list(proposals or [])
        self.source = source
        self.saved_view = None
        self.dirty = False
        self.setWindowTitle("修改清单" if draft.edit_of else "新建清单：核对后保存")
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.check)
        self._build()
        self._load_meta()
        self.check()
        if draft.items:
            self.table.selectRow(0)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        self.banner = QLabel()
        self.banner.setObjectName("review_banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        lay.addWidget(self._meta_box())
        self.model = ItemsModel(self.draft, self.store.catalog, self)
        self.model.edited.connect(self._edited)
        self.table = QTableView()
        self.table.setObjectName("review_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._show_row(cur.row()))
        self._size_columns()

        self.source_view = QPlainTextEdit()
        self.source_view.setObjectName("source_view")
        self.source_view.setReadOnly(True)
        self.source_view.setPlainText(self.draft.source_text)
        self.source_view.setTabStopDistance(self.fontMetrics().horizontalAdvance("中") * 2)  # table cells: a gap
        self.source_label = QLabel("原文")
        self.indicators = IndicatorTable()
        self.indicators.edited.connect(self._indicator_edited)
        self.indicators.refused.connect(lambda m: self._say(m, "#b00020"))
        add, remove = QPushButton("添加指标"), QPushButton("删除指标")
        add.clicked.connect(self._add_indicator)
        remove.clicked.connect(self._remove_indicator)
        self.problem_list = QListWidget()
        self.problem_list.setObjectName("problem_list")
        self.problem_list.setWordWrap(True)
        self.problem_list.itemActivated.connect(self._jump)
        self.problem_list.itemClicked.connect(self._jump)
        self.problem_title = QLabel("问题")

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self._panel(self.source_label, self.source_view))
        ind_buttons = QHBoxLayout()
        ind_buttons.addStretch(1)
        ind_buttons.addWidget(add)
        ind_buttons.addWidget(remove)
        lower.addWidget(self._panel(QLabel("本行的指标（目标写作「2025年 ≥35」，多个用；分隔）"), self.indicators,
                                    ind_buttons))
        lower.addWidget(self._panel(self.problem_title, self.problem_list))
        for i, s in enumerate((5, 4, 3)):
            lower.setStretchFactor(i, s)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("review_splitter")
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)
        lay.addWidget(self.banner)

        rows = QHBoxLayout()
        for text, slot in (("插入行", self._insert), ("删除行", self._remove), ("上移", lambda: self._move(-1)),
                           ("下移", lambda: self._move(1))):
            b = QPushButton(text)
            b.clicked.connect(slot)
            rows.addWidget(b)
        rows.addStretch(1)
        self.status = QLabel()
        rows.addWidget(self.status)
        self.save_button = QPushButton("保存清单")
        self.save_button.setObjectName("save_form")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        close = QPushButton("关闭")
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        rows.addWidget(self.save_button)
        rows.addWidget(close)
        lay.addLayout(rows)

    @staticmethod
    def _panel(title: QLabel, widget: QWidget, extra=None) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        title.setStyleSheet("font-weight: bold;")
        v.addWidget(title)
        v.addWidget(widget, 1)
        if extra is not None:
            v.addLayout(extra)
        return w

    def _meta_box(self) -> QWidget:
        box = QGroupBox("清单信息")
        g = QGridLayout(box)
        g.setContentsMargins(8, 4, 8, 4)
        g.setVerticalSpacing(4)
        self.id_edit = QLineEdit()
        self.id_edit.setObjectName("form_id")
        self.id_edit.setPlaceholderText("小写字母、数字和连字符，如 gs2025-tasks")
        self.title_edit = QLineEdit()
        self.full_title_edit = QLineEdit()
        self.doc_no_edit = QLineEdit()
        self.issuers_edit = QLineEdit()
        self.issuers_edit.setPlaceholderText("多个用、分隔")
        self.date_field = DateField(dt.date(2000, 1, 1), dt.date(2100, 12, 31))
        self.province_combo = QComboBox()
        self.province_combo.addItem(NATIONAL, None)
        for u in self.store.units.list():
            if u.kind == UnitKind.PROVINCE:
                self.province_combo.addItem(u.name, u.code)
        self.version_label = QLabel()
        self.kind_boxes: dict[str, QCheckBox] = {}
        kinds = QHBoxLayout()
        for k in self.store.catalog.plan_kinds:
            cb = QCheckBox(k)
            cb.toggled.connect(self._kinds_changed)
            self.kind_boxes[k] = cb
            kinds.addWidget(cb)
        kinds.addStretch(1)
        self.part_combo = QComboBox()
        self.part_combo.setObjectName("part_combo")
        for p in self.proposals:
            self.part_combo.addItem(f"{p.part or p.title or '正文'}（{len(p.items)}项）")
        self.part_combo.setVisible(len(self.proposals) > 1)
        self.part_combo.currentIndexChanged.connect(self._part_changed)

        def row(r, c, label, w, span=1):
            g.addWidget(QLabel(label), r, c)
            g.addWidget(w, r, c + 1, 1, span)

        row(0, 0, "清单编号", self.id_edit)
        row(0, 2, "清单名称", self.title_edit, 3)
        g.addWidget(self.version_label, 0, 6)
        row(1, 0, "文件全称", self.full_title_edit, 6)
        row(2, 0, "文号", self.doc_no_edit)
        row(2, 2, "发文机关", self.issuers_edit)
        row(2, 4, "成文日期", self.date_field)
        row(3, 0, "适用省份", self.province_combo)
        g.addWidget(QLabel("填报类型"), 3, 2)
        g.addLayout(kinds, 3, 3, 1, 2)
        if len(self.proposals) > 1:
            g.addWidget(QLabel("文件中的清单"), 3, 5)
            g.addWidget(self.part_combo, 3, 6)
        for c, s in ((1, 2), (3, 3), (5, 2)):
            g.setColumnStretch(c, s)
        for w in (self.id_edit, self.title_edit, self.full_title_edit, self.doc_no_edit, self.issuers_edit):
            w.textEdited.connect(self._meta_changed)
        self.date_field.changed.connect(self._meta_changed)
        self.province_combo.currentIndexChanged.connect(self._meta_changed)
        return box

    def _size_columns(self) -> None:
        fm = self.fontMetrics()
        em = fm.horizontalAdvance("中")
        for col, n in ((ItemsModel.NO, 3.5), (ItemsModel.CATEGORY, 8), (ItemsModel.TITLE, 8), (ItemsModel.TEXT, 30),
                       (ItemsModel.UNITS, 14), (ItemsModel.KINDS, 11), (ItemsModel.INDICATORS, 10)):
            self.table.setColumnWidth(col, int(n * em))
        items = self.draft.items
        self.table.setColumnHidden(ItemsModel.TITLE, not any(it.title for it in items))
        self.table.setColumnHidden(ItemsModel.CATEGORY, not any(it.category for it in items) and any(
            it.title for it in items))

    # ------------------------------------------------------------------ meta
    def _load_meta(self) -> None:
        d = self.draft
        widgets = (self.id_edit, self.title_edit, self.full_title_edit, self.doc_no_edit, self.issuers_edit,
                   self.date_field.inner, self.province_combo, *self.kind_boxes.values())
        for w in widgets:
            w.blockSignals(True)
        self.id_edit.setText(d.id)
        self.title_edit.setText(d.title)
        self.full_title_edit.setText(d.full_title)
        self.doc_no_edit.setText(d.doc_no or "")
        self.issuers_edit.setText("、".join(d.issuers))
        self.date_field.set_value(d.date.isoformat() if d.date else None)
        i = self.province_combo.findData(d.province)
        if i < 0 and d.province:
            self.province_combo.addItem(d.province, d.province)
            i = self.province_combo.count() - 1
        self.province_combo.setCurrentIndex(max(i, 0))
        for k, cb in self.kind_boxes.items():
            cb.setChecked(k in d.plan_kinds)
        for w in widgets:
            w.blockSignals(False)
        if d.edit_of is not None:
            self.version_label.setText(f"现为第{d.edit_of.version}版，保存后为新版本")
            self.id_edit.setReadOnly(True)
        else:
            self.version_label.setText("新清单")

    def _meta_changed(self, *_a) -> None:
        d = self.draft
        d.id = self.id_edit.text().strip()
        d.title = self.title_edit.text()
        d.full_title = self.full_title_edit.text()
        d.doc_no = self.doc_no_edit.text().strip() or None
        d.issuers = [x.strip() for x in self.issuers_edit.text().replace("，", "、").split("、") if x.strip()]
        value = self.date_field.value()
        d.date = dt.date.fromisoformat(value) if value else None
        d.province = self.province_combo.currentData()
        self._edited()

    def _kinds_changed(self, *_a) -> None:
        self.draft.plan_kinds = [k for k, cb in self.kind_boxes.items() if cb.isChecked()]
        self.draft.default_item_kinds = [k for k in self.draft.default_item_kinds if k in self.draft.plan_kinds]
        self.model.rederive()
        self._edited()

    def _part_changed(self, i: int) -> None:
        if not (0 <= i < len(self.proposals)) or self.source is None:
            return
        keep = self.draft.id
        self.draft = FormDraft.from_proposal(self.proposals[i], self.source, self.store.catalog, keep)
        self.model.set_draft(self.draft)
        self._size_columns()
        self._load_meta()
        self.check()
        if self.draft.items:
            self.table.selectRow(0)

    # ------------------------------------------------------------------ rows
    def current_row(self) -> int:
        idx = self.table.currentIndex()
        return idx.row() if idx.isValid() else -1

    def _show_row(self, row: int) -> None:
        if not (0 <= row < len(self.draft.items)):
            self.indicators.show_row(None)
            self.source_label.setText("原文")
            return
        it = self.draft.items[row]
        self.indicators.show_row(it.indicators)
        self.source_label.setText(f"原文（第{row + 1}项 出处：{it.ref}）")
        self._select_source(it.source)

    def _select_source(self, words: str) -> None:
        """Select the lines of the row's source words in the whole document, scrolled into view."""
        doc = self.source_view.document()
        lines = [line.strip() for line in words.splitlines() if line.strip()]
        first = doc.find(lines[0][:60]) if lines else QTextCursor()
        if first.isNull():
            self.source_view.moveCursor(QTextCursor.MoveOperation.Start)
            return
        last = doc.find(lines[-1][:60], first.selectionStart()) if len(lines) > 1 else first
        cur = QTextCursor(doc.findBlock(first.selectionStart()))
        end = (last if not last.isNull() else first).selectionEnd()
        cur.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cur.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        self.source_view.setTextCursor(cur)
        self.source_view.centerCursor()

    def _insert(self) -> None:
        row = self.current_row() + 1 if self.current_row() >= 0 else len(self.draft.items)
        self.model.insert(row)
        idx = self.model.index(row, ItemsModel.TEXT)
        self.table.setCurrentIndex(idx)
        self.table.edit(idx)

    def _remove(self) -> None:
        row = self.current_row()
        if row >= 0:
            self.model.remove(row)
            self.table.selectRow(min(row, len(self.draft.items) - 1))

    def _move(self, delta: int) -> None:
        row = self.current_row()
        if row >= 0:
            self.table.selectRow(self.model.move(row, delta))

    def _add_indicator(self) -> None:
        row = self.current_row()
        if row < 0:
            return
        self.draft.add_indicator(row)
        self._show_row(row)
        self._indicator_edited()

    def _remove_indicator(self) -> None:
        row, r = self.current_row(), self.indicators.currentRow()
        if row < 0 or r < 0:
            return
        del self.draft.items[row].indicators[r]
        self._show_row(row)
        self._indicator_edited()

    def _indicator_edited(self) -> None:
        row = self.current_row()
        if row >= 0:
            self.model.dataChanged.emit(self.model.index(row, ItemsModel.INDICATORS),
                                        self.model.index(row, ItemsModel.INDICATORS))
        self._edited()

    # ------------------------------------------------------------------ checks
    def _edited(self) -> None:
        self.dirty = True
        self._timer.start()

    def check(self) -> list:
        """The loader's problems for the draft as it stands (nothing written)."""
        problems = self.draft.problems(self.store.catalog)
        self.problem_list.clear()
        bad: dict[int, list[str]] = {}
        for p in problems:
            text = str(p).split("：", 1)[-1] if not p.item else str(p).split(" ", 1)[-1]
            item = QListWidgetItem(text if p.item else f"{p.field or '清单'}：{p.message}")
            item.setToolTip(str(p))
            if p.item and p.item.isdigit():
                bad.setdefault(int(p.item) - 1, []).append(str(p))
                item.setData(ROW_ROLE, int(p.item) - 1)
            self.problem_list.addItem(item)
        warns = self.draft.warnings
        if not problems and not warns:
            item = QListWidgetItem("没有问题：可以保存。")
            item.setForeground(QBrush(QColor("#1a7f37")))
            self.problem_list.addItem(item)
        for w in warns:
            item = QListWidgetItem(f"提示：{w}")
            item.setForeground(QBrush(QColor("#8a5a00")))
            self.problem_list.addItem(item)
        self.model.set_problems(bad)
        self.problem_title.setText(f"问题（{len(problems)}）" + (f"　提示（{len(warns)}）" if warns else ""))
        self.status.setText(f"共 {len(self.draft.items)} 项；" + ("可以保存" if not problems else f"{len(problems)} 处问题须改正"))
        self.save_button.setEnabled(not problems)
        self.problems = problems
        return problems

    def _jump(self, item: QListWidgetItem) -> None:
        row = item.data(ROW_ROLE)
        if row is not None and 0 <= row < len(self.draft.items):
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _say(self, message: str, color: str) -> None:
        self.banner.setText(message)
        self.banner.setStyleSheet(f"color: {color}; font-weight: bold;")
        self.banner.show()

    # ------------------------------------------------------------------ save
    def save(self):
        """Save to the user's forms folder; the window's store sees the form at once."""
        self._timer.stop()
        if self.check():
            self._say("清单还有问题，未保存：请按右下方的问题列表改正。", "#b00020")
            return None
        try:
            result = self.draft.save(self.store.catalog)
        except FormRefused as e:
            self.check()
            self._say(str(e), "#b00020")
            return None
        except InputError as e:
            self._say(str(e), "#b00020")
            return None
        self.store.catalog = result.catalog
        self.saved_view = result.view
        self.dirty = False
        self._say(result.message, "#1a7f37")
        self.draft = FormDraft.from_view(result.view, result.catalog)  # further edits make the next version
        self.model.catalog = result.catalog
        self.model.set_draft(self.draft)
        self._load_meta()
        self.saved.emit(result.view)
        return result

    def reject(self) -> None:
        """关闭 / Esc / the window's close button (QDialog routes them all here)."""
        if self.dirty:
            ans = QMessageBox.question(self, "关闭", "清单有未保存的修改，确定放弃并关闭？")
            if ans != QMessageBox.StandardButton.Yes:
                return
        self.dirty = False
        super().reject()
