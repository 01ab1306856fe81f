"""The core is Qt-free (import-linter contract + a fresh-process check), no policy text in code."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
CORE = ["desktop.catalog", "desktop.store.service", "desktop.validation", "desktop.values", "desktop.cli",
        "desktop.demo", "desktop.ids", "desktop.jobs"]


def test_import_linter_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports() == 0


def test_core_modules_load_without_qt():
    code = ("import sys, importlib\n"
            f"for m in {CORE!r}: importlib.import_module(m)\n"
            "for opt in ('desktop.reports.word', 'desktop.sheets.export', 'desktop.sheets.importer', 'desktop.summary'):\n"
            "    try: importlib.import_module(opt)\n"
            "    except ModuleNotFoundError as e:\n"
            "        if not e.name.startswith('desktop'): raise\n"
            "bad = [m for m in sys.modules if m.startswith('PySide6')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_no_policy_text_in_python():
    """Checklist wording lives in forms/: no item text of any form appears in the code."""
    from desktop.catalog import default_catalog

    code = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "desktop").rglob("*.py"))
    for view in default_catalog().forms.values():
        for it in view.items:
            probe = it.text[:20]
            assert len(probe) < 12 or probe not in code, f"{view.id} 第{it.no}项 text found in Python code"
