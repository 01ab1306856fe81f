"""The 汇总 view driven through its widgets (pytest-qt, offscreen)."""
from __future__ import annotations

import openpyxl
import pytest

from PySide6.QtCore import Qt

from desktop.core.demo import build_demo
from desktop.core.summary import indicator_totals, item_detail, item_progress, roster
from desktop.core.vocab import Role

FORM, YEAR = "gs2020-annex2", 2024


@pytest.fixture
def view(qtbot, store, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from desktop.gui.summary_view import SummaryView

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    build_demo(store, schools=40, year=YEAR, seed=3)
    v = SummaryView(store, form_id=FORM, year=YEAR)
    v.warnings = warnings
    qtbot.addWidget(v)
    v.resize(1200, 820)
    v.show()
    with qtbot.waitSignal(v.computed, timeout=20_000):
        v.refresh()
    return v


def _wait_refresh(qtbot, v, action):
    with qtbot.waitSignal(v.computed, timeout=20_000):
        assert action()


def test_summary_view_shows_the_core_figures(view, store, qtbot, artifacts):
    rows = roster(store, FORM, YEAR)
    assert view.node.currentData() == "620000"
    assert view.roster_model.rowCount() == len(rows) == 55
    assert "应报 55 个单位" in view.status.text()
    view.roster_filter.setCurrentIndex(1)  # 催报名单
    assert view.roster_model.rowCount() == sum(r.to_chase for r in rows) > 0
    view.roster_filter.setCurrentIndex(0)
    view.filing_chart.grab().save(str(artifacts / "summary_view_filing_chart.png"))
    view.grab().save(str(artifacts / "summary_view_roster.png"))

    items = item_progress(store, FORM, YEAR)
    assert view.items_model.rowCount() == 33
    assert [view.items_model.rows[i][3] for i in range(33)] == [it.answered for it in items]
    view.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(view.detail_model.modelReset, timeout=10_000):
        view.items_view.selectRow(12)  # item 13: drill-down
    detail = item_detail(store, FORM, YEAR, 13)
    assert view.detail_model.rowCount() == len(detail) > 0
    assert [r[4] for r in view.detail_model.rows] == [d.values[Role.MEASURES] for d in detail]
    chart = view.progress_chart  # one stacked bar per task, one segment per progress value
    assert [s.name for s in chart.series] == list(items[0].status)
    assert chart.categories == [it.display_no for it in items]
    assert len(chart.bars()) == 33 * len(items[0].status)
    view.progress_chart.grab().save(str(artifacts / "summary_view_progress_chart.png"))
    view.grab().save(str(artifacts / "summary_view_items.png"))

    inds = indicator_totals(store, FORM, YEAR)
    view.tabs.setCurrentIndex(2)
    assert view.ind_model.rowCount() == len(inds)
    view.ind_view.selectRow(0)
    assert view.node_model.rowCount() == len(inds[0].nodes) + 1
    assert view.node_model.rows[-1][0].endswith("合计")
    # totals and means read as the 汇总报告 prints them: two decimals at most (22.23, not 22.2266666666667)
    shown = [c for r in view.ind_model.rows for c in r[6:8]] + [c for r in view.node_model.rows for c in r[2:4]]
    assert all(len(c.partition(".")[2]) <= 2 for c in shown if isinstance(c, str)), shown
    assert any("." in c for c in shown if isinstance(c, str))  # the demo's percentage means are not whole
    view.grab().save(str(artifacts / "summary_view_indicators.png"))

    # a city: only its subtree
    with qtbot.waitSignal(view.computed, timeout=20_000):  # a new node recomputes by itself
        view.node.setCurrentIndex(view.node.findData("620100"))
    assert view.summary.scope.node_code == "620100"
    assert view.roster_model.rowCount() == len(roster(store, FORM, YEAR, "620100"))


def test_review_from_the_view(view, store, qtbot, tmp_path):
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.gui.summary_view import ReasonDialog

    view.roster_filter.setCurrentText("已报送")
    first = view.roster_model.payload[0]
    view.roster_view.selectRow(0)
    assert view.accept_button.isEnabled() and view.return_button.isEnabled()
    assert not view.letter_button.isEnabled()

    dlg = ReasonDialog(first.unit_name, view)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no reason, no return
    dlg.text.setPlainText("第13项举措过于笼统")  # (QTest.keyClicks aborts on non-Latin text)
    assert ok.isEnabled() and dlg.reason() == "第13项举措过于笼统"
    dlg.close()

    assert not view.review_selected(False, "")  # refused: a return needs a reason
    assert view.warnings and "退回理由" in view.warnings[-1]
    _wait_refresh(qtbot, view, lambda: view.review_selected(False, "第13项举措过于笼统"))
    row = next(r for r in roster(store, FORM, YEAR) if r.unit_code == first.unit_code)
    assert (row.state, row.review_reason) == ("returned", "第13项举措过于笼统")
    view.roster_filter.setCurrentText("全部单位")
    assert view.select_unit(first.unit_code)
    assert view.selected_roster_row().state == "returned" and view.letter_button.isEnabled()
    assert not view.accept_button.isEnabled()  # the lifecycle: a returned filing waits for the next one
    letter = tmp_path / "退回意见.xlsx"
    assert view.write_letter(str(letter))
    cells = [c.value for r in openpyxl.load_workbook(letter).active.iter_rows() for c in r]
    assert "第13项举措过于笼统" in cells

    view.roster_filter.setCurrentText("已报送")
    second = view.roster_model.payload[0]
    view.roster_view.selectRow(0)
    _wait_refresh(qtbot, view, lambda: view.review_selected(True))
    assert store.plans.get(second.plan_id).state == "accepted"


def test_resubmitted_plan_shows_what_changed(view, store, qtbot, tmp_path, db_path):
    """退回 → the unit revises in its own copy and files 第2次报送 → imported → the roster's
    comparison tab lists, item by item, what changed."""
    import sqlite3

    from desktop.core.store import Store
    from desktop.excel.filing import export_plan_xlsx
    from desktop.excel.importer import import_files
    from tools import edit, explain_all, fill_clean

    view.roster_filter.setCurrentText("已报送")
    row = next(r for r in view.roster_model.payload if r.unit_kind == "school")
    store.lifecycle.review(row.plan_id, False, "请细化第2项")
    with sqlite3.connect(db_path) as src, sqlite3.connect(tmp_path / "school.sqlite3") as dst:
        src.backup(dst)  # a consistent copy even while the view's worker holds a connection
    school = Store.open(tmp_path / "school.sqlite3", catalog=store.catalog)
    fill_clean(school, row.plan_uuid)
    school.plans.apply_edits(row.plan_uuid, [edit(2, "measures", "细化后的举措：每季度调度一次。")])
    explain_all(school, row.plan_uuid)
    filed = export_plan_xlsx(school, row.plan_uuid, tmp_path / "第2次.xlsx")
    school.close()
    assert import_files(store, [filed]).ok
    with qtbot.waitSignal(view.computed, timeout=20_000):
        view.refresh()
    view.roster_filter.setCurrentText("全部单位")
    assert view.select_unit(row.unit_code)
    assert view.selected_roster_row().submission_no == 2
    assert view.roster_lower.currentIndex() == 1 and "第2次报送与第1次相比" in view.diff_label.text()
    rows = view.diff_model.rows
    assert any(r[0] == "第2项「落实举措」" and r[2] == "细化后的举措：每季度调度一次。" for r in rows), rows
    assert view.accept_button.isEnabled()


def test_exports_from_the_view(view, store, qtbot, tmp_path):
    out = tmp_path / "汇总表.xlsx"
    with qtbot.waitSignal(view.exported, timeout=30_000):
        view.export_to(str(out), "xlsx")
    ws = openpyxl.load_workbook(out)["报送情况"]
    assert ws.max_row - 3 == len(roster(store, FORM, YEAR))
    out = tmp_path / "汇总报告.docx"
    with qtbot.waitSignal(view.exported, timeout=60_000):
        view.export_to(str(out), "docx")
    from docx import Document

    assert Document(out).paragraphs[0].text.endswith("落实情况汇总报告")
    assert "已导出：" in view.status.text()


def _quality(qtbot, view):
    qtbot.waitUntil(lambda: bool(view.quality) and "…" not in {r[6] for r in view.roster_model.rows}, timeout=30_000)


def test_roster_shows_errors_warnings_and_completeness(view, store, qtbot):
    from desktop.core.validation import completeness, validate

    _quality(qtbot, view)
    rows = {r.unit_code: row for r, row in zip(view.roster_model.payload, view.roster_model.rows)}
    checked = 0
    for r in view.roster_model.payload:
        if r.plan_id is None:
            assert rows[r.unit_code][6:9] == (None, None, None)
            continue
        p = store.plans.get(r.plan_id)
        v = store.catalog.get(p.form_id)
        problems = validate(v, p.kind, store.plans.snapshot(p.id))
        c = completeness(v, p.kind, store.plans.snapshot(p.id))
        e, w = rows[r.unit_code][6:8]
        assert (e, w) == (sum(x.severity == "error" for x in problems),
                          sum(x.severity == "warning" and not x.explained for x in problems))
        assert abs(float(rows[r.unit_code][8]) - c.ratio) < 1e-9
        checked += 1
    assert checked > 20 and any(row[6] for row in rows.values())  # some filings do have errors
    # sorted by 错误, most first
    view.roster_view.sortByColumn(6, Qt.SortOrder.DescendingOrder)
    first = view.roster_model.payload[view.roster_proxy.mapToSource(view.roster_proxy.index(0, 0)).row()]
    assert view.quality[first.plan_id].errors == max(q.errors for q in view.quality.values())


def test_roster_opens_the_plan_read_only(view, store, qtbot):
    view.roster_filter.setCurrentText("已报送")
    view.roster_view.selectRow(0)
    r = view.selected_roster_row()
    view.roster_view.doubleClicked.emit(view.roster_view.currentIndex())
    viewer = view.viewer
    qtbot.addWidget(viewer)
    assert viewer.isVisible() and viewer.plan.id == r.plan_id
    assert viewer.data.submission is not None and viewer.data.submission.number == r.submission_no
    ed = viewer.editor
    assert ed.read_only and ed.item is not None
    assert all(not f.isEnabled() for f in ed.fields.values())
    viewer.select_item(13)
    assert ed.item.no == 13 and all(not f.isEnabled() for f in ed.fields.values())  # indicators too
    assert not ed.ev_buttons[0].isEnabled()
    viewer.close()


def test_accept_and_return_say_what_they_will_do(view, store, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from desktop.gui.summary_view import ReasonDialog

    _quality(qtbot, view)
    view.roster_filter.setCurrentText("已报送")
    view.roster_view.selectRow(0)
    r = view.selected_roster_row()
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    view.accept_button.click()
    assert asked and f"受理「{r.unit_name}」的第{r.submission_no}次报送" in asked[0] and "不能再撤回" in asked[0]
    assert "错误" in asked[0] and "完成度" in asked[0]
    assert store.plans.get(r.plan_id).state == "submitted", "No: nothing happens"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(view.computed, timeout=20_000):
        view.accept_button.click()
    assert store.plans.get(r.plan_id).state == "accepted"
    dlg = ReasonDialog("某校", view, 2)
    qtbot.addWidget(dlg)
    text = dlg.findChild(type(view.status)).text()
    assert "第2次报送" in text and "第3次" in text and "不计入汇总" in text


def test_summary_window_fits_the_screen(qtbot, store):
    from PySide6.QtGui import QGuiApplication

    from desktop.gui.summary_view import SummaryDialog

    dlg = SummaryDialog(store, form_id=FORM, year=YEAR)
    qtbot.addWidget(dlg)
    dlg.show()
    assert QGuiApplication.primaryScreen().availableGeometry().contains(dlg.frameGeometry())
