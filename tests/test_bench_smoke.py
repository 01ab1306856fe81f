"""The benchmarks under bench/ still run against the current API (``--quick``: tiny sizes).

They are the measuring stick of issue 18; a rename in desktop/ must not leave them broken until
someone next needs a figure. All scripts start at once (each spawns its own children) so the
check costs the slowest script's time, not their sum; only exit status and the table are checked
(timings on a shared machine prove nothing here).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import PySide6  # noqa: F401 - conftest marks the module gui: the scripts open Qt windows (not in `pytest -m core`)

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ("startup", "import", "summary", "word", "autosave")


def test_bench_scripts_run_quick(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    procs = {}
    for name in SCRIPTS:
        log = open(tmp_path / f"{name}.log", "w+", encoding="utf-8")
        procs[name] = (subprocess.Popen([sys.executable, str(ROOT / "bench" / f"bench_{name}.py"), "--quick",
                                         "--dir", str(tmp_path / name)], stdout=log, stderr=subprocess.STDOUT,
                                        env=env, cwd=ROOT), log)
    failed = []
    for name, (p, log) in procs.items():
        try:
            rc = p.wait(timeout=240)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = "timeout"
        log.seek(0)
        out = log.read()
        log.close()
        ok = rc == 0 and out.startswith("machine: nproc") and "\n## " in out and "| work |" in out
        if not ok:
            failed.append(f"bench_{name}.py --quick: exit {rc}\n{out[-3000:]}")
    assert not failed, "\n\n".join(failed)
