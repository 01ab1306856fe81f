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


# Chinese characters and the punctuation written with them (、。，（）：“” — …)
_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026"
_CJK_END = re.compile(rf"[{_CJK}](\*\*)?$")
_CJK_START = re.compile(rf"^(\*\*)?[{_CJK}]")


def join_cjk_lines(markdown: str) -> str:
    """Markdown with its soft line breaks between Chinese characters removed.

    A soft break is a space to a Markdown reader, which is right between English words and a
    stray gap inside a Chinese sentence (单位 （其方案…). Lines inside ``` blocks, headings and
    table rows are kept as they are; a line is only joined to a paragraph line that goes on."""
    out: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif (not fenced and out and _CJK_START.match(line.lstrip()) and _CJK_END.search(out[-1])
              and not out[-1].lstrip().startswith(("#", "|", "```"))):
            out[-1] += line.lstrip()  # an indented line goes on a list item (it cannot start one)
            continue
        out.append(line)
    return "\n".join(out)


UNIT_ROLES = ("牵头", "配合")  # remarks naming a unit's role (the authoring grid brackets them)


def units_text(units, style: str = "printed") -> str:
    """The one rendering of 责任部门. ``printed``: as the source prints them (``省教育厅会同有关部门、
    各州市``); ``roles``: as the authoring grid shows and parses them back (``省教育厅（牵头）``);
    ``names``: names only, for a narrow column (the remarks go to its tooltip)."""
    def one(u) -> str:
        if style == "names" or not u.remark:
            return u.name
        return u.name + (f"（{u.remark}）" if style == "roles" and u.remark in UNIT_ROLES else u.remark)
    return "、".join(one(u) for u in units)
