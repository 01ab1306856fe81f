"""The 汇总 view driven through its widgets (pytest-qt, offscreen)."""
from __future__ import annotations

import openpyxl
import pytest

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
    import shutil

    from desktop.core.store import Store
    from desktop.excel.filing import export_plan_xlsx
    from desktop.excel.importer import import_files
    from tools import edit, explain_all, fill_clean

    view.roster_filter.setCurrentText("已报送")
    row = next(r for r in view.roster_model.payload if r.unit_kind == "school")
    store.lifecycle.review(row.plan_id, False, "请细化第2项")
    store.engine.dispose()
    shutil.copy(db_path, tmp_path / "school.sqlite3")
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
