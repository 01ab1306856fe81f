"""File-menu operations (after Anki's ``aqt/operations``): ask, then run core work off the GUI thread.

Each operation asks the core first (may this happen? — the lifecycle's verdict), then asks the
user what is still needed (a file name), then runs the work on a worker thread with progress
and 取消, and reports in the window. No rule lives here: the core refuses on every path alike.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from ..core.lifecycle import EDITABLE, Action
from ..core.text import safe_filename
from ..core.vocab import PlanState
from .worker import run_job


def _show_error(window, title: str):
    def show(err: Exception) -> None:
        QMessageBox.warning(window, title, str(err) or type(err).__name__)
    return show


def _last_dir(window) -> Path:
    d = window.ui.str("last/export_dir")
    return Path(d) if d and Path(d).is_dir() else Path.home()


def _remember_dir(window, path: str) -> None:
    window.ui.set("last/export_dir", str(Path(path).parent))


def _ask_save(window, title: str, name: str, pattern: str) -> str | None:
    out, _ = QFileDialog.getSaveFileName(window, title, str(_last_dir(window) / safe_filename(name)), pattern)
    if out:
        _remember_dir(window, out)
    return out or None


def _formal_ok(window) -> bool:
    """Before a formal export: the lifecycle's verdict, and the user's consent when it submits."""
    plan = window.plan
    v = window.store.lifecycle.verdict(plan.id, Action.EXPORT_FORMAL)
    if not v.allowed:
        lines = "\n".join(p.message for p in v.problems[:15])
        more = f"\n……共 {len(v.problems)} 项" if len(v.problems) > 15 else ""
        QMessageBox.warning(window, "不能导出正式稿", f"{v.reason}\n\n{lines}{more}".strip())
        return False
    if PlanState(plan.state) in EDITABLE:
        n = plan.submission_no + 1
        ans = QMessageBox.question(window, "导出正式稿即报送",
                                   f"正式稿即第{n}次报送：导出后方案只读（审核前可撤回）。\n是否报送并导出？")
        return ans == QMessageBox.StandardButton.Yes
    return True


def _export(window, kind: str, draft: bool, out: str | None):
    if window.plan is None or not window.flush():
        return None
    if not draft and not _formal_ok(window):
        return None
    p = window.plan
    suffix = ("（征求意见稿）" if kind == "docx" else "（草稿）") if draft else ""
    if out is None:
        name = f"{p.unit_name}{p.year}年{p.kind}实施方案{suffix}" + {"docx": ".docx", "xlsx": "报送表.xlsx",
                                                                     "package": "报送包.zip"}[kind]
        out = _ask_save(window, {"docx": "导出 Word 实施方案", "xlsx": "导出 Excel 报送表", "package": "导出报送包"}[kind],
                        name, {"docx": "Word 文档 (*.docx)", "xlsx": "Excel 工作簿 (*.xlsx)",
                               "package": "报送包 (*.zip)"}[kind])
        if not out:
            return None
    store, plan_id = window.store, p.id

    def work(job):
        if kind == "package":
            return export_package_file(store, plan_id, out, draft=draft)
        if kind == "docx":
            from ..word.plan import export_plan_docx as export
        else:
            from ..excel.filing import export_plan_xlsx as export
        return export(store, plan_id, out, draft=draft)

    def done(path) -> None:
        window.refresh()
        window.reload_tree()
        window.statusBar().showMessage(f"已导出 {path}", 8000)

    return run_job(window, "正在导出…", work, done, _show_error(window, "导出失败"))


def export_word(window, out: str | None = None, draft: bool = False):
    return _export(window, "docx", draft, out)


def export_xlsx(window, out: str | None = None, draft: bool = False):
    return _export(window, "xlsx", draft, out)


def export_package(window, out: str | None = None, draft: bool = False):
    """报送包 (.zip): 报送表, 实施方案 and 佐证材料 of the current plan (for the GUI engineer's menu)."""
    return _export(window, "package", draft, out)


def export_package_file(store, plan_ref, out, draft: bool = False):
    from ..core.package import export_package as export
    from ..excel import filing
    from ..word import plan

    return export(store, plan_ref, out, render_xlsx=filing.rendered(store.catalog), render_docx=plan.rendered(store),
                  draft=draft)


def export_word_batch(window, out_dir: str | None = None, draft: bool = False):
    """All plans of the selected unit and the units under it (a county exporting its schools)."""
    if not window.flush() or not window.unit_code:
        return None
    store = window.store
    codes = [u.code for u in store.units.list(window.unit_code)]
    plans = [p.id for p in store.plans.list(year=window.year, unit_codes=codes)]
    if not plans:
        QMessageBox.information(window, "批量导出 Word", f"所选单位及下级单位 {window.year} 年没有方案。")
        return None
    if out_dir is None:
        out_dir = QFileDialog.getExistingDirectory(window, f"批量导出 {len(plans)} 份方案到文件夹", str(_last_dir(window)))
        if not out_dir:
            return None

    def done(results) -> None:
        ok = [r for r in results if r[1] is not None]
        bad = [r[2] for r in results if r[1] is None]
        window.refresh()
        text = f"已导出 {len(ok)} 份到 {out_dir}。"
        if bad:
            text += f"\n{len(bad)} 份未导出（仍有错误，可改为导出征求意见稿）：\n" + "\n".join(bad[:15])
        window.batch_box = QMessageBox(QMessageBox.Icon.Information, "批量导出 Word", text, parent=window)
        window.batch_box.open()

    def work(job):
        from ..word.plan import export_plans_docx

        return export_plans_docx(store, plans, out_dir, draft=draft, job=job)

    return run_job(window, f"正在导出 {len(plans)} 份 Word 实施方案…", work, done,
                   _show_error(window, "批量导出 Word 失败"))


def export_template(window, out: str | None = None, form_id: str | None = None):
    cat = window.store.catalog
    if form_id is None:
        if window.plan:
            form_id = window.plan.form_id
        else:
            ids = sorted(cat.forms)
            label, ok = QInputDialog.getItem(window, "导出空白模板", "清单：",
                                             [f"{i} {cat.forms[i].form.title}" for i in ids], 0, False)
            if not ok:
                return None
            form_id = label.split(" ", 1)[0]
    if out is None:
        out = _ask_save(window, "导出空白模板", f"{form_id}-空白报送表.xlsx", "Excel 工作簿 (*.xlsx)")
        if not out:
            return None

    def work(job):
        from ..excel.filing import export_template as export

        return export(cat, form_id, out)

    return run_job(window, "正在导出模板…", work, lambda path: window.statusBar().showMessage(f"已导出 {path}", 8000),
                   _show_error(window, "导出模板失败"))


def import_sheets(window, paths: list[str] | None = None, create_units: bool | None = None,
                  folder: bool = False):
    """Files picked by the user, or (``folder``) every .xlsx / .zip (报送包) in a folder and its subfolders."""
    if not window.flush():
        return None
    if paths is None and folder:
        picked = QFileDialog.getExistingDirectory(window, "导入文件夹中的全部报送表", str(_last_dir(window)))
        paths = [picked] if picked else []
    elif paths is None:
        paths, _ = QFileDialog.getOpenFileNames(window, "导入报送表", str(_last_dir(window)),
                                                "报送表或报送包 (*.xlsx *.XLSX *.zip *.ZIP)")
    if not paths:
        return None
    if create_units is None:
        create_units = QMessageBox.question(
            window, "导入报送表", "遇到数据库中没有的单位时，是否按封面信息新建该单位？") == QMessageBox.StandardButton.Yes
    store = window.store

    def done(report) -> None:
        window.reload_tree()
        if window.plan:
            window.refresh()
        show_import_report(window, report)

    def work(job):
        from ..excel.importer import import_files

        return import_files(store, paths, create_units=create_units, job=job)

    return run_job(window, "正在导入报送表…", work, done, _show_error(window, "导入失败"))


def show_import_report(window, report) -> None:
    from ..core.vocab import Outcome

    label = window.store.vocab.label
    files = list(report.files)
    counts: dict = {}
    for f in files:
        counts[f.outcome] = counts.get(f.outcome, 0) + 1
    head = "；".join(f"{label(k)} {v} 个" for k, v in counts.items()) or "没有文件"
    lines = []
    for f in files[:50]:
        lines.append(f"【{label(f.outcome)}】{Path(f.path).name} {f.unit_name or ''}")
        lines += [f"　　{m}" for m in (list(f.messages) + list(f.warnings))[:5]]
    bad = any(f.outcome == Outcome.REJECTED for f in files)
    box = QMessageBox(QMessageBox.Icon.Warning if bad else QMessageBox.Icon.Information, "导入结果", head,
                      parent=window)
    box.setDetailedText("\n".join(lines))
    box.open()
    window.import_box = box


def open_summary(window):
    from .summary_view import open_summary as open_view

    kw = dict(year=window.year)
    if window.plan is not None:
        kw["form_id"] = window.plan.form_id
    window.summary_window = open_view(window.store, window, **kw)
    return window.summary_window
