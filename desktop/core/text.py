"""Text rules every output shares: display width, unsafe characters, file names, formulas.

One place for each rule so the Excel and Word writers, the importer and the terminal agree
(two CJK thresholds and two formula guards of different strength were a bug).
"""
from __future__ import annotations

import re
import unicodedata

# Not allowed in XML 1.0 (Word, Excel parts) — and never meaningful in a filing.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Terminal control: C0 except tab/newline, DEL, C1 (ESC [ … sequences start with \x1b or \x9b).
_TERMINAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible characters people paste from Word and web pages: zero-width, BOM, bidi marks.
INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
# Control characters that never belong in a value (tab and line breaks do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FILENAME_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\x00")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a fixed grid: East-Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return _XML_ILLEGAL.sub("", text)


def for_terminal(text: str) -> str:
    """``text`` safe to print to an operator's terminal (no escape sequences, no bidi overrides
    from a file: an ESC [ … sequence shows as �[ …)."""
    return INVISIBLE.sub("", _TERMINAL.sub("\ufffd", str(text)))


def clean_input(text: str) -> str:
    """Text as the person meant it: no zero-width or control characters, line breaks as \\n
    (a department name pasted from Word carries a zero-width space nobody sees)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return INVISIBLE.sub("", _CONTROL.sub("", text))


def looks_like_formula(text: str) -> bool:
    """Would a spreadsheet read this text as a formula (CSV/Excel injection)?"""
    return text.startswith(FORMULA_START)


def safe_filename(name: str, limit: int = 120) -> str:
    """A file name valid on Windows and Linux: reserved characters become _, length bounded."""
    name = _FILENAME_BAD.sub("_", name).strip(" .")
    return name[:limit] or "未命名"


def cut(text: str, limit: int) -> str:
    """``text`` shortened for a message (never in a document: documents wrap instead)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
