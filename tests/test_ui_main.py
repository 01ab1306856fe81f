"""The real main window on a real SQLite file, driven through its widgets (pytest-qt)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWizard

from desktop.core.edits import Ref
from desktop.core.paths import AppPaths
from desktop.core.settings import Settings
from desktop.core.store import Store
from desktop.core.vocab import UserRole
from desktop.gui.app import open_main
from desktop.gui.settings import UiSettings
from desktop.gui.wizard import FirstStartWizard
from tools import fill_clean


def ui_settings() -> UiSettings:
    return UiSettings(AppPaths.user().window_file)

FORM = "gs2020-annex2"
YEAR = 2026


def run_wizard(qtbot, store) -> FirstStartWizard:
    """学校 → 甘肃 → a new school (with a credit code failing its check) → its 一校一策."""
    wiz = FirstStartWizard(store)
    qtbot.addWidget(wiz)
    wiz.show()
    assert wiz.role == UserRole.SCHOOL
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


def type_date(field, text: str) -> None:
    """Type into a date field and leave it (Enter): what a user does."""
    field.inner.setFocus()
    field.inner.setText(text)
    field.inner.setModified(True)
    field.inner.editingFinished.emit()


def saved(qtbot, w, store, item, key, want):
    qtbot.waitUntil(lambda: store.plans.snapshot(w.plan.id).value(item, key) == want, timeout=2000)


def test_wizard_fill_validate_evidence_and_reopen(qtbot, db_path, tmp_path):
    store = Store.open(db_path)
    wiz = run_wizard(qtbot, store)
    unit = store.units.get("4162010730")
    assert unit.credit_code == "12100000400000624E" and unit.contact_phone == "0931-1234567"
    assert [p.kind for p in wiz.plans] == ["一校一策"]
    profile = wiz.save(Settings(name="张明"), AppPaths.user().settings_file, ui_settings())
    assert Settings.load(AppPaths.user().settings_file).role == "school" == profile.role

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
    type_date(ed.fields["deadline"], "2027年6月30日")
    ed.fields["status"].inner.setCurrentIndex(ed.fields["status"].inner.findData("推进中"))
    saved(qtbot, w, store, 2, "status", "推进中")
    data = store.plans.snapshot(plan.id)
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
    assert store.plans.snapshot(plan.id).explanations[(2, "status_conflict", "status")].startswith("本校方案已于上年备案")
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
    assert ed.ev_list.item(0).text() == "专班成立通知.pdf（17 字节）"  # sizes in core/fmt's words
    ev = store.plans.snapshot(plan.id).evidence
    assert [e.name for e in ev] == ["专班成立通知.pdf"] and len(ev[0].sha256) == 64
    ed.ev_list.setCurrentRow(0)
    opened = []
    from PySide6.QtGui import QDesktopServices

    with pytest.MonkeyPatch.context() as mp:  # not left behind for later tests
        mp.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile()) or True))
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
    plan = store.plans.create(school.code, FORM, YEAR)
    s = ui_settings()
    s.set("last/plan", plan.id)
    s.set("year", YEAR)
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
    assert store.plans.snapshot(w.plan.id).value(5, "owner") is None
    w.act_undo.trigger()  # back on item 2, whose widget shows the older text
    assert store.plans.snapshot(w.plan.id).value(2, "measures") == "第一稿"
    assert w.item_no == 2 and ed.fields["measures"].value() == "第一稿"
    w.act_undo.trigger()
    assert store.plans.snapshot(w.plan.id).value(2, "measures") is None and ed.fields["measures"].value() is None
    w.act_redo.trigger()
    w.act_redo.trigger()
    assert store.plans.snapshot(w.plan.id).value(2, "measures") == "第二稿"
    assert ed.fields["measures"].value() == "第二稿"
    # typed and undone before the autosave fired: saved first, then undone
    ed.fields["measures"].inner.setPlainText("第三稿")
    w.act_undo.trigger()
    assert store.plans.snapshot(w.plan.id).value(2, "measures") == "第二稿" and ed.fields["measures"].value() == "第二稿"
    assert w.act_redo.isEnabled()
    assert w.act_undo.shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Y" in [k.toString() for k in w.act_redo.shortcuts()]
    # indicator values go through the same path
    w.select_item(13)
    key = w.view.item_map[13].indicators[0].key
    ed.fields[f"target:{key}"].inner.setValue(3)
    qtbot.waitUntil(lambda: store.plans.snapshot(w.plan.id).indicators.get(key, (None, None))[0] == 3, timeout=2000)
    w.act_undo.trigger()
    assert store.plans.snapshot(w.plan.id).indicators.get(key, (None, None))[0] is None


def test_filters_and_search(qtbot, window, store):
    w = window
    total = w.proxy.rowCount()
    assert total == len(w.view.items) == 33
    must = [it.no for it in w.view.items if w.view.must_answer(it.no, "一校一策")]
    w.filter_combo.setCurrentIndex(1)
    assert w.proxy.rowCount() == len(must) and 0 < len(must) < total
    w.filter_combo.setCurrentIndex(2)  # unanswered: all must-items for now
    assert w.proxy.rowCount() == len(must)
    store.plans.apply_edits(w.plan.id, [])  # no-op
    w.filter_combo.setCurrentIndex(3)
    with_problems = w.proxy.rowCount()
    assert with_problems == len(must)
    # answer one must-item completely: it leaves 未填完 and 有问题
    no = must[0]
    w.select_item(no)
    ed = w.editor
    ed.fields["measures"].inner.setPlainText("举措")
    ed.fields["lead"].inner.setEditText("教务处")
    type_date(ed.fields["deadline"], "2030/12/31")
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


def test_submit_makes_the_plan_read_only_until_withdrawn(qtbot, window, store, monkeypatch):
    w = window
    asked = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: asked.append(("warning", a[2])))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(("question", a[2]))
                        or QMessageBox.StandardButton.Yes)
    assert not w.submit() and asked[-1][0] == "warning" and "第2项" in asked[-1][1]  # errors: refused, listed
    assert store.plans.get(w.plan.id).state == "draft"
    fill_clean(store, w.plan.id)
    w.refresh()
    assert w.act_submit.isEnabled() and not w.act_withdraw.isEnabled()
    assert w.submit() and "第1次报送" in asked[-1][1]
    assert store.plans.get(w.plan.id).state == "submitted" and w.state_label.text() == "已报送（第1次）"
    assert w.banner.isVisibleTo(w) and "只读" in w.banner.text() and "撤回" in w.banner.text()
    assert not w.editor.fields["measures"].isEnabled() and not w.sections.fields["goals"].isEnabled()
    assert not w.act_submit.isEnabled() and w.act_withdraw.isEnabled()
    # an edit that reaches the window anyway is refused by the core, not only by disabled widgets
    w._on_edited(Ref.field(2, "owner"), "x")
    assert not w.flush() and "只读" in asked[-1][1] and store.plans.snapshot(w.plan.id).value(2, "owner") is None
    assert w.withdraw()
    assert store.plans.get(w.plan.id).state == "draft" and w.editor.fields["measures"].isEnabled()
    assert not w.banner.isVisibleTo(w)


def test_year_switch_and_duplicate(qtbot, window, store, school):
    w = window
    w.editor.fields["owner"].inner.setText("赵六")
    saved(qtbot, w, store, 2, "owner", "赵六")
    old = w.plan.id
    w.year_spin.setValue(YEAR + 1)
    assert w.plan is None and "尚无方案" in w.plan_title.text()
    new = w.duplicate_last_year()
    assert new is not None and new.year == YEAR + 1 and new.state == "draft"
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


def test_new_plan_dialog_creates_the_units_plan(qtbot, store, school):
    from desktop.gui.dialogs import NewPlanDialog

    dlg = NewPlanDialog(store, school, YEAR)
    qtbot.addWidget(dlg)
    assert dlg.kind == "一校一策" and dlg.form_combo.findData(FORM) >= 0
    dlg.form_combo.setCurrentIndex(dlg.form_combo.findData(FORM))
    dlg.accept()
    assert dlg.created and store.plans.find(school.code, FORM, YEAR, "一校一策").id == dlg.created.id


def test_word_export_refused_with_errors_then_draft(qtbot, window, store, tmp_path, monkeypatch):
    """文件 → 导出 Word（正式稿） with the real module: a plan with errors is refused with the list
    before any file dialog; the draft export works; pending typing is saved first; the plan stays 草稿."""
    from docx import Document

    from desktop.gui import operations

    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    window.editor.fields["owner"].inner.setText("未保存就导出")
    out = tmp_path / "方案.docx"
    assert operations.export_word(window) is None  # refused before asking for a file name
    assert warned and "第2项" in warned[0] and "不能正式报送" in warned[0], "the refusal lists the errors"
    assert store.plans.snapshot(window.plan.id).value(2, "owner") == "未保存就导出", "pending edits are saved first"
    operations.export_word(window, str(out), draft=True)
    qtbot.waitUntil(lambda: out.exists(), timeout=10000)
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "征求意见稿" in text and "兰州职业技术学院“一校一策”实施方案" in text
    assert store.plans.get(window.plan.id).state == "draft"


def test_batch_word_export_of_a_county_runs_on_a_worker(qtbot, window, store, tmp_path):
    from desktop.gui import operations

    others = []
    for i in range(3):
        u, _ = store.units.add(f"S{i}", f"城关区第{i + 1}职业学校", "school", "620102", school_type="中职")
        others.append(store.plans.create(u.code, FORM, YEAR).id)
    window.unit_code = "620100"  # 兰州市 and everything under it
    task = operations.export_word_batch(window, str(tmp_path), draft=True)
    qtbot.waitUntil(lambda: len(list(tmp_path.glob("*.docx"))) == 4, timeout=20000)
    qtbot.waitUntil(lambda: getattr(window, "batch_box", None) is not None, timeout=5000)
    assert "已导出 4 份" in window.batch_box.text()
    assert task is not None


def test_plan_chapters_autosave_and_undo(qtbot, window, store):
    w = window
    w.right.setCurrentWidget(w.sections)
    w.sections.fields["goals"].inner.setPlainText("到2025年，建成省级高水平专业群2个。")
    qtbot.waitUntil(lambda: store.plans.snapshot(w.plan.id).sections.get("goals") == "到2025年，建成省级高水平专业群2个。",
                    timeout=2000)
    w.right.setCurrentWidget(w.editor)
    w.act_undo.trigger()
    assert store.plans.snapshot(w.plan.id).sections.get("goals") is None
    assert w.right.currentWidget() is w.sections and w.sections.fields["goals"].value() is None
    assert "建设目标" in w.act_redo.text()


def test_refused_value_is_reported_and_typing_is_not_disturbed(qtbot, window, store, monkeypatch):
    w, ed = window, window.editor
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    ed.fields["measures"].inner.setPlainText("长" * 4001)
    qtbot.waitUntil(lambda: bool(warned), timeout=2000)
    assert "最多 4000 字" in warned[0] and "第2项" in warned[0] and w.saved_label.text() == "未保存"
    assert store.plans.snapshot(w.plan.id).value(2, "measures") is None
    # the store normalises 、-lists; the field being typed in keeps what the user typed
    ed.fields["partners"].inner.setText("教务处,学生处")
    saved(qtbot, w, store, 2, "partners", "教务处、学生处")
    assert ed.fields["partners"].inner.text() == "教务处,学生处"


@pytest.mark.parametrize("role, unit, kind", [(UserRole.CITY, "620100", "一市一策"),
                                               (UserRole.PROVINCE, "620000", "省级"), (UserRole.COUNTY, "620102", None)])
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
    from desktop.excel.filing import export_plan_xlsx
    from tools import edit as Edit
    from desktop.gui import operations

    src = Store.open(tmp_path / "school.sqlite3")
    u, _ = src.units.add("4162010999", "甘肃某职业学院", "school", "620100", school_type="高职")
    p = src.plans.create(u.code, FORM, YEAR)
    fill_clean(src, p.id)
    src.plans.apply_edits(p.id, [Edit(2, "measures", "成立专班 & 报备"), Edit(2, "status", "推进中")])
    good = export_plan_xlsx(src, p.id, tmp_path / "甘肃某职业学院.xlsx")
    src.close()
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"not a zip")
    operations.import_sheets(window, [str(good), str(bad)], create_units=True)
    qtbot.waitUntil(lambda: getattr(window, "import_results", None) is not None, timeout=20000)
    res = window.import_results
    assert res.summary.text() == "共 2 个文件：已接收 1 个，已拒收 1 个。"
    rows = {r[0]: r for r in res.rows()}
    assert rows["坏文件.xlsx"][2] == "已拒收" and "文件已损坏" in rows["坏文件.xlsx"][3]
    assert rows["甘肃某职业学院.xlsx"][2] == "已接收" and "甘肃某职业学院" in rows["甘肃某职业学院.xlsx"][1]
    got = store.plans.find("4162010999", FORM, YEAR, "一校一策")
    assert got and got.uuid == p.uuid and store.plans.snapshot(got.id).value(2, "measures") == "成立专班 & 报备"
    assert ("plan", got.id) in window.tree_index
    res.close()


def test_evidence_remove(qtbot, window, store, tmp_path):
    ed = window.editor
    f = tmp_path / "会议纪要.docx"
    f.write_bytes(b"minutes")
    ed.add_evidence_files([str(f)])
    ev = store.plans.snapshot(window.plan.id).evidence
    assert ed.ev_list.count() == 1
    ed.remove_evidence_id(ev[0].id)
    assert ed.ev_list.count() == 0 and store.plans.snapshot(window.plan.id).evidence == []


def _need_column(path) -> dict:
    from openpyxl import load_workbook

    from desktop.excel.layout import NEED, TASKS

    ws = load_workbook(path)[TASKS]
    col = [c.value for c in ws[2]].index(NEED) + 1
    return {ws.cell(r, 1).value: ws.cell(r, col).value for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value}


def test_blank_template_marks_what_the_plan_kind_must_fill(qtbot, window, store, tmp_path, monkeypatch):
    """文件 → 导出空白模板… gives the template of the open plan's kind (须填报 / 选填, as
    ``yice template FORM --kind``); with no plan open the user picks the form, then the kind."""
    from PySide6.QtWidgets import QInputDialog

    from desktop.gui import operations

    view = store.catalog.get(FORM)
    out = tmp_path / "模板.xlsx"
    operations.export_template(window, str(out))
    qtbot.waitUntil(out.exists, timeout=10000)
    kind = window.plan.kind
    assert _need_column(out) == {it.no: "须填报" if view.must_answer(it.no, kind) else "选填" for it in view.items}
    # no plan open: 清单, then 方案类型 among the form's plan kinds
    window.plan = None
    asked = []

    def pick(parent, title, label, items, *a):
        asked.append(list(items))
        return next(i for i in items if i.startswith(FORM) or i == "一市一策"), True

    monkeypatch.setattr(QInputDialog, "getItem", pick)
    out = tmp_path / "一市一策.xlsx"
    operations.export_template(window, str(out))
    qtbot.waitUntil(out.exists, timeout=10000)
    assert asked[1] == list(view.form.plan_kinds)
    need = _need_column(out)
    assert need == {it.no: "须填报" if view.must_answer(it.no, "一市一策") else "选填" for it in view.items}
    assert set(need.values()) == {"须填报", "选填"}
