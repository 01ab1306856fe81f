"""The one set of formatters for numbers, percentages and dates shown to people.

Numbers are shown exactly as stored (up to 15 significant digits, no exponent), so a change
from 1234567 to 1234568 is visible everywhere — ``:g`` showed both as 1.23457e+06.
"""
from __future__ import annotations

import datetime as dt


def number(v: float | int | None, empty: str = "") -> str:
    if v is None:
        return empty
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    text = f"{v:.15f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def percent(ratio: float | None, empty: str = "—", digits: int = 1) -> str:
    """A share 0..1 as ``12.5%``."""
    return empty if ratio is None else f"{100 * ratio:.{digits}f}%"


def iso_date(v) -> str:
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else ("" if v is None else str(v))
