"""Excel 报送表: the filing workbook of one plan, and the blank template (openpyxl, no Qt).

Looks like an office's own sheet (widths, wrap, borders, A4, repeated header, drop-downs) and
carries a veryHidden ``_meta`` sheet with the filing's identity — form, plan, which submission
(第N次报送) and the ones before it, draft or formal — so the importer identifies a filing
without trusting positions or counters. A formal workbook is made from a submission only
(``store.lifecycle.formal_snapshot``); a draft says so on its cover.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from .. import __version__
from ..core.catalog import Catalog, FormView
from ..core.files import save_atomic
from ..core.store import PlanSnapshot
from ..core.vocab import PlanState
from .layout import (
    COVER, COVER_FIELDS, DRAFT_MARK, EXPLAIN_HEADERS, EXPLANATIONS, FORMAT, IND_HEADERS, INDICATORS, LISTS, META,
    NO, TASKS, TEXT, UNITS, table_fields,
)
from .style import CENTER, HEAD_FILL, WRAP, fit_height, print_setup, put

WIDTHS = {"bool": 8, "longtext": 32, "dept": 12, "dept_list": 16, "text": 10, "date": 13, "choice": 10}
DATE_FORMAT = "yyyy-mm-dd"


def _header(ws, row: int, labels: list[str]):
    for col, label in enumerate(labels, 1):
        c = put(ws, row, col, label)
        c.font, c.fill, c.alignment = Font(bold=True), HEAD_FILL, CENTER


def _title(ws, text: str, ncols: int):
    put(ws, 1, 1, text, border=False, wrap=False).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 30


def _page(ws, title_rows: str, landscape: bool = True):
    print_setup(ws, title_rows, landscape=landscape)
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
        choices = (view.vocab.yes, view.vocab.no) if f.type == "bool" else f.choices
        for r, v in enumerate(choices, 1):
            ws.cell(r, col, v)
        name = f"list_{f.key}"
        letter = get_column_letter(col)
        wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(LISTS)}!${letter}$1:${letter}${len(choices)}")
        names[f.key] = name
    return names


def _cover(wb, catalog: Catalog, view: FormView, info: dict, sections: dict, draft: bool):
    ws = wb.active
    ws.title = COVER
    _title(ws, f"{view.form.title}落实情况报送表" + (DRAFT_MARK if draft else ""), 2)
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
        put(ws, r, 3, item.units_text)
        vals = values.get(item.no, {})
        for col, f in enumerate(fields, 4):
            v = vals.get(f.key)
            if f.type == "date" and v:
                v = dt.date.fromisoformat(v)
            c = put(ws, r, col, v, input_cell=True)
            if f.type == "date":
                c.number_format = DATE_FORMAT
        fit_height(ws, r, widths)
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
            fit_height(ws, r, widths)
            r += 1
    if r > 3:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            error="请填写不小于0的数字", showErrorMessage=True)
        ws.add_data_validation(dv)
        dv.add(f"E3:F{r - 1}")
    ws.freeze_panes = "A3"
    _page(ws, "1:2")


def _explanations(wb, view: FormView, snap: PlanSnapshot | None):
    """说明: each warning the unit answered, with its answer — they travel with the filing."""
    from ..core.validation import validate

    ws = wb.create_sheet(EXPLANATIONS)
    _title(ws, f"{view.form.title} 说明（对校验提示的说明）", 3)
    _header(ws, 2, list(EXPLAIN_HEADERS))
    widths = (6, 50, 60, 18, 18)
    for col, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.column_dimensions["D"].hidden = ws.column_dimensions["E"].hidden = True
    messages = {}
    if snap is not None:
        messages = {(p.item_no, p.rule_id, p.field_key): p.message
                    for p in validate(view, snap.plan.kind, snap) if p.explained}
    r = 3
    for (no, rule, field), text in sorted((snap.explanations if snap else {}).items()):
        put(ws, r, 1, no).alignment = CENTER
        put(ws, r, 2, messages.get((no, rule, field), f"第{no}项"))
        put(ws, r, 3, text, input_cell=True)
        put(ws, r, 4, rule, wrap=False)
        put(ws, r, 5, field, wrap=False)
        fit_height(ws, r, list(widths[:3]))
        r += 1
    ws.freeze_panes = "A3"
    _page(ws, "1:2")


def _meta(wb, pairs: dict):
    ws = wb.create_sheet(META)
    ws.sheet_state = "veryHidden"
    for r, (k, v) in enumerate(pairs.items(), 1):
        ws.cell(r, 1, k)
        put(ws, r, 2, "" if v is None else str(v), wrap=False)


def _filing_text(snap: PlanSnapshot | None, draft: bool) -> str:
    if snap is None:
        return ""
    sub = snap.submission
    if draft or sub is None:
        return "草稿（未报送）"
    return f"第{sub.number}次报送（{sub.made_at:%Y-%m-%d}）"


def build_workbook(catalog: Catalog, view: FormView, snap: PlanSnapshot | None, *, draft: bool) -> Workbook:
    """The 报送表 of ``snap`` (None: the blank template)."""
    values = snap.values if snap else {}
    indicators = snap.indicators if snap else {}
    sections = snap.sections if snap else {}
    u, p = (snap.unit, snap.plan) if snap else (None, None)
    info = {} if snap is None else dict(
        unit_name=u.name, unit_code=u.code, parent_code=u.parent_code, parent_name=u.parent_name,
        school_type=u.school_type, school_code=u.school_code, credit_code=u.credit_code, kind=p.kind, year=p.year,
        contact_person=u.contact_person, contact_phone=u.contact_phone, filing=_filing_text(snap, draft))
    wb = Workbook()
    _cover(wb, catalog, view, info, sections, draft and snap is not None)
    lists = _lists(wb, view)
    columns = _tasks(wb, view, values, lists)
    _indicators(wb, view, indicators)
    _explanations(wb, view, snap)
    wb.move_sheet(LISTS, offset=len(wb.sheetnames))
    sub = None if (snap is None or draft) else snap.submission
    chain = list(sub.history) if sub else []
    _meta(wb, {
        "format": FORMAT, "form_id": view.id, "form_version": view.form.version, "form_hash": view.hash,
        "plan_uuid": p.uuid if p else "", "state": "" if snap is None else (PlanState.DRAFT if sub is None else PlanState.SUBMITTED).value,
        "submission_no": sub.number if sub else "", "submission_uuid": sub.uuid if sub else "",
        "history": ",".join(chain), "unit_code": info.get("unit_code") or "", "year": info.get("year") or "",
        "plan_kind": info.get("kind") or "", "app_version": __version__,
        "exported_at": dt.datetime.now().replace(microsecond=0).isoformat(), "columns": ",".join(columns),
        "sha256": snap.content_hash if snap else "",
    })
    wb.active = 0
    return wb


def export_plan_xlsx(store, plan_ref, out, *, draft: bool = False) -> Path:
    """The filing workbook of one plan: formal (its latest submission, made now if needed) or a draft."""
    lc = store.lifecycle
    snap = lc.draft_snapshot(plan_ref) if draft else lc.formal_snapshot(plan_ref)
    wb = build_workbook(store.catalog, store.catalog.for_plan(snap.plan), snap, draft=draft)
    return save_atomic(out, wb.save)


def export_template(catalog: Catalog, form_id: str, out) -> Path:
    """The blank template a unit without the app fills in Excel or WPS (no identity)."""
    view = catalog.get(form_id)
    return save_atomic(out, build_workbook(catalog, view, None, draft=False).save)
