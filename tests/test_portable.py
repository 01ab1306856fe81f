"""Portable mode: ``portable.txt`` (or ``--portable``) beside the program puts the database,
settings and backups in ``data/`` beside it, and nothing in the user's profile folders."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktop.core.paths import PORTABLE_MARKER, AppPaths
from desktop.core.store import db
from tools import files_under

LAUNCHER = "import sys\nfrom desktop.main import main\nsys.exit(main())\n"  # what the `yice` script does


def test_marker_or_flag_moves_every_path_beside_the_program(tmp_path):
    prog = tmp_path / "U盘" / "一策通"
    prog.mkdir(parents=True)
    assert AppPaths.for_program(program_dir=prog) == AppPaths.user() and not AppPaths.user().portable
    flagged = AppPaths.for_program(portable=True, program_dir=prog)
    (prog / PORTABLE_MARKER).write_text("", encoding="utf-8")
    marked = AppPaths.for_program(program_dir=prog)
    assert flagged == marked and marked.portable
    for p in (marked.database, marked.settings_file, marked.window_file, db.backups_folder(marked.database),
              marked.user_forms_dir):
        assert p.is_relative_to(prog / "data"), p
    home = Path(os.environ["HOME"])
    for p in (AppPaths.user().database, AppPaths.user().settings_file):  # the default stays in the profile
        assert p.is_relative_to(home), p


def test_portable_program_leaves_the_profile_untouched(tmp_path):
    """The program started from a folder with the marker, as an office user would: commands,
    then the desktop app. The profile (HOME with its XDG folders) must stay empty."""
    prog = tmp_path / "stick" / "yice"
    prog.mkdir(parents=True)
    (prog / "yice.py").write_text(LAUNCHER, encoding="utf-8")
    (prog / PORTABLE_MARKER).write_text("", encoding="utf-8")
    home = tmp_path / "profile"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "YICE_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CACHE_HOME=str(home / ".cache"), XDG_STATE_HOME=str(home / ".local/state"),
               QT_QPA_PLATFORM="offscreen")

    def yice(*args, **extra):
        proc = subprocess.run([sys.executable, str(prog / "yice.py"), *args], cwd=tmp_path, env=dict(env, **extra),
                              capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    yice("--as", "王芳", "--role", "province", "demo", "--units", "3")
    assert '"gs2020-annex2"' in yice("forms", "list", "--json")
    (prog / "data" / "settings.ini").write_text("[user]\nrole = province\nname = 王芳\n", encoding="utf-8")
    assert "first paint" in yice(YICE_EXIT_AFTER_PAINT="1")  # the desktop app: opens, paints, closes
    data = files_under(prog / "data")
    assert "yice.sqlite3" in data and "settings.ini" in data and "yice.ini" in data, data  # window state too
    assert files_under(home) == []


def test_file_dialogs_remember_their_folder_in_the_portable_folder(qtbot, tmp_path):
    """Qt's file dialogs write QtProject.conf (last folder) into the profile; portable mode moves it."""
    import shiboken6
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QFileDialog

    from desktop.gui.app import keep_qt_settings_in

    paths = AppPaths.beside(tmp_path / "prog")
    home = Path(os.environ["HOME"])
    keep_qt_settings_in(paths.config_dir)
    try:
        dlg = QFileDialog(None, "导出", str(tmp_path))
        dlg.show()
        dlg.close()
        shiboken6.delete(dlg)  # the dialog saves its state when destroyed
        assert (paths.config_dir / "QtProject.conf").is_file()
        assert files_under(home) == []
    finally:  # Qt keeps the path per process: give the next tests their own profile back
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, os.environ["XDG_CONFIG_HOME"])
