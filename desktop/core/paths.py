"""Where this copy of the program keeps its data: the database, settings and backups.

One plain object, made once at start and handed to whoever needs a path (no process-wide
state): the user's profile folders by default (platformdirs: %APPDATA% on Windows, XDG on
Linux). ``YICE_DB`` / ``--db`` still choose the database itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

APP = "yice"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path  # the database and backups
    config_dir: Path  # settings

    @classmethod
    def user(cls) -> AppPaths:
        from platformdirs import user_config_dir, user_data_dir

        return cls(Path(user_data_dir(APP, appauthor=False)), Path(user_config_dir(APP, appauthor=False)))

    @property
    def database(self) -> Path:
        return self.data_dir / "yice.sqlite3"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

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
