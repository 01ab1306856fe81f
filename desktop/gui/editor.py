"""The right-hand editor of one checklist item: source text, fields, indicators, evidence.

Widgets for the form's fields are built once per form; switching items only refills
values (fast). Every user change emits ``edited(ref, value)``; the main window debounces and
writes through the store. A plan the lifecycle holds read-only shows its values disabled.
"""
from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
    QMessageBox, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget,
)

from ..core import fmt
from ..core.edits import Kind, Ref
from ..core.errors import InputError
from ..core.values import parse_field
from ..core.vocab import Role
from . import marks
from .widgets import ChoiceField, DateField, DeptField, DeptListField, NumberField, TextField

ERROR_STYLE = "color: #c01c28;"
WARN_STYLE = "color: #b5651d;"
READ_ONLY_STYLE = ("QLineEdit:disabled, QPlainTextEdit:disabled, QComboBox:disabled, QAbstractSpinBox:disabled"
                   " { color: #1f1f1f; }")


class ItemEditor(QScrollArea):
    edited = Signal(object, object)  # Ref, value (None clears)
    evidenceChanged = Signal()

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        self.setWidgetResizable(True)
        self.view = self.item = self.plan = None
        self._loading = False
        self.fields: dict[str, object] = {}  # Ref text (measures, target:KEY …) -> field widget
        self.notes: dict[str, QLabel] = {}  # Ref text -> problem label under the widget
        self.read_only = False
        self.values: dict[str, str] = {}  # what the store holds for the shown item
        self.departments: list[str] = []  # the unit's own, from its earlier answers
        self._evidence_shown: list | None = None  # what the 佐证材料 list holds
        body = QWidget()
        self.setWidget(body)
        self.lay = QVBoxLayout(body)
        self.placeholder = QLabel("请在左侧选择方案，在中间清单中选择一项任务。")
        self.placeholder.setWordWrap(True)
        self.lay.addWidget(self.placeholder)
        # source text
        self.source_box = QGroupBox("省级任务（原文）")
        sl = QVBoxLayout(self.source_box)
        self.source_title = QLabel()
        self.source_title.setWordWrap(True)
        self.source_title.setStyleSheet("font-weight: bold;")
        self.source_text = QLabel()
        self.source_text.setWordWrap(True)
        self.source_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source_meta = QLabel()
        self.source_meta.setWordWrap(True)
        self.source_meta.setStyleSheet("color: #555;")
        for w in (self.source_title, self.source_text, self.source_meta):
            sl.addWidget(w)
        self.lay.addWidget(self.source_box)
        self.fields_box = QGroupBox("本单位填报")
        self.form = QFormLayout(self.fields_box)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.lay.addWidget(self.fields_box)
        self.ind_box = QGroupBox("指标")
        ib = QVBoxLayout(self.ind_box)
        self.ind_grid = QGridLayout()
        ib.addLayout(self.ind_grid)
        # problem notes of the indicators sit under the whole grid: a note appearing while the
        # user types must not push the row being typed in (the grid used to jump ~100 px)
        self.ind_notes = QVBoxLayout()
        self.ind_notes.setContentsMargins(0, 0, 0, 0)
        ib.addLayout(self.ind_notes)
        self.lay.addWidget(self.ind_box)
        self._build_evidence()
        self.lay.addWidget(self.ev_box)
        self.lay.addStretch(1)
        self._form_id = None
        self._show(False)

    def _show(self, on: bool) -> None:
        self.placeholder.setVisible(not on)
        for w in (self.source_box, self.fields_box, self.ev_box):
            w.setVisible(on)
        self.ind_box.setVisible(on and bool(self.item and self.item.indicators))

    # ------------------------------------------------------------ building
    def _build_fields(self, view) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        for k in [k for k in self.fields if not Ref.parse(k).is_indicator]:
            self.fields.pop(k)
            self.notes.pop(k, None)
        names = self._dept_names(view)
        for decl in view.fields:
            if decl.type == "files":
                continue
            if decl.type == "bool":
                vocab = view.vocab
                default = None if decl.default is None else vocab.yes_no(bool(decl.default))
                w = ChoiceField([vocab.yes, vocab.no], default)
            elif decl.type == "choice":
                w = ChoiceField(decl.choices)
            elif decl.type in ("text", "longtext"):
                w = TextField(decl.type == "longtext", decl.max_length)
            elif decl.type == "date":
                w = DateField(partial(self._check_value, decl), (decl.min_date, decl.max_date))
            elif decl.type == "dept":
                w = DeptField(names)
            else:  # dept_list
                w = DeptListField(names)
            if decl.help:
                w.setToolTip(decl.help)
            w.setObjectName(f"field_{decl.key}")
            w.setEnabled(not self.read_only)
            self._add_row(decl.label + ("＊" if decl.required or decl.required_when else ""), decl.key, w, self.form)
        self._form_id = view.id

    def _check_value(self, decl, text: str):
        """The core's parser of a field (the date typed in 完成时限 …): canonical text or ValueProblem."""
        return parse_field(decl, text, self.store.vocab.answers)

    def _dept_names(self, view) -> list[str]:
        """Department suggestions: the unit's own first (教务处 …), then the checklist's units."""
        return list(dict.fromkeys([*self.departments, *sorted({u.name for it in view.items for u in it.units})]))

    def set_departments(self, names) -> None:
        self.departments = list(names)
        if self.view is None:
            return
        all_names = self._dept_names(self.view)
        for w in self.fields.values():
            if isinstance(w, (DeptField, DeptListField)):
                w.set_names(all_names)

    def _add_row(self, label: str, key: str, w, form: QFormLayout | None) -> QLabel:
        """Register a field widget and its problem note; in a form, the note sits under it."""
        note = QLabel()
        note.setWordWrap(True)
        note.hide()
        if form is not None:
            box = QWidget()
            bl = QVBoxLayout(box)
            bl.setContentsMargins(0, 0, 0, 0)
            bl.addWidget(w)
            bl.addWidget(note)
            form.addRow(label, box)
        self.fields[key], self.notes[key] = w, note
        w.changed.connect(lambda key=key: self._changed(key))
        return note

    def _build_indicators(self, item) -> None:
        for lay in (self.ind_grid, self.ind_notes):
            while lay.count():
                w = lay.takeAt(0).widget()
                if w:
                    w.hide()  # at once: deleteLater alone leaves it painted over the new grid until then
                    w.deleteLater()
        for k in [k for k in self.fields if Ref.parse(k).is_indicator]:
            self.fields.pop(k)
            self.notes.pop(k, None)
        for col, head in enumerate(("指标", "省级目标", "本单位目标值", "完成值")):
            h = QLabel(head)
            h.setStyleSheet("font-weight: bold;")
            self.ind_grid.addWidget(h, 0, col)
        for r, ind in enumerate(item.indicators, start=1):
            name = QLabel(ind.name)
            name.setWordWrap(True)
            if ind.quote:
                name.setToolTip(ind.quote)
            self.ind_grid.addWidget(name, r, 0)
            tg = "；".join(t.describe(ind.unit) for t in ind.targets) or "—"
            tgl = QLabel(tg)
            tgl.setWordWrap(True)
            self.ind_grid.addWidget(tgl, r, 1)
            for c, which in ((2, "target"), (3, "actual")):
                w = NumberField(ind.unit, ind.kind == "percent", ind.kind == "count")
                w.setObjectName(f"field_{which}_{ind.key}")
                w.setEnabled(not self.read_only)
                ref = Ref.target(item.no, ind.key) if which == "target" else Ref.actual(item.no, ind.key)
                self.ind_notes.addWidget(self._add_row("", ref.text, w, None))
                self.ind_grid.addWidget(w, r, c)
        for col, stretch in enumerate((3, 2, 2, 2)):
            self.ind_grid.setColumnStretch(col, stretch)

    def _build_evidence(self) -> None:
        self.ev_box = QGroupBox("佐证材料")
        v = QVBoxLayout(self.ev_box)
        self.ev_list = QListWidget()
        self.ev_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        line = self.ev_list.fontMetrics().lineSpacing()
        self.ev_list.setMinimumHeight(line * 3)
        self.ev_list.setMaximumHeight(line * 7)
        self.ev_list.itemDoubleClicked.connect(lambda _i: self.open_evidence())
        v.addWidget(self.ev_list)
        row = QHBoxLayout()
        self.ev_buttons = []
        for text, slot in (("添加…", self.choose_evidence), ("打开", self.open_evidence), ("移除", self.remove_evidence)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
            self.ev_buttons.append(b)
        self.ev_open = self.ev_buttons[1]
        row.addStretch(1)
        v.addLayout(row)

    # ------------------------------------------------------------- filling
    def set_item(self, view, plan, item_no: int | None, data, problems) -> None:
        """Show ``item_no`` of ``plan`` (None: nothing selected)."""
        switched = (self.plan.id if self.plan else None, self.item.no if self.item else None) != \
            (plan.id if plan else None, item_no)
        self.view, self.plan = view, plan
        self.item = view.item_map.get(item_no) if (view and item_no is not None) else None
        if self.item is None:
            self._show(False)
            return
        self._loading = True
        try:
            if self._form_id != view.id:
                self._build_fields(view)
            self._build_indicators(self.item)
            self.set_read_only(self.read_only)  # new widgets take the plan's state too
            it, f = self.item, view.form
            self.source_title.setText(f"第{it.display_no}项" + (f"　［{it.category}］" if it.category else "")
                                      + (f"　{it.title}" if it.title else ""))
            self.source_text.setText(it.text)
            units = it.units_text or "—"
            self.source_meta.setText(f"责任部门：{units}\n出处：《{f.full_title}》{f.doc_no or ''}　{it.ref}"
                                     + ("\n本方案须填报此项" if view.must_answer(it.no, plan.kind) else "\n本方案可自愿填报此项"))
            self.fill(data, problems)
        finally:
            self._loading = False
        self._show(True)
        if switched:  # a new item starts at its top, not at the previous item's scroll position
            self.verticalScrollBar().setValue(0)

    def fill(self, data, problems, skip=()) -> None:
        """Refill values and problem notes for the current item (after undo/redo or reload).

        ``skip``: keys just saved from their widgets - left alone so the store's normalising
        (trimmed blanks, 、-joined departments) does not move the cursor while typing."""
        if self.item is None:
            return
        was, self._loading = self._loading, True
        try:
            values = data.values.get(self.item.no, {})
            self.values = dict(values)
            skipped = {r.text for r in skip if r.item_no in (0, self.item.no)}
            for key, w in self.fields.items():
                ref = Ref.parse(key)
                if ref.is_indicator:
                    t, a = data.indicators.get(ref.key, (None, None))
                    v = t if ref.kind == Kind.TARGET else a
                else:
                    v = values.get(key)
                if key not in skipped and w.value() != v:
                    w.set_value(v)
            self.show_problems([p for p in problems if p.item_no == self.item.no])
            evidence = [e for e in data.evidence if e.item_no == self.item.no]
            if evidence != self._evidence_shown:  # an autosave leaves the list (and its selection) alone
                self._evidence_shown = evidence
                self.ev_list.clear()
                for e in evidence:
                    li = QListWidgetItem(f"{e.name}（{fmt.size(e.size)}）")
                    li.setData(Qt.ItemDataRole.UserRole, (e.id, e.name, e.sha256))
                    li.setToolTip(f"SHA-256 {e.sha256}")
                    self.ev_list.addItem(li)
        finally:
            self._loading = was

    def show_problems(self, problems) -> None:
        by_key: dict[str, list] = {}
        for p in problems:
            by_key.setdefault(p.field_key, []).append(p)
        for key, note in self.notes.items():  # only what differs is touched (an autosave per keystroke)
            ps = by_key.get(key)
            if not ps:
                if not note.isHidden():
                    note.hide()
                continue
            text = "\n".join(f"{marks.ERROR if p.severity == 'error' else marks.WARNING} "
                             + p.message.split("：", 1)[-1]
                             + (f"（已说明：{p.explanation}）" if p.explained else "") for p in ps)
            style = ERROR_STYLE if any(p.severity == "error" for p in ps) else WARN_STYLE
            if note.text() != text:
                note.setText(text)
            if note.styleSheet() != style:
                note.setStyleSheet(style)
            if note.isHidden():
                note.show()

    def _changed(self, key: str) -> None:
        if self._loading or self.item is None or self.read_only:
            return
        applicable = self.view.key(Role.APPLICABILITY)
        w = self.fields.get(applicable)
        if key != applicable and w is not None and applicable not in self.values and w.value() is not None:
            # 是否适用 shows its default (是（默认）): what the user saw is what gets filed
            self.values[applicable] = w.value()
            self.edited.emit(Ref.field(self.item.no, applicable), w.value())
        self.edited.emit(Ref.parse(key, self.item.no), self.fields[key].value())

    def commit_typing(self) -> None:
        """Take in what is typed but not yet committed (a date or a number being typed) before a save."""
        for w in self.fields.values():
            if isinstance(w, DateField):
                if w.inner.hasFocus() or w.inner.isModified():
                    w.commit()
            elif isinstance(w, NumberField):
                w.inner.interpretText()

    def show_pending(self, pending: dict) -> None:
        """Values typed but not yet stored (a save failed): shown instead of the stored ones."""
        if self.item is None:
            return
        was, self._loading = self._loading, True
        try:
            for ref, v in pending.items():
                if ref.item_no == self.item.no and ref.text in self.fields:
                    self.fields[ref.text].set_value(v)
        finally:
            self._loading = was

    def set_read_only(self, on: bool) -> None:
        """Disable every input (after 报送, the reviewer's view); the values stay dark enough to read."""
        self.read_only = on
        self.widget().setStyleSheet(READ_ONLY_STYLE if on else "")
        for w in self.fields.values():
            w.setEnabled(not on)
        for b in self.ev_buttons:
            b.setEnabled(not on or b is self.ev_open)

    def focus_field(self, key: str) -> None:
        w = self.fields.get(key)
        if w is None and self.view is not None and key == self.view.key(Role.EVIDENCE):
            w = self.ev_list
        if w is not None:
            self.ensureWidgetVisible(w)
            w.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------ evidence
    def choose_evidence(self) -> None:
        if self.item is None:
            return
        paths, _ = QFileDialog.getOpenFileNames(self, "添加佐证材料")
        if paths:
            self.add_evidence_files(paths)

    def add_evidence_files(self, paths) -> int:
        added = 0
        for p in paths:
            try:
                self.store.evidence.add(self.plan.id, self.item.no, p)
                added += 1
            except InputError as e:
                QMessageBox.warning(self, "无法添加佐证材料", str(e))
        if added:
            self.evidenceChanged.emit()
        return added

    def _selected_evidence(self):
        li = self.ev_list.currentItem()
        return li.data(Qt.ItemDataRole.UserRole) if li else None

    def open_evidence(self) -> Path | None:
        sel = self._selected_evidence()
        if not sel:
            return None
        _id, name, sha = sel
        folder = Path(tempfile.gettempdir()) / "yice-evidence" / sha[:16]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / Path(name).name
        path.write_bytes(self.store.evidence.content(sha))
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return path

    def remove_evidence(self) -> None:
        sel = self._selected_evidence()
        if not sel:
            return
        if QMessageBox.question(self, "移除佐证材料", f"从本项移除「{sel[1]}」？") != QMessageBox.StandardButton.Yes:
            return
        self.remove_evidence_id(sel[0])

    def remove_evidence_id(self, evidence_id: int) -> None:
        self.store.evidence.remove(evidence_id)
        self.evidenceChanged.emit()
