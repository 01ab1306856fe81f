"""The house keeps its shape: layers by prefix (import-linter), a Qt-free core, no policy text
or vocabulary typed out in Python."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
QT_FREE = ("core", "word", "excel", "cli")


def test_import_linter_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports() == 0


def test_a_new_core_file_importing_qt_breaks_the_contract(tmp_path):
    """The contract is by prefix: any new file under desktop/core is covered (a copy of the tree)."""
    copy = tmp_path / "repo"
    subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True)
    import shutil

    shutil.copytree(ROOT / "desktop", copy / "desktop", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "desktop" / "core" / "newcore.py").write_text("from PySide6.QtWidgets import QWidget\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                                                "sys.exit(lint_imports())"],
                         cwd=copy, capture_output=True, text=True, env={"PYTHONPATH": str(copy), "PATH": ""})
    assert run.returncode != 0 and "desktop.core.newcore" in run.stdout and "BROKEN" in run.stdout


def test_every_qt_free_module_loads_without_qt():
    """Import every module of core/word/excel/cli in a fresh process: none may pull in PySide6."""
    mods = sorted({".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                   for part in QT_FREE for p in (ROOT / "desktop" / part).rglob("*.py")
                   if "migrations" not in p.parts})
    assert len(mods) > 30, mods
    code = ("import sys, importlib\n"
            f"for m in {mods!r}: importlib.import_module(m)\n"
            "bad = [m for m in sys.modules if m.startswith('PySide6')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_no_policy_text_in_python():
    """Checklist wording lives in forms/: no item text of any form appears in the code."""
    from desktop.core.catalog import default_catalog

    code = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "desktop").rglob("*.py"))
    for view in default_catalog().forms.values():
        for it in view.items:
            probe = it.text[:20]
            assert len(probe) < 12 or probe not in code, f"{view.id} 第{it.no}项 text found in Python code"


def _literals(words) -> dict[str, list[str]]:
    """file:line of each quoted literal of ``words`` in desktop/, outside the vocabulary module
    and the migrations (frozen history)."""
    rx = re.compile(r"""["'](%s)["']""" % "|".join(map(re.escape, words)))
    hits: dict[str, list[str]] = {}
    for p in sorted((ROOT / "desktop").rglob("*.py")):
        rel = p.relative_to(ROOT).as_posix()
        if rel == "desktop/core/vocab.py" or "/migrations/" in rel:
            continue
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if "__tablename__" in line:  # a table's name, not a value
                continue
            for m in rx.finditer(line):
                hits.setdefault(m.group(1), []).append(f"{rel}:{n}")
    return hits


def test_state_and_field_key_literals_live_only_in_the_vocabulary():
    from desktop.core.catalog import default_catalog

    cat = default_catalog()
    labels = [cat.vocab.label(x) for x in ("draft", "submitted", "accepted", "returned")] + ["已导出", "未报送"]
    keys = [f.key for f in cat.base_fields.fields] + [s.key for s in cat.base_fields.sections]
    progress = [c for f in cat.base_fields.fields for c in f.choices]
    hits = _literals(labels + keys + progress)
    assert hits == {}, hits


@pytest.mark.parametrize("word", ["draft", "submitted", "accepted", "returned"])
def test_state_ids_are_not_spelled_out(word):
    hits = _literals([word])
    assert hits == {}, hits
