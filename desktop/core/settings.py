"""The user's settings the core needs: who is working (role, name) and the office's name.

A plain INI file (configparser) shared by the GUI's wizard and the command line, so a history
row says who did what whichever path made it; the GUI keeps its window state elsewhere.
"""
from __future__ import annotations

import configparser
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store (SQLAlchemy) loads when a database is opened, not to read settings
    from .store import Actor


@dataclass
class Settings:
    role: str | None = None  # UserRole id (school / county / city / province)
    name: str | None = None  # the person, for the history
    province: str | None = None  # division code of the user's province
    unit: str | None = None  # the user's own unit code
    office: str | None = None  # the organ that signs summary reports (e.g. 甘肃省教育厅)

    @classmethod
    def load(cls, path: Path) -> Settings:
        cp = configparser.ConfigParser(interpolation=None)
        try:
            cp.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError):
            return cls()  # an unreadable file must not stop the program; the wizard runs again
        section = cp["user"] if cp.has_section("user") else {}
        return cls(**{f.name: (section.get(f.name) or None) for f in fields(cls)})

    def save(self, path: Path) -> None:
        cp = configparser.ConfigParser(interpolation=None)
        cp["user"] = {f.name: getattr(self, f.name) or "" for f in fields(self)}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            cp.write(f)
        tmp.replace(path)

    @property
    def actor(self) -> Actor:
        from .store import Actor

        return Actor(self.role, self.name)
