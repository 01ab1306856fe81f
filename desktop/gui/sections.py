"""Plan-level chapters (基本情况, 指导思想, 建设目标, 保障措施): text the Word 实施方案 prints."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from ..core.edits import Ref
from .widgets import TextField


class SectionsEditor(QScrollArea):
    edited = Signal(object, object)  # Ref.section(KEY), text

    def __init__(self, decls=(), parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.fields: dict[str, TextField] = {}
        self._loading = False
        self.read_only = False
        self.set_sections(decls)

    def set_sections(self, decls) -> None:
        """The chapters' fields (the main window paints before the catalogue is read, then sets them)."""
        body = QWidget()
        lay = QVBoxLayout(body)
        intro = QLabel("以下内容写入导出的《实施方案》正文，每个方案填写一次。")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.fields = {}
        for d in decls:
            box = QGroupBox(d.label)
            bl = QVBoxLayout(box)
            if d.help:
                h = QLabel(d.help)
                h.setWordWrap(True)
                h.setStyleSheet("color: #555;")
                bl.addWidget(h)
            w = TextField(True, d.max_length)
            w.setObjectName(f"section_{d.key}")
            w.changed.connect(lambda key=d.key: self._changed(key))
            w.setEnabled(not self.read_only)
            bl.addWidget(w)
            lay.addWidget(box)
            self.fields[d.key] = w
        lay.addStretch(1)
        self.setWidget(body)  # (the previous body, if any, is deleted)

    def _changed(self, key: str) -> None:
        if not self._loading and not self.read_only:
            self.edited.emit(Ref.section(key), self.fields[key].value())

    def set_read_only(self, on: bool) -> None:
        self.read_only = on
        for w in self.fields.values():
            w.setEnabled(not on)

    def fill(self, data, skip=()) -> None:
        self._loading = True
        try:
            for key, w in self.fields.items():
                v = data.sections.get(key) if data else None
                if Ref.section(key) not in skip and w.value() != v:
                    w.set_value(v)
        finally:
            self._loading = False
