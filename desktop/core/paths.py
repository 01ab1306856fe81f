"""Where this copy of the program keeps its data: the default database and the settings.

One plain object, made once at start (``AppPaths.for_program``) and handed to whoever needs a
path (no process-wide state). By default the user's profile folders (platformdirs: %APPDATA%
on Windows, XDG on Linux). **Portable**: when a file ``portable.txt`` sits beside the program (or
``--portable`` is given) everything lives in ``data/`` beside it instead, so the program runs
from a USB stick or a shared folder and leaves nothing on the PC. ``YICE_DB`` / ``--db`` still
choose the database itself. Backups are not a place of their own: they go in ``backups/`` beside
whichever database they copy (``core/store/db.backups_folder``), so data/ holds them too.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

APP = "yice"
PORTABLE_MARKER = "portable.txt"  # a file beside the program: its presence is the switch
PORTABLE_DATA = "data"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path  # the default database (its backups beside it) and the user's checklists
    config_dir: Path  # settings
    portable: bool = False

    @classmethod
    def user(cls) -> AppPaths:
        from platformdirs import user_config_dir, user_data_dir

        return cls(Path(user_data_dir(APP, appauthor=False)), Path(user_config_dir(APP, appauthor=False)))

    @classmethod
    def beside(cls, program_dir: Path) -> AppPaths:
        """Portable: data and settings together in ``data/`` beside the program."""
        data = Path(program_dir).resolve() / PORTABLE_DATA
        return cls(data, data, portable=True)

    @classmethod
    def for_program(cls, portable: bool = False, program_dir: Path | None = None) -> AppPaths:
        """What this start uses: portable when asked or when the marker file is there."""
        where = program_dir if program_dir is not None else program_folder()
        if portable or (where / PORTABLE_MARKER).is_file():
            return cls.beside(where)
        return cls.user()

    @property
    def database(self) -> Path:
        return self.data_dir / "yice.sqlite3"

    @property
    def user_forms_dir(self) -> Path:
        """Checklists the user made or imported (beside the shipped, read-only ones)."""
        return self.data_dir / "forms"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.ini"

    @property
    def window_file(self) -> Path:
        """The GUI's own state (window geometry, last plan): Qt's QSettings, kept apart."""
        return self.config_dir / "yice.ini"


def program_folder() -> Path:
    """The folder of the program the user started: the bundle's executable (``dist/yice``), else
    the launcher (``.venv/bin`` for the ``yice`` script)."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(sys.argv[0] or ".").resolve().parent
