"""Start the desktop app: QApplication, store, first-start wizard or the main window.

Imports are kept to what the first screen needs; Word/Excel/summary modules load in the
slots that use them. ``smoke_test`` opens the window on a temporary demo database, prints
the time from process start to the first paint and exits (used by bench/ and the bundle).
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import time

# SQLAlchemy and the catalogue (pydantic, YAML) are not imported here: a returning user's window
# paints first and the database opens on a worker thread (Session.start).
from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, QSocketNotifier, Qt, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from . import input_policy

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
    load_translations(app)
    if sys.platform.startswith("linux"):
        # the desktop's own (GTK portal) file dialog follows the system language, often English;
        # Qt's dialog speaks the translations loaded above
        app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
    input_policy.install(app)
    return app


# Strings of Qt 6.11's file dialog that its bundled zh_CN catalogue does not have yet (the dialog's
# labels gained mnemonics): without these it says "Look in:" and "Folder" among Chinese words.
QT_ZH_MISSING = {("QFileDialog", "&Look in:"): "查找范围(&L)：", ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
                 ("QAbstractFileIconProvider", "Folder"): "文件夹", ("QAbstractFileIconProvider", "File"): "文件",
                 ("QAbstractFileIconProvider", "Drive"): "驱动器", ("QAbstractFileIconProvider", "%1 File"): "%1 文件"}


class _QtZhSupplement(QTranslator):
    def translate(self, context, source, disambiguation=None, n=-1):  # noqa: ARG002 (Qt API)
        return QT_ZH_MISSING.get((context, source))  # None: a null string, the next catalogue answers


def load_translations(app) -> list[str]:
    """Qt's own Chinese (standard buttons, file and colour dialogs, context menus) from the bundled
    translations, and the few strings that catalogue lacks; returns the catalogues loaded."""
    loaded = getattr(app, "_yice_translations", None)
    if loaded is not None:
        return loaded
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded = []
    for name in ("qtbase_zh_CN",):
        tr = QTranslator(app)
        if tr.load(name, path):
            app.installTranslator(tr)
            loaded.append(name)
    if loaded:
        app.installTranslator(_QtZhSupplement(app))  # asked first: installed last
    app._yice_translations = loaded
    return loaded


class SignalQuit:
    """SIGTERM (a logout, ``kill``), SIGHUP and Ctrl+C end the app the orderly way: ``on_signal``
    runs on the GUI thread (pending typing written, layout saved), then the event loop quits.

    Qt's loop runs in C++, so Python would only see a signal at its next Python call: the wakeup
    fd (a socket pair watched by the loop) makes the loop notice it at once. ``close()`` puts the
    previous handlers back."""

    NAMES = ("SIGTERM", "SIGHUP", "SIGINT")

    def __init__(self, app, on_signal):
        self.previous: dict = {}
        self.notifier = None
        self.on_signal = on_signal
        self.rsock, self.wsock = socket.socketpair()
        for sock in (self.rsock, self.wsock):
            sock.setblocking(False)
        try:
            self.old_fd = signal.set_wakeup_fd(self.wsock.fileno())
        except ValueError:  # not the main thread: nothing to install
            self.old_fd = None
            return
        for name in self.NAMES:
            if hasattr(signal, name):
                num = getattr(signal, name)
                self.previous[num] = signal.signal(num, self._handler)
        self.notifier = QSocketNotifier(self.rsock.fileno(), QSocketNotifier.Type.Read, app)
        self.notifier.activated.connect(self._drain)

    def _handler(self, _signum, _frame) -> None:
        QTimer.singleShot(0, self.on_signal)

    def _drain(self) -> None:  # running Python here lets the handler above run
        try:
            while self.rsock.recv(64):
                pass
        except OSError:
            pass

    def close(self) -> None:
        if self.old_fd is not None:
            signal.set_wakeup_fd(self.old_fd)
        for num, old in self.previous.items():
            signal.signal(num, old)
        if self.notifier is not None:
            self.notifier.setEnabled(False)
            self.notifier.deleteLater()
        self.rsock.close()
        self.wsock.close()


def end_session(app) -> None:
    """Close every window without asking (pending edits written where possible); the last one
    closed ends the event loop."""
    for w in app.topLevelWidgets():
        if hasattr(w, "shutdown"):
            w.shutdown()
    app.setQuitOnLastWindowClosed(True)
    app.closeAllWindows()
    if any(w.isVisible() for w in app.topLevelWidgets()):  # a window refused to close: end anyway
        app.exit(0)


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


def open_main(store, plan_id=None, ui_settings=None, paths=None):
    """The main window; ``paths`` (AppPaths) is what 帮助 → 关于 shows as the data folder."""
    from ..core.paths import AppPaths
    from .main_window import MainWindow

    w = MainWindow(store, ui_settings)
    w.paths = paths or AppPaths.user()
    w.restore()
    if plan_id is not None:
        w.open_plan(plan_id)
    return w


class Session:
    """One run of the app: the first-start wizard (non-modal, in the one event loop) or the main
    window; references to the open windows live here, not in module globals.

    A returning user's window is shown first and the database opened on a worker thread (importing
    SQLAlchemy and reading the catalogue take longer than painting the window; run() has started
    importing them on a thread of their own already); the wizard needs the database at once, so a
    first start opens it before."""

    def __init__(self, app, profile, paths, ui, db=None):
        self.app, self.profile, self.paths, self.ui, self.db = app, profile, paths, ui, db
        self.store = None
        self.code = 0  # what run() returns when the loop ends (2: the database could not be opened)
        self.wizard = self.window = None

    def open_store(self, last_plan: int | None = None):
        """The database named on the command line (else the profile's): migrated, the day's backup
        taken, the last plan's reads warmed up. Runs on a worker thread for a returning user;
        returns (store, backup warning)."""
        from ..core.backup import daily
        from ..core.errors import InputError
        from ..core.store import Store
        from ..core.store.db import resolve_url
        from .main_window import warm_up

        store = Store.open(resolve_url(self.db, self.paths.database), actor=self.profile.actor)
        warning = None
        try:
            daily(store)  # the first start of a day keeps a copy (the last 7)
        except InputError as e:
            warning = str(e)
        warm_up(store, last_plan)
        return store, warning

    def _cannot_open(self, err: Exception) -> None:
        QMessageBox.critical(None, APP_NAME, f"无法打开数据库：{err}")
        self.code = 2
        if self.window is not None:
            self.window.hide()
        self.app.exit(2)

    def start(self) -> bool:
        """False if the database could not be opened (the user has been told)."""
        if self.profile.role:
            self.open_main()
            # after the first paint: a worker importing SQLAlchemy holds the GIL the painting needs
            self.window._open_store = _FirstPaint(self.window, self._open_store_async)
            return True
        try:
            self.store, warning = self.open_store()
        except Exception as e:  # noqa: BLE001 - a message box, not a traceback (bad path, newer schema …)
            self._cannot_open(e)
            return False
        self._backup_warning(warning)
        from .wizard import FirstStartWizard

        self.wizard = FirstStartWizard(self.store)
        self.wizard.finished.connect(self._wizard_done)
        self.app.setQuitOnLastWindowClosed(False)  # the wizard hides before the main window shows
        self.wizard.show()
        return True

    def _wizard_done(self, result: int) -> None:
        wiz, self.wizard = self.wizard, None
        wiz.deleteLater()
        if result != wiz.DialogCode.Accepted:
            self.app.exit(0)  # (not quit(): Qt 6 would also close windows and may ask twice)
            return
        self.profile = wiz.save(self.profile, self.paths.settings_file, self.ui)
        self.store.actor = self.profile.actor
        self.open_main()

    def _open_store_async(self) -> None:
        from .worker import run_job

        last = self.ui.int("last/plan")
        self.store_task = run_job(self.window, "正在打开数据库", lambda _job: self.open_store(last), self._store_ready,
                                  self._cannot_open, show_dialog=False)
        self.window.opening = self.store_task

    def _store_ready(self, result) -> None:
        self.store, warning = result
        if self.window is not None:
            self.window.attach(self.store)
        self._backup_warning(warning)

    def _backup_warning(self, warning: str | None) -> None:
        if warning:
            from .backup_dialogs import TITLE_BACKUP

            QMessageBox.warning(self.window, TITLE_BACKUP, f"今日自动备份未完成：{warning}\n\n程序可以继续使用。")

    def open_main(self) -> None:
        self.window = open_main(self.store, ui_settings=self.ui, paths=self.paths)
        self.window.show()
        self.app.setQuitOnLastWindowClosed(True)
        if os.environ.get("YICE_EXIT_AFTER_PAINT"):  # bench/: a normal start, timed to first paint
            _exit_after_paint(self.app, self.window)


def keep_qt_settings_in(folder) -> None:
    """Portable mode: Qt's own settings (the file dialogs' last folder, QtProject.conf) go into
    the portable data folder too, not the user's profile. Qt keeps this path per process; it is
    set once, at start, from the AppPaths the program was given."""
    from PySide6.QtCore import QSettings

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))


def run(paths, db=None, smoke_test: bool = False) -> int:
    """The desktop app on ``paths`` (AppPaths: where the database, settings and backups live)."""
    app = make_app()
    if smoke_test:
        return _run_smoke(app)
    from ..core.settings import Settings
    from .settings import UiSettings

    if paths.portable:
        keep_qt_settings_in(paths.config_dir)
    profile = Settings.load(paths.settings_file)
    if profile.role:  # a returning user: the store's modules load while the window is built and painted
        # (first paint 0.19 -> 0.23 s, still under 3x a bare window; the last plan usable 0.62 -> 0.53 s)
        import importlib
        import threading

        threading.Thread(target=importlib.import_module, args=("desktop.core.store",), daemon=True).start()
    ui = UiSettings(paths.window_file)
    profile = ui.adopt_legacy(profile, paths.settings_file)
    session = Session(app, profile, paths, ui, db)
    if not session.start():
        return 2
    app._yice_session = session  # for the signal handler and tests; released below
    signals = SignalQuit(app, lambda: end_session(app))
    try:
        code = app.exec()
    finally:
        signals.close()
        app._yice_session = None
        app.setQuitOnLastWindowClosed(True)
        drain_workers(app)  # the database opening, the unit tree, an import: ended before the store closes
        if session.store is not None:
            session.store.close()
    return session.code or code


def drain_workers(app) -> None:
    """Before the store closes: cancel the jobs still running and wait for every worker thread, so
    none reads a closed (or deleted) database or signals a window that is gone. A job that does
    not look at its cancel flag (the unit tree, ≤ 1 s) is simply waited for."""
    from PySide6.QtCore import QThreadPool

    from .worker import Task

    for owner in (app, *app.topLevelWidgets()):
        for task in owner.findChildren(Task):
            task.job.cancel()
    QThreadPool.globalInstance().waitForDone()


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
    drain_workers(app)
    store.close()
    shutil.rmtree(folder, ignore_errors=True)
    if window.plan is None:
        print("smoke test: no plan open", file=sys.stderr)
        return 1
    return code
