"""File-menu operations (after Anki's ``aqt/operations``): ask, then run core work off the GUI thread.

Each operation asks the core first (may this happen? — the lifecycle's verdict), then asks the
user what is still needed (a file name), then runs the work on a worker thread with progress
and 取消, and reports in the window. No rule lives here: the core refuses on every path alike.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from ..core.text import safe_filename
from ..core.vocab import PlanState
from .worker import run_job


def _show_error(window, title: str):
    def show(err: Exception) -> None:
        QMessageBox.warning(window, title, str(err) or type(err).__name__)
    return show


def _last_dir(window, key: str = "last/export_dir") -> Path:
    d = window.ui.str(key)
    return Path(d) if d and Path(d).is_dir() else Path.home()


def _remember_dir(window, path: str, key: str = "last/export_dir") -> None:
    window.ui.set(key, str(Path(path).parent))


def _ask_save(window, title: str, name: str, pattern: str) -> str | None:
    out, _ = QFileDialog.getSaveFileName(window, title, str(_last_dir(window) / safe_filename(name)), pattern)
    if out:
        _remember_dir(window, out)
    return out or None


def _formal_ok(window) -> bool:
    """Before a formal export: the lifecycle's verdict, and the user's consent when it submits."""
    from ..core.lifecycle import EDITABLE, Action

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


def export_template(window, out: str | None = None, form_id: str | None = None, kind: str | None = None):
    """The blank 报送表 for a plan kind (its 须填报 items marked), as ``yice template FORM --kind``:
    the open plan's form and kind, else the user picks the form, then one of its plan kinds."""
    cat = window.store.catalog
    plan = window.plan
    if form_id is None:
        if plan:
            form_id = plan.form_id
        else:
            ids = sorted(cat.forms)
            label, ok = QInputDialog.getItem(window, "导出空白模板", "清单：",
                                             [f"{i} {cat.forms[i].form.title}" for i in ids], 0, False)
            if not ok:
                return None
            form_id = label.split(" ", 1)[0]
    if kind is None:
        kinds = list(cat.forms[form_id].form.plan_kinds)
        if plan and plan.form_id == form_id:
            kind = plan.kind
        elif len(kinds) == 1:
            kind = kinds[0]
        elif kinds:
            kind, ok = QInputDialog.getItem(window, "导出空白模板", "方案类型（标出该类方案须填报的任务）：", kinds, 0, False)
            if not ok:
                return None
    if out is None:
        name = "-".join(x for x in (form_id, kind, "空白报送表") if x)
        out = _ask_save(window, "导出空白模板", name + ".xlsx", "Excel 工作簿 (*.xlsx)")
        if not out:
            return None

    def work(job):
        from ..excel.filing import export_template as export

        return export(cat, form_id, out, kind=kind)

    return run_job(window, "正在导出模板…", work, lambda path: window.statusBar().showMessage(f"已导出 {path}", 8000),
                   _show_error(window, "导出模板失败"))


def import_sheets(window, paths: list[str] | None = None, create_units: bool | None = None,
                  folder: bool = False):
    """Files picked by the user, or (``folder``) every .xlsx / .zip (报送包) in a folder and its subfolders.

    ``create_units`` None (the menu): files of units this database knows go in at once; if some
    name a unit it does not know, the user is asked about exactly those units (named, with their
    files) and only those files are imported again. Then the results window opens."""
    if not window.flush():
        return None
    if paths is None:
        start = str(_last_dir(window, "last/import_dir"))  # where the received files are, not the exports
        if folder:
            picked = QFileDialog.getExistingDirectory(window, "导入文件夹中的全部报送表", start)
            paths = [picked] if picked else []
            if picked:
                window.ui.set("last/import_dir", picked)
        else:
            paths, _ = QFileDialog.getOpenFileNames(window, "导入报送表", start,
                                                    "报送表或报送包 (*.xlsx *.XLSX *.zip *.ZIP)")
            if paths:
                _remember_dir(window, paths[0], "last/import_dir")
    if not paths:
        return None
    store = window.store

    def work(files, create):
        def run(job):
            from ..excel.importer import import_files

            return import_files(store, files, create_units=create, job=job)
        return run

    def first_pass(report) -> None:
        unknown = [f for f in report.files if f.unknown_unit] if create_units is None else []
        if unknown and ask_create_units(window, unknown):
            window.import_task = run_job(window, "正在新建单位并导入报送表…", work([f.path for f in unknown], True),
                                         lambda again: finish(merge_reports(report, again)),
                                         _show_error(window, "导入失败"))
            return
        finish(report, declined=bool(unknown))

    def finish(report, declined: bool = False) -> None:
        if declined:
            for f in report.files:
                if f.unknown_unit:
                    f.messages[:] = [unknown_unit_message(f)]
        window.reload_tree()
        if window.plan:
            window.refresh()
        show_import_report(window, report)

    window.import_task = run_job(window, "正在导入报送表…", work(paths, bool(create_units)), first_pass,
                                 _show_error(window, "导入失败"))
    return window.import_task


def unknown_unit_message(f) -> str:
    u = f.unknown_unit
    return (f"{Path(f.path).name}：单位「{u.get('name') or '（封面未填名称）'}」（代码 {u.get('code') or '?'}）"
            "不在本机单位名录中，未新建，未导入。可在“编辑 → 单位管理”中添加该单位后重新导入")


def ask_create_units(window, files) -> bool:
    """Name the units that are not in the registry (and their files); create them from the covers?"""
    units: dict[str, tuple[dict, list[str]]] = {}
    for f in files:
        u = f.unknown_unit
        units.setdefault(u.get("code") or "?", (u, []))[1].append(Path(f.path).name)
    known = {x.code: x.name for x in window.store.units.list()}
    lines = []
    for code, (u, names) in list(units.items())[:12]:
        parent = u.get("parent_code")
        where = f"，上级 {known.get(parent, parent)}" if parent else "，封面未填上级（将放在本省之下）"
        lines.append(f"· {u.get('name') or '（未填名称）'}（代码 {code}{where}）— {'、'.join(names[:3])}"
                     + (f" 等 {len(names)} 个文件" if len(names) > 3 else ""))
    more = f"\n……共 {len(units)} 个单位" if len(units) > 12 else ""
    ans = QMessageBox.question(
        window, "导入报送表：单位不在名录中",
        f"以下 {len(units)} 个单位不在本机单位名录中：\n" + "\n".join(lines) + more
        + "\n\n是否按报送表封面的信息新建这些单位并导入其报送表？\n（新建后可在“编辑 → 单位管理”中修改、移动或合并。）",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    return ans == QMessageBox.StandardButton.Yes


def merge_reports(first, second):
    """The first pass's report with the re-imported files' results in their places."""
    again = {f.path: f for f in second.files}
    first.files = [again.get(f.path, f) for f in first.files]
    first.cancelled = first.cancelled or second.cancelled
    return first


def show_import_report(window, report) -> None:
    from .import_results import ImportResults

    window.import_results = ImportResults(window.store, report, window.ui, window)
    window.import_results.show()


def open_summary(window):
    from .summary_view import open_summary as open_view

    kw = dict(year=window.year)
    if window.plan is not None:
        kw["form_id"] = window.plan.form_id
    window.summary_window = open_view(window.store, window, **kw)
    return window.summary_window
