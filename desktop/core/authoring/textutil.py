"""Small text helpers shared by the reader: cleaning, joining fragments, Chinese numerals.

Policy documents reach us through PDF extraction, Word and web pages, so the same words
arrive with stray spaces (``将 1—2 所``), ideographic spaces inside headers (``主　要　内　容``)
and page-break splits. Every helper is a single linear pass: the reader sees untrusted text.
"""
from __future__ import annotations

import re
from types import MappingProxyType

_SPACES = re.compile(r"\s+")
_CN_DIGITS = MappingProxyType({"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9})
# a paragraph ending in one of these is complete; any other ending means a page-break split
SENTENCE_END = "。！？；：!?;:”’）)】]…"


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def clean(text: str) -> str:
    """Whitespace removed except one space between two ASCII words (``SCE 教师`` → ``SCE教师``,
    ``etc 10`` stays), markdown emphasis dropped; what the curated forms store."""
    text = text.replace("**", "").replace("__", "")

    def repl(m: re.Match) -> str:
        s, e = m.start(), m.end()
        before = m.string[s - 1] if s else ""
        after = m.string[e] if e < len(m.string) else ""
        return " " if before and after and _ascii_word(before) and _ascii_word(after) else ""

    return _SPACES.sub(repl, text)


def flat(text: str) -> str:
    """All whitespace and emphasis removed: the key used to compare headers and words."""
    return _SPACES.sub("", text.replace("**", ""))


def join_fragments(parts: list[str], sep_complete: str = "\n") -> str:
    """Join cleaned paragraphs: a page-break split (no sentence end) is glued back without a
    break, a complete paragraph is followed by ``sep_complete``."""
    out: list[str] = []
    for p in parts:
        if not p:
            continue
        if out:
            prev = out[-1]
            if prev[-1] in SENTENCE_END:
                out.append(sep_complete)
            elif _ascii_word(prev[-1]) and _ascii_word(p[0]):
                out.append(" ")
        out.append(p)
    return "".join(out)


def cn_number(s: str) -> int | None:
    """一 → 1, 十 → 10, 二十九 → 29, 一百零五 → 105; None when ``s`` is not a numeral."""
    if not s or len(s) > 6:
        return None
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


def to_cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 29 → 二十九 (for labels such as （二十九）)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


def strip_markup(line: str) -> str:
    """A line without markdown heading marks, list bullets and emphasis (web-page pastes)."""
    s = line.strip()
    if s.startswith("#"):
        s = s.lstrip("#").strip()
    if s[:2] in ("- ", "* ", "+ ", "> "):
        s = s[2:].strip()
    return s.replace("**", "").strip()
