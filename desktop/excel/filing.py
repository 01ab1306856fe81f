"""Excel 报送表: the filing workbook of one plan, and the blank template (openpyxl, no Qt).

Everything the unit filed travels in it and comes back equal on import: the unit with its
上级单位 and identifiers, the plan's sections, every item value, indicators, the 说明 answering
warnings (不适用 reasons among them), the list of 佐证材料 (name, size, SHA-256), and in a
veryHidden ``_meta`` sheet the filing's identity — form, plan, which submission (第N次报送)
and the ones before it, draft or formal — so the importer identifies a filing without
trusting positions or counters. A formal workbook is made from a submission only
(``store.lifecycle.formal_snapshot``); a draft says so on its cover.

The sheet's own input rules (drop-downs, date and length limits, number ranges) and the 填表说明
are made from the field declarations (forms/fields.yaml) the importer checks against, so the
spreadsheet never allows what import refuses. The 任务清单 prints on A4 at full size: its
columns are packed onto pages side by side with 序号 and 政策内容 repeated, never shrunk.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from .. import __version__
from ..core import fmt
from ..core.catalog import Catalog, FormView
from ..core.files import save_atomic
from ..core.store import PlanSnapshot
from ..core.text import safe_filename
from ..core.vocab import PlanState
from .layout import (
    COLUMN_NAME, CONTINUED, COVER, COVER_FIELDS, DRAFT_MARK, EVIDENCE, EVIDENCE_HEADERS, EXPLAIN_HEADERS, EXPLANATIONS,
    FORMAT, GUIDE, IND_HEADERS, INDICATORS, LISTS, META, MUST, NEED, NO, OPTIONAL, TASKS, TEXT, UNITS, table_fields,
)
from .style import CENTER, HEAD_FILL, LINE_PT, fit_height, lines_needed, print_setup, put

WIDTHS = {"bool": 5, "dept": 10, "dept_list": 12, "text": 8, "date": 11, "choice": 8}
FIXED = ((NO, 5), (TEXT, 30), (UNITS, 11), (NEED, 6))  # 任务清单 columns before the fields
REPEATED = 2  # 序号 and 政策内容 head every printed page of 任务清单
PRINT_SCALE = 85  # 11 pt text prints at 9.35 pt (measured on a LibreOffice render: tests/test_print.py)
PAGE_PT = (842 - 2 * 0.4 * 72) * 100 / PRINT_SCALE  # printable width of landscape A4 at 0.4" margins
COVER_WIDTHS = (16, 76)
PARAGRAPH_CHUNK = 800  # characters of one 封面 row: a taller row would be cut in print (409 pt)
DATE_FORMAT = "yyyy-mm-dd"
MUST_FILL = PatternFill("solid", fgColor="FCE4D6")
BLANK_EXPLAIN_ROWS = 30


def _pt(width: float) -> float:
    """A column's printed width in points (LibreOffice, measured: 7 pt per character unit + 2;
    Excel prints narrower, so a page packed for LibreOffice fits there too)."""
    return 7 * width + 3


def field_width(f) -> float:
    if f.type == "longtext":
        return 24 if (f.max_length or 0) > 2000 else 20
    return WIDTHS.get(f.type, 10)


def pages_of(widths: list[float]) -> list[int]:
    """1-based columns after which 任务清单 breaks to a new printed page (titles repeated)."""
    breaks, used = [], sum(_pt(w) for w in widths[:len(FIXED)])
    head = sum(_pt(w) for w in widths[:REPEATED])
    for col, w in enumerate(widths[len(FIXED):], len(FIXED) + 1):
        if used + _pt(w) > PAGE_PT:
            breaks.append(col - 1)
            used = head
        used += _pt(w)
    return breaks


def _header(ws, row: int, labels: list[str]):
    for col, label in enumerate(labels, 1):
        c = put(ws, row, col, label)
        c.font, c.fill, c.alignment = Font(bold=True), HEAD_FILL, CENTER


def _title(ws, text: str, ncols: int, align: Alignment = CENTER):
    put(ws, 1, 1, text, border=False, wrap=False).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = align
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 30


def _page(ws, title_rows: str, landscape: bool = True, fit_width: bool = True):
    print_setup(ws, title_rows, landscape=landscape, fit_width=fit_width)
    ws.protection.sheet = True  # a usability guard against editing policy text, not security
    ws.protection.formatColumns = ws.protection.formatRows = False


def _prompt(dv: DataValidation, title: str, text: str | None) -> DataValidation:
    """The input message Excel/WPS show on a selected cell (limits: 32 / 255 characters)."""
    if text:
        dv.promptTitle, dv.prompt, dv.showInputMessage = title[:32], text[:255], True
    return dv


def field_rule(view: FormView, f) -> str:
    """What a field accepts, in words — the same declaration the importer checks against."""
    if f.type == "bool":
        return f"填“{view.vocab.yes}”或“{view.vocab.no}”"
    if f.type == "choice":
        return "从下拉列表选择：" + "、".join(f.choices)
    if f.type == "date":
        rng = f"，{f.min_date}～{f.max_date}" if f.min_date and f.max_date else ""
        return f"日期，如 2025-06-30 或 2025年6月（按月底）{rng}"
    if f.type == "dept_list":
        return f"部门名称，多个用顿号“、”分隔，不超过 {f.max_length} 字" if f.max_length else "部门名称，多个用顿号“、”分隔"
    return f"文字，不超过 {f.max_length} 字" if f.max_length else "文字"


def _validation(view: FormView, f, lists: dict[str, str]) -> DataValidation | None:
    """The cell rule of one field column, from its declaration (forms/fields.yaml)."""
    rule = field_rule(view, f)
    if f.key in lists:
        dv = DataValidation(type="list", formula1=lists[f.key], allow_blank=True,
                            error=f"请从下拉列表中选择{f.label}", errorTitle=f.label, showErrorMessage=True)
    elif f.type == "date" and f.min_date and f.max_date:
        lo, hi = f.min_date, f.max_date
        dv = DataValidation(type="date", operator="between", formula1=f"DATE({lo.year},{lo.month},{lo.day})",
                            formula2=f"DATE({hi.year},{hi.month},{hi.day})", allow_blank=True,
                            error=f"请填写 {lo}～{hi} 之间的日期，如 2025-06-30", errorTitle=f.label, showErrorMessage=True)
    elif f.max_length:
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(f.max_length),
                            allow_blank=True, error=f"{f.label}不超过 {f.max_length} 字", errorTitle=f.label,
                            showErrorMessage=True)
    else:
        dv = DataValidation(allow_blank=True)
    return _prompt(dv, f.label, "；".join(x for x in (f.help, rule) if x))


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
            put(ws, r, col, v, border=False, wrap=False)
        name = f"list_{f.key}"
        letter = get_column_letter(col)
        wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(LISTS)}!${letter}$1:${letter}${len(choices)}")
        names[f.key] = name
    return names


def paragraphs(text: str | None) -> list[tuple[bool, str]]:
    """封面 rows of a long text: (continues the row above without a line break, text)."""
    out: list[tuple[bool, str]] = []
    for line in (text or "").split("\n"):
        first = True
        while first or line:
            out.append((not first, line[:PARAGRAPH_CHUNK]))
            line, first = line[PARAGRAPH_CHUNK:], False
    return out or [(False, "")]


def _cover(wb, catalog: Catalog, view: FormView, info: dict, sections: dict, draft: bool, blank: bool):
    ws = wb.active
    ws.title = COVER
    _title(ws, f"{view.form.title}落实情况报送表" + (DRAFT_MARK if draft else ""), 2)
    put(ws, 2, 1, f"依据：{view.form.full_title}{'（' + view.form.doc_no + '）' if view.form.doc_no else ''}",
        border=False)
    ws.merge_cells("A2:B2")
    ws.row_dimensions[2].height = 36
    for col, w in enumerate(COVER_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    row = 3
    rows = {}
    for key, label in COVER_FIELDS:
        put(ws, row, 1, label).font = Font(bold=True)
        c = put(ws, row, 2, info.get(key), input_cell=key != "filing")
        c.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        ws.row_dimensions[row].height = 20
        rows[key] = row
        row += 1
    choices = {"kind": view.form.plan_kinds, "school_type": catalog.vocab.school_types,
               "unit_kind": [catalog.vocab.label(k) for k in catalog.vocab.data.unit_kinds]}
    for key, values in choices.items():
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        ws.add_data_validation(dv)
        dv.add(f"B{rows[key]}")
    prompts = {"parent_code": "上级单位的代码：学校填所属市州或县区的6位行政区划代码（如兰州市 620100）",
               "parent_name": "上级单位名称，如 兰州市", "school_code": "10位学校标识码",
               "credit_code": "18位统一社会信用代码", "year": "4位年份，如 2025",
               "contact_phone": "手机11位，或 区号-号码；请按文本填写，以免丢失开头的 0"}
    for key, text in prompts.items():
        dv = _prompt(DataValidation(allow_blank=True), dict(COVER_FIELDS)[key], text)
        ws.add_data_validation(dv)
        dv.add(f"B{rows[key]}")
    for sec in catalog.base_fields.sections:
        for k, (cont, text) in enumerate(paragraphs(sections.get(sec.key))):
            put(ws, row, 1, sec.label if k == 0 else (CONTINUED if cont else None)).font = Font(bold=k == 0)
            put(ws, row, 2, text or None, input_cell=True)
            h = max(20, LINE_PT * lines_needed(text, COVER_WIDTHS[1]) + 4)
            ws.row_dimensions[row].height = min(409, 90 if blank else h)
            row += 1
    _page(ws, "1:1", landscape=False)


def _tasks(wb, view: FormView, values: dict, lists: dict[str, str], kind: str | None):
    ws = wb.create_sheet(TASKS)
    fields = table_fields(view)
    labels = [label for label, _w in FIXED] + [f.label for f in fields]
    # the title spans the columns every printed page repeats, so no page shows it cut
    _title(ws, view.form.title + (f"（{kind}）" if kind else ""), REPEATED, Alignment(horizontal="left", vertical="center"))
    _header(ws, 2, labels)
    ws.row_dimensions[2].height = 30
    widths = [w for _l, w in FIXED] + [field_width(f) for f in fields]
    for col, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    first_field = len(FIXED) + 1
    for r, item in enumerate(view.items, 3):
        put(ws, r, 1, item.no).alignment = CENTER
        put(ws, r, 2, item.text)
        put(ws, r, 3, item.units_text)
        kinds = [k for k in view.form.plan_kinds if view.must_answer(item.no, k)]
        must = view.must_answer(item.no, kind) if kind else bool(kinds)
        need = (MUST if kind else "、".join(kinds) + MUST) if must else OPTIONAL
        c = put(ws, r, 4, need)
        c.alignment = CENTER
        if must:
            c.fill, c.font = MUST_FILL, Font(bold=True)
        vals = values.get(item.no, {})
        for col, f in enumerate(fields, first_field):
            v = vals.get(f.key)
            if f.type == "date" and v:
                v = dt.date.fromisoformat(v)
            c = put(ws, r, col, v, input_cell=True)
            if f.type == "date":
                c.number_format = DATE_FORMAT
            elif f.type in ("bool", "choice"):
                c.alignment = CENTER
        fit_height(ws, r, widths)
    last = 2 + len(view.items)
    for col, f in enumerate(fields, first_field):
        letter = get_column_letter(col)
        dv = _validation(view, f, lists)
        ws.add_data_validation(dv)
        dv.add(f"{letter}3:{letter}{last}")
        name = COLUMN_NAME.format(key=f.key)
        wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(TASKS)}!${letter}:${letter}")
    ws.freeze_panes = ws.cell(3, first_field)
    _page(ws, "1:2", fit_width=False)
    ws.print_title_cols = f"A:{get_column_letter(REPEATED)}"
    ws.page_setup.pageOrder = "overThenDown"  # each block of rows: its first page, then the columns to its right
    ws.page_setup.scale = PRINT_SCALE
    for col in pages_of(widths):
        ws.col_breaks.append(Break(id=col))
    return [f.key for f in fields]


def indicator_rule(ind) -> str:
    top = f"，不超过 {fmt.number(ind.max_value)}" if ind.max_value is not None else ""
    pct = "（如 2% 填 2）" if ind.kind == "percent" else ""
    return f"填数字，单位：{ind.unit}{pct}，不小于 0{top}"


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
            dv = DataValidation(type="decimal", operator="between" if ind.max_value is not None else "greaterThanOrEqual",
                                formula1="0", formula2=None if ind.max_value is None else fmt.number(ind.max_value),
                                allow_blank=True, error=indicator_rule(ind), errorTitle=ind.name[:32],
                                showErrorMessage=True)
            _prompt(dv, ind.name, indicator_rule(ind))
            ws.add_data_validation(dv)
            dv.add(f"E{r}:F{r}")
            fit_height(ws, r, widths)
            r += 1
    ws.freeze_panes = "A3"
    _page(ws, "1:2")


def _explanations(wb, view: FormView, snap: PlanSnapshot | None, blank_rows: int):
    """说明: each warning the unit answered, with its answer — they travel with the filing."""
    from ..core.validation import validate

    ws = wb.create_sheet(EXPLANATIONS)
    _title(ws, f"{view.form.title} 说明（对校验提示的说明，含不适用的理由）", 3)
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
    for r in range(r, r + blank_rows):  # room for a unit filling the template by hand
        put(ws, r, 1, None, input_cell=True)
        put(ws, r, 3, None, input_cell=True)
    dv = _prompt(DataValidation(allow_blank=True), "说明",
                 "填写任务序号和说明（如第7项不适用的理由）；导入时说明归入该项的校验提示")
    ws.add_data_validation(dv)
    dv.add(f"A3:A{r}")
    ws.freeze_panes = "A3"
    _page(ws, "1:2")


def _evidence(wb, snap: PlanSnapshot | None):
    """佐证材料: each attached file by name, size and SHA-256 (the files travel in a 报送包)."""
    ws = wb.create_sheet(EVIDENCE)
    _title(ws, "佐证材料清单（文件本身随报送包提供）", len(EVIDENCE_HEADERS))
    _header(ws, 2, list(EVIDENCE_HEADERS))
    for col, w in enumerate((6, 50, 14, 68), 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    for r, e in enumerate(sorted(snap.evidence if snap else [], key=lambda e: (e.item_no, e.name, e.sha256)), 3):
        put(ws, r, 1, e.item_no).alignment = CENTER
        put(ws, r, 2, e.name)
        put(ws, r, 3, e.size)
        put(ws, r, 4, e.sha256, wrap=False)
    ws.freeze_panes = "A3"
    _page(ws, "1:2")


def guide_lines(catalog: Catalog, view: FormView, kind: str | None) -> list[tuple[str, str]]:
    """填表说明 as (heading, text) rows, from the same declarations the importer checks."""
    v = catalog.vocab
    out = [("一、封面", "")]
    out += [("单位名称、单位代码", "与本机单位名录一致；学校的单位代码一般为学校标识码。"),
            ("上级单位代码、上级单位", "学校填所属市州或县区的6位行政区划代码和名称（如 620100 兰州市）；导入时按此放在上级单位之下，"
                                    "与名录不符的报送表不予导入。"),
            ("单位类型", "、".join(v.label(k) for k in v.data.unit_kinds)),
            ("学校类别", "、".join(v.school_types)), ("学校标识码", "10位数字"), ("统一社会信用代码", "18位"),
            ("方案类型", "、".join(view.form.plan_kinds)), ("年度", "4位年份"),
            ("联系电话", "手机11位，或 区号-号码（按文本填写）")]
    out += [(s.label, (s.help or "") + f"（不超过 {s.max_length} 字，可分段）") for s in catalog.base_fields.sections]
    out.append(("二、任务清单", "每项任务一行，按“序号”识别；请勿合并单元格、勿使用公式，可增删可选列或调整行序。"))
    for f in table_fields(view):
        need = "必填" if f.required else ("适用时必填" if f.required_when else "选填")
        out.append((f.label, f"{need}；{field_rule(view, f)}" + (f"。{f.help}" if f.help else "")))
    if kind:
        nos = [str(it.no) for it in view.items if view.must_answer(it.no, kind)]
        out.append((f"{kind}须填报的任务", ("第" + "、".join(nos) + "项") if nos else "无（均为选填）"))
        out.append(("其余任务", "选填：本单位承担的，可一并填写。"))
    out.append(("三、指标", "填数字，不带单位；百分比指标填百分数的数值（如 2% 填 2）。"))
    for it in view.items:
        for ind in it.indicators:
            out.append((f"第{it.no}项 {ind.name}", indicator_rule(ind)))
    out.append(("四、说明", "对校验提示（如逾期、未达目标、不适用的理由）的说明：填写任务序号和说明。"))
    out.append(("五、佐证材料", "由本软件导出时自动列出（文件名、大小、SHA-256）；文件本身随“报送包”（.zip）报送。"))
    return out


def _guide(wb, catalog: Catalog, view: FormView, kind: str | None):
    ws = wb.create_sheet(GUIDE)
    _title(ws, f"填表说明（{view.form.title}{'，' + kind if kind else ''}）", 2)
    for col, w in enumerate((26, 74), 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    for r, (head, text) in enumerate(guide_lines(catalog, view, kind), 2):
        put(ws, r, 1, head).font = Font(bold=not text)
        put(ws, r, 2, text or None)
        fit_height(ws, r, [26, 74])
    _page(ws, "1:1", landscape=False)


def _meta(wb, pairs: dict):
    ws = wb.create_sheet(META)
    ws.sheet_state = "veryHidden"
    for r, (k, v) in enumerate(pairs.items(), 1):
        put(ws, r, 1, k, border=False, wrap=False)
        put(ws, r, 2, "" if v is None else str(v), border=False, wrap=False)


def _filing_text(snap: PlanSnapshot | None, draft: bool) -> str:
    if snap is None:
        return ""
    sub = snap.submission
    if draft or sub is None:
        return "草稿（未报送）"
    return f"第{sub.number}次报送（{sub.made_at:%Y-%m-%d}）"


def build_workbook(catalog: Catalog, view: FormView, snap: PlanSnapshot | None, *, draft: bool,
                   kind: str | None = None) -> Workbook:
    """The 报送表 of ``snap`` (None: the blank template, for ``kind`` if given)."""
    values = snap.values if snap else {}
    indicators = snap.indicators if snap else {}
    sections = snap.sections if snap else {}
    u, p = (snap.unit, snap.plan) if snap else (None, None)
    kind = p.kind if p else kind
    info = {"kind": kind} if snap is None else dict(
        unit_name=u.name, unit_code=u.code, unit_kind=catalog.vocab.label(u.kind), parent_code=u.parent_code,
        parent_name=u.parent_name, school_type=u.school_type, school_code=u.school_code, credit_code=u.credit_code,
        kind=p.kind, year=p.year, contact_person=u.contact_person, contact_phone=u.contact_phone,
        filing=_filing_text(snap, draft))
    wb = Workbook()
    _cover(wb, catalog, view, info, sections, draft and snap is not None, snap is None)
    lists = _lists(wb, view)
    columns = _tasks(wb, view, values, lists, kind)
    _indicators(wb, view, indicators)
    _explanations(wb, view, snap, BLANK_EXPLAIN_ROWS if snap is None else 5)
    _evidence(wb, snap)
    _guide(wb, catalog, view, kind)
    wb.move_sheet(LISTS, offset=len(wb.sheetnames))
    sub = None if (snap is None or draft) else snap.submission
    chain = list(sub.history) if sub else []
    _meta(wb, {
        "format": FORMAT, "form_id": view.id, "form_version": view.form.version, "form_hash": view.hash,
        "plan_uuid": p.uuid if p else "", "state": "" if snap is None else (PlanState.DRAFT if sub is None else PlanState.SUBMITTED).value,
        "submission_no": sub.number if sub else "", "submission_uuid": sub.uuid if sub else "",
        "history": ",".join(chain), "unit_code": info.get("unit_code") or "", "unit_kind": u.kind if u else "",
        "year": info.get("year") or "", "plan_kind": kind or "", "app_version": __version__,
        "exported_at": dt.datetime.now().replace(microsecond=0).isoformat(), "columns": ",".join(columns),
        "sha256": snap.content_hash if snap else "",
    })
    wb.active = 0
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def filing_bytes(catalog: Catalog, snap: PlanSnapshot, *, draft: bool) -> bytes:
    """The 报送表 of a snapshot as bytes (a 报送包 holds it beside the Word file)."""
    return workbook_bytes(build_workbook(catalog, catalog.get(snap.plan.form_id), snap, draft=draft))


def default_filename(snap: PlanSnapshot, draft: bool = False) -> str:
    p = snap.plan
    return safe_filename(f"{p.unit_name}{p.year}年“{p.kind}”报送表（{p.form_id}）{'（草稿）' if draft else ''}") + ".xlsx"


def rendered(catalog: Catalog):
    """``(snapshot, draft) -> (file name, bytes)`` for core.package.export_package."""
    return lambda snap, draft: (default_filename(snap, draft), filing_bytes(catalog, snap, draft=draft))


def export_plan_xlsx(store, plan_ref, out, *, draft: bool = False) -> Path:
    """The filing workbook of one plan: formal (its latest submission, made now if needed) or a draft."""
    lc = store.lifecycle
    snap = lc.draft_snapshot(plan_ref) if draft else lc.formal_snapshot(plan_ref)
    wb = build_workbook(store.catalog, store.catalog.for_plan(snap.plan), snap, draft=draft)
    return save_atomic(out, wb.save)


def export_template(catalog: Catalog, form_id: str, out, kind: str | None = None) -> Path:
    """The blank template a unit without the app fills in Excel or WPS (no identity).

    ``kind`` (一校一策 …): mark the items that kind must answer (须填报) and pre-fill 方案类型."""
    from ..core.errors import InputError

    view = catalog.get(form_id)
    if kind is not None and kind not in view.form.plan_kinds:
        raise InputError(f"清单「{form_id}」没有「{kind}」方案类型（可用：{'、'.join(view.form.plan_kinds)}）")
    return save_atomic(out, build_workbook(catalog, view, None, draft=False, kind=kind).save)
