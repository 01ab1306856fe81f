"""文件 → 新建清单… / 修改清单… / 导出清单… / 导入清单…: new checklists without a programmer.

新建清单 takes a policy document (.docx, .xlsx, a text or web page file, or text pasted from
a PDF), reads it on a worker thread and opens the review grid (``review.ReviewWindow``).
导出清单 writes one file for other installations, with the deadline and the units that must
file if the office wants; 导入清单 checks such a file and installs it. Reading, exporting and
importing run off the GUI thread; every refusal is the core's one Chinese line.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateEdit, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QInputDialog,
    QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton, QVBoxLayout,
)

from ..core.text import safe_filename
from .widgets import ok_cancel
from .worker import run_job

DOCUMENTS = "政策文件 (*.docx *.xlsx *.xlsm *.txt *.csv *.htm *.html);;所有文件 (*)"
BUNDLES = "清单文件 (*.zip)"
MODES = (("auto", "自动识别（任务表格，或编号条款）"), ("tables", "按任务表格读取"), ("clauses", "按编号条款读取"))


def add_menu(window, menu) -> None:
    """The checklist actions, at the end of the 文件 menu (before 退出)."""
    menu.addSeparator()
    window.act_new_form = window._action(menu, "新建清单…", lambda: new_form(window), None, "act_new_form")
    window._action(menu, "修改清单…", lambda: edit_form(window), None, "act_edit_form")
    window._action(menu, "导出清单…", lambda: export_form(window), None, "act_export_form")
    window._action(menu, "导入清单…", lambda: import_form(window), None, "act_import_form")


def _dir(window) -> str:
    d = window.ui.str("last/export_dir") if hasattr(window, "ui") else ""
    return d if d and Path(d).is_dir() else str(Path.home())


def _remember(window, path: str) -> None:
    if hasattr(window, "ui"):
        window.ui.set("last/export_dir", str(Path(path).parent))


def _warn(window, title: str):
    def show(err: Exception) -> None:
        QMessageBox.warning(window, title, str(err) or type(err).__name__)
    return show


# ----------------------------------------------------------------------------- new

class SourceDialog(QDialog):
    """Where the policy document comes from: a file, or pasted text; how to read it."""

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("新建清单：选择政策文件")
        self.setObjectName("source_dialog")
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("选择政策文件（Word .docx、Excel .xlsx、文本或网页文件），本软件找出其中的任务表格"
                             "或编号条款，生成清单供您核对："))
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setPlaceholderText("未选择文件")
        pick = QPushButton("选择文件…")
        pick.clicked.connect(self._pick)
        row.addWidget(self.path, 1)
        row.addWidget(pick)
        lay.addLayout(row)
        lay.addWidget(QLabel("或者把从 PDF、网页复制的文字粘贴在这里："))
        self.text = QPlainTextEdit()
        self.text.setObjectName("pasted_text")
        self.text.setPlaceholderText("粘贴政策文件的文字（含标题、文号和附件表格）")
        lay.addWidget(self.text, 1)
        form = QFormLayout()
        self.mode = QComboBox()
        for key, label in MODES:
            self.mode.addItem(label, key)
        form.addRow("读取方式：", self.mode)
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("source_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.hide()
        lay.addWidget(self.error)
        buttons = ok_cancel(self, "读取", self.read)
        lay.addWidget(buttons)
        self.resize(640, 420)

    def _pick(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择政策文件", _dir(self.window_), DOCUMENTS)
        if path:
            self.path.setText(path)
            _remember(self.window_, path)

    def read(self):
        path, text = self.path.text().strip(), self.text.toPlainText()
        if not path and not text.strip():
            self.show_error("请选择政策文件，或粘贴文件的文字。")
            return None
        self.error.hide()
        return read_document(self.window_, path=path or None, text=None if path else text,
                             mode=self.mode.currentData(), dialog=self)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


def read_document(window, path=None, text=None, mode: str = "auto", dialog: SourceDialog | None = None):
    """Read on a worker thread, then open the review grid (the dialog shows a refusal)."""
    store = window.store

    def work(job):
        from ..core.authoring.draft import FormDraft, read_source_path, read_source_text

        job.progress(0, 2, "正在读取政策文件…")
        src = read_source_path(path, mode=mode) if path else read_source_text(text, mode=mode)
        job.progress(1, 2, "正在生成清单…")
        return src, FormDraft.from_proposal(src.reading.proposals[0], src, store.catalog)

    def done(result) -> None:
        src, draft = result
        if dialog is not None:
            dialog.accept()
        open_review(window, draft, src.reading.proposals, src)

    def failed(err: Exception) -> None:
        if dialog is not None:
            dialog.show_error(str(err))
        else:
            _warn(window, "无法读取政策文件")(err)

    return run_job(dialog or window, "正在读取政策文件…", work, done, failed)


def new_form(window, path: str | None = None, text: str | None = None, mode: str = "auto"):
    """文件 → 新建清单…: ask for the document (unless given), read it, open the review grid."""
    if path or text:
        return read_document(window, path, text, mode)
    window.source_dialog = SourceDialog(window)
    window.source_dialog.open()
    return window.source_dialog


def open_review(window, draft, proposals=None, source=None):
    from .review import ReviewWindow

    w = ReviewWindow(window.store, draft, proposals, source, window)
    w.saved.connect(lambda view: _after_save(window, view))
    w.setWindowState(w.windowState() | Qt.WindowState.WindowMaximized)
    w.show()
    window.review_window = w
    return w


def _after_save(window, view) -> None:
    if hasattr(window, "statusBar"):
        window.statusBar().showMessage(f"清单「{view.form.title}」第{view.version}版已保存，新建方案时可选用", 8000)


# ----------------------------------------------------------------------------- edit

def _pick_form(window, title: str, user_only: bool = False) -> str | None:
    cat = window.store.catalog
    views = sorted((v for v in cat.forms.values() if not (user_only and v.shipped)),
                   key=lambda v: (v.shipped, v.id))
    if not views:
        QMessageBox.information(window, title, "本机还没有自制或导入的清单。可用「文件 → 新建清单…」从政策文件生成。")
        return None
    labels = [f"{v.id}　{v.form.title}（第{v.version}版{'，随软件提供' if v.shipped else ''}）" for v in views]
    label, ok = QInputDialog.getItem(window, title, "清单：", labels, 0, False)
    return views[labels.index(label)].id if ok else None


def edit_form(window, form_id: str | None = None):
    """文件 → 修改清单…: a saved user form in the review grid; saving makes its next version."""
    from ..core.authoring.draft import FormDraft

    form_id = form_id or _pick_form(window, "修改清单", user_only=True)
    if not form_id:
        return None
    view = window.store.catalog.get(form_id)
    if view.shipped:
        QMessageBox.information(window, "修改清单", "随软件提供的清单不能修改。")
        return None
    return open_review(window, FormDraft.from_view(view, window.store.catalog))


# ----------------------------------------------------------------------------- export

class ExportDialog(QDialog):
    """Which form, and optionally the deadline and the units that must file."""

    def __init__(self, window, form_id: str | None = None):
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("导出清单")
        store = window.store
        lay = QFormLayout(self)
        self.form = QComboBox()
        for v in sorted(store.catalog.forms.values(), key=lambda v: (v.shipped, v.id)):
            self.form.addItem(f"{v.form.title}（{v.id}，第{v.version}版）", v.id)
        if form_id:
            self.form.setCurrentIndex(max(0, self.form.findData(form_id)))
        lay.addRow("清单：", self.form)
        self.use_deadline = QCheckBox("报送截止日期")
        self.deadline = QDateEdit(QDate.currentDate().addMonths(1))
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        self.deadline.setEnabled(False)
        self.use_deadline.toggled.connect(self.deadline.setEnabled)
        lay.addRow(self.use_deadline, self.deadline)
        self.filers = QComboBox()
        self.filers.addItem("不附名单（下级单位按填报类型均须报送）", None)
        unit = getattr(window, "unit_code", None)
        if unit:
            self.filers.addItem(f"所选单位「{store.units.get(unit).name}」下须报送的单位", "under")
        lay.addRow("报送名单：", self.filers)
        lay.addRow(QLabel("截止日期和名单记入本机，汇总的催报名单按此；并随清单文件发给下级单位。"))
        buttons = ok_cancel(self, "导出…", self._go)
        lay.addRow(buttons)

    def distribution(self):
        """The Distribution chosen (None: send the form alone)."""
        from ..core.catalog import Distribution

        store, fid = self.window_.store, self.form.currentData()
        codes: tuple[str, ...] = ()
        if self.filers.currentData() == "under":
            view = store.catalog.get(fid)
            kinds = {uk for pk in view.form.plan_kinds for uk in store.catalog.plan_kinds[pk].unit_kinds}
            under = self.window_.unit_code
            codes = tuple(u.code for u in store.units.list(under) if u.kind in kinds and u.code != under)
        if not codes and not self.use_deadline.isChecked():
            return None
        d = self.deadline.date()
        return Distribution(form_id=fid, deadline=d.toPython() if self.use_deadline.isChecked() else None,
                            filers=codes)

    def _go(self) -> None:
        fid = self.form.currentData()
        view = self.window_.store.catalog.get(fid)
        from ..core.authoring.bundle import default_name

        out, _ = QFileDialog.getSaveFileName(self, "导出清单", str(Path(_dir(self.window_)) / safe_filename(
            default_name(view.form))), BUNDLES)
        if not out:
            return
        _remember(self.window_, out)
        self.accept()
        export_form(self.window_, fid, out, self.distribution())


def export_form(window, form_id: str | None = None, out: str | None = None, distribution=None):
    """文件 → 导出清单…: one file another installation imports (on a worker thread)."""
    if form_id is None or out is None:
        window.export_dialog = ExportDialog(window, form_id or getattr(getattr(window, "plan", None), "form_id", None))
        window.export_dialog.open()
        return window.export_dialog
    store = window.store

    def work(job):
        from ..core.authoring.bundle import export_bundle
        from ..core.catalog.user import UserForms

        cat = store.catalog
        if distribution is not None:
            cat = UserForms(cat).set_distribution(distribution)
        return cat, export_bundle(cat, form_id, out)

    def done(result) -> None:
        cat, path = result
        store.catalog = cat
        window.statusBar().showMessage(f"已导出清单：{path}", 8000)

    return run_job(window, "正在导出清单…", work, done, _warn(window, "导出清单失败"))


# ----------------------------------------------------------------------------- import

def import_form(window, path: str | None = None):
    """文件 → 导入清单…: check a forms-export file and install it (on a worker thread)."""
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "导入清单", _dir(window), BUNDLES)
        if not path:
            return None
        _remember(window, path)
    store = window.store

    def work(job):
        from ..core.authoring.bundle import import_bundle

        return import_bundle(store.catalog, path)

    def done(saved) -> None:
        store.catalog = saved.catalog
        d = saved.view.distribution
        extra = f"\n报送截止：{d.deadline or '—'}；须报送单位：{len(d.filers) or '全部'}" if d else ""
        window.statusBar().showMessage(saved.message, 8000)
        window.import_form_box = QMessageBox(QMessageBox.Icon.Information, "导入清单", saved.message + extra,
                                             parent=window)
        window.import_form_box.open()

    def failed(err: Exception) -> None:
        from ..core.catalog.user import FormRefused

        box = QMessageBox(QMessageBox.Icon.Warning, "导入清单", str(err), parent=window)
        if isinstance(err, FormRefused):  # the schema's problems, each on its line
            box.setDetailedText("\n".join(str(p) for p in err.problems))
        window.import_form_box = box
        box.open()

    return run_job(window, "正在检查并导入清单…", work, done, failed)
