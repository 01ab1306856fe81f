"""The one Excel style and print module: cells, borders, row heights, page setup, named styles.

Every workbook the program writes (报送表, 空白模板, 汇总表, 退回意见, 导入报告) goes through
:func:`put` (or :func:`table`), so text is never read back as a formula and never carries a
character Excel refuses, and rows are as tall as their wrapped text (openpyxl cannot measure,
and LibreOffice/WPS do not re-fit rows on open) by one width rule (core.text.display_width).
"""
from __future__ import annotations

from dataclasses import dataclass

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side

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
    return sum(max(1, -(-display_width(part) // per_line)) for part in str(text).split("\n"))


def fit_height(ws, row: int, widths: list[float], minimum: float = 18, line_pt: float = LINE_PT) -> None:
    """Row height for the tallest wrapped cell of ``row``."""
    lines = max([lines_needed(ws.cell(row, c).value, w) for c, w in enumerate(widths, 1)
                 if ws.cell(row, c).value is not None] or [1])
    ws.row_dimensions[row].height = min(409, max(minimum, line_pt * lines + 4))


def print_setup(ws, title_rows: str, *, landscape: bool = True, fit_width: bool = True, margin: float = 0.4) -> None:
    """A4, repeated title rows, centred, page numbers; fit to the page width when asked."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
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


def table(ws, title: str, note: str, cols: list[Col], rows, top: int = 1, total: list | None = None) -> tuple[int, int]:
    """Title, note, header and rows from ``top`` (named styles must exist); returns (first, last) data row."""
    n = len(cols)
    ws.cell(top, 1, clean(title)).font = Font(name="黑体", size=14, bold=True)
    ws.cell(top, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=n)
    ws.row_dimensions[top].height = 26
    ws.cell(top + 1, 1, clean(note)).alignment = Alignment(wrap_text=True, vertical="center")
    ws.cell(top + 1, 1).font = Font(name="宋体", size=10)
    guard(ws.cell(top, 1))
    guard(ws.cell(top + 1, 1))
    ws.merge_cells(start_row=top + 1, start_column=1, end_row=top + 1, end_column=n)
    ws.row_dimensions[top + 1].height = 30
    head = top + 2
    for j, c in enumerate(cols, 1):
        ws.cell(head, j, c.label).style = "yice_head"
        ws.column_dimensions[ws.cell(head, j).column_letter].width = c.width
    styles = [f"yice_{c.kind}" for c in cols]
    r = head
    for r, values in enumerate(rows, head + 1):
        lines = 1
        for j, v in enumerate(values):
            cell = ws.cell(r, j + 1, clean(v))
            cell.style = styles[j]
            if isinstance(v, str):
                guard(cell)
                lines = max(lines, lines_needed(v, cols[j].width))
        if lines > 1:  # wrapped text: set the height, LibreOffice/WPS do not always fit rows on open
            ws.row_dimensions[r].height = 13.5 * lines + 3
    if total is not None:
        r += 1
        for j, v in enumerate(total, 1):
            ws.cell(r, j, clean(v)).style = "yice_pct" if cols[j - 1].kind == "pct" else "yice_total"
    return head + 1, r
