"""Text that fits the database, checked in the core for every backend and every write path.

SQLite stores a 300-character unit name in a VARCHAR(200) and a NUL in TEXT; PostgreSQL
refuses both with a traceback. So the store checks before it writes: each string against its
column's length (from the model, so a migration that widens a column needs no code change),
and user text for control characters (terminal escapes, NUL) and for text that is not valid
Unicode (undecodable bytes from a command line). Every ORM write passes :func:`install`'s
flush check; the bulk Core inserts call :func:`check_rows` (db.insert_rows does). The message names the field
as people call it (the column's ``info["label"]``).
"""
from __future__ import annotations

import functools
import re
from itertools import chain
from operator import methodcaller

from sqlalchemy import String, event, inspect

from ..errors import InputError

# C0 except tab/newline/CR, DEL, C1 (ESC [ … and CSI), lone surrogates (undecodable bytes)
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def label(column) -> str:
    return column.info.get("label") or f"{column.table.name}.{column.name}"


def check_text(name: str, value, limit: int | None = None, chars: bool = True) -> None:
    """Refuse ``value`` for the field ``name`` if too long or holding characters text may not."""
    if not isinstance(value, str):
        return
    if limit and len(value) > limit:
        raise InputError(f"「{name}」过长（{len(value)} 字），最多 {limit} 字")
    if chars:
        m = _BAD.search(value)
        if m is None:
            return
        if 0xD800 <= ord(m.group()) <= 0xDFFF:
            raise InputError(f"「{name}」含有无效的字符编码（不是 UTF-8 文本），请重新输入")
        raise InputError(f"「{name}」含有不可见的控制字符（U+{ord(m.group()):04X}），请删除后重试")


def _check_column(column, value) -> None:
    if isinstance(column.type, String):
        check_text(label(column), value, getattr(column.type, "length", None), column.info.get("chars", True))


def check_rows(model, rows) -> None:
    """Bulk inserts (``insert(Model)`` with dicts): the same check as every ORM write."""
    if not isinstance(rows, list):
        rows = list(rows)
    if rows:
        check_columns(model, {key: list(map(methodcaller("get", key), rows))
                              for key, _limit, _chars in _string_columns(model)}, rows)


def check_columns(model, columns: dict[str, list], rows: list[dict]) -> None:
    """:func:`check_rows` on the rows' values column by column (``{key: [value per row]}``).

    One length scan and one character scan per column (an import writes hundreds of rows per
    file, so the scans run in C: ``max(map(len))``, ``"\n".join``, one regex search); only when
    something is wrong are the rows walked one by one, so the message is the one the first bad
    row gives."""
    for key, limit, chars in _string_columns(model):
        values = columns.get(key)
        values = values and list(filter(None, values))  # "" and None: nothing to check
        if not values:
            continue
        try:
            joined = "\n".join(values)
        except TypeError:  # not all text (a number in a text column): only the strings are checked
            values = [v for v in values if isinstance(v, str)]
            if not values:
                continue
            joined = "\n".join(values)
        if (limit and max(map(len, values)) > limit) or (chars and _BAD.search(joined)):
            _check_each(model, rows)
            return


def _check_each(model, rows) -> None:
    columns = model.__table__.c
    for row in rows:
        for key, value in row.items():
            col = columns.get(key)
            if col is not None:
                _check_column(col, value)


@functools.cache
def _string_columns(model) -> tuple[tuple[str, int | None, bool], ...]:
    """(key, length, check characters) of the model's string columns that have something to check
    (a stored JSON record has neither length nor character rule); the model is fixed at import."""
    columns = ((c.key, getattr(c.type, "length", None), c.info.get("chars", True))
               for c in model.__table__.c if isinstance(c.type, String))
    return tuple(c for c in columns if c[1] or c[2])


def check_object(obj) -> None:
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if state.pending or hist.added:
            _check_column(attr.columns[0], getattr(obj, attr.key))


def install(session_factory) -> None:
    """Check every new or changed row at flush (before anything reaches the database)."""

    @event.listens_for(session_factory, "before_flush")
    def _before_flush(session, _context, _instances):
        for obj in chain(session.new, session.dirty):
            check_object(obj)
