"""单位管理 and 导入结果 driven through their widgets: add, edit, move and merge units with the core's
checks; an import asks about unknown units only when one appears, naming it; the results window
sorts, filters and saves the report."""
from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop.core.paths import AppPaths
from desktop.core.store import Store
from desktop.gui.app import open_main
from desktop.gui.settings import UiSettings
from desktop.gui.units_dialog import UnitsDialog
from tools import edit, fill_clean

FORM, YEAR = "gs2020-annex2", 2026


@pytest.fixture
def ui():
    return UiSettings(AppPaths.user().window_file)


@pytest.fixture
def dialog(qtbot, store, school, ui):
    d = UnitsDialog(store, ui)
    qtbot.addWidget(d)
    d.show()
    return d


def test_add_a_school_under_a_county_with_the_identifier_checks(qtbot, dialog, store):
    changed = []
    dialog.changed.connect(lambda: changed.append(1))
    assert dialog.select("620102")
    assert dialog.add_button.isEnabled()
    dialog.start_add()
    f = dialog.form
    f.name.setText("城关区职业教育中心")
    f.school_type.setCurrentText("中职")
    f.school_code.setText("3643010730")  # the wrong province in digits 3–4
    assert not dialog.save() and "本省代码" in f.message.text()
    f.school_code.setText("3662010730")
    f.credit_code.setText("12100000400000624E")  # a failed check character: a warning to confirm
    assert not dialog.save() and "校验位" in f.message.text() and f.override.isVisibleTo(dialog)
    f.override.setChecked(True)
    assert dialog.save() and changed
    u = store.units.get("3662010730")
    assert (u.name, u.parent_code, u.school_type, u.credit_code) == ("城关区职业教育中心", "620102", "中职",
                                                                    "12100000400000624E")
    assert dialog.unit.code == u.code and "已新增" in dialog.status.text()


def test_edit_name_codes_and_contact(qtbot, dialog, store, school):
    assert dialog.select(school.code)
    f = dialog.form
    assert f.name.text() == "兰州职业技术学院" and f.contact.text() == "张明"
    f.name.setText("兰州职业技术学院（新校区）")
    f.phone.setText("12345")
    assert not dialog.save() and "联系电话" in f.message.text()
    f.phone.setText("13912345678")
    f.contact.setText("李华")
    assert dialog.save()
    u = store.units.get(school.code)
    assert (u.name, u.contact_person, u.contact_phone) == ("兰州职业技术学院（新校区）", "李华", "13912345678")
    assert dialog.select("620100") and dialog.form.name.isReadOnly()  # a registry division keeps its name
    assert not dialog.move_button.isEnabled() and not dialog.merge_button.isEnabled()


def test_move_and_merge_an_imported_duplicate(qtbot, dialog, store, school, monkeypatch):
    dup, _ = store.units.add("S-COVER", "兰州职业技术学院", "school", "620000", contact_person="王芳")
    p = store.plans.create(dup.code, FORM, YEAR)
    store.plans.apply_edits(p.id, [edit(2, "measures", "成立专班")])
    dialog.reload()
    assert dialog.select(dup.code)
    assert dialog.move_to("620100")
    assert store.units.get(dup.code).parent_code == "620100"
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    assert dialog.merge_into(school.code)
    assert "1 份方案" in asked[0] and "不能撤销" in asked[0]
    assert store.plans.get(p.id).unit_code == school.code
    assert [h["new"] for h in store.history.rows(p.id) if h["key"] == "measures"] == ["成立专班"]
    assert dialog.unit.code == school.code and dup.code not in dialog.units


def test_the_main_window_menu_opens_units_and_follows_changes(qtbot, store, school, ui):
    plan = store.plans.create(school.code, FORM, YEAR)
    w = open_main(store, plan.id, ui)
    qtbot.addWidget(w)
    w.show()
    w.act_units.trigger()
    d = w.units_dialog
    assert d.isVisible() and d.unit.code == school.code
    d.form.name.setText("兰州职业技术大学")
    assert d.save()
    assert "兰州职业技术大学" in w.plan_title.text()
    d.close()
    w.close()


# --------------------------------------------------------------------------- import
def _filing(tmp_path, catalog, code, name, parent="620100", draft=False):
    src = Store.open(tmp_path / f"{name}.sqlite3", catalog=catalog)
    u, _ = src.units.add(code, name, "school", parent, school_type="高职")
    p = src.plans.create(u.code, FORM, YEAR)
    if not draft:
        fill_clean(src, p.id)
    from desktop.excel.filing import export_plan_xlsx

    path = export_plan_xlsx(src, p.id, tmp_path / f"{name}.xlsx", draft=draft)
    src.close()
    return path


@pytest.fixture
def window(qtbot, store, school, ui):
    plan = store.plans.create(school.code, FORM, YEAR)
    w = open_main(store, plan.id, ui)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def _results(qtbot, w):
    qtbot.waitUntil(lambda: getattr(w, "import_results", None) is not None, timeout=30000)
    return w.import_results


def test_no_question_when_every_unit_is_known(qtbot, window, store, catalog, tmp_path, monkeypatch):
    known = _filing(tmp_path, catalog, "4162010730", "兰州职业技术学院")  # the window's own school
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"not a zip")
    from desktop.gui import operations

    operations.import_sheets(window, [str(known), str(bad)])  # the conftest fails any question asked
    res = _results(qtbot, window)
    rows = {r[0]: r for r in res.rows()}
    assert rows["兰州职业技术学院.xlsx"][2] == "已接收" and rows["坏文件.xlsx"][2] == "已拒收"


def test_unknown_units_are_asked_about_by_name(qtbot, window, store, catalog, tmp_path, monkeypatch):
    from desktop.gui import operations

    new = _filing(tmp_path, catalog, "4162010999", "甘肃某职业学院")
    other = _filing(tmp_path, catalog, "4162010888", "陇南某职业学院", parent="621200")
    known = _filing(tmp_path, catalog, "4162010730", "兰州职业技术学院")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    operations.import_sheets(window, [str(known), str(new), str(other)])
    res = _results(qtbot, window)
    assert len(asked) == 1
    assert "甘肃某职业学院（代码 4162010999，上级 兰州市）— 甘肃某职业学院.xlsx" in asked[0]
    assert "陇南某职业学院（代码 4162010888，上级 陇南市）" in asked[0] and "兰州职业技术学院" not in asked[0]
    assert [r[2] for r in res.rows()] == ["已接收"] * 3
    assert store.units.get("4162010999").parent_code == "620100"
    assert "已按封面新建单位" in res.rows()[1][3]
    assert ("plan", store.plans.find("4162010999", FORM, YEAR, "一校一策").id) in window.tree_index


def test_declining_leaves_those_files_rejected_with_a_way_forward(qtbot, window, store, catalog, tmp_path,
                                                                  monkeypatch):
    from desktop.gui import operations

    new = _filing(tmp_path, catalog, "4162010999", "甘肃某职业学院")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    operations.import_sheets(window, [str(new)])
    res = _results(qtbot, window)
    (row,) = res.rows()
    assert row[2] == "已拒收" and "单位管理" in row[3] and "--create-units" not in row[3]
    with pytest.raises(Exception):
        store.units.get("4162010999")


def test_results_window_sorts_filters_and_saves(qtbot, window, store, catalog, tmp_path, monkeypatch):
    from desktop.excel.importer import import_files
    from desktop.gui.import_results import ImportResults

    files = [_filing(tmp_path, catalog, "4162010999", "甘肃某职业学院")]
    files.append(files[0])  # the same file again: 无变化
    files.append(_filing(tmp_path, catalog, "4162010888", "陇南某职业学院草稿", draft=True))
    for i in range(3):
        bad = tmp_path / f"坏{i}.xlsx"
        bad.write_bytes(b"x")
        files.append(bad)
    report = import_files(store, files, create_units=True)
    res = ImportResults(store, report, window.ui, window)
    qtbot.addWidget(res)
    res.show()
    assert res.summary.text().startswith("共 6 个文件")
    assert [r[2] for r in res.rows()][:2] == ["已接收", "无变化"]  # file order first
    res.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    names = [r[0] for r in res.rows()]
    assert names == sorted(names, reverse=True)
    res.filter.setCurrentIndex(res.filter.findData("rejected"))
    assert [r[2] for r in res.rows()] == ["已拒收"] * 3
    res.search.setText("坏1")
    assert [r[0] for r in res.rows()] == ["坏1.xlsx"]
    res.table.selectRow(0)
    assert "坏1.xlsx：已拒收" in res.detail.toPlainText()
    res.search.clear()
    res.filter.setCurrentIndex(0)
    out = tmp_path / "报告" / "导入报告.xlsx"
    out.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    res.ask_save()
    qtbot.waitUntil(lambda: out.exists() and "已保存" in res.status.text(), timeout=10000)
    ws = openpyxl.load_workbook(out).active
    cells = [c.value for row in ws.iter_rows() for c in row]
    assert "坏2.xlsx" in cells and window.ui.str("last/export_dir") == str(out.parent)


def test_the_open_dialog_starts_where_the_last_import_came_from(qtbot, window, store, catalog, tmp_path, monkeypatch):
    from desktop.gui import operations

    inbox = tmp_path / "收到的报送表"
    inbox.mkdir()
    f = _filing(tmp_path, catalog, "4162010730", "兰州职业技术学院")
    moved = inbox / f.name
    f.rename(moved)
    starts = []
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *a, **k: starts.append(a[2]) or ([str(moved)], "")))
    operations.import_sheets(window)
    _results(qtbot, window).close()
    window.import_results = None
    operations.import_sheets(window)
    _results(qtbot, window)
    assert starts[1] == str(inbox) and window.ui.str("last/export_dir") != str(inbox)


def test_a_big_batch_imported_from_the_window_is_checked_in_worker_processes(qtbot, window, store, catalog, tmp_path,
                                                                           monkeypatch):
    """The window's import runs on a worker thread, which starts the checking processes (spawn):
    the results come back in file order into the results window."""
    from desktop.excel import importer
    from desktop.gui import operations

    monkeypatch.setattr(importer, "CHECKERS_FROM", 2)  # a real batch is 64 files or more
    started = []
    real = importer.ordered_map

    def counted(*a, **k):
        started.append(k["workers"])
        return real(*a, **k)

    monkeypatch.setattr(importer, "ordered_map", counted)
    files = [_filing(tmp_path, catalog, "4162010999", "甘肃某职业学院"), _filing(tmp_path, catalog, "4162010888", "陇南某职业学院")]
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"not a zip")
    operations.import_sheets(window, [str(f) for f in (*files, bad)], create_units=True)
    res = _results(qtbot, window)
    assert started and started[0] >= 1
    assert [(r[0], r[2]) for r in res.rows()] == [("甘肃某职业学院.xlsx", "已接收"), ("陇南某职业学院.xlsx", "已接收"),
                                                  ("坏文件.xlsx", "已拒收")]
    assert store.units.get("4162010888").name == "陇南某职业学院"
