"""Excel 报送表: the filing workbook of one plan, and the blank template (openpyxl, no Qt).

Looks like an office's own sheet (widths, wrap, borders, A4 landscape, repeated header,
drop-downs) and carries a veryHidden ``_meta`` sheet so the importer knows form, plan,
revision and column keys without trusting positions.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from .. import __version__
from ..catalog import Catalog, FormView
from ..files import save_atomic
from ..values import NO as NO_TEXT, YES
from .layout import (
    COVER, COVER_FIELDS, FORMAT, FORMULA_START, IND_HEADERS, INDICATORS, LISTS, META, NO, TASKS, TEXT,
    UNITS, content_hash, table_fields,
)

_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)
WIDTHS = {"bool": 8, "longtext": 32, "dept": 12, "dept_list": 16, "text": 10, "date": 13, "choice": 10}
DATE_FORMAT = "yyyy-mm-dd"


def put(ws, row: int, col: int, value, *, input_cell=False, wrap=True):
    """Write a cell; text that looks like a formula stays text (formula injection)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    c = ws.cell(row, col)
    c.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        c.data_type = "s"
        c.quotePrefix = True
    c.border = BORDER
    if wrap:
        c.alignment = WRAP
    if input_cell:
        c.protection = UNLOCKED
        c.fill = INPUT_FILL
    return c


def _lines(text: str, width: float) -> int:
    per_line = max(int(width) - 1, 1)
    return sum(max(1, -(-sum(2 if ord(ch) > 0x2E7F else 1 for ch in part) // per_line)) for part in text.split("\n"))


def _fit_height(ws, row: int, widths: list[float], minimum: float = 18):
    """Row height for wrapped text (openpyxl cannot measure; LibreOffice does not re-fit on load)."""
    lines = max([_lines(str(ws.cell(row, c).value), w) for c, w in enumerate(widths, 1)
                 if ws.cell(row, c).value is not None] or [1])
    ws.row_dimensions[row].height = min(409, max(minimum, 14.5 * lines + 4))


def _header(ws, row: int, labels: list[str]):
    for col, label in enumerate(labels, 1):
        c = put(ws, row, col, label)
        c.font, c.fill, c.alignment = Font(bold=True), HEAD_FILL, CENTER


def _title(ws, text: str, ncols: int):
    ws.cell(1, 1, text).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 30


def _page(ws, title_rows: str):
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.protection.sheet = True  # a usability guard against editing policy text, not security
    ws.protection.formatColumns = ws.protection.formatRows = False


def _lists(wb, view: FormView) -> dict[str, str]:
    """Hidden sheet of drop-down choices; returns field key -> defined name."""
    ws = wb.create_sheet(LISTS)
    ws.sheet_state = "hidden"
    names: dict[str, str] = {}
    col = 0
    for f in table_fields(view):
        if f.type not in ("bool", "choice"):
            continue
        col += 1
        choices = (YES, NO_TEXT) if f.type == "bool" else f.choices
        for r, v in enumerate(choices, 1):
            ws.cell(r, col, v)
        name = f"list_{f.key}"
        letter = get_column_letter(col)
        wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(LISTS)}!${letter}$1:${letter}${len(choices)}")
        names[f.key] = name
    return names


def _cover(wb, catalog: Catalog, view: FormView, info: dict, sections: dict):
    ws = wb.active
    ws.title = COVER
    _title(ws, f"{view.form.title}落实情况报送表", 2)
    ws.cell(2, 1, f"依据：{view.form.full_title}{'（' + view.form.doc_no + '）' if view.form.doc_no else ''}").alignment = WRAP
    ws.merge_cells("A2:B2")
    ws.row_dimensions[2].height = 36
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 90
    row = 3
    for key, label in COVER_FIELDS:
        put(ws, row, 1, label).font = Font(bold=True)
        put(ws, row, 2, info.get(key), input_cell=True).alignment = Alignment(horizontal="left", vertical="center")
        ws.row_dimensions[row].height = 20
        row += 1
    kinds = DataValidation(type="list", formula1='"' + ",".join(view.form.plan_kinds) + '"', allow_blank=True)
    ws.add_data_validation(kinds)
    kinds.add(f"B{3 + [k for k, _ in COVER_FIELDS].index('kind')}")
    for sec in catalog.base_fields.sections:
        put(ws, row, 1, sec.label).font = Font(bold=True)
        put(ws, row, 2, sections.get(sec.key), input_cell=True)
        ws.row_dimensions[row].height = 90
        row += 1
    _page(ws, "1:1")
    ws.page_setup.orientation = "portrait"


def _tasks(wb, view: FormView, values: dict, lists: dict[str, str]):
    ws = wb.create_sheet(TASKS)
    fields = table_fields(view)
    labels = [NO, TEXT, UNITS] + [f.label for f in fields]
    _title(ws, view.form.title, len(labels))
    _header(ws, 2, labels)
    ws.row_dimensions[2].height = 30
    widths = [6, 42, 14] + [WIDTHS.get(f.type, 12) for f in fields]
    for col, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    for r, item in enumerate(view.items, 3):
        put(ws, r, 1, item.no).alignment = CENTER
        put(ws, r, 2, item.text)
        put(ws, r, 3, "、".join(u.name + (u.remark or "") for u in item.units))
        vals = values.get(item.no, {})
        for col, f in enumerate(fields, 4):
            v = vals.get(f.key)
            if f.type == "date" and v:
                v = dt.date.fromisoformat(v)
            c = put(ws, r, col, v, input_cell=True)
            if f.type == "date":
                c.number_format = DATE_FORMAT
        _fit_height(ws, r, widths)
    last = 2 + len(view.items)
    for col, f in enumerate(fields, 4):
        letter = get_column_letter(col)
        if f.key in lists:
            dv = DataValidation(type="list", formula1=lists[f.key], allow_blank=True,
                                error=f"请从下拉列表中选择{f.label}", errorTitle=f.label, showErrorMessage=True)
        elif f.type == "date":
            dv = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)",
                                allow_blank=True, error="请填写日期，如 2022-06-30", showErrorMessage=True)
        else:
            continue
        ws.add_data_validation(dv)
        dv.add(f"{letter}3:{letter}{last}")
    ws.freeze_panes = "D3"
    _page(ws, "1:2")
    return [f.key for f in fields]


def _indicators(wb, view: FormView, indicators: dict):
    ws = wb.create_sheet(INDICATORS)
    _title(ws, f"{view.form.title} 指标", len(IND_HEADERS))
    _header(ws, 2, list(IND_HEADERS))
    widths = (6, 44, 6, 22, 14, 14)
    for col, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    r = 3
    for item in view.items:
        for ind in item.indicators:
            target, actual = indicators.get(ind.key, (None, None))
            put(ws, r, 1, item.no).alignment = CENTER
            put(ws, r, 2, ind.name)
            put(ws, r, 3, ind.unit).alignment = CENTER
            put(ws, r, 4, "；".join(t.describe(ind.unit) for t in ind.targets))
            put(ws, r, 5, target, input_cell=True)
            put(ws, r, 6, actual, input_cell=True)
            _fit_height(ws, r, widths)
            r += 1
    if r > 3:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            error="请填写不小于0的数字", showErrorMessage=True)
        ws.add_data_validation(dv)
        dv.add(f"E3:F{r - 1}")
    ws.freeze_panes = "A3"
    _page(ws, "1:2")


def _meta(wb, pairs: dict):
    ws = wb.create_sheet(META)
    ws.sheet_state = "veryHidden"
    for r, (k, v) in enumerate(pairs.items(), 1):
        ws.cell(r, 1, k)
        put(ws, r, 2, "" if v is None else str(v), wrap=False)


def build_workbook(catalog: Catalog, view: FormView, *, info: dict, values: dict, indicators: dict,
                   sections: dict, plan_uuid: str | None, revision: int) -> Workbook:
    wb = Workbook()
    _cover(wb, catalog, view, info, sections)
    lists = _lists(wb, view)
    columns = _tasks(wb, view, values, lists)
    _indicators(wb, view, indicators)
    wb.move_sheet(LISTS, offset=len(wb.sheetnames))
    _meta(wb, {
        "format": FORMAT, "form_id": view.id, "form_version": view.form.version, "plan_uuid": plan_uuid or "",
        "revision": revision, "unit_code": info.get("unit_code") or "", "year": info.get("year") or "",
        "plan_kind": info.get("kind") or "", "app_version": __version__,
        "exported_at": dt.datetime.now().replace(microsecond=0).isoformat(), "columns": ",".join(columns),
        "sha256": content_hash(values, indicators, sections) if plan_uuid else "",
    })
    wb.active = 0
    return wb


def export_plan_xlsx(store, plan_ref, out) -> Path:
    """The filing workbook of one plan (what a unit sends upwards)."""
    data = store.plan_data(plan_ref)
    p = data.plan
    view = store.catalog.get(p.form_id)
    u = store.get_unit(p.unit_code)
    info = dict(unit_name=u.name, unit_code=u.code, school_code=u.school_code, credit_code=u.credit_code,
                kind=p.kind, year=p.year, contact_person=u.contact_person, contact_phone=u.contact_phone)
    wb = build_workbook(store.catalog, view, info=info, values=data.values, indicators=data.indicators,
                        sections=data.sections, plan_uuid=p.uuid, revision=p.revision)
    return save_atomic(out, wb.save)


def export_template(catalog: Catalog, form_id: str, out) -> Path:
    """The blank template a unit without the app fills in Excel or WPS (revision 0, no UUID)."""
    view = catalog.get(form_id)
    wb = build_workbook(catalog, view, info={}, values={}, indicators={}, sections={}, plan_uuid=None, revision=0)
    return save_atomic(out, wb.save)
