"""Marks drawn as text, chosen from glyphs the fonts the README recommends have (Noto Sans CJK,
Microsoft YaHei): 「❗」 and 「🔒」 are not in them and showed as a box. tests/test_ui_desktop.py
checks every non-CJK symbol written in desktop/gui against the installed CJK font."""
from __future__ import annotations

ERROR = "×"  # U+00D7
WARNING = "⚠"  # U+26A0
EXPLAINED = "✓"  # U+2713
