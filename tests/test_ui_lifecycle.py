"""The GUI's entry points into the filing lifecycle give the core's verdict (pytest-qt, real widgets).

Same table as tests/test_lifecycle.py: for every state, the main window's 报送 / 撤回 / editing /
formal and draft exports and the 汇总 view's 受理 / 退回 each do what ``Lifecycle.verdict`` says.
"""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.core.edits import Ref
from desktop.core.lifecycle import Action
from desktop.core.paths import AppPaths
from desktop.gui.app import open_main
from desktop.gui.settings import UiSettings
from test_lifecycle import AFTER, SPEC, STATES, make_plan
from tools import dump_db

FORM, YEAR = "gs2020-annex2", 2026


@pytest.fixture(params=STATES)
def gui_case(request, qtbot, store, school, monkeypatch):
    state = request.param
    plan = make_plan(store, school.code, state)
    ui = UiSettings(AppPaths.user().window_file)
    ui.set("last/plan", plan.id)
    ui.set("year", YEAR)
    ui.sync()
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: said.append(a[2]))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: said.append(a[2]) or QMessageBox.StandardButton.Yes)
    w = open_main(store)
    qtbot.addWidget(w)
    w.show()
    assert w.plan.id == plan.id
    yield state, plan, w, said
    w.close()


def test_main_window_actions_follow_the_verdict(gui_case, store, db_path, tmp_path, qtbot):
    state, plan, w, said = gui_case
    lc = store.lifecycle
    # editing: the widgets are disabled exactly when the lifecycle forbids edits, and the core refuses anyway
    edit_ok = lc.verdict(plan.id, Action.EDIT).allowed
    assert edit_ok == SPEC[(state, Action.EDIT)]
    assert w.editor.fields["owner"].isEnabled() == edit_ok and w.banner.isVisibleTo(w) == (not edit_ok or state == "returned")
    before = dump_db(db_path)
    w._on_edited(Ref.field(2, "owner"), "界面里改的人")
    assert w.flush() == edit_ok
    if not edit_ok:
        assert dump_db(db_path) == before and "只读" in said[-1]
    # 报送 and 撤回 from the menu
    for action, run in ((Action.SUBMIT, w.submit), (Action.WITHDRAW, w.withdraw)):
        current = store.plans.get(plan.id)
        allowed = lc.verdict(plan.id, action).allowed
        assert run() == allowed, (state, action, said[-1:])
        assert store.plans.get(plan.id).state == (AFTER[action] if allowed else current.state)


@pytest.mark.parametrize("draft", [False, True])
def test_exports_from_the_menu_follow_the_verdict(gui_case, draft, store, db_path, tmp_path, qtbot):
    from desktop.gui import operations

    state, plan, w, said = gui_case
    allowed = store.lifecycle.verdict(plan.id, Action.EXPORT_DRAFT if draft else Action.EXPORT_FORMAL).allowed
    assert allowed == SPEC[(state, Action.EXPORT_DRAFT if draft else Action.EXPORT_FORMAL)]
    out = tmp_path / ("草稿.docx" if draft else "正式.docx")
    before = dump_db(db_path)
    task = operations.export_word(w, str(out), draft=draft)
    if allowed:
        qtbot.waitUntil(lambda: out.exists(), timeout=15_000)
    else:
        assert task is None and not out.exists() and dump_db(db_path) == before
        assert "不能正式报送" in said[-1] or "相同" in said[-1] or "只读" in said[-1], said[-1]


def test_review_in_the_summary_view_follows_the_verdict(qtbot, store, monkeypatch):
    """受理 / 退回 buttons and the review itself, for a unit in each state (two schools per state:
    one is accepted, one returned)."""
    from desktop.gui.summary_view import SummaryView

    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: said.append(a[2]))
    plans = {}
    for i, state in enumerate(STATES):
        for accept in (True, False):
            code = f"S{i}{int(accept)}"
            store.units.add(code, f"第{i}{int(accept)}职业学校", "school", "620102", school_type="中职")
            plans[(state, accept)] = make_plan(store, code, state)
    view = SummaryView(store, form_id=FORM, year=YEAR)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.computed, timeout=20_000):
        view.refresh()
    for (state, accept), plan in plans.items():
        action = Action.ACCEPT if accept else Action.RETURN
        allowed = store.lifecycle.verdict(plan.id, action).allowed
        assert allowed == SPEC[(state, action)], (state, action)
        assert view.select_unit(plan.unit_code)
        assert (view.accept_button if accept else view.return_button).isEnabled() == allowed, (state, action)
        if allowed:
            with qtbot.waitSignal(view.computed, timeout=20_000):
                assert view.review_selected(accept, "请细化")
            assert store.plans.get(plan.id).state == AFTER[action]
        else:
            assert not view.review_selected(accept, "请细化") and said
            assert store.plans.get(plan.id).state == plan.state


def test_history_dialog_shows_labels_not_ids(qtbot, store, school):
    from desktop.gui.dialogs import HistoryDialog

    plan = make_plan(store, school.code, "returned")
    dialog = HistoryDialog(store, plan)
    qtbot.addWidget(dialog)
    t = dialog.table
    cells = [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]
    label = store.vocab.label
    review = next(row for row in cells if row[4] == "状态" and row[6].startswith(label("returned")))
    assert review[5] == label("submitted") and "请细化举措" in review[6]
    assert any(row[4] == "落实举措" for row in cells)
    assert not [row for row in cells if row[4] in ("state", "measures", "owner") or row[5] in ("draft", "submitted")]
