"""Where the bundled data lives, from a source checkout and from a PyInstaller bundle."""
from __future__ import annotations

import sys
from pathlib import Path


def app_root() -> Path:
    """The folder holding forms/ and report_templates/ (``sys._MEIPASS`` when frozen)."""
    frozen = getattr(sys, "_MEIPASS", None)
    return Path(frozen) if frozen else Path(__file__).resolve().parent.parent


def forms_dir() -> Path:
    return app_root() / "forms"


def templates_dir() -> Path:
    return app_root() / "report_templates"


def package_data(name: str) -> Path:
    """A file under desktop/data (registry tables)."""
    return Path(__file__).resolve().parent / "data" / name
