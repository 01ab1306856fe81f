"""Build the PyInstaller bundle from build.spec and start the built app with --smoke-test.

Slow (about a minute): marked ``bundle`` so it can be run on its own (``pytest -m bundle``);
CI runs it with the rest of the suite.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.bundle


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    pytest.importorskip("PyInstaller")
    work = tmp_path_factory.mktemp("pyi")
    proc = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                           "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
                           str(ROOT / "build.spec")], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work / "dist" / "yice"


def test_bundle_carries_data_and_leaves_out_unused_qt(bundle):
    internal = bundle / "_internal"
    pkg = internal / "desktop"  # where a wheel puts the shipped data too (desktop.core.resources)
    assert (pkg / "forms" / "gs2020-annex2.yaml").is_file() and (pkg / "forms" / "vocabulary.yaml").is_file()
    assert (pkg / "forms" / "sources").is_dir()
    assert (pkg / "report_templates" / "plan.docx").is_file() and (pkg / "report_templates" / "summary.docx").is_file()
    assert (pkg / "core" / "data" / "registry.csv").is_file()
    assert list((pkg / "core" / "migrations" / "versions").glob("0003_*.py"))
    assert not list(internal.rglob("matplotlib")) and not list(internal.rglob("numpy"))  # native charts
    names = [p.name for p in internal.rglob("*")]
    assert not [n for n in names if "QtWebEngine" in n or "Qt6Qml" in n or "Qt6Quick" in n]
    qms = [n for n in names if n.endswith(".qm")]
    assert qms and all("zh_CN" in n for n in qms), qms


def test_built_app_starts_and_paints(bundle, tmp_path):
    exe = bundle / ("yice.exe" if os.name == "nt" else "yice")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    env.pop("YICE_DB", None)
    proc = subprocess.run([str(exe), "--smoke-test"], capture_output=True, text=True, timeout=120, env=env,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "首次绘制" in proc.stdout or "first paint" in proc.stdout, proc.stdout
    # the smoke test must not touch the user's default database
    assert not list(tmp_path.rglob("yice.sqlite3"))


def test_built_cli_reads_forms_from_the_bundle(bundle, tmp_path):
    exe = bundle / ("yice.exe" if os.name == "nt" else "yice")
    proc = subprocess.run([str(exe), "--db", str(tmp_path / "b.sqlite3"), "forms", "list", "--json"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert '"gs2020-annex2"' in proc.stdout
