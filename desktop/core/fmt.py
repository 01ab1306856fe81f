"""The one set of formatters for numbers, percentages and dates shown to people.

Numbers are shown exactly as stored (up to 15 significant digits, no exponent), so a change
from 1234567 to 1234568 is visible everywhere — ``:g`` showed both as 1.23457e+06.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal


def number(v: float | int | None, empty: str = "") -> str:
    if v is None:
        return empty
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    # 15 significant digits (what a double holds), never an exponent: 35.7 stays 35.7, not
    # 35.700000000000003 (15 decimal places showed the binary error of every non-integer)
    text = format(Decimal(f"{v:.15g}"), "f")
    return text if text not in ("", "-0") else "0"


def percent(ratio: float | None, empty: str = "—", digits: int = 1) -> str:
    """A share 0..1 as ``12.5%``."""
    return empty if ratio is None else f"{100 * ratio:.{digits}f}%"


def size(n: int | None, empty: str = "—") -> str:
    """A file size as people read it: 812 字节, 96.3 KB, 1.4 MB (1 KB = 1024 bytes, as Windows shows)."""
    if n is None:
        return empty
    if n < 1024:
        return f"{n} 字节"
    for unit in ("KB", "MB", "GB"):
        n /= 1024
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}"


_CN = "〇一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 33 → 三十三 (chapter and item numbering; 1–99)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN[tens] + "十")
    return head + (_CN[ones] if ones else "")


def cn_date(d: dt.date, style: str = "arabic") -> str:
    """A 成文日期: ``2026年5月20日`` (GB/T 9704-2012, no leading zeros) or in 汉字
    ``二〇二六年五月二十日`` (the older form some offices keep)."""
    if style == "chinese":
        year = "".join(_CN[int(c)] for c in str(d.year))
        return f"{year}年{cn_number(d.month)}月{cn_number(d.day)}日"
    return f"{d.year}年{d.month}月{d.day}日"
