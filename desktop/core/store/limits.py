"""Text that fits the database, checked in the core for every backend and every write path.

SQLite stores a 300-character unit name in a VARCHAR(200) and a NUL in TEXT; PostgreSQL
refuses both with a traceback. So the store checks before it writes: each string against its
column's length (from the model, so a migration that widens a column needs no code change),
and user text for control characters (terminal escapes, NUL) and for text that is not valid
Unicode (undecodable bytes from a command line). Every ORM write passes :func:`install`'s
flush check; the few bulk Core inserts call :func:`check_rows`. The message names the field
as people call it (the column's ``info["label"]``).
"""
from __future__ import annotations

import functools
import re
from itertools import chain

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
    """Bulk inserts (``insert(Model)`` with dicts): the same check as every ORM write.

    Column by column (one length scan and one character scan over all rows: an import writes
    hundreds of rows per file); only when something is wrong are the rows walked one by one, so
    the message is the one the first bad row gives."""
    if not isinstance(rows, list):
        rows = list(rows)
    for key, limit, chars in _string_columns(model):
        values = [v for r in rows if isinstance(v := r.get(key), str)]
        if not values:
            continue
        if (limit and max(map(len, values)) > limit) or (chars and _BAD.search("\n".join(values))):
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
    """(key, length, check characters) of the model's string columns (the model is fixed at import)."""
    return tuple((c.key, getattr(c.type, "length", None), c.info.get("chars", True))
                 for c in model.__table__.c if isinstance(c.type, String))


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
