"""帮助: 使用说明 (the user guide) and 关于 (version, where the data is, database, checklists).

The guide is docs/guide.md — the very text of the README's guide (a test keeps them equal), so
what a newcomer reads on the project page and what a user reads in the app never differ. It is
shown with Qt's own Markdown reader (QTextBrowser), no extra module. Both dialogs are modeless:
the user can read the guide while working in the main window.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QListWidget,
    QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget,
)

from ..core import fmt
from ..core.resources import guide_file
from ..core.text import join_cjk_lines

if TYPE_CHECKING:  # core.about reads the database (SQLAlchemy): loaded when 关于 opens
    from ..core.about import About

APP_TITLE = "一策通 · 产教融合“一市一策 / 一校一策”实施方案 填报、备案与汇总"


def _close_buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    box.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
    box.rejected.connect(dialog.close)
    return box


class GuideDialog(QDialog):
    """使用说明: headings on the left (click to jump), the guide on the right."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("guide_dialog")
        self.setWindowTitle("使用说明")
        self.text = guide_file().read_text(encoding="utf-8")
        self.browser = QTextBrowser()
        self.browser.setObjectName("guide_text")
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(join_cjk_lines(self.text))  # no stray space where a sentence wraps
        self.contents = QListWidget()
        self.contents.setObjectName("guide_contents")
        self.headings = [line.lstrip("#").strip() for line in self.text.splitlines() if line.startswith("## ")]
        self.contents.addItems(self.headings)
        self.contents.currentRowChanged.connect(self.jump)
        split = QSplitter()
        split.addWidget(self.contents)
        split.addWidget(self.browser)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 730])
        v = QVBoxLayout(self)
        v.addWidget(split, 1)
        v.addWidget(_close_buttons(self))
        self.resize(940, 660)

    def jump(self, row: int) -> None:
        """Scroll the guide to heading ``row`` (searched from the top, so it is the heading itself)."""
        if 0 <= row < len(self.headings):
            self.browser.moveCursor(self.browser.textCursor().MoveOperation.Start)
            self.browser.find(self.headings[row], QTextDocument.FindFlag.FindCaseSensitively)
            cursor = self.browser.textCursor()
            cursor.clearSelection()  # scrolled to, not highlighted
            self.browser.setTextCursor(cursor)
            bar = self.browser.verticalScrollBar()
            bar.setValue(min(bar.maximum(), self.browser.cursorRect().top() + bar.value()))


class AboutDialog(QDialog):
    """关于: what this start of the program uses — a support call begins here."""

    def __init__(self, info: About, parent=None):
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle("关于")
        self.info = info
        v = QVBoxLayout(self)
        head = QLabel(f"<b>{APP_TITLE}</b><br>版本 {info.version}　离线使用，数据保存在本机，无需联网。")
        head.setWordWrap(True)
        v.addWidget(head)

        form = QFormLayout()
        self.folder = QLabel(str(info.data_dir) + ("（便携模式：程序旁的 data 文件夹）" if info.portable else ""))
        self.folder.setObjectName("about_folder")
        self.folder.setWordWrap(True)
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("打开数据文件夹")
        self.open_button.clicked.connect(self.open_folder)
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(self.folder, 1)
        h.addWidget(self.open_button)
        form.addRow("数据文件夹：", row)
        database = QLabel(info.database)
        database.setWordWrap(True)
        database.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("数据库：", database)
        self.size = QLabel(fmt.size(info.database_bytes))
        form.addRow("数据库大小：", self.size)
        self.revision = QLabel(f"{info.schema_revision or '—'}" + ("（最新）" if info.schema_current else "（待升级）"))
        form.addRow("数据库结构版本：", self.revision)
        v.addLayout(form)

        v.addWidget(QLabel(f"已安装的任务清单（{len(info.forms)} 个）："))
        self.forms = QTableWidget(len(info.forms), 5)
        self.forms.setObjectName("about_forms")
        self.forms.setHorizontalHeaderLabels(["编号", "清单", "文号", "版本", "项数"])
        for r, f in enumerate(info.forms):
            for c, value in enumerate((f.id, f.title, f.doc_no or "", f"v{f.version}", str(f.items))):
                cell = QTableWidgetItem(value)
                if c >= 3:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.forms.setItem(r, c, cell)
        self.forms.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.forms.verticalHeader().setVisible(False)
        header = self.forms.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        v.addWidget(self.forms, 1)
        v.addWidget(_close_buttons(self))
        self.resize(820, 560)

    def open_folder(self) -> bool:
        folder = self.info.data_dir
        folder.mkdir(parents=True, exist_ok=True)  # a fresh install has not written it yet
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def show_guide(window) -> GuideDialog:
    """帮助 → 使用说明: one guide window per main window, raised if already open."""
    dlg = window.findChild(GuideDialog)
    if dlg is None:
        dlg = GuideDialog(window)
    dlg.show()
    dlg.raise_()
    dlg.activateWindow()
    return dlg


def show_about(window) -> AboutDialog:
    """帮助 → 关于, for the window's store and the AppPaths this start uses (``window.paths``)."""
    from ..core.about import about

    window.flush()  # what is typed is in the database before its size is shown
    dlg = AboutDialog(about(window.store, window.paths), window)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.show()
    return dlg
