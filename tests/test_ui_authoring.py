"""The review grid (文件 → 新建清单…) driven through its widgets, and its screenshot.

Run on its own under a real X display to refresh the screenshot at 1366×768:
``xvfb-run -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb python tests/test_ui_authoring.py tests/_artifacts``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from desktop.core.catalog import installed_catalog
from desktop.core.store import Store
from desktop.gui import authoring
from desktop.gui.dialogs import NewPlanDialog
from desktop.gui.main_window import MainWindow
from desktop.gui.review import ItemsModel
from desktop.gui.settings import UiSettings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from policy_docs import SCHOOL, write_policy_docx  # noqa: E402


@pytest.fixture
def forms_dir(tmp_path) -> Path:
    return tmp_path / "forms"


@pytest.fixture
def window(qtbot, tmp_path, forms_dir):
    store = Store.open(tmp_path / "ui.sqlite3", catalog=installed_catalog(forms_dir))
    w = MainWindow(store, UiSettings(tmp_path / "window.ini"))
    qtbot.addWidget(w)
    yield w
    store.close()


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _open_review(qtbot, window, path):
    authoring.new_form(window, path=str(path))
    qtbot.waitUntil(lambda: getattr(window, "review_window", None) is not None, timeout=10000)
    rw = window.review_window
    qtbot.waitExposed(rw) if rw.isVisible() else None
    return rw


def _type_into(qtbot, rw, row: int, col: int, text: str) -> None:
    """Edit a cell as a user does: select, start editing (F2), type (Chinese text arrives as an input
    method's commit, so it is inserted; QTest types ASCII only), Enter."""
    idx = rw.model.index(row, col)
    rw.table.setCurrentIndex(idx)
    qtbot.keyClick(rw.table, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _editor(rw) is not None)
    editor = _editor(rw)
    editor.selectAll()
    editor.insert(text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _editor(rw) is None)


def _editor(rw):
    return next((e for e in rw.table.findChildren(QLineEdit) if e.isVisible()), None)


def test_review_grid_edit_fix_save_and_see_it_in_the_catalogue(qtbot, window, tmp_path, forms_dir):
    rw = _open_review(qtbot, window, write_policy_docx(tmp_path / "通知.docx"))
    m = rw.model
    assert m.rowCount() == 7 and rw.windowTitle().startswith("新建清单")
    assert rw.id_edit.text() == "form2025-1" and rw.province_combo.currentData() == "620000"
    assert rw.doc_no_edit.text() == "甘教职成〔2025〕7号" and rw.save_button.isEnabled()
    src = m.data(m.index(4, ItemsModel.SOURCE))
    assert src.startswith("5") and "订单培养学生5000人" in src  # the source words beside the row
    rw.table.selectRow(4)
    assert "订单培养学生5000人" in rw.source_view.textCursor().selectedText()  # and selected in the document
    assert rw.indicators.rowCount() == 1 and rw.indicators.item(0, 0).text() == "校企合作订单培养学生"

    # edit a cell: the text of row 2
    _type_into(qtbot, rw, 1, ItemsModel.TEXT, "各市州制定并印发产教融合年度工作要点")
    assert rw.draft.items[1].text == "各市州制定并印发产教融合年度工作要点"
    # fix a unit: row 3 is also for the 市州 (the 须填报 column follows)
    assert m.data(m.index(2, ItemsModel.KINDS)) == "一校一策"
    _type_into(qtbot, rw, 2, ItemsModel.UNITS, "各职业院校，各市州教育局配合")
    assert m.data(m.index(2, ItemsModel.UNITS)) == "各职业院校、各市州教育局（配合）"
    assert m.data(m.index(2, ItemsModel.KINDS)) == "一市一策、一校一策"
    # a blank task is a problem in the loader's words; the row is marked and saving is off
    _type_into(qtbot, rw, 6, ItemsModel.TEXT, " ")
    qtbot.waitUntil(lambda: rw.problem_list.count() > 0 and not rw.save_button.isEnabled())
    assert "第7项 任务内容：不能为空" in rw.problem_list.item(0).toolTip()
    assert m.data(m.index(6, ItemsModel.NO), Qt.ItemDataRole.BackgroundRole) is not None
    _type_into(qtbot, rw, 6, ItemsModel.TEXT, "将产教融合工作纳入市州政府履行教育职责评价。")
    qtbot.waitUntil(lambda: rw.save_button.isEnabled())
    # an indicator target corrected in the row's indicator table
    rw.table.selectRow(3)
    rw.indicators.item(0, 3).setText("2025年 ≥35")
    assert rw.draft.items[3].indicators[0]["targets"] == [{"value": 35.0, "comparator": ">=", "year": 2025}]
    rw.indicators.item(0, 3).setText("很多")  # unreadable: refused, the cell shows the target again
    assert "无法识别" in rw.banner.text() and rw.indicators.item(0, 3).text() == "2025年 ≥35个"
    rw.id_edit.setText("gs2025-tasks")
    rw.id_edit.textEdited.emit("gs2025-tasks")

    qtbot.mouseClick(rw.save_button, Qt.MouseButton.LeftButton)
    assert "已保存" in rw.banner.text(), rw.banner.text()
    view = window.store.catalog.get("gs2025-tasks")  # in the window's catalogue at once
    assert view.items[1].text == "各市州制定并印发产教融合年度工作要点" and view.version == 1
    assert view.must_answer(3, "一市一策") and view.items[3].indicators[0].targets[0].comparator == ">="
    assert "gs2025-tasks.yaml" in _files(forms_dir)
    assert installed_catalog(forms_dir).get("gs2025-tasks").hash == view.hash  # and on disk
    unit = window.store.units.add(SCHOOL, "兰州职业技术学院", "school", "620100")[0]
    dlg = NewPlanDialog(window.store, unit, 2025, window)
    qtbot.addWidget(dlg)
    offered = [dlg.form_combo.itemData(i) for i in range(dlg.form_combo.count())]
    assert "gs2025-tasks" in offered and "gs2020-annex2" in offered  # beside the shipped forms
    # editing after saving makes the next version
    _type_into(qtbot, rw, 0, ItemsModel.CATEGORY, "健全统筹协调机制")
    qtbot.mouseClick(rw.save_button, Qt.MouseButton.LeftButton)
    assert "第2版" in rw.banner.text() and window.store.catalog.versions_of("gs2025-tasks") == [1, 2]
    rw.close()
    assert not rw.isVisible()


def test_review_rows_inserted_moved_removed(qtbot, window, tmp_path):
    rw = _open_review(qtbot, window, write_policy_docx(tmp_path / "通知.docx"))
    rw.table.selectRow(6)
    rw._insert()
    assert rw.model.rowCount() == 8 and rw.current_row() == 7
    qtbot.waitUntil(lambda: not rw.save_button.isEnabled())  # a new row needs its text
    qtbot.waitUntil(lambda: _editor(rw) is not None)  # the new row opens for typing
    _editor(rw).insert("各职业院校发布产教融合年度报告")
    qtbot.keyClick(_editor(rw), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _editor(rw) is None)  # the delegate commits on the next turn of the loop
    rw._move(-1)
    assert rw.current_row() == 6 and rw.draft.items[6].text == "各职业院校发布产教融合年度报告"
    rw._remove()
    assert rw.model.rowCount() == 7
    qtbot.waitUntil(lambda: rw.save_button.isEnabled())
    rw.dirty = False
    rw.close()


def test_bad_documents_refused_in_the_dialog_leaving_nothing(qtbot, window, tmp_path, forms_dir):
    import docx

    d = docx.Document()
    d.add_paragraph("请各单位认真学习，抓好落实。")
    d.save(tmp_path / "无表格.docx")
    big = tmp_path / "巨大.docx"
    with open(big, "wb") as f:
        f.truncate(300 * 1024 * 1024)
    for path, words in ((tmp_path / "无表格.docx", "未找到任务清单"), (big, "过大")):
        dlg = authoring.SourceDialog(window)
        qtbot.addWidget(dlg)
        dlg.path.setText(str(path))
        dlg.read()
        qtbot.waitUntil(lambda: dlg.error.isVisibleTo(dlg), timeout=10000)
        assert words in dlg.error.text() and "\n" not in dlg.error.text()
        assert getattr(window, "review_window", None) is None
    dlg.path.clear()
    dlg.read()
    assert "请选择政策文件" in dlg.error.text()
    assert _files(forms_dir) == []


def test_import_and_export_from_the_menu(qtbot, window, tmp_path, forms_dir):
    from desktop.core.authoring.bundle import export_bundle
    from desktop.core.authoring.draft import FormDraft, read_source_path

    other = installed_catalog(tmp_path / "province-forms")
    src = read_source_path(write_policy_docx(tmp_path / "通知.docx"))
    other = FormDraft.from_proposal(src.reading.proposals[0], src, other, "gs2025-tasks").save(other).catalog
    sent = export_bundle(other, "gs2025-tasks", tmp_path / "sent.zip")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    task = authoring.import_form(window, str(bad))
    qtbot.waitUntil(lambda: task.error is not None or getattr(window, "import_form_box", None) is not None)
    qtbot.waitUntil(lambda: getattr(window, "import_form_box", None) is not None)
    assert window.import_form_box.icon() == QMessageBox.Icon.Warning and "不是有效的" in window.import_form_box.text()
    assert _files(forms_dir) == [] and "gs2025-tasks" not in window.store.catalog.forms
    window.import_form_box.close()
    window.import_form_box = None
    authoring.import_form(window, str(sent))
    qtbot.waitUntil(lambda: getattr(window, "import_form_box", None) is not None)
    assert "已导入清单" in window.import_form_box.text() and "gs2025-tasks" in window.store.catalog.forms
    window.import_form_box.close()
    out = tmp_path / "again.zip"
    task = authoring.export_form(window, "gs2025-tasks", str(out))
    qtbot.waitUntil(lambda: out.exists())
    qtbot.waitUntil(lambda: task.result is not None)
    assert out.stat().st_size > 1000
    # 导出清单 with the deadline and the schools under the selected unit; 修改清单 opens the grid on it
    window.store.units.add(SCHOOL, "兰州职业技术学院", "school", "620100")
    window.unit_code = "620100"
    dlg = authoring.ExportDialog(window, "gs2025-tasks")
    qtbot.addWidget(dlg)
    dlg.use_deadline.setChecked(True)
    dlg.filers.setCurrentIndex(1)
    dist = dlg.distribution()
    assert dist.filers == (SCHOOL,) and dist.deadline is not None and dist.form_id == "gs2025-tasks"
    rw = authoring.edit_form(window, "gs2025-tasks")
    assert rw.draft.edit_of is not None and rw.id_edit.isReadOnly() and "保存后为新版本" in rw.version_label.text()
    rw.close()
    menu = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert {"新建清单…", "修改清单…", "导出清单…", "导入清单…"} <= set(menu)


# ----------------------------------------------------------------------------- the screenshot

def _settle(app, n: int = 20) -> None:
    for _ in range(n):
        app.processEvents()
        QApplication.instance().thread().msleep(20)


def _grab(app, rw, path: Path) -> Path:
    if QApplication.platformName() == "xcb":
        rw.screen().grabWindow(0).save(str(path))  # the whole screen: title bar and all, as a user sees it
    else:
        rw.resize(1366, 768)
        _settle(app, 3)
        rw.grab().save(str(path))
    return path


def _review(app, w, path) -> object:
    w.review_window = None
    authoring.new_form(w, path=str(path))
    for _ in range(300):
        _settle(app, 1)
        if getattr(w, "review_window", None) is not None:
            break
    rw = w.review_window
    rw.showMaximized()
    _settle(app, 30)
    return rw


def shoot(out: Path, work: Path) -> list[Path]:
    """The review grid maximised, as the screen shows it: the generated notice (7 tasks), and the
    33-row 甘肃 annex with the second table chosen and a task left blank (a problem shown)."""
    from desktop.gui.app import make_app

    app = make_app()
    store = Store.open(work / "shot.sqlite3", catalog=installed_catalog(work / "forms"))
    w = MainWindow(store, UiSettings(work / "window.ini"))
    w.resize(1366, 740)
    w.show()
    rw = _review(app, w, write_policy_docx(work / "通知.docx"))
    rw.table.selectRow(3)
    _settle(app)
    saved = [_grab(app, rw, out / "ui_review_grid_1366x768.png")]
    rw.dirty = False
    rw.close()
    rw = _review(app, w, ROOT / "forms" / "sources" / "001_80d5d4bebfbe2e38.txt")
    rw.part_combo.setCurrentIndex(1)
    rw.model.setData(rw.model.index(4, ItemsModel.TEXT), "")
    _settle(app, 15)
    rw.table.selectRow(12)
    _settle(app)
    saved.append(_grab(app, rw, out / "ui_review_grid_problem_1366x768.png"))
    rw.dirty = False
    rw.close()
    w.close()
    store.close()
    return saved


def test_screenshot_of_the_review_grid_at_1366x768(artifacts, tmp_path):
    """Offscreen grab always; under Xvfb (1366×768, openbox) when it is installed."""
    from PySide6.QtGui import QImage

    for path in shoot(artifacts, tmp_path):
        img = QImage(str(path))
        assert (img.width(), img.height()) == (1366, 768), path
    if not shutil.which("xvfb-run"):
        return
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    env.pop("QT_SCALE_FACTOR", None)
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1366x768x24", "sh", "-c",
           f"(command -v openbox >/dev/null && openbox & sleep 0.5); {sys.executable} {__file__} {artifacts} {tmp_path}"]
    subprocess.run(cmd, env=env, check=True, cwd=ROOT, timeout=120)
    for name in ("ui_review_grid_1366x768.png", "ui_review_grid_problem_1366x768.png"):
        img = QImage(str(artifacts / name))
        assert (img.width(), img.height()) == (1366, 768), name


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import tempfile

    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()
    work = Path(sys.argv[2]) / "xvfb"
    work.mkdir(parents=True, exist_ok=True)
    print(shoot(Path(sys.argv[1]), work))
