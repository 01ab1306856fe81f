"""Where the shipped data lives: one lookup for a checkout, a wheel and a PyInstaller bundle.

``forms/``, ``report_templates/`` and ``docs/`` are edited at the top of the repository; the wheel
maps them into the package (``desktop/forms``, ``desktop/report_templates``, ``desktop/docs``, see
pyproject.toml) and
the bundle puts them at the same place under ``sys._MEIPASS``. So the lookup is: inside the
``desktop`` package first (wheel, bundle), then beside it (a checkout or editable install).
"""
from __future__ import annotations

from pathlib import Path

import desktop

FORMS, TEMPLATES, DOCS = "forms", "report_templates", "docs"
_PACKAGE = Path(desktop.__file__).resolve().parent


def shipped(name: str) -> Path:
    """The shipped folder ``name`` (forms / report_templates); raises if it is nowhere."""
    for base in (_PACKAGE, _PACKAGE.parent):
        if (base / name).is_dir():
            return base / name
    raise FileNotFoundError(f"找不到随软件提供的「{name}」文件夹（安装不完整？）")


def forms_dir() -> Path:
    return shipped(FORMS)


def templates_dir() -> Path:
    return shipped(TEMPLATES)


def guide_file() -> Path:
    """The user guide (帮助 → 使用说明): docs/guide.md, the same text as the README's guide."""
    return shipped(DOCS) / "guide.md"


def package_data(name: str) -> Path:
    """A file under desktop/core/data (registry tables, demo phrases)."""
    return Path(__file__).resolve().parent / "data" / name
