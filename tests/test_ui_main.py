"""The real main window on a real SQLite file, driven through its widgets (pytest-qt)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox, QWizard

from desktop.store.service import Store
from desktop.ui.app import open_main
from desktop.ui.settings import settings
from desktop.ui.wizard import FirstStartWizard

FORM = "gs2020-annex2"
YEAR = 2026


def run_wizard(qtbot, store) -> FirstStartWizard:
    """学校 → 甘肃 → a new school (with a credit code failing its check) → its 一校一策."""
    wiz = FirstStartWizard(store)
    qtbot.addWidget(wiz)
    wiz.show()
    assert wiz.role == "学校"
    wiz.role_page.province.setCurrentIndex(wiz.role_page.province.findData("620000"))
    wiz.next()
    page = wiz.unit_page
    assert wiz.currentPage() is page and page.add_check.isChecked()  # no school yet: add one
    page.name.setText("兰州职业技术学院")
    page.parent_combo.setCurrentIndex(page.parent_combo.findData("620100"))
    page.school_type.setCurrentText("高职")
    page.school_code.setText("4162010730")
    page.credit_code.setText("12100000400000624E")  # check character should be D
    page.contact.setText("张明")
    page.phone.setText("0931-1234567")
    wiz.next()
    assert wiz.currentPage() is page, "a warning must stop the page until the user overrides it"
    assert "校验位" in page.message.text() and page.override.isVisibleTo(wiz)
    page.override.setChecked(True)
    wiz.next()
    assert wiz.currentPage() is wiz.plan_page
    plans = wiz.plan_page
    offered = [plans.forms.item(i).data(Qt.ItemDataRole.UserRole) for i in range(plans.forms.count())]
    assert FORM in offered and sum(plans.forms.item(i).checkState() == Qt.CheckState.Checked
                                   for i in range(plans.forms.count())) == 1
    plans.choose([FORM])
    plans.year.setValue(YEAR)
    wiz.button(QWizard.WizardButton.FinishButton).click()
    assert wiz.result() == QWizard.DialogCode.Accepted
    return wiz


def open_window(qtbot, store):
    w = open_main(store)
    qtbot.addWidget(w)
    w.show()
    return w


def saved(qtbot, w, store, item, key, want):
    qtbot.waitUntil(lambda: store.plan_data(w.plan.id).value(item, key) == want, timeout=2000)


def test_wizard_fill_validate_evidence_and_reopen(qtbot, db_path, tmp_path):
    store = Store.open(db_path)
    wiz = run_wizard(qtbot, store)
    unit = store.get_unit("4162010730")
    assert unit.credit_code == "12100000400000624E" and unit.contact_phone == "0931-1234567"
    assert [p.kind for p in wiz.plans] == ["一校一策"]
    wiz.save(settings())

    w = open_window(qtbot, store)
    plan = wiz.plans[0]
    assert w.plan.id == plan.id and w.view.id == FORM
    assert w.item_no == 2, "opens on the first item a 一校一策 must answer"
    qtbot.waitUntil(lambda: ("plan", plan.id) in w.tree_index, timeout=3000)  # filled after the first paint
    assert w.tree.currentIndex().data(Qt.ItemDataRole.UserRole + 2) == plan.id
    assert w.tree.currentIndex().parent().data() == "兰州职业技术学院"
    errors_before = w.panel.counts[0]
    assert errors_before > 0

    ed = w.editor
    ed.fields["measures"].inner.setPlainText("成立产教融合工作专班，制定“一校一策”实施方案并报省教育厅备案。")
    ed.fields["lead"].inner.setEditText("省教育厅")
    ed.fields["partners"].append("各职业院校")
    ed.fields["deadline"].inner.setDate(QDate(2027, 6, 30))
    ed.fields["status"].inner.setCurrentIndex(ed.fields["status"].inner.findData("推进中"))
    saved(qtbot, w, store, 2, "status", "推进中")
    data = store.plan_data(plan.id)
    assert data.value(2, "measures").startswith("成立产教融合工作专班")
    assert data.value(2, "lead") == "省教育厅" and data.value(2, "partners") == "各职业院校"
    assert data.value(2, "deadline") == "2027-06-30"
    assert w.panel.counts[0] == errors_before - 4, "the four required fields of item 2 are answered"
    assert w.saved_label.text().startswith("已保存 ")
    assert w.model.data(w.model.index(w.model.row_of(2), 3)) == "推进中"

    # a warning (applicable, yet 进度 不适用), answered with a 说明 in the validation panel
    w.select_item(5)
    w.select_item(2)
    assert w.editor.item.no == 2
    ed.fields["status"].inner.setCurrentIndex(ed.fields["status"].inner.findData("不适用"))
    saved(qtbot, w, store, 2, "status", "不适用")
    warn_rows = [i for i, p in enumerate(w.panel.problems) if p.severity == "warning" and p.item_no == 2]
    assert warn_rows and w.panel.counts[1] >= 1
    warnings_before = w.panel.counts[1]
    w.panel.select_problem(warn_rows[0])
    assert w.panel.save_btn.isEnabled()
    w.panel.explain_edit.setPlainText("本校方案已于上年备案，本年度仅作修订。")
    qtbot.mouseClick(w.panel.save_btn, Qt.MouseButton.LeftButton)
    assert store.plan_data(plan.id).explanations[(2, "status_conflict", "status")].startswith("本校方案已于上年备案")
    assert w.panel.counts[1] == warnings_before - 1 and w.panel.counts[2] == 1

    # click on a problem jumps to its item and field (item 13 answered voluntarily, one field missing)
    w.select_item(13)
    ed.fields["measures"].inner.setPlainText("对标省级任务，争创高水平专业群。")
    saved(qtbot, w, store, 13, "measures", "对标省级任务，争创高水平专业群。")
    w.select_item(2)
    row = next(i for i, p in enumerate(w.panel.problems) if p.item_no == 13 and p.field_key == "deadline")
    w.panel.list.itemClicked.emit(w.panel.list.item(row))
    assert w.item_no == 13 and w.editor.item.no == 13
    assert w.editor.notes["deadline"].isVisibleTo(w) and "必须填写" in w.editor.notes["deadline"].text()

    # evidence: stored by hash, listed under the item
    w.select_item(2)
    f = tmp_path / "专班成立通知.pdf"
    f.write_bytes(b"%PDF-1.4 evidence")
    assert ed.add_evidence_files([str(f)]) == 1
    assert ed.ev_list.count() == 1
    ev = store.plan_data(plan.id).evidence
    assert [e.name for e in ev] == ["专班成立通知.pdf"] and len(ev[0].sha256) == 64
    ed.ev_list.setCurrentRow(0)
    opened = []
    import desktop.ui.editor as editor_mod
    editor_mod.QDesktopServices.openUrl = staticmethod(lambda url: opened.append(url.toLocalFile()) or True)
    path = ed.open_evidence()
    assert path.read_bytes() == b"%PDF-1.4 evidence" and opened == [str(path)]

    # the last edit is typed and the window closed before the autosave timer fires
    ed.fields["owner"].inner.setText("李华")
    w.close()
    store.close()

    store2 = Store.open(db_path)
    w2 = open_window(qtbot, store2)
    assert w2.plan.id == plan.id and w2.item_no == 2
    assert w2.editor.fields["owner"].value() == "李华"
    assert w2.editor.fields["measures"].value().startswith("成立产教融合工作专班")
    assert w2.editor.fields["deadline"].value() == "2027-06-30"
    assert w2.editor.ev_list.count() == 1
    assert w2.panel.counts == w.panel.counts
    assert any(p.explained for p in w2.panel.problems)
    w2.close()
    store2.close()


@pytest.fixture
def window(qtbot, store, school):
    plan = store.new_plan(school.code, FORM, YEAR)
    s = settings()
    s.setValue("last/plan", plan.id)
    s.setValue("year", YEAR)
    s.sync()
    w = open_window(qtbot, store)
    assert w.plan.id == plan.id
    yield w
    w.close()


def test_undo_redo_across_edits(qtbot, window, store):
    w, ed = window, window.editor
    ed.fields["measures"].inner.setPlainText("第一稿")
    saved(qtbot, w, store, 2, "measures", "第一稿")
    ed.fields["measures"].inner.setPlainText("第二稿")
    saved(qtbot, w, store, 2, "measures", "第二稿")
    w.select_item(5)
    ed.fields["owner"].inner.setText("王芳")
    saved(qtbot, w, store, 5, "owner", "王芳")
    assert w.undo.count() == 3
    w.act_undo.trigger()
    assert store.plan_data(w.plan.id).value(5, "owner") is None
    w.act_undo.trigger()  # back on item 2, whose widget shows the older text
    assert store.plan_data(w.plan.id).value(2, "measures") == "第一稿"
    assert w.item_no == 2 and ed.fields["measures"].value() == "第一稿"
    w.act_undo.trigger()
    assert store.plan_data(w.plan.id).value(2, "measures") is None and ed.fields["measures"].value() is None
    w.act_redo.trigger()
    w.act_redo.trigger()
    assert store.plan_data(w.plan.id).value(2, "measures") == "第二稿"
    assert ed.fields["measures"].value() == "第二稿"
    # typed and undone before the autosave fired: saved first, then undone
    ed.fields["measures"].inner.setPlainText("第三稿")
    w.act_undo.trigger()
    assert store.plan_data(w.plan.id).value(2, "measures") == "第二稿" and ed.fields["measures"].value() == "第二稿"
    assert w.act_redo.isEnabled()
    assert w.act_undo.shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Y" in [k.toString() for k in w.act_redo.shortcuts()]
    # indicator values go through the same path
    w.select_item(13)
    key = w.view.item_map[13].indicators[0].key
    ed.fields[f"target:{key}"].inner.setValue(3)
    qtbot.waitUntil(lambda: store.plan_data(w.plan.id).indicators.get(key, (None, None))[0] == 3, timeout=2000)
    w.act_undo.trigger()
    assert store.plan_data(w.plan.id).indicators.get(key, (None, None))[0] is None


def test_filters_and_search(qtbot, window, store):
    w = window
    total = w.proxy.rowCount()
    assert total == len(w.view.items) == 33
    must = [it.no for it in w.view.items if w.view.must_answer(it.no, "一校一策")]
    w.filter_combo.setCurrentIndex(1)
    assert w.proxy.rowCount() == len(must) and 0 < len(must) < total
    w.filter_combo.setCurrentIndex(2)  # unanswered: all must-items for now
    assert w.proxy.rowCount() == len(must)
    store.apply_edits(w.plan.id, [])  # no-op
    w.filter_combo.setCurrentIndex(3)
    with_problems = w.proxy.rowCount()
    assert with_problems == len(must)
    # answer one must-item completely: it leaves 未填完 and 有问题
    no = must[0]
    w.select_item(no)
    ed = w.editor
    ed.fields["measures"].inner.setPlainText("举措")
    ed.fields["lead"].inner.setEditText("教务处")
    ed.fields["deadline"].inner.setDate(QDate(2030, 12, 31))
    ed.fields["status"].inner.setCurrentIndex(ed.fields["status"].inner.findData("推进中"))
    saved(qtbot, w, store, no, "status", "推进中")
    assert w.proxy.rowCount() == with_problems - 1
    w.filter_combo.setCurrentIndex(2)
    assert w.proxy.rowCount() == len(must) - 1
    w.filter_combo.setCurrentIndex(0)
    w.search.setText("技能大赛")
    rows = [w.proxy.data(w.proxy.index(r, 0), Qt.ItemDataRole.UserRole + 3) for r in range(w.proxy.rowCount())]
    assert rows and all("技能大赛" in w.view.item_map[n].text for n in rows)
    w.search.setText("教务处")  # the unit's own answers are searched too
    assert [w.proxy.data(w.proxy.index(r, 0), Qt.ItemDataRole.UserRole + 3) for r in range(w.proxy.rowCount())] == [no]
    # a validation jump to a filtered-out item clears the filter
    w.jump_to(20, "measures")
    assert w.item_no == 20 and w.search.text() == "" and w.editor.item.no == 20


def test_status_year_switch_and_duplicate(qtbot, window, store, school):
    w = window
    enabled = {w.status_combo.itemText(i): w.status_combo.model().item(i).isEnabled()
               for i in range(w.status_combo.count())}
    assert enabled == {"草稿": True, "已导出": True, "已报送": True, "已受理": False, "已退回": False}
    w.change_status("已导出")
    assert store.get_plan(w.plan.id).status == "已导出" and w.status_combo.currentText() == "已导出"
    w.editor.fields["owner"].inner.setText("赵六")
    saved(qtbot, w, store, 2, "owner", "赵六")
    old = w.plan.id
    w.year_spin.setValue(YEAR + 1)
    assert w.plan is None and "尚无方案" in w.plan_title.text()
    new = w.duplicate_last_year()
    assert new is not None and new.year == YEAR + 1 and new.status == "草稿"
    assert w.plan.id == new.id and w.editor.fields["owner"].value() == "赵六"
    w.year_spin.setValue(YEAR)
    assert w.plan.id == old


def test_settings_restore_layout_unit_and_plan(qtbot, window, store):
    w = window
    w.resize(760, 590)  # the offscreen screen is 800 px wide
    w.panel.hide()
    w.select_item(7)
    plan = w.plan.id
    w.close()
    w2 = open_window(qtbot, store)
    assert w2.plan.id == plan and w2.item_no == 7 and w2.unit_code == w.unit_code
    assert (w2.width(), w2.height()) == (760, 590)
    assert not w2.panel.isVisible()
    w2.close()


def test_missing_feature_is_a_friendly_message(qtbot, window, monkeypatch):
    from desktop.ui import io_actions

    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.append(a[2]))
    assert io_actions.load(window, "desktop.ui.no_such_module") is None
    assert shown and "尚未包含" in shown[0]


def test_core_stays_qt_free():
    import subprocess
    import sys

    code = ("import sys, desktop.store.service, desktop.validation, desktop.catalog, desktop.demo;"
            "print(any(m.startswith(('PySide6', 'desktop.ui')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_new_plan_dialog_creates_the_units_plan(qtbot, store, school):
    from desktop.ui.dialogs import NewPlanDialog

    dlg = NewPlanDialog(store, school, YEAR)
    qtbot.addWidget(dlg)
    assert dlg.kind == "一校一策" and dlg.form_combo.findData(FORM) >= 0
    dlg.form_combo.setCurrentIndex(dlg.form_combo.findData(FORM))
    dlg.accept()
    assert dlg.created and store.find_plan(school.code, FORM, YEAR, "一校一策").id == dlg.created.id


def test_word_export_refused_with_errors_then_draft(qtbot, window, store, tmp_path, monkeypatch):
    """文件 → 导出 Word… with the real module: a plan with errors is refused with the list, the
    user accepts a draft instead; pending typing is saved first; the plan stays 草稿."""
    from docx import Document

    from desktop.ui import io_actions

    asked = []

    def question(parent, title, text, *a, **k):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    window.editor.fields["owner"].inner.setText("未保存就导出")
    out = tmp_path / "方案.docx"
    io_actions.export_word(window, str(out))
    qtbot.waitUntil(lambda: out.exists(), timeout=10000)
    assert asked and "第2项" in asked[0], "the refusal lists the errors"
    assert store.plan_data(window.plan.id).value(2, "owner") == "未保存就导出", "pending edits are saved first"
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "征求意见稿" in text and "兰州职业技术学院“一校一策”实施方案" in text
    assert store.get_plan(window.plan.id).status == "草稿"


def test_batch_word_export_of_a_county_runs_on_a_worker(qtbot, window, store, tmp_path):
    from desktop.ui import io_actions

    others = []
    for i in range(3):
        u, _ = store.add_unit(f"S{i}", f"城关区第{i + 1}职业学校", "school", "620102", school_type="中职")
        others.append(store.new_plan(u.code, FORM, YEAR).id)
    window.unit_code = "620100"  # 兰州市 and everything under it
    task = io_actions.export_word_batch(window, str(tmp_path), draft=True)
    qtbot.waitUntil(lambda: len(list(tmp_path.glob("*.docx"))) == 4, timeout=20000)
    qtbot.waitUntil(lambda: getattr(window, "batch_box", None) is not None, timeout=5000)
    assert "已导出 4 份" in window.batch_box.text()
    assert task is not None


def test_plan_chapters_autosave_and_undo(qtbot, window, store):
    w = window
    w.right.setCurrentWidget(w.sections)
    w.sections.fields["goals"].inner.setPlainText("到2025年，建成省级高水平专业群2个。")
    qtbot.waitUntil(lambda: store.plan_data(w.plan.id).sections.get("goals") == "到2025年，建成省级高水平专业群2个。",
                    timeout=2000)
    w.right.setCurrentWidget(w.editor)
    w.act_undo.trigger()
    assert store.plan_data(w.plan.id).sections.get("goals") is None
    assert w.right.currentWidget() is w.sections and w.sections.fields["goals"].value() is None
    assert "建设目标" in w.act_redo.text()


def test_refused_value_is_reported_and_typing_is_not_disturbed(qtbot, window, store, monkeypatch):
    w, ed = window, window.editor
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    ed.fields["measures"].inner.setPlainText("长" * 4001)
    qtbot.waitUntil(lambda: bool(warned), timeout=2000)
    assert "最多 4000 字" in warned[0] and "第2项" in warned[0] and w.saved_label.text() == "未保存"
    assert store.plan_data(w.plan.id).value(2, "measures") is None
    # the store normalises 、-lists; the field being typed in keeps what the user typed
    ed.fields["partners"].inner.setText("教务处,学生处")
    saved(qtbot, w, store, 2, "partners", "教务处、学生处")
    assert ed.fields["partners"].inner.text() == "教务处,学生处"


@pytest.mark.parametrize("role, unit, kind", [("市州", "620100", "一市一策"), ("省级", "620000", "省级"),
                                               ("县区", "620102", None)])
def test_wizard_other_roles(qtbot, store, role, unit, kind):
    wiz = FirstStartWizard(store)
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.role_page.buttons[role].setChecked(True)
    assert wiz.role_page.province.currentData() == "620000"  # 甘肃 preselected
    wiz.next()
    page = wiz.unit_page
    assert not page.add_check.isVisibleTo(wiz)
    rows = [page.list.item(i).data(Qt.ItemDataRole.UserRole).code for i in range(page.list.count())]
    assert unit in rows
    page.list.setCurrentRow(rows.index(unit))
    wiz.next()
    assert wiz.currentPage() is wiz.plan_page
    forms = [wiz.plan_page.forms.item(i).data(Qt.ItemDataRole.UserRole) for i in range(wiz.plan_page.forms.count())]
    assert (FORM in forms) == bool(kind)
    wiz.plan_page.choose([FORM])
    wiz.button(QWizard.WizardButton.FinishButton).click()
    assert [p.kind for p in wiz.plans] == ([kind] if kind else [])
    assert wiz.unit.code == unit


def test_import_runs_with_progress_and_shows_the_report(qtbot, window, store, tmp_path):
    """导入报送表… with the real importer on a worker: a school's exported filing is taken in
    (its unit created from the 封面), a broken file is refused by name, the tree shows the plan."""
    from desktop.sheets.export import export_plan_xlsx
    from desktop.store.service import Edit
    from desktop.ui import io_actions

    src = Store.open(tmp_path / "school.sqlite3")
    u, _ = src.add_unit("4162010999", "甘肃某职业学院", "school", "620100", school_type="高职")
    p = src.new_plan(u.code, FORM, YEAR)
    src.apply_edits(p.id, [Edit(2, "measures", "成立专班 & 报备"), Edit(2, "status", "推进中")])
    good = export_plan_xlsx(src, p.id, tmp_path / "甘肃某职业学院.xlsx")
    src.close()
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"not a zip")
    io_actions.import_sheets(window, [str(good), str(bad)], create_units=True)
    qtbot.waitUntil(lambda: getattr(window, "import_box", None) is not None, timeout=20000)
    box = window.import_box
    assert box.text() == "已导入 1 个；已拒收 1 个"
    assert "【已拒收】坏文件.xlsx" in box.detailedText() and "【已导入】甘肃某职业学院.xlsx" in box.detailedText()
    got = store.find_plan("4162010999", FORM, YEAR, "一校一策")
    assert got and got.uuid == p.uuid and store.plan_data(got.id).value(2, "measures") == "成立专班 & 报备"
    assert ("plan", got.id) in window.tree_index
    box.close()


def test_evidence_remove(qtbot, window, store, tmp_path):
    ed = window.editor
    f = tmp_path / "会议纪要.docx"
    f.write_bytes(b"minutes")
    ed.add_evidence_files([str(f)])
    ev = store.plan_data(window.plan.id).evidence
    assert ed.ev_list.count() == 1
    ed.remove_evidence_id(ev[0].id)
    assert ed.ev_list.count() == 0 and store.plan_data(window.plan.id).evidence == []
