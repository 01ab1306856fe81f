"""A normal install works, not only the checkout: ``pip wheel`` → a fresh virtual environment →
``yice forms list`` and one Word export, run from a folder where the checkout is not importable.

Slow (installs PySide6 and the rest into the new environment, about a minute with a warm pip
cache): marked ``wheel`` so it can be run on its own (``pytest -m wheel``); CI runs it with the
suite. Dependencies come from the package index pip is configured with.
"""
from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.wheel


def sh(*args, cwd: Path, env: dict | None = None, timeout: int = 900) -> str:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_wheel_installs_into_a_fresh_venv_and_exports_word(tmp_path):
    real_home = pwd.getpwuid(os.getuid()).pw_dir if hasattr(os, "getuid") else os.path.expanduser("~")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "YICE_"))}
    env.setdefault("PIP_CACHE_DIR", str(Path(real_home) / ".cache" / "pip"))  # conftest isolates HOME
    env["YICE_DB"] = str(tmp_path / "wheel.sqlite3")

    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", tmp_path / "dist", ROOT,
       cwd=tmp_path, env=env)
    (wheel,) = (tmp_path / "dist").glob("yice-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    for shipped in ("desktop/forms/gs2020-annex2.yaml", "desktop/forms/fields.yaml", "desktop/forms/vocabulary.yaml",
                    "desktop/report_templates/plan.docx", "desktop/report_templates/summary.docx",
                    "desktop/docs/guide.md", "desktop/core/data/registry.csv",
                    "desktop/core/migrations/script.py.mako", "desktop/core/migrations/env.py"):
        assert shipped in names, shipped
    assert any(n.startswith("desktop/forms/sources/") for n in names)
    assert any(n.startswith("desktop/core/migrations/versions/0001") for n in names)

    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", venv, cwd=tmp_path, env=env)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    py, yice = bindir / "python", bindir / "yice"
    sh(py, "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path, env=env)

    where = sh(py, "-c", "import desktop, desktop.core.resources as r; print(desktop.__file__); print(r.guide_file())",
               cwd=tmp_path, env=env).splitlines()
    assert all(Path(w).is_relative_to(venv) for w in where), where  # the installed copy, not the checkout

    forms = json.loads(sh(yice, "forms", "list", "--json", cwd=tmp_path, env=env))
    assert {f["id"] for f in forms} >= {"gs2020-annex2", "gb2017-opinion"}
    sh(yice, "demo", "--units", "2", cwd=tmp_path, env=env)
    plans = json.loads(sh(yice, "plan", "list", "--json", cwd=tmp_path, env=env))
    plan = next(p for p in plans if p["kind"] == "一校一策")
    sh(yice, "export", str(plan["id"]), "--format", "docx", "--draft", "-o", "plan.docx", cwd=tmp_path, env=env)
    with zipfile.ZipFile(tmp_path / "plan.docx") as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "实施方案" in body and "征求意见稿" in body
