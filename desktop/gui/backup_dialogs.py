"""文件 → 备份数据… / 恢复数据…: the core's backup.py, asked for and reported here (the daily
backup at start is taken where app.py opens the database). No rule lives here: what a backup holds, how it is verified and how a restore
keeps the current data are decided in the core, the same for the CLI (``yice backup|restore``).
"""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..core import backup
from ..core.errors import InputError
from ..core.store import db
from .worker import run_job

TITLE_BACKUP, TITLE_RESTORE = "备份数据", "恢复数据"
PATTERN = "一策通备份 (*.sqlite3 *.bak);;所有文件 (*)"


def _show_error(window, title: str):
    def show(err: Exception) -> None:
        QMessageBox.warning(window, title, str(err) or type(err).__name__)
    return show


def _note(window, title: str, text: str) -> None:
    """A result the user reads at leisure (not blocking the window)."""
    window.backup_box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=window)
    window.backup_box.open()


def _database_file(window, title: str):
    """The open database's file after pending typing is saved; None (said why) if there is none."""
    if not window.flush():
        return None
    try:
        return backup.database_file(window.store)
    except InputError as e:  # a server database: its administrator backs it up
        QMessageBox.information(window, title, str(e))
        return None


def backup_data(window, out: str | None = None):
    """Ask where, then write a verified copy on a worker thread."""
    store, source = window.store, _database_file(window, TITLE_BACKUP)
    if source is None:
        return None
    if out is None:
        default = backup.backup_name(source, backup.Kind.MANUAL)
        default.parent.mkdir(parents=True, exist_ok=True)
        out, _ = QFileDialog.getSaveFileName(window, TITLE_BACKUP, str(default), PATTERN)
        if not out:
            return None

    def done(info) -> None:
        window.statusBar().showMessage(f"已备份到 {info.path}", 8000)
        _note(window, TITLE_BACKUP, "备份已完成，并已通过完整性校验。\n\n" + info.describe(full_path=False))
        window.backup_box.setDetailedText(str(info.path))

    return run_job(window, "正在备份数据…", lambda job: backup.make_backup(store, out), done,
                   _show_error(window, "备份失败"))


def confirm_restore(window, info, target) -> bool:
    """What the backup holds, what will happen, and the full paths behind 显示详细信息."""
    box = QMessageBox(QMessageBox.Icon.Question, TITLE_RESTORE, info.describe(full_path=False),
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, window)
    box.setInformativeText("恢复后，当前数据库的内容将被这份备份替换；当前数据库会先自动备份到数据库旁的 "
                           "backups 文件夹。确认恢复？")
    box.setDetailedText(f"备份文件：{info.path}\n当前数据库：{target}\n恢复前的备份将保存在：{db.backups_folder(target)}")
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.Yes).setText("恢复")
    box.button(QMessageBox.StandardButton.No).setText("取消")
    window.restore_box = box
    return box.exec() == QMessageBox.StandardButton.Yes


def restore_data(window, path: str | None = None):
    """Choose a backup, show what it holds, and restore it after the user agrees."""
    store, target = window.store, _database_file(window, TITLE_RESTORE)
    if target is None:
        return None
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "恢复数据：选择备份文件", str(db.backups_folder(target)),
                                              PATTERN)
        if not path:
            return None
    try:
        info = backup.inspect(path)
    except InputError as e:
        QMessageBox.warning(window, TITLE_RESTORE, str(e))
        return None
    if not confirm_restore(window, info, target):
        return None
    window.close_plan()
    window.undo.clear()  # its steps describe content the restore replaces
    store.engine.dispose()  # nothing of ours holds the file while it is swapped

    def done(result) -> None:
        store.engine.dispose()  # a damaged file is replaced by a new one: reconnect
        window.reload_tree()
        lines = [f"已恢复：{info.plans} 份方案，{info.units} 个单位。"]
        if result.safety_copy:
            lines.append(f"恢复前的数据库已备份：{result.safety_copy}")
        if result.set_aside:
            lines.append(f"原数据库已损坏，已原样保留：{result.set_aside}")
        window.statusBar().showMessage(lines[0], 8000)
        _note(window, TITLE_RESTORE, "\n".join(lines))

    return run_job(window, "正在恢复数据…", lambda job: backup.restore(path, target), done,
                   _show_error(window, "恢复失败"))
