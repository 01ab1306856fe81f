"""The desktop app as people use it: the wheel never edits a field it passes over, dates are typed
as people write them, nothing typed is lost (focus-out, item switch, a full disk), the small
things a daily user notices (scroll position, a steady indicator grid, the school's own
departments, 是否适用 filed as shown, Chinese standard dialogs, glyphs the fonts have)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QMessageBox, QPlainTextEdit, QWidget,
)

from desktop.core.paths import AppPaths
from desktop.gui.app import open_main
from desktop.gui.settings import UiSettings
from desktop.gui.widgets import ChoiceField, DateField, DeptField, DeptListField, NumberField, TextField

FORM, YEAR = "gs2020-annex2", 2026
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def window(qtbot, store, school):
    plan = store.plans.create(school.code, FORM, YEAR)
    ui = UiSettings(AppPaths.user().window_file)
    ui.set("last/plan", plan.id)
    ui.set("year", YEAR)
    ui.sync()
    w = open_main(store, ui_settings=ui)
    qtbot.addWidget(w)
    w.resize(760, 560)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def saved(qtbot, w, item, key, want, timeout=2000):
    qtbot.waitUntil(lambda: w.store.plans.snapshot(w.plan.id).value(item, key) == want, timeout=timeout)


def type_date(field: DateField, text: str) -> None:
    field.inner.setText(text)
    field.inner.setModified(True)
    field.inner.editingFinished.emit()


def wheel(widget: QWidget, notches: int) -> None:
    """What one turn of a mouse wheel over ``widget`` delivers (through the application's filters)."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    ev = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(), QPoint(0, 120 * notches),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def _targets(field) -> list[QWidget]:
    """The widget a wheel lands on and the ones it may propagate to (inner line edits included)."""
    out = [field.inner]
    if isinstance(field.inner, (QComboBox, QAbstractSpinBox)):
        out += field.inner.findChildren(QLineEdit)
    if isinstance(field.inner, QPlainTextEdit):
        out.append(field.inner.viewport())
    return out


def test_the_wheel_never_changes_a_field_without_focus(qtbot, window, store):
    w, ed = window, window.editor
    w.select_item(13)  # every widget type: choices, departments, date, texts, indicator numbers
    key = w.view.item_map[13].indicators[0].key
    ed.fields["status"].inner.setCurrentIndex(ed.fields["status"].inner.findData("推进中"))
    ed.fields["lead"].inner.setEditText("教务处")
    ed.fields[f"target:{key}"].inner.setValue(3)
    type_date(ed.fields["deadline"], "2027-06-30")
    assert w.flush()
    types = {type(f) for f in ed.fields.values()}
    assert types == {ChoiceField, DeptField, DeptListField, TextField, DateField, NumberField}
    before = {k: f.value() for k, f in ed.fields.items()}
    revision = store.plans.get(w.plan.id).revision
    QApplication.focusWidget() and QApplication.focusWidget().clearFocus()
    ed.verticalScrollBar().setValue(0)
    for f in ed.fields.values():
        for target in _targets(f):
            assert not target.hasFocus()
            for notches in (1, -1, 3, -5):  # up and down; down wins, so the page scrolls down
                wheel(target, notches)
    qtbot.wait(w._timer.interval() + 100)  # an autosave would have fired by now
    assert {k: f.value() for k, f in ed.fields.items()} == before
    assert not w.pending and store.plans.get(w.plan.id).revision == revision
    assert ed.verticalScrollBar().value() > 0, "the wheel scrolled the editor instead"

    # the same events without the policy do change values: the test can fail
    from desktop.gui.input_policy import WheelGuard

    guard = QApplication.instance().findChild(WheelGuard)
    QApplication.instance().removeEventFilter(guard)
    try:
        wheel(ed.fields["status"].inner, -1)
        wheel(ed.fields[f"target:{key}"].inner, 1)
    finally:
        QApplication.instance().installEventFilter(guard)
    assert ed.fields["status"].value() != before["status"] or ed.fields[f"target:{key}"].value() != 3


def test_a_focused_field_still_takes_the_wheel(qtbot, window):
    ed = window.editor
    window.select_item(13)
    spin = ed.fields[next(k for k in ed.fields if k.startswith("target:"))].inner
    window.activateWindow()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=2000)
    wheel(spin, 2)
    assert spin.value() > -1  # 未填 → a number: the user meant this field


@pytest.mark.parametrize("typed", ["2027-06-30", "2027.6.30", "2027/6/30", "2027年6月30日", "20270630"])
def test_dates_are_typed_as_people_write_them(qtbot, window, typed):
    f = window.editor.fields["deadline"]
    type_date(f, typed)
    assert f.inner.text() == "2027-06-30" and f.problem is None
    saved(qtbot, window, 2, "deadline", "2027-06-30")


def test_a_date_the_parser_refuses_stays_as_typed_and_is_not_saved(qtbot, window, store):
    f = window.editor.fields["deadline"]
    type_date(f, "2027-06-30")
    saved(qtbot, window, 2, "deadline", "2027-06-30")
    type_date(f, "2027-13-45")
    assert f.inner.text() == "2027-13-45" and "不是有效日期" in f.problem and f.note.isVisibleTo(window)
    assert window.flush() and store.plans.snapshot(window.plan.id).value(2, "deadline") == "2027-06-30"
    type_date(f, "")  # cleared on purpose
    saved(qtbot, window, 2, "deadline", None)
    decl = window.view.field_map["deadline"]
    if decl.max_date:
        type_date(f, f"{decl.max_date.year + 1}年1月1日")
        assert "超出允许范围" in f.problem


def test_the_calendar_still_picks_a_date(qtbot, window):
    from PySide6.QtCore import QDate

    f = window.editor.fields["deadline"]
    f._open_calendar()
    f._picked(QDate(2028, 3, 31))
    saved(qtbot, window, 2, "deadline", "2028-03-31")
    assert f.inner.text() == "2028-03-31"


def test_leaving_a_field_saves_it_at_once(qtbot, window, store):
    ed = window.editor
    window.activateWindow()
    ed.fields["owner"].inner.setFocus()
    qtbot.waitUntil(ed.fields["owner"].inner.hasFocus, timeout=2000)
    ed.fields["owner"].inner.setText("王芳")
    assert window._timer.isActive()
    window.search.setFocus()  # focus leaves the editor
    qtbot.waitUntil(lambda: store.plans.snapshot(window.plan.id).value(2, "owner") == "王芳", timeout=150)
    assert not window.pending


def test_a_full_disk_keeps_the_typing_and_saves_it_later(qtbot, window, store, monkeypatch):
    """A real SQLITE_FULL (max_page_count = the current size): the error is shown once, the text stays
    in its field and in memory, item switches show it, and it is written once there is room again."""
    from sqlalchemy import event

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))

    def full(dbapi_con, _rec):
        n = dbapi_con.execute("pragma page_count").fetchone()[0]
        dbapi_con.execute(f"pragma max_page_count={n}")

    event.listen(store.engine, "connect", full)
    store.engine.dispose()
    text = "落实举措：" + "按季度调度推进、形成年度报告。" * 250
    ed = window.editor
    ed.fields["measures"].inner.setPlainText(text)
    assert not window.flush()
    assert len(shown) == 1 and "磁盘空间已满" in shown[0] and "仍保留在界面上" in shown[0]
    assert window.saved_label.text() == "未保存" and window.pending
    assert ed.fields["measures"].value() == text
    ed.fields["owner"].inner.setText("李华")  # more typing while the disk is full: kept too
    assert not window.flush() and len(shown) == 1, "reported once, not at every retry"
    window.select_item(5)
    window.select_item(2)
    assert ed.fields["measures"].value() == text and ed.fields["owner"].value() == "李华"
    assert store.plans.snapshot(window.plan.id).value(2, "measures") is None

    event.remove(store.engine, "connect", full)
    store.engine.dispose()  # room again: the retry timer writes it
    qtbot.waitUntil(lambda: store.plans.snapshot(window.plan.id).value(2, "measures") == text, timeout=8000)
    assert store.plans.snapshot(window.plan.id).value(2, "owner") == "李华"
    assert not window.pending and window.saved_label.text().startswith("已保存")


def test_closing_with_unsaved_edits_asks(qtbot, window, store, monkeypatch):
    from sqlalchemy import event

    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: None)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)

    def full(dbapi_con, _rec):
        dbapi_con.execute(f"pragma max_page_count={dbapi_con.execute('pragma page_count').fetchone()[0]}")

    event.listen(store.engine, "connect", full)
    store.engine.dispose()
    window.editor.fields["measures"].inner.setPlainText("很长的举措" * 700)
    assert not window.close() and window.isVisible()
    assert asked and "未能保存" in asked[0] and "丢失" in asked[0]
    event.remove(store.engine, "connect", full)
    store.engine.dispose()
    assert window.close()
    assert store.plans.snapshot(window.plan.id).value(2, "measures").startswith("很长的举措")


def test_a_refused_value_saves_the_rest_of_the_batch(qtbot, window, store, monkeypatch):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warned.append(a[2]))
    ed = window.editor
    ed.fields["owner"].inner.setText("李华")
    ed.fields["measures"].inner.setPlainText("长" * 4001)
    assert not window.flush()
    assert warned and "最多 4000 字" in warned[0]
    snap = store.plans.snapshot(window.plan.id)
    assert snap.value(2, "owner") == "李华" and snap.value(2, "measures") is None
    assert ed.fields["measures"].value() == "长" * 4001  # the typing stays to be shortened


def test_applicability_shown_as_default_is_filed_with_the_first_answer(qtbot, window, store):
    window.select_item(5)
    assert window.editor.fields["applicable"].inner.currentText().endswith("（默认）")
    window.editor.fields["measures"].inner.setPlainText("自愿填报：建立技师学院转设工作专班。")
    saved(qtbot, window, 5, "measures", "自愿填报：建立技师学院转设工作专班。")
    assert store.plans.snapshot(window.plan.id).value(5, "applicable") == store.vocab.yes
    window.act_undo.trigger()  # one undo takes back what the one edit stored
    assert store.plans.snapshot(window.plan.id).values.get(5, {}) == {}


def test_switching_items_starts_at_the_top(qtbot, window):
    ed = window.editor
    window.select_item(13)
    bar = ed.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    window.select_item(14)
    assert bar.value() == 0


def test_the_indicator_grid_does_not_move_while_typing(qtbot, window):
    """A problem note appearing (进度 已完成, 完成值 below target) used to push the row being typed in."""
    ed = window.editor
    window.select_item(13)
    keys = [k for k in ed.fields if k.startswith("actual:")]
    last = ed.fields[keys[-1]]
    ed.fields["status"].inner.setCurrentIndex(ed.fields["status"].inner.findData("已完成"))
    assert window.flush()
    QApplication.processEvents()
    y0 = last.mapTo(ed.widget(), QPoint(0, 0)).y()
    ed.fields[keys[0].replace("actual:", "target:")].inner.setValue(3)
    ed.fields[keys[0]].inner.setValue(1)
    assert window.flush()
    assert ed.notes[keys[0]].isVisibleTo(window) and "低于目标值" in ed.notes[keys[0]].text()
    QApplication.processEvents()
    assert last.mapTo(ed.widget(), QPoint(0, 0)).y() == y0


def test_department_suggestions_start_with_the_schools_own(qtbot, window, store, school):
    earlier = store.plans.create(school.code, FORM, YEAR - 1)
    from tools import edit

    store.plans.apply_edits(earlier.id, [edit(2, "lead", "教务处"), edit(3, "partners", "学生处、招生就业处")])
    window.open_plan(earlier.id)
    window.open_plan(store.plans.find(school.code, FORM, YEAR, "一校一策").id)
    names = window.editor.fields["lead"].names()
    assert names[:3] == ["教务处", "学生处", "招生就业处"] or set(names[:3]) == {"教务处", "学生处", "招生就业处"}
    assert "省教育厅" in names  # the checklist's units stay offered
    window.editor.fields["lead"].inner.setEditText("实训中心")
    assert window.flush()
    assert "实训中心" in window.editor.fields["partners"].names()  # a new department is offered next time


def test_qt_speaks_chinese_in_standard_dialogs(qapp):
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.gui.app import load_translations, make_app

    app = make_app()
    assert "qtbase_zh_CN" in load_translations(app)
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Save)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QFileDialog, QLabel

    dlg = QFileDialog(None, "保存", str(ROOT))
    dlg.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    labels = [w.text() for w in dlg.findChildren(QLabel) if w.text()]
    assert labels and not [t for t in labels if re.search("[A-Za-z]{3}", t.replace("&", ""))], labels
    assert QCoreApplication.translate("QAbstractFileIconProvider", "Folder", "All other platforms") == "文件夹"
    dlg.deleteLater()
    if QApplication.platformName() != "windows":
        import sys

        assert (not sys.platform.startswith("linux")
                or QApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs))


def test_every_symbol_the_gui_writes_is_in_the_recommended_font(qapp):
    """「❗」 and 「🔒」 showed as a box with fonts-noto-cjk: every non-CJK symbol in a string of
    desktop/gui must be drawable by Noto Sans CJK SC (the README's font)."""
    from PySide6.QtGui import QFont, QFontDatabase, QRawFont

    if "Noto Sans CJK SC" not in QFontDatabase.families():
        pytest.skip("Noto Sans CJK SC not installed (fonts-noto-cjk)")
    raw = QRawFont.fromFont(QFont("Noto Sans CJK SC"))
    symbols = set()
    for path in (ROOT / "desktop" / "gui").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.body[0].value) for n in ast.walk(tree) if isinstance(
            n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body and isinstance(n.body[0], ast.Expr)}
        for n in ast.walk(tree):
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs:
                symbols |= {c for c in n.value if ord(c) > 0x2000
                            and not ("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")}
    missing = sorted(c for c in symbols if not raw.supportsCharacter(ord(c)))  # (the QChar overload says yes to all)
    assert not missing, [f"U+{ord(c):04X} {c}" for c in missing]
    assert raw.supportsCharacter(ord("⚠")) and not raw.supportsCharacter(ord("❗"))  # the check itself works


def test_the_autosave_does_not_take_a_date_half_typed(qtbot, window, store):
    """Typing 2027-6-30 into 完成时限 while another edit autosaves: "2027-6" (a valid month) is not saved."""
    ed = window.editor
    ed.fields["owner"].inner.setText("李华")  # starts the autosave timer
    ed.fields["deadline"].inner.setText("2027-6")  # still typing
    ed.fields["deadline"].inner.setModified(True)
    saved(qtbot, window, 2, "owner", "李华")
    assert store.plans.snapshot(window.plan.id).value(2, "deadline") is None
    assert ed.fields["deadline"].inner.text() == "2027-6" and ed.fields["deadline"].problem is None
    window.select_item(5)  # leaving the item takes in what is typed
    assert store.plans.snapshot(window.plan.id).value(2, "deadline") == "2027-06-30"
