"""Desktop app speed: start to first paint, plan/item switch, edit → database latency.

    python bench/bench_startup.py [--runs 5]

Start-up runs ``python -m desktop --db DEMO`` in a subprocess (offscreen, the settings of a
school that has been through the wizard, so the main window reopens its last plan) and reports
both the app's own figure (process start → first paint of the main window, from /proc) and the
wall time seen by the caller from spawn to the printed line; median of ``--runs`` on a
``--schools`` demo province. Targets: start < 0.6 s; switches < 100 ms; edit in the database < 1 s.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import PySide6

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.system()} {platform.release()} · {cpu} · {os.cpu_count()} CPUs · load {load:.2f} · "
            f"Python {platform.python_version()} · PySide6 {PySide6.__version__}")


def start(args: list[str], env: dict) -> tuple[float, float]:
    """(app's start→paint, caller's spawn→line) in seconds."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "desktop", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    for line in p.stdout:
        if line.startswith("first paint:"):
            wall = time.perf_counter() - t0
            p.wait(30)
            return float(line.split()[2]), wall
    raise SystemExit(f"no first paint from {args} (exit {p.wait()})")


def med(xs) -> str:
    return f"median {statistics.median(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f}, n={len(xs)})"


def prepare(folder: Path, schools: int) -> tuple[Path, dict]:
    """A demo database and settings that reopen a school's plan (a normal second start)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(folder / "cfg"),
               XDG_DATA_HOME=str(folder / "data"), HOME=str(folder))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its .pyc; the warm-up run writes them
    code = (f"from pathlib import Path\n"
            "from desktop.core.demo import build_demo\nfrom desktop.core.paths import AppPaths\n"
            "from desktop.core.settings import Settings\nfrom desktop.core.store import Store\n"
            "from desktop.gui.settings import UiSettings\n"
            f"s = Store.open({str(folder / 'y.sqlite3')!r}); build_demo(s, schools={schools})\n"
            "p = next(p for p in s.plans.list() if p.kind == '一校一策')\n"
            "paths = AppPaths.user()\n"
            "Settings(role='school', province='620000', unit=p.unit_code).save(paths.settings_file)\n"
            "ui = UiSettings(paths.window_file); ui.set('last/plan', p.id); ui.set('year', p.year); ui.sync()\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)
    return folder / "y.sqlite3", env


def interactive(db: Path, runs: int, folder: Path) -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication

    from desktop.core.store import Store
    from desktop.gui.app import make_app, open_main
    from desktop.gui.settings import UiSettings

    app = make_app()
    store = Store.open(db)
    w = open_main(store, ui_settings=UiSettings(folder / "bench.ini"))
    w.resize(1360, 860)
    w.show()
    app.processEvents()
    plans = [p.id for p in store.plans.list() if p.kind == "一校一策" and p.state in ("draft", "returned")][:10]
    t = []
    for i in range(max(runs * 4, 20)):
        t0 = time.perf_counter()
        w.open_plan(plans[i % len(plans)])
        app.processEvents()
        t.append(time.perf_counter() - t0)
    print(f"plan switch (tree → checklist + editor + validation): {med(t)}")
    t = []
    for no in [it.no for it in w.view.items] * 2:
        t0 = time.perf_counter()
        w.select_item(no)
        app.processEvents()
        t.append(time.perf_counter() - t0)
    print(f"item switch: {med(t)}")
    lat, flush = [], []
    for i in range(runs * 2):
        text = f"落实举措 第{i}稿"
        t0 = time.perf_counter()
        w.editor.fields["measures"].inner.setPlainText(text)
        while store.plans.snapshot(w.plan.id).value(w.item_no, "measures") != text:
            QCoreApplication.processEvents()
            time.sleep(0.005)
        lat.append(time.perf_counter() - t0)
        w.editor.fields["owner"].inner.setText(f"张{i}")
        t0 = time.perf_counter()
        w.flush()
        flush.append(time.perf_counter() - t0)
    print(f"edit → in the database (incl. {w._timer.interval()} ms debounce): {med(lat)}")
    print(f"autosave write + refresh (flush): {med(flush)}")
    w.close()
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--schools", type=int, default=200)
    a = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as d:
        db, env = prepare(Path(d), a.schools)
        env_paint = dict(env, YICE_EXIT_AFTER_PAINT="1")
        start(["--db", str(db)], env_paint)  # warm the OS file cache once
        res = [start(["--db", str(db)], env_paint) for _ in range(a.runs)]
        print(f"normal start → painted main window, last plan reopened ({a.schools} schools): "
              f"app {med([r[0] for r in res])}; spawn→paint {med([r[1] for r in res])}")
        res = [start(["--smoke-test"], env) for _ in range(a.runs)]
        print(f"--smoke-test (new temp db + migrations + demo): app {med([r[0] for r in res])}; "
              f"spawn→paint {med([r[1] for r in res])}")
        interactive(db, a.runs, Path(d))


if __name__ == "__main__":
    main()
