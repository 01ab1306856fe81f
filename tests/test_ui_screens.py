"""Screenshots to look at: wizard, main window with a filled plan, validation panel, at 1x and 2x.

Run on its own to refresh them: ``python tests/test_ui_screens.py tests/_artifacts``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def shoot(out: Path, db: Path) -> list[Path]:
    from PySide6.QtCore import QDate

    from desktop.core.demo import build_demo
    from desktop.core.store import Store
    from desktop.gui.app import make_app, open_main
    from desktop.gui.wizard import FirstStartWizard

    app = make_app()
    tag = os.environ.get("QT_SCALE_FACTOR", "1")
    store = Store.open(db)
    saved = []

    def grab(w, name):
        app.processEvents()
        path = out / f"ui_{name}_{tag}x.png"
        w.grab().save(str(path))
        saved.append(path)

    wiz = FirstStartWizard(store)
    wiz.resize(640, 480)
    wiz.show()
    grab(wiz, "wizard_role")
    wiz.role_page.province.setCurrentIndex(wiz.role_page.province.findData("620000"))
    wiz.next()
    p = wiz.unit_page
    p.name.setText("兰州职业技术学院")
    p.parent_combo.setCurrentIndex(p.parent_combo.findData("620100"))
    p.school_code.setText("4162010730")
    p.credit_code.setText("12100000400000624E")
    p.phone.setText("0931-1234567")
    wiz.next()  # stops on the credit-code warning
    wiz.resize(wiz.sizeHint().expandedTo(wiz.size()))
    grab(wiz, "wizard_unit_warning")
    p.override.setChecked(True)
    wiz.next()
    grab(wiz, "wizard_plans")
    wiz.close()

    build_demo(store, schools=3)
    plan = next(x for x in store.plans.list() if x.kind == "一校一策")
    w = open_main(store, plan.id)
    w.resize(1360, 860)
    w.show()
    w.select_item(13)
    ed = w.editor
    ed.fields["status"].inner.setCurrentIndex(ed.fields["status"].inner.findData("已完成"))
    key = w.view.item_map[13].indicators[0].key
    ed.fields[f"target:{key}"].inner.setValue(3)
    ed.fields[f"actual:{key}"].inner.setValue(1)
    ed.fields["deadline"].inner.setDate(QDate(2020, 12, 31))
    w.flush()
    w.reload_tree()  # normally filled just after the first paint, which offscreen grabs precede
    assert ("plan", plan.id) in w.tree_index
    grab(w, "main_filled")
    w.panel.select_problem(0)
    grab(w.panel, "validation_panel")
    w.editor.focus_field(f"actual:{key}")
    grab(w.right, "editor_indicators")
    w.close()
    store.close()
    return saved


def test_screenshots_at_1x_and_2x(artifacts, tmp_path):
    one = shoot(artifacts, tmp_path / "a.sqlite3")
    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="offscreen")
    subprocess.run([sys.executable, __file__, str(artifacts), str(tmp_path / "b.sqlite3")], env=env, check=True,
                   cwd=ROOT, timeout=120)
    from PySide6.QtGui import QImage

    for p in one:
        big = QImage(str(p).replace("_1x.png", "_2x.png"))
        small = QImage(str(p))
        assert not small.isNull() and not big.isNull()
        assert big.width() >= 1.8 * small.width(), p.name  # laid out, not clipped, at 200 %


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    shoot(Path(sys.argv[1]), Path(sys.argv[2]))
