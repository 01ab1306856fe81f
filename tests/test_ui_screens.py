"""Screenshots of every main screen at 1366×768 and 1920×1080, each window fitted by the app itself
(wizard, main window, editor with evidence, 单位管理, 导入结果, 汇总 with its roster, the reviewer's
read-only plan), written to tests/_artifacts/screens/<size>/ to be looked at; and every window
checked to fit the screen it opens on.

Each size runs in its own process on an offscreen screen of that size. On a real display:

    xvfb-run -s "-screen 0 1366x768x24" sh -c 'openbox & sleep 1; QT_QPA_PLATFORM=xcb \\
        python tests/test_ui_screens.py tests/_artifacts/screens/xcb-1366x768'

(then also the whole screen is saved, window-manager frames included).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((1366, 768), (1920, 1080))
SCREENS = ("wizard_role", "wizard_unit", "wizard_plans", "main_window", "editor_evidence", "main_submitted",
           "units_dialog", "import_results", "summary_roster", "plan_viewer")


def _wait(app, cond, timeout=30.0) -> None:
    import time

    end = time.time() + timeout
    while not cond():
        app.processEvents()
        if time.time() > end:
            raise TimeoutError("timed out waiting for the GUI")
        time.sleep(0.01)


def shoot(out: Path, work: Path) -> dict:
    """Open every screen, save NAME.png under ``out``; returns {name: [x, y, w, h, ok]} of the windows."""

    from desktop.core.demo import build_demo
    from desktop.core.store import Store
    from desktop.core.vocab import Outcome
    from desktop.excel.filing import export_plan_xlsx
    from desktop.excel.importer import import_files
    from desktop.gui import operations
    from desktop.gui.app import make_app, open_main
    from desktop.gui.import_results import ImportResults
    from desktop.gui.settings import UiSettings
    from desktop.gui.summary_view import open_summary
    from desktop.gui.units_dialog import UnitsDialog
    from desktop.gui.wizard import FirstStartWizard

    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    xcb = app.platformName() == "xcb"
    area = app.primaryScreen().availableGeometry()
    fits: dict = {}

    def grab(w, name, window=None):
        if xcb:  # a real display maps and paints asynchronously
            import time

            (window or w).raise_()
            (window or w).activateWindow()
            end = time.time() + 0.6
            while time.time() < end:
                app.processEvents()
                time.sleep(0.02)
        for _ in range(5):
            app.processEvents()
        w.grab().save(str(out / f"{name}.png"))
        top = window or w
        g = top.frameGeometry()
        fits[name] = [g.x(), g.y(), g.width(), g.height(), area.contains(g)]
        if xcb:  # the whole screen as the user sees it (frames, position)
            app.primaryScreen().grabWindow(0).save(str(out / f"{name}_screen.png"))

    store = Store.open(work / "demo.sqlite3")
    ui = UiSettings(work / "window.ini")

    wiz = FirstStartWizard(store)
    wiz.show()
    grab(wiz, "wizard_role")
    wiz.role_page.province.setCurrentIndex(wiz.role_page.province.findData("620000"))
    wiz.next()
    p = wiz.unit_page
    p.name.setText("甘肃省兰州市城关区现代服务业职业技术学校（中外合作办学项目试点）")
    p.parent_combo.setCurrentIndex(p.parent_combo.findData("620102"))
    p.school_code.setText("3662010730")
    p.school_type.setCurrentText("中职")
    p.credit_code.setText("12100000400000624E")
    p.phone.setText("0931-1234567")
    wiz.next()  # stops on the credit-code warning
    grab(wiz, "wizard_unit")
    p.override.setChecked(True)
    wiz.next()
    grab(wiz, "wizard_plans")
    wiz.close()

    build_demo(store, schools=200)
    plan = next(x for x in store.plans.list() if x.kind == "一校一策" and x.state == "draft")
    w = open_main(store, plan.id, ui)
    w.show()
    w.reload_tree()  # normally filled just after the first paint, which offscreen grabs precede
    w.select_item(13)
    ed = w.editor
    ed.fields["status"].inner.setCurrentIndex(ed.fields["status"].inner.findData("推进中"))
    key = w.view.item_map[13].indicators[0].key
    ed.fields[f"target:{key}"].inner.setValue(3)
    ed.fields["deadline"].inner.setText("2026年12月31日")
    ed.fields["deadline"].commit()
    w.flush()
    grab(w, "main_window")
    doc = work / "实训基地建设协议（2026年签署，盖章扫描件）.pdf"
    doc.write_bytes(b"%PDF-1.4 evidence")
    ed.add_evidence_files([str(doc)])
    ed.ensureWidgetVisible(ed.ev_box)
    grab(w.right, "editor_evidence", w)

    filed = next(x for x in store.plans.list() if x.kind == "一校一策" and x.state == "submitted")
    w.open_plan(filed.id)
    grab(w, "main_submitted")

    units = UnitsDialog(store, ui, w, select=plan.unit_code)
    units.show()
    grab(units, "units_dialog")
    units.close()

    # a folder of filings as a county office receives them: new, the same again, broken, unknown unit
    sent = [x for x in store.plans.list() if x.state in ("submitted", "accepted")][:6]
    files = [export_plan_xlsx(store, x.id, work / f"{x.unit_name}.xlsx") for x in sent]
    other = Store.open(work / "other.sqlite3", catalog=store.catalog)
    u, _ = other.units.add("3662019999", "榆中县职业教育中心", "school", "620123", school_type="中职")
    op = other.plans.create(u.code, "gs2020-annex2", plan.year)
    files.append(export_plan_xlsx(other, op.id, work / "榆中县职业教育中心.xlsx", draft=True))
    other.close()
    bad = work / "扫描件误存为表格.xlsx"
    bad.write_bytes(b"not a zip")
    files.append(bad)
    report = import_files(store, files)
    for f in report.files:
        if f.unknown_unit:
            f.messages[:] = [operations.unknown_unit_message(f)]
    assert {f.outcome for f in report.files} >= {Outcome.UNCHANGED, Outcome.REJECTED}
    res = ImportResults(store, report, ui, w)
    res.show()
    grab(res, "import_results")
    res.close()

    dlg = open_summary(store, w)
    checked = []
    dlg.view.quality_done.connect(lambda: checked.append(True))
    _wait(app, lambda: checked)  # the roster's 错误 / 警告 / 完成度 filled off the GUI thread
    dlg.view.roster_filter.setCurrentText("已报送")
    dlg.view.roster_view.selectRow(0)
    grab(dlg, "summary_roster")
    viewer = dlg.view.open_selected()
    grab(viewer, "plan_viewer")
    viewer.close()
    dlg.close()
    w.close()
    store.close()
    return fits


def _run(size, out: Path, work: Path) -> dict:
    cfg = work / "screen.json"
    cfg.write_text(json.dumps({"screens": [{"name": "S", "x": 0, "y": 0, "width": size[0], "height": size[1],
                                            "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={cfg}", XDG_CONFIG_HOME=str(work / "cfg"),
               HOME=str(work))
    r = subprocess.run([sys.executable, __file__, str(out), str(work)], env=env, cwd=ROOT, timeout=300,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads((work / "fits.json").read_text())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_screen_fits_and_is_saved(artifacts, tmp_path, size):
    out = artifacts / "screens" / f"{size[0]}x{size[1]}"
    fits = _run(size, out, tmp_path)
    from PySide6.QtGui import QImage

    assert set(fits) == set(SCREENS)
    for name, (x, y, w, h, ok) in fits.items():
        assert ok, f"{name} at {x},{y} {w}×{h} does not fit the {size[0]}×{size[1]} screen"
        img = QImage(str(out / f"{name}.png"))
        assert not img.isNull() and img.width() > 300 and img.height() > 200, name
    main = fits["main_window"]
    assert main[2] >= 0.85 * size[0] and main[3] >= 0.85 * size[1], "the main window uses the screen"
    assert fits["summary_roster"][3] <= size[1]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    out, work = Path(sys.argv[1]), Path(sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp())
    os.environ.setdefault("XDG_CONFIG_HOME", str(work / "cfg"))
    fits = shoot(out, work)
    (work / "fits.json").write_text(json.dumps(fits))
    for name, f in fits.items():
        print(f"{name:18} {f[2]}×{f[3]} at {f[0]},{f[1]} {'fits' if f[4] else 'DOES NOT FIT'}")
