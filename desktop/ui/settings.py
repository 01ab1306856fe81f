"""Per-user settings file (QSettings, INI) at a path computed on every call.

Qt caches its default settings folders once per process; computing the path through
platformdirs each time keeps tests (which point HOME/XDG elsewhere) isolated.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings


_override: Path | None = None


def use_path(path: Path | None) -> None:
    """Redirect settings (the smoke test must not overwrite the user's last plan)."""
    global _override
    _override = path


def settings_path() -> Path:
    if _override is not None:
        return _override
    from platformdirs import user_config_dir

    return Path(user_config_dir("yice", appauthor=False)) / "yice.ini"


def settings() -> QSettings:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


def get_str(s: QSettings, key: str) -> str | None:
    v = s.value(key)
    return str(v) if v not in (None, "") else None


def get_int(s: QSettings, key: str) -> int | None:
    try:
        return int(s.value(key))
    except (TypeError, ValueError):
        return None
