"""文件 → 备份数据… / 恢复数据… in the real main window (the core's backup.py behind them)."""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop.core import backup
from desktop.core.demo import build_demo
from desktop.core.store import Store
from desktop.gui import backup_dialogs
from desktop.gui.app import open_main
from tools import edit


def _window(qtbot, store):
    w = open_main(store)
    qtbot.addWidget(w)
    w.show()
    return w


def _menu_action(w, text):
    menu = next(a.menu() for a in w.menuBar().actions() if a.text().startswith("文件"))
    return next(a for a in menu.actions() if a.text() == text)


def test_backup_then_restore_through_the_file_menu(qtbot, db_path, tmp_path, monkeypatch, artifacts):
    store = Store.open(db_path)
    build_demo(store, schools=6, year=2026)
    plan = next(p for p in store.plans.list() if p.state == "draft")
    before = store.plans.snapshot(plan.id).values
    w = _window(qtbot, store)
    out = tmp_path / "备份.sqlite3"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    _menu_action(w, "备份数据…").trigger()
    qtbot.waitUntil(lambda: getattr(w, "backup_box", None) is not None, timeout=20_000)
    assert out.exists() and "通过完整性校验" in w.backup_box.text()
    w.backup_box.show()
    qtbot.waitExposed(w.backup_box)
    w.backup_box.grab().save(str(artifacts / "backup_done.png"))
    assert backup.inspect(out).plans == len(store.plans.list())
    w.backup_box.close()
    w.backup_box = None

    store.plans.apply_edits(plan.id, [edit(2, "measures", "备份之后才写的")])
    shown = {}

    def answer(box):
        shown["text"] = box.text() + box.informativeText() + box.detailedText()
        box.show()
        qtbot.waitExposed(box)
        box.grab().save(str(artifacts / "restore_confirm.png"))
        box.hide()
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(out), "")))
    monkeypatch.setattr(QMessageBox, "exec", answer)
    _menu_action(w, "恢复数据…").trigger()
    qtbot.waitUntil(lambda: getattr(w, "backup_box", None) is not None, timeout=20_000)
    assert "方案：" in shown["text"] and "单位：" in shown["text"] and "备份时间" in shown["text"]
    assert str(out) in shown["text"] and str(db_path) in shown["text"]
    assert "已恢复" in w.backup_box.text() and "恢复前的数据库已备份" in w.backup_box.text()
    assert store.plans.snapshot(plan.id).values == before  # the window's own store sees the restored data
    assert w.undo.count() == 0
    store.close()


def test_restore_cancelled_changes_nothing(qtbot, db_path, tmp_path, monkeypatch):
    store = Store.open(db_path)
    build_demo(store, schools=2, year=2026)
    made = backup.make_backup(store, tmp_path / "b.sqlite3")
    plan = store.plans.list()[0]
    w = _window(qtbot, store)
    revision = store.plans.get(plan.id).revision
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.No)
    assert backup_dialogs.restore_data(w, str(made.path)) is None
    assert store.plans.get(plan.id).revision == revision
    assert not list((db_path.parent / "backups").glob("*before-restore*")) if (db_path.parent / "backups").exists() else True
    store.close()
