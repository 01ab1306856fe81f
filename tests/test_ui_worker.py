"""desktop/ui/worker.py: core work off the GUI thread, progress, cancel, errors; smoke start."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

from desktop.core.jobs import Cancelled
from desktop.gui.worker import Task, run_job


def test_result_arrives_on_gui_thread_with_progress(qtbot):
    seen, threads = [], []

    def work(job):
        threads.append(threading.get_ident())
        for i in range(5):
            job.check()
            job.progress(i + 1, 5, f"第{i + 1}个")
        return "完成"

    results = []
    task = Task(None, "测试", work, results.append)
    task.signals.progress.connect(lambda d, t, m: seen.append((d, t, m)))
    task.start()
    qtbot.waitUntil(lambda: results == ["完成"], timeout=3000)
    assert threads and threads[0] != threading.get_ident()
    qtbot.waitUntil(lambda: (5, 5, "第5个") in seen, timeout=3000)


def test_cancel_reaches_the_job(qtbot):
    started, release = threading.Event(), threading.Event()
    outcome = []

    def work(job):
        started.set()
        release.wait(5)
        job.check()  # raises Cancelled after the dialog's 取消
        outcome.append("not cancelled")

    task = run_job(None, "测试", work, outcome.append)
    assert started.wait(5)
    flags = []
    task.finished.connect(lambda: flags.append(task.was_cancelled))
    from PySide6.QtWidgets import QPushButton

    task.dialog.findChild(QPushButton).click()  # the 取消 button
    assert task.job.cancelled
    release.set()
    qtbot.waitUntil(lambda: flags == [True], timeout=3000)
    assert outcome == []


def test_error_goes_to_handler(qtbot):
    errors = []

    def work(job):
        raise ValueError("文件「a.xlsx」损坏")

    run_job(None, "测试", work, on_error=errors.append, show_dialog=False)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=3000)
    assert str(errors[0]) == "文件「a.xlsx」损坏" and not isinstance(errors[0], Cancelled)


def test_smoke_test_prints_first_paint(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    for _ in range(3):  # it quits right after the paint, while the unit tree is still being read
        out = subprocess.run([sys.executable, "-m", "desktop", "--smoke-test"], capture_output=True, text=True,
                             env=env, timeout=60, cwd=os.path.dirname(os.path.dirname(__file__)))
        assert out.returncode == 0, out.stderr
        assert "Traceback" not in out.stderr, out.stderr  # no worker left reading a closed database
    line = [x for x in out.stdout.splitlines() if x.startswith("first paint: ")]
    assert line and 0 < float(line[0].split()[2]) < 30
    assert not (tmp_path / "cfg" / "yice" / "yice.ini").exists(), "the smoke test leaves user settings alone"


def test_normal_start_reopens_last_plan(tmp_path, store, school):
    """`yice --db FILE` on a used database: no wizard, the last plan painted (timed like bench/)."""
    from desktop.core.paths import AppPaths
    from desktop.core.settings import Settings
    from desktop.gui.settings import UiSettings

    plan = store.plans.create(school.code, "gs2020-annex2", 2026)
    Settings(role="school").save(AppPaths.user().settings_file)
    s = UiSettings(AppPaths.user().window_file)
    s.set("last/plan", plan.id)
    s.sync()
    store.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", YICE_EXIT_AFTER_PAINT="1")
    db = store.url.split("///", 1)[1]
    out = subprocess.run([sys.executable, "-m", "desktop", "--db", db], capture_output=True, text=True,
                         env=env, timeout=60, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("first paint: ")
    s = UiSettings(AppPaths.user().window_file)  # what the app wrote on closing
    assert s.int("last/plan") == plan.id and s.str("last/item") == "2"


def test_many_qt_calls_do_not_free_none():
    """PySide6 6.12.0 on Python 3.11 drops a reference to None per void call, and a province-sized
    unit tree makes ~40 000 such calls until CPython aborts (none_dealloc). pyproject.toml pins
    PySide6 below 6.12; this guards the pin (it aborts on 6.12.0)."""
    code = ("import sys, gc\nfrom PySide6.QtGui import QStandardItem\nn = sys.getrefcount(None) + 50000\n"
            "import desktop.gui\nit = QStandardItem('x')\n"
            "for i in range(n): it.setEditable(False)\ngc.collect()\nprint('alive')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.returncode == 0 and out.stdout.strip() == "alive", out.stderr[-500:]
