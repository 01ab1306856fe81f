"""Typed values of form fields: parse user/import input into canonical stored text.

One parser for every entry path (GUI, CLI, Excel import), so "2021/6/30", "2021年6月30日"
and an Excel date serial all land as "2021-06-30", and a bad value is refused with the
same Chinese message everywhere.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from typing import TYPE_CHECKING

from . import fmt

if TYPE_CHECKING:  # annotations only: parsing a value needs no pydantic import
    from .catalog.schema import FieldDecl, Indicator

Answers = tuple[tuple[str, ...], tuple[str, ...]]  # (yes words, no words), stored word first (vocabulary)
HARD_MAX = 20_000  # no cell of any field may be longer (protects the store and exports)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RX = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_RX = [re.compile(r"^(\d{4})年(\d{1,2})月(?:底|末)?$"), re.compile(r"^(\d{4})[-/.](\d{1,2})$")]
_YEAR_RX = re.compile(r"^(\d{4})年(?:底|末)?$")
_NUM_RX = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(%|％|[^\d\s]{0,4})$")
_DEPT_SPLIT = re.compile(r"[、，,；;/\s]+")


class ValueProblem(ValueError):
    """A value that cannot be stored; ``str()`` is the Chinese message (without the location)."""


def _fmt(raw) -> str:
    s = str(raw)
    return s if len(s) <= 30 else s[:30] + "…"


def halfwidth(text: str) -> str:
    """Full-width digits and signs as typed with a Chinese input method: ２０２５年６月 → 2025年6月."""
    return unicodedata.normalize("NFKC", text)


def parse_date(raw) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:  # Excel serial (1900 system), as LibreOffice/WPS may leave them
            return _EXCEL_EPOCH + dt.timedelta(days=int(raw))
        raise ValueProblem(f"「{_fmt(raw)}」不是有效日期")
    s = halfwidth(str(raw)).strip()
    try:
        for rx in _DATE_RX:
            if m := rx.match(s):
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
        for rx in _MONTH_RX:  # a month means its last day: "2021年6月" → 2021-06-30
            if m := rx.match(s):
                y, mo = int(m[1]), int(m[2])
                return dt.date(y, mo, calendar.monthrange(y, mo)[1])
        if m := _YEAR_RX.match(s):
            return dt.date(int(m[1]), 12, 31)
        if re.fullmatch(r"\d{5}(\.\d+)?", s):
            return parse_date(float(s))
    except (ValueError, calendar.IllegalMonthError):
        pass
    raise ValueProblem(f"「{_fmt(raw)}」不是有效日期")


def parse_bool(raw, answers: Answers) -> str:
    yes, no = answers
    if isinstance(raw, bool):
        return yes[0] if raw else no[0]
    s = str(raw).strip().lower()
    if s in {w.lower() for w in yes}:
        return yes[0]
    if s in {w.lower() for w in no}:
        return no[0]
    raise ValueProblem(f"「{_fmt(raw)}」应填“{yes[0]}”或“{no[0]}”")


def is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_field(decl: FieldDecl, raw, answers: Answers) -> str | None:
    """Canonical text for ``raw`` (None: clear the field); raises ValueProblem."""
    if is_blank(raw):
        return None
    t = decl.type
    if t == "bool":
        return parse_bool(raw, answers)
    if t == "date":
        d = parse_date(raw)
        if decl.min_date and d < decl.min_date or decl.max_date and d > decl.max_date:
            raise ValueProblem(f"「{d.isoformat()}」超出允许范围（{decl.min_date}～{decl.max_date}）")
        return d.isoformat()
    if isinstance(raw, (dt.date, dt.datetime)) or (isinstance(raw, (int, float)) and t == "choice"):
        raise ValueProblem(f"「{_fmt(raw)}」不是{decl.label}的有效取值")
    s = str(raw).strip() if t != "longtext" else str(raw).strip("\r\n\t ")
    if "\x00" in s:
        raise ValueProblem("含有不可见的控制字符（NUL）")
    if t == "choice":
        if s not in decl.choices:
            raise ValueProblem(f"「{_fmt(s)}」不是可选值（{'、'.join(decl.choices)}）")
        return s
    if t == "dept_list":
        s = "、".join(p for p in _DEPT_SPLIT.split(s) if p)
    limit = min(decl.max_length or HARD_MAX, HARD_MAX)
    if len(s) > limit:
        raise ValueProblem(f"内容过长（{len(s)} 字），最多 {limit} 字")
    return s


def parse_number(ind: Indicator, raw) -> float | None:
    """An indicator value: a number ≥ 0 (percentages 0–100); "35所" (its own unit) and, for a
    percentage, "2%" are accepted; "4个" where the unit is 所 is refused naming the unit."""
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        raise ValueProblem(f"「{raw}」不是数字")
    if isinstance(raw, (int, float)):
        v = float(raw)
    else:
        m = _NUM_RX.match(halfwidth(str(raw)).strip().replace(",", ""))
        percent = ind.kind == "percent" or ind.unit in ("%", "％")
        if not m or (m[2] and m[2] != ind.unit and not (percent and m[2] in ("%", "％"))):
            raise ValueProblem(f"「{_fmt(raw)}」应为数字，单位：{ind.unit}")
        v = float(m[1])
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueProblem(f"「{_fmt(raw)}」不是数字")
    if v < 0:
        raise ValueProblem(f"「{_fmt(raw)}」不能为负数")
    if ind.max_value is not None and v > ind.max_value:
        raise ValueProblem(f"「{_fmt(raw)}」超过 {fmt.number(ind.max_value)}{ind.unit}")
    return v



