"""A typed address of one value in a plan, and an edit of it.

A plan holds four kinds of values: item fields (第2项「落实举措」), plan-level sections (建设目标),
and per indicator a target and an actual. ``Ref`` names one of them; its text form
(``measures``, ``section:goals``, ``target:KEY``, ``actual:KEY``) is used only where a value
must be a string — the command line, history rows, 说明 keys, the Excel _meta sheet — and is
built and parsed here and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    FIELD = "field"
    SECTION = "section"
    TARGET = "target"
    ACTUAL = "actual"


_PREFIXED = (Kind.SECTION, Kind.TARGET, Kind.ACTUAL)


@dataclass(frozen=True)
class Ref:
    kind: Kind
    key: str
    item_no: int = 0  # 0 for sections

    @classmethod
    def field(cls, item_no: int, key: str) -> Ref:
        return cls(Kind.FIELD, key, int(item_no))

    @classmethod
    def section(cls, key: str) -> Ref:
        return cls(Kind.SECTION, key, 0)

    @classmethod
    def target(cls, item_no: int, indicator: str) -> Ref:
        return cls(Kind.TARGET, indicator, int(item_no))

    @classmethod
    def actual(cls, item_no: int, indicator: str) -> Ref:
        return cls(Kind.ACTUAL, indicator, int(item_no))

    @classmethod
    def parse(cls, text: str, item_no: int = 0) -> Ref:
        """``target:KEY`` / ``actual:KEY`` / ``section:KEY`` / a field key."""
        head, sep, rest = str(text).partition(":")
        if sep and head in {k.value for k in _PREFIXED}:
            return cls(Kind(head), rest, 0 if head == Kind.SECTION else int(item_no))
        return cls(Kind.FIELD, str(text), int(item_no))

    @property
    def is_indicator(self) -> bool:
        return self.kind in (Kind.TARGET, Kind.ACTUAL)

    @property
    def text(self) -> str:
        """The string form (``measures``, ``target:KEY`` …), without the item number."""
        return self.key if self.kind == Kind.FIELD else f"{self.kind.value}:{self.key}"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Edit:
    """Set ``ref`` to ``value`` (None or blank clears it)."""

    ref: Ref
    value: object = None
