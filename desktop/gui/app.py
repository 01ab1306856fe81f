"""Start the desktop app: QApplication, store, first-start wizard or the main window.

Imports are kept to what the first screen needs; Word/Excel/summary modules load in the
slots that use them. ``smoke_test`` opens the window on a temporary demo database, prints
the time from process start to the first paint and exits (used by bench/ and the bundle).
"""
from __future__ import annotations

import os
import sys
import time

# The core first: PySide6 inspects the source of every module imported after it (its
# "feature" hook), which costs ~0.1 s at start for SQLAlchemy and pydantic.
from ..core import validation as _validation  # noqa: F401,E402
from ..core.store import store as _store  # noqa: F401,E402
from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

APP_NAME = "产教融合实施方案填报"


def process_start() -> float:
    """Process start on the ``time.time()`` clock (Linux: /proc; else this module's import)."""
    env = os.environ.get("YICE_T0")
    if env:
        return float(env)
    try:
        with open("/proc/self/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return _IMPORTED


_IMPORTED = time.time()


class _FirstPaint(QObject):
    """Calls ``done`` once the watched widget has been painted."""

    def __init__(self, widget, done):
        super().__init__(widget)
        self.done, self.fired = done, False
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint and not self.fired:
            self.fired = True
            QTimer.singleShot(0, self.done)
        return False


def make_app(argv=None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("yice")
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("yice")
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        tr = QTranslator(app)
        if tr.load(name, path):
            app.installTranslator(tr)
            break
    return app


def _smoke_store():
    import tempfile
    from pathlib import Path

    from ..core.demo import build_demo
    from ..core.store import Store
    from ..core.vocab import UnitKind

    folder = Path(tempfile.mkdtemp(prefix="yice-smoke-"))
    store = Store.open(folder / "smoke.sqlite3")
    build_demo(store, schools=3)
    plan = next(p for p in store.plans.list() if store.units.get(p.unit_code).kind == UnitKind.SCHOOL)
    return store, plan.id, folder


def open_main(store, plan_id=None, ui_settings=None):
    from .main_window import MainWindow

    w = MainWindow(store, ui_settings)
    w.restore()
    if plan_id is not None:
        w.open_plan(plan_id)
    return w


def run(db=None, smoke_test: bool = False) -> int:
    app = make_app()
    if smoke_test:
        return _run_smoke(app)
    from ..core.paths import AppPaths
    from ..core.settings import Settings
    from ..core.store import Store
    from .settings import UiSettings

    paths = AppPaths.user()
    profile = Settings.load(paths.settings_file)
    ui = UiSettings(paths.window_file)
    profile = ui.adopt_legacy(profile, paths.settings_file)
    try:
        store = Store.open(db, actor=profile.actor)
    except Exception as e:  # noqa: BLE001 - a message box, not a traceback (bad path, newer schema …)
        QMessageBox.critical(None, APP_NAME, f"无法打开数据库：{e}")
        return 2
    from .backup_dialogs import daily_backup

    daily_backup(store)  # the first start of a day keeps a copy (the last 7)
    if not profile.role:
        from .wizard import FirstStartWizard

        wiz = FirstStartWizard(store)
        if not wiz.exec():
            store.close()
            return 0
        profile = wiz.save(profile, paths.settings_file, ui)
        store.actor = profile.actor
    window = open_main(store, ui_settings=ui)
    window.show()
    if os.environ.get("YICE_EXIT_AFTER_PAINT"):  # bench/: a normal start, timed to first paint
        _exit_after_paint(app, window)
    code = app.exec()
    store.close()
    return code


def _exit_after_paint(app, window) -> None:
    def done():
        print(f"first paint: {time.time() - process_start():.3f} s", flush=True)
        window.close()
        app.quit()
    window._first_paint = _FirstPaint(window, done)


def _run_smoke(app) -> int:
    import shutil

    store, plan_id, folder = _smoke_store()
    from .settings import UiSettings

    window = open_main(store, plan_id, UiSettings(folder / "window.ini"))
    window.show()
    _exit_after_paint(app, window)
    QTimer.singleShot(20000, lambda: app.exit(3))  # never hang a CI job
    code = app.exec()
    store.close()
    shutil.rmtree(folder, ignore_errors=True)
    if window.plan is None:
        print("smoke test: no plan open", file=sys.stderr)
        return 1
    return code
