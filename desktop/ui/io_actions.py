"""File-menu work that uses other modules (Word, Excel, import, summary), loaded on first use.

Those modules are optional at run time: if one is missing the user gets a friendly
message instead of a crash. Long work runs on a worker thread with progress and cancel.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from ..store.service import InputError
from .worker import run_job

FEATURES = {
    "desktop.reports.word": "导出 Word 实施方案",
    "desktop.sheets.export": "导出 Excel 报送表",
    "desktop.sheets.importer": "导入报送表",
    "desktop.ui.summary_view": "汇总",
}


def load(window, module: str):
    """The module, or None after telling the user the feature is not available yet."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        if e.name and not module.startswith(e.name) and e.name not in module:
            raise
        QMessageBox.information(window, "功能暂不可用",
                                f"“{FEATURES.get(module, module)}”功能尚未包含在当前版本中（缺少模块 {module}）。")
        return None


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|]+', "_", name)


def _default_name(window, suffix: str) -> str:
    p = window.plan
    return str(Path.home() / _safe(f"{p.unit_name}{p.year}年{p.kind}实施方案{suffix}"))


def _show_error(window, title: str):
    def show(err: Exception) -> None:
        QMessageBox.warning(window, title, str(err) or type(err).__name__)
    return show


def _plan_export(window, module: str, title: str, suffix: str, pattern: str, out: str | None):
    """(module, output path) for exporting the open plan, or None (nothing open/missing/cancelled)."""
    if window.plan is None or not window.flush():
        return None
    mod = load(window, module)
    if mod is None:
        return None
    if out is None:
        out, _ = QFileDialog.getSaveFileName(window, title, _default_name(window, suffix), pattern)
    return (mod, out) if out else None


def export_word(window, out: str | None = None, draft: bool = False):
    got = _plan_export(window, "desktop.reports.word", "导出 Word 实施方案", ".docx", "Word 文档 (*.docx)", out)
    if got is None:
        return None
    word, out = got
    plan_id = window.plan.id
    blocked = getattr(importlib.import_module("desktop.reports"), "ExportBlocked", InputError)

    def failed(err: Exception) -> None:
        if isinstance(err, blocked):
            lines = "\n".join(p.message for p in getattr(err, "problems", [])[:15])
            ans = QMessageBox.question(window, "方案还有错误",
                                       f"方案还有错误，不能正式导出：\n{lines}\n\n是否导出草稿（征求意见稿）？")
            if ans == QMessageBox.StandardButton.Yes:
                export_word(window, out, draft=True)
        else:
            _show_error(window, "导出 Word 失败")(err)

    def done(path) -> None:
        window.refresh()
        window.statusBar().showMessage(f"已导出 {path}", 8000)

    return run_job(window, "正在导出 Word…", lambda job: word.export_plan_docx(window.store, plan_id, out, draft=draft),
                   done, failed)


def export_word_batch(window, out_dir: str | None = None, draft: bool = False):
    """All plans of the selected unit and the units under it (a county exporting its schools)."""
    if not window.flush() or not window.unit_code:
        return None
    word = load(window, "desktop.reports.word")
    if word is None:
        return None
    codes = [u.code for u in window.store.list_units(window.unit_code)]
    plans = [p.id for p in window.store.list_plans(year=window.year, unit_codes=codes)]
    if not plans:
        QMessageBox.information(window, "批量导出 Word", f"所选单位及下级单位 {window.year} 年没有方案。")
        return None
    if out_dir is None:
        out_dir = QFileDialog.getExistingDirectory(window, f"批量导出 {len(plans)} 份方案到文件夹", str(Path.home()))
        if not out_dir:
            return None

    def done(results) -> None:
        ok = [r for r in results if r[1] is not None]
        bad = [r[2] for r in results if r[1] is None]
        window.refresh()
        text = f"已导出 {len(ok)} 份到 {out_dir}。"
        if bad:
            text += f"\n{len(bad)} 份未导出（仍有错误，可改为导出草稿）：\n" + "\n".join(bad[:15])
        window.batch_box = QMessageBox(QMessageBox.Icon.Information, "批量导出 Word", text, parent=window)
        window.batch_box.open()

    return run_job(window, f"正在导出 {len(plans)} 份 Word 实施方案…",
                   lambda job: word.export_plans_docx(window.store, plans, out_dir, draft=draft, job=job),
                   done, _show_error(window, "批量导出 Word 失败"))


def export_xlsx(window, out: str | None = None):
    got = _plan_export(window, "desktop.sheets.export", "导出 Excel 报送表", ".xlsx", "Excel 工作簿 (*.xlsx)", out)
    if got is None:
        return None
    mod, out = got
    plan_id = window.plan.id
    return run_job(window, "正在导出 Excel…", lambda job: mod.export_plan_xlsx(window.store, plan_id, out),
                   lambda path: window.statusBar().showMessage(f"已导出 {path}", 8000),
                   _show_error(window, "导出 Excel 失败"))


def export_template(window, out: str | None = None, form_id: str | None = None):
    mod = load(window, "desktop.sheets.export")
    if mod is None:
        return None
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
        out, _ = QFileDialog.getSaveFileName(window, "导出空白模板", str(Path.home() / f"{form_id}-空白报送表.xlsx"),
                                             "Excel 工作簿 (*.xlsx)")
        if not out:
            return None
    return run_job(window, "正在导出模板…", lambda job: mod.export_template(cat, form_id, out),
                   lambda path: window.statusBar().showMessage(f"已导出 {path}", 8000),
                   _show_error(window, "导出模板失败"))


def import_sheets(window, paths: list[str] | None = None, create_units: bool | None = None,
                  folder: bool = False):
    """Files picked by the user, or (``folder``) every .xlsx in a folder and its subfolders."""
    if not window.flush():
        return None
    mod = load(window, "desktop.sheets.importer")
    if mod is None:
        return None
    if paths is None and folder:
        picked = QFileDialog.getExistingDirectory(window, "导入文件夹中的全部报送表", str(Path.home()))
        paths = [picked] if picked else []
    elif paths is None:
        paths, _ = QFileDialog.getOpenFileNames(window, "导入报送表", str(Path.home()), "Excel 工作簿 (*.xlsx)")
    if not paths:
        return None
    if create_units is None:
        create_units = QMessageBox.question(
            window, "导入报送表", "遇到数据库中没有的单位时，是否按封面信息新建该单位？") == QMessageBox.StandardButton.Yes

    def done(report) -> None:
        window.reload_tree()
        if window.plan:
            window.refresh()
        show_import_report(window, report)

    return run_job(window, "正在导入报送表…",
                   lambda job: mod.import_files(window.store, paths, create_units=create_units, job=job),
                   done, _show_error(window, "导入失败"))


OUTCOMES = {"accepted": "已导入", "rejected": "已拒收", "unchanged": "无变化"}


def show_import_report(window, report) -> None:
    files = list(getattr(report, "files", []))
    counts: dict[str, int] = {}
    for f in files:
        counts[f.outcome] = counts.get(f.outcome, 0) + 1
    head = "；".join(f"{OUTCOMES.get(k, k)} {v} 个" for k, v in counts.items()) or "没有文件"
    lines = []
    for f in files[:50]:
        lines.append(f"【{OUTCOMES.get(f.outcome, f.outcome)}】{Path(f.path).name} {f.unit_name or ''}")
        lines += [f"　　{m}" for m in (list(f.messages) + list(f.warnings))[:5]]
    box = QMessageBox(QMessageBox.Icon.Information if getattr(report, "ok", True) else QMessageBox.Icon.Warning,
                      "导入结果", head, parent=window)
    box.setDetailedText("\n".join(lines))
    box.open()
    window.import_box = box


def open_summary(window):
    mod = load(window, "desktop.ui.summary_view")
    if mod is None:
        return None
    kw = dict(year=window.year)
    if window.plan is not None:
        kw["form_id"] = window.plan.form_id
    window.summary_window = mod.open_summary(window.store, window, **kw)
    return window.summary_window
