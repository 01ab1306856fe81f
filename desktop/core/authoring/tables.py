"""A task table (from any source) → items, keeping the document's own numbering.

What page layout does to a table is undone here, the same way for text, Word and Excel:
header rows repeated at page breaks are skipped; a merged category cell (湘政办发〔2018〕82号
工作任务: blank or vMerge'd on continuation rows) is carried down; a row without 序号
continues the row above (a cell broken over a page); a row holding only 一、… is a category
row. Anything guessed is a warning on the item it concerns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalog_bridge import Unit
from .headers import Columns, match_header
from .indicators import find_indicators
from .proposal import Provenance, ProposedItem, ReaderWarning
from .sources import Cell, Table
from .textutil import clean, cn_number, flat, join_fragments
from .units import join_unit_fragments, split_units

_LEAD_ROWS = 12  # a header is looked for in the first rows only (titles may stand above it)
_NUMBER = re.compile(r"\d{1,6}")
_SECTION = re.compile(r"(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[）)]|第[一二三四五六七八九十]{1,3}[部分章])")


@dataclass
class TableRead:
    status: str  # "task" or "no_serial" (a task table without 序号)
    columns: dict[str, str]
    items: list[ProposedItem] = field(default_factory=list)
    warnings: list[ReaderWarning] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)  # title rows above the header inside the table


@dataclass
class _Row:
    number: int
    printed: str
    category: str | None
    cells: list[list[str]]
    rows: list[int]
    lines: list[int]
    raw: list[str]


def find_header(table: Table) -> tuple[int, Columns] | None:
    for r, row in enumerate(table.rows[:_LEAD_ROWS]):
        cols = match_header([c.text for c in row])
        if cols:
            return r, cols
    return None


def lead_lines(table: Table) -> list[str]:
    """Title rows standing above the header inside the table (a workbook's 附件/title rows)."""
    found = find_header(table)
    rows = table.rows[:found[0]] if found else ()
    return [clean(v) for v in (_single_value([c.text for c in row]) for row in rows) if v]


def _single_value(texts: list[str]) -> str | None:
    values = {flat(t) for t in texts if flat(t)}
    return next(iter(values)) if len(values) == 1 else None


def read_table(table: Table, *, index: int, ref_prefix: str) -> TableRead | None:
    """Items of a task table; None when the table has no recognisable header at all."""
    found = find_header(table)
    if found is None:
        return None
    h, cols = found
    lead = lead_lines(table)
    if cols.no is None:
        return TableRead("no_serial", cols.form_columns(), lead=lead)
    width = len(cols.headers)
    header_flat = [flat(c) for c in cols.headers]
    warnings: list[ReaderWarning] = []
    data = list(range(h + 1, len(table.rows)))
    auto = not any(_cell(table, r, cols.no).text.strip() for r in data)
    if auto and data:
        warnings.append(ReaderWarning("序号列为空（可能是 Word 自动编号），已按行的顺序编号，请核对",
                                      ref=ref_prefix or None))
    built: list[_Row] = []
    last = [""] * width
    category: str | None = None
    for r in data:
        row = [_cell(table, r, c) for c in range(width)]
        texts = [last[c] if cell.merge == "up" else "" if cell.merge == "left" else cell.text
                 for c, cell in enumerate(row)]
        for c, cell in enumerate(row):
            if cell.merge != "left":
                last[c] = texts[c]
        line, raw = table.lines[r], table.raw[r]
        if not any(t.strip() for t in texts):
            continue
        flats = [flat(t) for t in texts]
        if flats == header_flat:
            continue  # header repeated at a page break
        beyond = [c.text for c in table.rows[r][width:] if c.text.strip()]
        if beyond:
            warnings.append(ReaderWarning(f"此行比表头多出的单元格未读入：{'、'.join(beyond)[:60]}",
                                          ref=ref_prefix or None, line=line))
        no_cell, no_text = row[cols.no], flats[cols.no]
        single = _single_value(texts)
        if single and _SECTION.match(single) and not _NUMBER.match(no_text):
            category = clean(single)  # a row naming the section the next rows belong to
            continue
        if built and (no_cell.merge == "up" or (not no_text and not auto)):
            b = built[-1]
            if no_cell.merge != "up":
                warnings.append(ReaderWarning("此行没有序号，已作为上一行的续行并入", ref=_ref(ref_prefix, b.number), line=line))
            for c in range(width):
                if c != cols.no and row[c].merge is None and texts[c].strip():
                    b.cells[c].append(texts[c])
            b.rows.append(r + 1)
            b.lines.append(line)
            b.raw.append(raw)
            continue
        expected = built[-1].number + 1 if built else 1
        number = expected if auto else _parse_number(no_text)
        if number is None:
            if single:
                warnings.append(ReaderWarning(f"表格中的说明行未列入清单：{clean(single)[:40]}", ref=ref_prefix or None, line=line))
                continue
            warnings.append(ReaderWarning(f"序号「{texts[cols.no].strip()}」不是数字，已按顺序记为{expected}",
                                          ref=_ref(ref_prefix, expected), line=line))
            number = expected
        elif number != expected:
            what = "重新从1开始（可能是另一张表）" if number == 1 else f"不是接续的{expected}"
            warnings.append(ReaderWarning(f"序号为{number}，{what}，请核对", ref=_ref(ref_prefix, number), line=line))
        if cols.category is not None:
            value = clean(texts[cols.category])
            if value:
                category = value
        built.append(_Row(number, texts[cols.no].strip(), category,
                          [[texts[c]] if texts[c].strip() and c != cols.no else [] for c in range(width)],
                          [r + 1], [line], [raw]))
    items = []
    for b in built:
        item = _item(b, cols, index, ref_prefix, len(items) + 1, auto)
        if item is None:
            warnings.append(ReaderWarning("此行内容为空，未列入清单", ref=_ref(ref_prefix, b.number), line=b.lines[0]))
        else:
            items.append(item)
    return TableRead("task", cols.form_columns(), items, warnings, lead)


def _cell(table: Table, r: int, c: int) -> Cell:
    row = table.rows[r]
    return row[c] if c < len(row) else _EMPTY


def _parse_number(s: str) -> int | None:
    m = _NUMBER.search(s[:8])
    if m:
        return int(m.group())
    return cn_number(s.strip("（）()、.．"))


def _ref(prefix: str, number: int) -> str:
    return f"{prefix} 第{number}行".strip()


def _item(b: _Row, cols: Columns, index: int, ref_prefix: str, position: int, auto: bool) -> ProposedItem | None:
    pieces = [clean(x) for frag in b.cells[cols.text] for x in frag.split("\n")]
    text = join_fragments(pieces, sep_complete="")
    if not text:
        return None
    units: list[Unit] = []
    for c, remark in cols.units:
        for u in split_units(join_unit_fragments(b.cells[c]), remark):
            if all(x.name != u.name for x in units):
                units.append(u)
    extra = {cols.headers[c]: join_fragments([clean(x) for x in b.cells[c]], "") for c in cols.extra if b.cells[c]}
    return ProposedItem(
        no=position,
        label=None if (auto or b.number == position) else b.printed,
        ref=_ref(ref_prefix, b.number),
        category=b.category,
        text=text,
        units=units,
        indicators=find_indicators(text),
        provenance=Provenance(kind="table", table=index, rows=tuple(b.rows), lines=tuple(b.lines),
                              source="\n".join(b.raw)),
        extra=extra,
    )


_EMPTY = Cell("")  # a short row's missing cells (frozen)
