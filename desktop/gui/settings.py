"""The GUI's own state (window geometry, last plan, year): Qt's QSettings in an INI file.

One object per window, built on a path from ``AppPaths`` (no process-wide override), so tests
and the smoke test each point it at their own file. Who the user is (role, name, province)
lives in the core's Settings (desktop/core/settings.py), shared with the command line.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings


class UiSettings:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.qs = QSettings(str(self.path), QSettings.Format.IniFormat)

    def value(self, key: str):
        return self.qs.value(key)

    def set(self, key: str, value) -> None:
        self.qs.setValue(key, value)

    def str(self, key: str) -> str | None:
        v = self.qs.value(key)
        return str(v) if v not in (None, "") else None

    def int(self, key: str) -> int | None:
        try:
            return int(self.qs.value(key))
        except (TypeError, ValueError):
            return None

    def sync(self) -> None:
        self.qs.sync()

    def adopt_legacy(self, profile, settings_file: Path):
        """Earlier versions kept the wizard's role (as its label) and province here: move them over."""
        legacy = self.str("role")
        if profile.role or not legacy:
            return profile
        from ..core.catalog import default_catalog

        roles = {d.label: r.value for r, d in default_catalog().vocab.user_roles.items()}
        if legacy in roles:
            profile.role = roles[legacy]
            profile.province = profile.province or self.str("province")
            profile.save(settings_file)
        return profile
