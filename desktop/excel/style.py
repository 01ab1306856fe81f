"""The one Excel style and print module: cells, borders, row heights, page setup, named styles.

Every workbook the program writes (报送表, 空白模板, 汇总表, 退回意见, 导入报告) goes through
:func:`put` (or :func:`table`), so text is never read back as a formula and never carries a
character Excel refuses, and rows are as tall as their wrapped text (openpyxl cannot measure,
and LibreOffice/WPS do not re-fit rows on open) by one width rule (core.text.display_width).
"""
from __future__ import annotations

from dataclasses import dataclass

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ..core.text import display_width, looks_like_formula

_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)
LINE_PT = 14.5  # one line of 10–11 pt text
FOOTER = "第 &P 页，共 &N 页"


def clean(value):
    """A value as a cell may hold it: text without characters Excel refuses."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def guard(cell) -> None:
    """Text that looks like a formula stays text (formula injection), also after editing."""
    if isinstance(cell.value, str) and looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def put(ws, row: int, col: int, value, *, input_cell=False, wrap=True, border=True):
    """Write a cell the safe way; ``input_cell`` marks it editable (unlocked, tinted)."""
    c = ws.cell(row, col)
    c.value = clean(value)
    guard(c)
    if border:
        c.border = BORDER
    if wrap:
        c.alignment = WRAP
    if input_cell:
        c.protection = UNLOCKED
        c.fill = INPUT_FILL
    return c


def lines_needed(text: str, width: float) -> int:
    """Wrapped lines of ``text`` in a column ``width`` characters wide."""
    per_line = max(int(width) - 1, 1)
    text = str(text)
    if 2 * len(text) <= per_line and "\n" not in text:  # one line even if every character is wide:
        return 1  # no need to measure (most cells of a big table)
    return sum(max(1, -(-display_width(part) // per_line)) for part in text.split("\n"))


def fit_height(ws, row: int, widths: list[float], minimum: float = 18, line_pt: float = LINE_PT) -> None:
    """Row height for the tallest wrapped cell of ``row``."""
    lines = max([lines_needed(ws.cell(row, c).value, w) for c, w in enumerate(widths, 1)
                 if ws.cell(row, c).value is not None] or [1])
    ws.row_dimensions[row].height = min(409, max(minimum, line_pt * lines + 4))


def print_setup(ws, title_rows: str, *, landscape: bool = True, fit_width: bool = True, margin: float = 0.4) -> None:
    """A4, repeated title rows, centred, page numbers; fit to the page width when asked."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    if fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = margin
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = FOOTER


# ------------------------------------------------------------ tables (汇总表, 退回意见, 导入报告)
FORMATS = {"text": "General", "int": "0", "num": "0.##", "pct": "0.0%", "date": "yyyy-mm-dd"}


@dataclass(frozen=True)
class Col:
    label: str
    width: float
    kind: str = "text"  # text / int / num / pct / date


def add_named_styles(wb) -> None:
    """Named styles once per workbook: far faster than styling every cell separately."""
    for kind, fmt in FORMATS.items():
        wb.add_named_style(NamedStyle(f"yice_{kind}", font=Font(name="宋体", size=10), border=BORDER, number_format=fmt,
                                      alignment=Alignment(wrap_text=True, vertical="center",
                                                          horizontal="left" if kind == "text" else "center")))
    wb.add_named_style(NamedStyle("yice_head", font=Font(name="黑体", size=10, bold=True), border=BORDER,
                                  fill=PatternFill("solid", fgColor="D9E1F2"),
                                  alignment=Alignment(wrap_text=True, horizontal="center", vertical="center")))
    wb.add_named_style(NamedStyle("yice_total", font=Font(name="黑体", size=10, bold=True), border=BORDER,
                                  number_format="0.##", alignment=Alignment(horizontal="center", vertical="center")))


def _style_arrays(wb) -> dict:
    """Each named style of ``wb`` as the style array a cell holds: a cell made with it is styled as
    by ``cell.style = name``, without looking the name up for every cell (openpyxl lists the names
    only; the NamedStyle objects are its ``_named_styles``)."""
    return {s.name: s.as_tuple() for s in wb._named_styles}


def _new_cell(ws, value, style=None) -> Cell:
    """A cell to append (openpyxl's WriteOnlyCell, made with its style array)."""
    return Cell(ws, row=1, column=1, value=value, style_array=style)


def table(ws, title: str, note: str, cols: list[Col], rows, top: int = 1, total: list | None = None) -> tuple[int, int]:
    """Title, note, header and rows from ``top`` (named styles must exist); returns (first, last) data row.

    The rows are appended below the header, so the table is the last thing on its sheet. A
    write-only sheet (``Workbook(write_only=True)``: the 汇总表 of a whole province) is streamed:
    the table is its first rows, and what openpyxl writes before the rows — sheet properties such
    as fit to page, frozen panes — must be set before calling this."""
    n = len(cols)
    stream = isinstance(ws, WriteOnlyWorksheet)
    if stream and top != 1:
        raise ValueError("a write-only sheet's table starts at its first row")
    for j, c in enumerate(cols, 1):  # widths first: a streamed sheet writes them with its first row
        ws.column_dimensions[get_column_letter(j)].width = c.width
    ws.row_dimensions[top].height = 26
    ws.row_dimensions[top + 1].height = 30
    head = top + 2
    arrays = _style_arrays(ws.parent)
    title_cell = _new_cell(ws, clean(title)) if stream else ws.cell(top, 1, clean(title))
    title_cell.font = Font(name="黑体", size=14, bold=True)
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    note_cell = _new_cell(ws, clean(note)) if stream else ws.cell(top + 1, 1, clean(note))
    note_cell.alignment = Alignment(wrap_text=True, vertical="center")
    note_cell.font = Font(name="宋体", size=10)
    guard(title_cell)
    guard(note_cell)
    for r in (top, top + 1):
        if stream:
            ws.merged_cells.add(CellRange(min_col=1, min_row=r, max_col=n, max_row=r))
        else:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n)
    heads = [_new_cell(ws, c.label, arrays["yice_head"]) for c in cols]
    if stream:
        ws.append([title_cell])
        ws.append([note_cell])
    else:
        if ws.max_row != head - 1:
            raise ValueError("table() writes the last rows of its sheet")
    ws.append(heads)
    styles = [arrays[f"yice_{c.kind}"] for c in cols]
    widths = [c.width for c in cols]
    r = head
    for r, values in enumerate(rows, head + 1):
        lines = 1
        cells = []
        for v, style, width in zip(values, styles, widths):
            cell = _new_cell(ws, clean(v), style)
            if isinstance(v, str):
                guard(cell)
                lines = max(lines, lines_needed(v, width))
            cells.append(cell)
        if lines > 1:  # wrapped text: set the height, LibreOffice/WPS do not always fit rows on open
            ws.row_dimensions[r].height = 13.5 * lines + 3
        ws.append(cells)
    if total is not None:
        r += 1
        ws.append([_new_cell(ws, clean(v), arrays["yice_pct" if c.kind == "pct" else "yice_total"])
                   for v, c in zip(total, cols)])
    return head + 1, r
