"""Bulk import of 报送表 (.xlsx) and 报送包 (.zip): check every file whole, then hand it to the core.

A file with any error is rejected whole with messages naming file, sheet and cell; the
database is not touched by it. Every value is stored as the person meant it, or refused, or
stored with a warning naming the cell: a "2%" cell is 2 for a percentage indicator, a merged
牵头部门 is filled down to each item it covers (warned), zero-width characters pasted from Word
are removed (warned), full-width digits are read, a formula is quoted as typed. Headers are
matched by label (「完成时限（年月日）」 is 完成时限), by the column's hidden name, or by field key;
optional columns may be deleted and rows sorted or inserted. Values go through the same
parsers as the GUI and CLI (``core.store.plans.check_edit``). What the file *is* (new submission,
the same again, older, a draft) and where its unit belongs is decided by the core
(``store.receiving``), not here.

Each file costs bounded time and memory (core.zipsafe bounds what a reader may allocate; the
hostile corpus in tests/test_hostile.py measures it), and no file can stop the batch. A big batch
is checked in worker processes (core.parallel; checking needs only the catalog), each result
coming back in file order to be received here; a file that crashes its worker is refused alone.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import pickle
import re
from concurrent.futures import Future, ThreadPoolExecutor
import uuid as uuidlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy.pool import SingletonThreadPool

from ..core import fmt, ids, zipsafe
from ..core.catalog.loader import normalise
from ..core.edits import Edit, Kind, Ref
from ..core.errors import Cancelled, InputError, UnknownUnit
from ..core.jobs import Job
from ..core.package import Package, is_package, read_package
from ..core.parallel import WorkersUnavailable, ordered_map, usable_cpus
from ..core.store.models import Unit
from ..core.store.plans import check_edit
from ..core.store.receiving import Incoming
from ..core.store.units import LABELS as UNIT_LABELS
from ..core.store.units import check_lengths
from ..core.text import clean_input, cut, for_terminal
from ..core.validation import validate
from ..core.values import halfwidth, is_blank
from ..core.vocab import Outcome, PlanState, UnitKind
from .layout import (
    COLUMN_NAME, CONTINUED, COVER, COVER_FIELDS, EVIDENCE, EVIDENCE_HEADERS, EXPLAIN_HEADERS, EXPLANATIONS,
    IND_HEADERS, INDICATORS, META, NEED, NO, TASKS, TEXT, UNITS, header_key, table_fields,
)
from .reading import Formula, read_book

EXCEL_CELL_LIMIT = 32_767
MAX_MESSAGES = 30
READER = "calamine"  # bench/bench_import.py: 1,000 files in 15 s vs 36 s with openpyxl read-only
SUFFIXES = (".xlsx", ".zip")
AHEAD = 50  # files checked before they are received together (memory: a few MB)
AHEAD_BYTES = 32 * 1024 * 1024  # … or fewer, when their 报送包 carry this much evidence (two runs in memory)
_SHA = re.compile(r"[0-9a-f]{64}")
_COLUMN_REF = re.compile(r"^'?(.+?)'?!\$?([A-Z]{1,3})(?::\$?([A-Z]{1,3}))?$")
SHEETS = frozenset((META, COVER, TASKS, INDICATORS, EXPLANATIONS, EVIDENCE))  # the sheets an import reads
_CODE_FIELDS = ("unit_code", "parent_code", "school_code", "credit_code", "contact_phone", "year")


@dataclass(slots=True)  # a province's import holds one per file: 10,000 of them
class FileResult:
    path: str
    outcome: Outcome = Outcome.REJECTED
    unit_code: str | None = None
    unit_name: str | None = None
    plan_uuid: str | None = None
    submission_no: int | None = None
    counts: dict = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)  # why it was refused (file, sheet!cell)
    warnings: list[str] = field(default_factory=list)
    unknown_unit: dict | None = None  # refused only because its unit is not in the registry (the cover's unit)


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.cancelled and all(f.outcome != Outcome.REJECTED for f in self.files)


class Rejected(Exception):
    """Stop checking this file (errors are already in the result)."""


def where(sheet: str | None, row: int | None = None, col: int | None = None,
          last: tuple[int, int] | None = None) -> str:
    """任务清单!H15, or a range 任务清单!G5:G6."""
    if not sheet:
        return ""
    if not (row and col):
        return f" {sheet}"
    cell = f"{zipsafe.column_letters(col)}{row}"
    if last and last != (row, col):
        cell += f":{zipsafe.column_letters(last[1])}{last[0]}"
    return f" {sheet}!{cell}"


class _Check:
    """Collects errors and warnings of one file, each naming file, sheet and cell."""

    def __init__(self, name: str, result: FileResult):
        self.name, self.result = name, result
        self.warned = 0

    def error(self, msg: str, sheet: str | None = None, row: int | None = None, col: int | None = None, last=None):
        if len(self.result.messages) < MAX_MESSAGES:
            self.result.messages.append(for_terminal(f"{self.name}{where(sheet, row, col, last)}：{msg}"))
        elif len(self.result.messages) == MAX_MESSAGES:
            self.result.messages.append(f"{for_terminal(self.name)}：错误过多，其余未列出")

    def warn(self, msg: str, sheet: str | None = None, row: int | None = None, col: int | None = None, last=None):
        self.warned += 1
        if self.warned <= MAX_MESSAGES:
            self.result.warnings.append(for_terminal(f"{self.name}{where(sheet, row, col, last)}：{msg}"))
        elif self.warned == MAX_MESSAGES + 1:
            self.result.warnings.append(f"{for_terminal(self.name)}：提示过多，其余未列出")

    def fail(self, msg: str, sheet: str | None = None, row: int | None = None, col: int | None = None):
        self.error(msg, sheet, row, col)
        raise Rejected()


def _cell(rows, r, c):
    if c is None:
        return None
    row = rows[r - 1] if r - 1 < len(rows) else []
    return row[c - 1] if c - 1 < len(row) else None


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _find_header(rows, label: str, limit: int = 10) -> int | None:
    for r in range(1, min(limit, len(rows)) + 1):
        if any(header_key(v) == label for v in rows[r - 1]):
            return r
    return None


def _meta(book) -> dict:
    return {_text(r[0]): _text(r[1] if len(r) > 1 else None) for r in book.get(META, []) if r and r[0]}


# ------------------------------------------------------------------ one cell
def _value(chk: _Check, sheet: str, r: int, c: int, v, label: str):
    """A cell as the person meant it, or ``None`` after an error; text cleaned (warned)."""
    if isinstance(v, Formula):
        chk.error(f"{label}应填写数值或文字，不能是公式「{cut(v, 40)}」", sheet, r, c)
        return None
    if isinstance(v, str):
        if len(v) > EXCEL_CELL_LIMIT:
            chk.error(f"{label}内容过长（{len(v)} 字），超过单元格上限 {EXCEL_CELL_LIMIT} 字", sheet, r, c)
            return None
        cleaned = clean_input(v)
        if cleaned != v.replace("\r\n", "\n").replace("\r", "\n"):
            chk.warn(f"{label}含有不可见字符或控制字符（如从 Word 粘贴的零宽空格），已删除", sheet, r, c)
        return cleaned
    return v


def _edit(catalog, view, chk, edits, sheet, r, c, e: Edit):
    try:
        v = check_edit(catalog, view, e)
    except InputError as err:
        chk.error(str(err), sheet, r, c)
        return
    if v is not None:
        edits.append(Edit(e.ref, v))  # canonical from here on


def _item_no(v, view, chk, sheet, r, c) -> int | None:
    if isinstance(v, str):
        v = halfwidth(v).strip().removeprefix("第").removesuffix("项")
    try:
        no = int(v) if not isinstance(v, float) or v.is_integer() else None
    except (TypeError, ValueError):
        no = None
    if no is None or no not in view.item_map:
        chk.error(f"序号「{cut(_text(v), 20)}」不是本清单的任务序号（1～{len(view.items)}）", sheet, r, c)
        return None
    return no


def _merged(chk: _Check, book, sheet: str, rows: list[list], first_row: int, fields: dict[int, str],
            key_col: int | None) -> None:
    """Merged cells over input columns: a vertical merge is filled down (warned), any other refused."""
    for r0, c0, r1, c1 in book.merges(sheet):
        if r1 < first_row or (r0 == r1 and c0 == c1):
            continue
        inputs = [c for c in range(c0, c1 + 1) if c in fields]
        if c1 > c0 and inputs:
            labels = "」「".join(fields[c] for c in inputs)
            chk.error(f"合并单元格跨越多列（「{labels}」），无法判断各列的值，请取消合并后逐格填写", sheet, r0, c0, (r1, c1))
        elif c0 == key_col and r1 > r0:
            chk.error("序号列有合并单元格：每项任务须单独占一行", sheet, r0, c0, (r1, c1))
        elif inputs and r1 > r0:
            top = _cell(rows, r0, c0)
            if is_blank(top):
                continue
            for r in range(r0 + 1, r1 + 1):
                while len(rows) < r:
                    rows.append([])
                row = rows[r - 1]
                row.extend([None] * (c0 - len(row)))
                row[c0 - 1] = top
            chk.warn(f"「{fields[c0]}」为合并单元格，已把「{cut(_text(top), 20)}」填入所合并的每一行（第{r0}～{r1}行），请核对",
                     sheet, r0, c0, (r1, c1))


# ------------------------------------------------------------------ the form
IMPORT_FORM_FIRST = "请先导入该清单（文件 → 导入清单…，或 yice forms import 清单文件）再导入报送表"


def _identify(cat, book, meta: dict, chk: _Check):  # noqa: C901 - one decision list
    """The form of the file: from _meta (id, version and content hash of the checklist it was
    filled against), or for a hand-made copy from the 任务清单 layout."""
    if meta.get("form_id"):
        fid, ver = meta["form_id"], meta.get("form_version", "")
        if fid not in cat.forms:
            chk.fail(f"未知的清单「{cut(fid, 64)}」：本机没有这份清单，{IMPORT_FORM_FIRST}")
        if not ver.isdigit():
            chk.fail(f"清单「{cat.forms[fid].form.title}」的版本「{cut(ver, 20)}」无效（_meta 工作表被改动过？）")
        try:
            view = cat.get(fid, int(ver))
        except KeyError:
            have = "、".join(f"第{v}版" for v in cat.versions_of(fid))
            chk.fail(f"报送表所用清单「{cat.forms[fid].form.title}」的版本「{ver}」本机没有（本机有{have}）：{IMPORT_FORM_FIRST}")
        claimed = meta.get("form_hash")
        if claimed and claimed != view.hash:
            chk.fail(f"报送表所用的清单「{view.form.title}」第{ver}版与本机的同版清单内容不同（校验值不符）："
                     f"{IMPORT_FORM_FIRST}，或向发文单位核实")
        return view
    rows = book.get(TASKS) or []
    hr = _find_header(rows, NO)
    if hr:
        hdr = {header_key(v): c for c, v in enumerate(rows[hr - 1], 1) if header_key(v)}
        c_no, c_text = hdr.get(NO, 1), hdr.get(TEXT, 2)
        texts = {normalise(_text(_cell(rows, r, c_text))) for r in range(hr + 1, len(rows) + 1)
                 if _text(_cell(rows, r, c_no))}
        for view in cat.versions.values():
            if normalise(view.items[0].text) in texts and normalise(view.items[-1].text) in texts:
                return view
    chk.fail("无法识别报送表：缺少隐藏的 _meta 工作表，且任务清单与已知清单都不一致")


def _named_columns(book, sheet: str) -> dict[str, int]:
    """Field key → column from the workbook's defined names (``yice.KEY`` → 任务清单!$E:$E)."""
    out = {}
    prefix = COLUMN_NAME.format(key="")
    for name, ref in book.scan.defined_names.items():
        if not name.startswith(prefix):
            continue
        m = _COLUMN_REF.match(ref.strip())
        if m and m[1].strip("'") == sheet:
            out[name[len(prefix):]] = zipsafe.col_number(m[2])
    return out


def _columns(chk: _Check, book, view, rows, hr) -> tuple[dict, int, int | None]:
    """{field key: (column, decl)}, the 序号 column and the 政策内容 column of 任务清单."""
    heads: dict[str, list[int]] = {}
    for c, v in enumerate(rows[hr - 1], 1):
        k = header_key(v)
        if k:
            heads.setdefault(k, []).append(c)
    fields = table_fields(view)
    by_label = {f.label: f for f in fields}
    named = _named_columns(book, TASKS)
    cols: dict[str, tuple[int, object]] = {}
    for f in fields:
        found = heads.get(f.label) or heads.get(f.key) or []
        if len(found) > 1:
            chk.error(f"「{f.label}」列重复（第{'、'.join(zipsafe.column_letters(c) for c in found)}列）", TASKS, hr, found[1])
            continue
        if found:
            cols[f.key] = (found[0], f)
            continue
        c = named.get(f.key)
        head = header_key(_cell(rows, hr, c)) if c else ""
        if c and head and head not in by_label:
            cols[f.key] = (c, f)
            chk.warn(f"表头「{cut(head, 20)}」按文件内的列标识识别为「{f.label}」", TASKS, hr, c)
        elif f.required or f.required_when:
            chk.error(f"缺少「{f.label}」列（必填）", TASKS, hr, 1)
        else:
            chk.warn(f"缺少「{f.label}」列（选填），按未填写处理")
    no_col = (heads.get(NO) or [1])[0]
    text_col = (heads.get(TEXT) or [None])[0]
    known = {NO, TEXT, UNITS, NEED} | set(by_label) | {f.key for f in fields}
    used = {c for c, _f in cols.values()}
    for head, cs in heads.items():
        for c in cs:
            if c in used or head in known:
                continue
            if any(not is_blank(_cell(rows, r, c)) for r in range(hr + 1, len(rows) + 1)):
                chk.warn(f"「{cut(head, 20)}」列不是报送表的列，其中内容未导入", TASKS, hr, c)
    return cols, no_col, text_col


def _tasks(catalog, view, book, chk: _Check, edits: list[Edit]) -> int:
    rows = [list(r) for r in book[TASKS]]
    hr = _find_header(rows, NO)
    if hr is None:
        chk.fail("找不到表头（「序号」所在行）", TASKS)
    cols, no_col, text_col = _columns(chk, book, view, rows, hr)
    if chk.result.messages:
        raise Rejected()
    by_col = {c: f.label for c, f in cols.values()}
    _merged(chk, book, TASKS, rows, hr + 1, by_col, no_col)
    texts = {normalise(it.text): it.no for it in view.items}
    seen: dict[int, int] = {}
    for r in range(hr + 1, len(rows) + 1):
        row = rows[r - 1]
        if all(is_blank(v) for v in row):
            continue
        no_v = _cell(rows, r, no_col)
        if is_blank(no_v):
            if any(not is_blank(_cell(rows, r, c)) for c, _ in cols.values()):
                chk.error("此行填写了内容但没有序号", TASKS, r, no_col)
            continue
        no = _item_no(no_v, view, chk, TASKS, r, no_col)
        if no is None:
            continue
        if no in seen:
            chk.error(f"序号 {no} 重复（第{seen[no]}行已有）", TASKS, r, no_col)
            continue
        seen[no] = r
        text = normalise(_text(_cell(rows, r, text_col))) if text_col else ""
        if text and text != normalise(view.item_map[no].text):
            other = texts.get(text)
            if other is not None:
                chk.error(f"序号 {no} 所在行的政策内容是第{other}项的：行的顺序被打乱（排序时未选中整行？），请核对",
                          TASKS, r, no_col)
                continue
            chk.warn(f"第{no}项的政策内容与清单原文不同，已按序号导入", TASKS, r, text_col)
        for key, (c, f) in cols.items():
            v = row[c - 1] if c - 1 < len(row) else None
            if v is None:  # an empty cell (most of a plan): nothing to clean or check
                continue
            v = _value(chk, TASKS, r, c, v, f.label)
            if is_blank(v):
                continue
            if book.percent(TASKS, r, c) and isinstance(v, (int, float)) and not isinstance(v, bool):
                v = f"{_times_100(v)}%"  # what the cell shows
            if f.type == "date" and isinstance(v, (int, float)) and not isinstance(v, bool):
                chk.warn(f"{f.label}填写的是数字 {fmt.number(v)}，已按 Excel 日期序号理解，请核对", TASKS, r, c)
            _edit(catalog, view, chk, edits, TASKS, r, c, Edit(Ref.field(no, key), v))
    return len(seen)


def _times_100(v) -> float | int:
    """0.02 → 2 exactly (a percent cell holds the share; float arithmetic would give 2.0000000000000004)."""
    d = Decimal(repr(float(v))) * 100
    return int(d) if d == d.to_integral_value() else float(d)


def _indicators(catalog, view, book, chk: _Check, edits: list[Edit]) -> None:
    if not any(it.indicators for it in view.items):
        return
    if INDICATORS not in book:
        chk.fail(f"缺少工作表「{INDICATORS}」")
    rows = [list(r) for r in book[INDICATORS]]
    hr = _find_header(rows, IND_HEADERS[1])
    if hr is None:
        chk.fail("找不到表头（「指标」所在行）", INDICATORS)
    header = {header_key(v): c for c, v in enumerate(rows[hr - 1], 1) if header_key(v)}
    need = {h: header.get(h) for h in (IND_HEADERS[0], IND_HEADERS[1], IND_HEADERS[4], IND_HEADERS[5])}
    missing = [h for h, c in need.items() if c is None]
    if missing:
        chk.fail(f"缺少「{'」「'.join(missing)}」列", INDICATORS)
    c_no, c_name, c_t, c_a = need.values()
    _merged(chk, book, INDICATORS, rows, hr + 1, {c_t: IND_HEADERS[4], c_a: IND_HEADERS[5]}, c_no)
    seen: dict[str, int] = {}
    for r in range(hr + 1, len(rows) + 1):
        if all(is_blank(v) for v in rows[r - 1]):
            continue
        no = _item_no(_cell(rows, r, c_no), view, chk, INDICATORS, r, c_no)
        if no is None:
            continue
        name = normalise(clean_input(_text(_cell(rows, r, c_name))))
        ind = next((i for i in view.item_map[no].indicators if normalise(i.name) == name), None)
        if ind is None:
            chk.error(f"第{no}项没有指标「{cut(name, 30)}」", INDICATORS, r, c_name)
            continue
        if ind.key in seen:
            chk.error(f"指标「{cut(name, 30)}」重复（第{seen[ind.key]}行已有）", INDICATORS, r, c_name)
            continue
        seen[ind.key] = r
        for which, c in (("target", c_t), ("actual", c_a)):
            label = IND_HEADERS[4 if which == "target" else 5]
            v = _value(chk, INDICATORS, r, c, _cell(rows, r, c), label)
            if is_blank(v):
                continue
            if isinstance(v, (int, float)) and not isinstance(v, bool) and book.percent(INDICATORS, r, c):
                if ind.kind != "percent" and ind.unit not in ("%", "％"):
                    chk.error(f"单元格为百分比格式（显示为 {fmt.number(_times_100(v))}%），而「{ind.name}」的单位是"
                              f"「{ind.unit}」：请改为常规格式后填写数字", INDICATORS, r, c)
                    continue
                v = _times_100(v)  # the person sees 2%, the cell holds 0.02
            elif isinstance(v, (int, float)) and not isinstance(v, bool) and ind.kind == "percent" and 0 < v < 1:
                chk.warn(f"「{ind.name}」填写 {fmt.number(v)}（单位 %）；如指 {fmt.number(_times_100(v))}% 请填写 "
                         f"{fmt.number(_times_100(v))}", INDICATORS, r, c)
            ref = Ref.target(no, ind.key) if which == "target" else Ref.actual(no, ind.key)
            _edit(catalog, view, chk, edits, INDICATORS, r, c, Edit(ref, v))


def _explanations(view, book, chk: _Check) -> tuple[dict, list]:
    """说明 rows: {(item, rule, field): text}, and [(item, text, row)] written without a rule key."""
    rows = book.get(EXPLANATIONS)
    if not rows:
        return {}, []
    hr = _find_header(rows, EXPLAIN_HEADERS[2])
    if hr is None:
        chk.fail("找不到表头（「说明」所在行）", EXPLANATIONS)
    header = {header_key(v): c for c, v in enumerate(rows[hr - 1], 1) if header_key(v)}
    c_no, c_text, c_rule, c_field = (header.get(h) for h in (EXPLAIN_HEADERS[0], EXPLAIN_HEADERS[2],
                                                             EXPLAIN_HEADERS[3], EXPLAIN_HEADERS[4]))
    if c_no is None or c_text is None:
        chk.fail("缺少「序号」或「说明」列", EXPLANATIONS)
    rules = {r.id for r in view.rules}
    out: dict = {}
    loose: list = []
    for r in range(hr + 1, len(rows) + 1):
        text = _value(chk, EXPLANATIONS, r, c_text, _cell(rows, r, c_text), "说明")
        if all(is_blank(v) for v in rows[r - 1]) or (is_blank(text) and is_blank(_cell(rows, r, c_no))):
            continue
        no = _item_no(_cell(rows, r, c_no), view, chk, EXPLANATIONS, r, c_no)
        rule, fkey = _text(_cell(rows, r, c_rule)), _text(_cell(rows, r, c_field))
        if no is None or is_blank(text):
            continue
        text = _text(text)
        if len(text) > 2000:
            chk.error(f"说明过长（{len(text)} 字），最多 2000 字", EXPLANATIONS, r, c_text)
        elif not rule:
            loose.append((no, text, r))
        elif rule not in rules:
            chk.error(f"规则「{cut(rule, 30)}」不是本清单的校验规则", EXPLANATIONS, r, c_rule)
        else:
            out[(no, rule, fkey)] = text
    return out, loose


def _place_loose(view, kind, edits, explanations: dict, loose: list, chk: _Check) -> None:
    """A 说明 written by hand (序号 and text only) answers the warnings of that item."""
    if not loose:
        return
    from ..core.store.receiving import Content, content_of

    values, inds, secs = content_of(edits)
    data = Content(values, inds, explanations)
    open_ = [p for p in validate(view, kind, data) if p.severity == "warning" and not p.explained] if kind else []
    for no, text, r in loose:
        mine = [p for p in open_ if p.item_no == no]
        if not mine:
            chk.warn(f"第{no}项没有需要说明的校验提示，此说明未导入", EXPLANATIONS, r, 3)
        for p in mine:
            explanations[(p.item_no, p.rule_id, p.field_key)] = text


def _evidence(book, view, chk: _Check) -> list[tuple[int, str, int, str]]:
    rows = book.get(EVIDENCE)
    if not rows:
        return []
    hr = _find_header(rows, EVIDENCE_HEADERS[3])
    if hr is None:
        chk.fail("找不到表头（「SHA-256」所在行）", EVIDENCE)
    header = {header_key(v): c for c, v in enumerate(rows[hr - 1], 1) if header_key(v)}
    cs = [header.get(header_key(h)) for h in EVIDENCE_HEADERS]
    if None in cs:
        chk.fail("缺少「序号」「文件名」「大小」或「SHA-256」列", EVIDENCE)
    c_no, c_name, c_size, c_sha = cs
    out, seen = [], set()
    for r in range(hr + 1, len(rows) + 1):
        if all(is_blank(v) for v in rows[r - 1]):
            continue
        no = _item_no(_cell(rows, r, c_no), view, chk, EVIDENCE, r, c_no)
        name = _value(chk, EVIDENCE, r, c_name, _cell(rows, r, c_name), "文件名")
        size, sha = _cell(rows, r, c_size), _text(_cell(rows, r, c_sha)).lower()
        if no is None or name is None:
            continue
        name = _text(name)
        if not name or len(name) > 255:
            chk.error("文件名为空或超过 255 字", EVIDENCE, r, c_name)
        elif not isinstance(size, int) or isinstance(size, bool) or size < 0:
            chk.error(f"文件大小「{cut(_text(size), 20)}」应为字节数", EVIDENCE, r, c_size)
        elif not _SHA.fullmatch(sha):
            chk.error(f"SHA-256「{cut(sha, 20)}」无效（应为64位十六进制）", EVIDENCE, r, c_sha)
        elif (no, name, sha) in seen:
            chk.error(f"佐证材料「{cut(name, 30)}」重复", EVIDENCE, r, c_name)
        else:
            seen.add((no, name, sha))
            out.append((no, name, size, sha))
    return out


# ------------------------------------------------------------------ the cover
def _cover(catalog, book, chk: _Check) -> dict:
    """封面: {key or section Ref: (value, row)}; a section continues on the rows below its label."""
    rows = book[COVER]
    labels = {header_key(label): key for key, label in COVER_FIELDS}
    labels.update({header_key(s.label): Ref.section(s.key) for s in catalog.base_fields.sections})
    for r0, c0, r1, c1 in book.merges(COVER):
        if r1 > r0 and c0 <= 2 <= c1 and r0 > 2:
            chk.error("封面的填写栏有跨行合并的单元格，请取消合并", COVER, r0, c0, (r1, c1))
    out: dict = {}
    current = None
    for r, row in enumerate(rows, 1):
        a = _cell(rows, r, 1)
        v = _value(chk, COVER, r, 2, _cell(rows, r, 2), "封面")
        key = labels.get(header_key(a)) if not is_blank(a) else None
        if key is not None:
            out[key] = (v, r)
            current = key if isinstance(key, Ref) else None
        elif current is not None and (is_blank(a) or _text(a) == CONTINUED):
            text, first = out[current]
            joiner = "" if _text(a) == CONTINUED else "\n"
            out[current] = (("" if is_blank(text) else str(text)) + joiner + ("" if is_blank(v) else str(v)), first)
        else:
            current = None
    return out


def _code(v) -> str:
    """A code as typed: full-width digits read, spaces dropped, a number cell without its .0."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return "".join(halfwidth(_text(v)).split()).upper()


def _unit(catalog, view, cover: dict, meta: dict, chk: _Check) -> tuple[dict, int, str | None]:
    """The unit as the cover declares it (checked cell by cell), the year and the plan kind."""
    vocab = catalog.vocab
    cell = {k: cover.get(k, (None, None)) for k, _l in COVER_FIELDS}

    def err(key, msg):
        chk.error(msg, COVER, cell[key][1], 2 if cell[key][1] else None)

    unit: dict = {}
    for key, _l in COVER_FIELDS:
        v = cell[key][0]
        if key in _CODE_FIELDS:
            unit[key] = _code(v) or None
        else:
            unit[key] = _text(v) or None
    if isinstance(cell["contact_phone"][0], (int, float)):
        phone = unit["contact_phone"]
        if phone and not phone.startswith(("0", "1")):
            err("contact_phone", f"联系电话「{phone}」按数字填写，开头的 0 已丢失：请按文本填写（如 0931-1234567）")
    code = unit.pop("unit_code") or meta.get("unit_code", "")
    if not code:
        err("unit_code", "封面未填写单位代码")
    elif meta.get("unit_code") and meta["unit_code"] != code:
        err("unit_code", f"封面单位代码「{cut(code, 20)}」与文件标识「{cut(meta['unit_code'], 20)}」不一致")
    year_text = (unit.pop("year") or "").removesuffix("年") or meta.get("year", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else 0
    if not year:
        err("year", f"年度「{cut(year_text, 20)}」无效，应为4位年份（如 2025）" if year_text else "封面未填写年度")
    elif meta.get("year") and meta["year"] != str(year):
        err("year", f"年度「{year}」与文件标识「{cut(meta['year'], 10)}」不一致")
    kind = unit.pop("kind") or meta.get("plan_kind") or None
    if kind and kind not in view.form.plan_kinds:
        err("kind", f"方案类型「{cut(kind, 20)}」无效，应为 {' / '.join(view.form.plan_kinds)}")
    elif kind and meta.get("plan_kind") and meta.get("plan_uuid") and meta["plan_kind"] != kind:
        err("kind", f"方案类型「{kind}」与文件标识「{cut(meta['plan_kind'], 20)}」不一致")
    kinds = {vocab.label(k): k for k in UnitKind}
    kind_label = unit.pop("unit_kind")
    unit_kind = meta.get("unit_kind") or None
    if kind_label:
        if kind_label not in kinds:
            err("unit_kind", f"单位类型「{cut(kind_label, 20)}」无效，应为 {'、'.join(kinds)}")
        else:
            unit_kind = kinds[kind_label].value
    unit["unit_kind"] = unit_kind
    if unit["school_type"] and unit["school_type"] not in vocab.school_types:
        err("school_type", f"学校类别「{cut(unit['school_type'], 20)}」无效，应为 {'、'.join(vocab.school_types)}")
    checks = {"school_code": lambda v: ids.check_school_code(v, None, unit["school_type"],
                                                              vocab.school_code_types(unit["school_type"])),
              "credit_code": ids.check_credit_code, "contact_phone": ids.check_phone}
    for key, check in checks.items():
        if unit.get(key):
            for sev, msg in check(unit[key]):
                (err(key, msg) if sev == "error" else chk.warn(msg, COVER, cell[key][1], 2))
    lengths = {"name": unit.get("unit_name"), **{k: unit.get(k) for k in UNIT_LABELS if k not in ("code", "name")}}
    for key, v in {"code": code, **lengths}.items():
        try:
            check_lengths(Unit, {key: v}, UNIT_LABELS)
        except InputError as e:
            err({"code": "unit_code", "name": "unit_name"}.get(key, key), str(e))
    unit.pop("filing", None)
    unit["code"], unit["name"] = code, unit.pop("unit_name", None)
    return unit, year, kind


# ------------------------------------------------------------------ one file
def _uuid(text: str | None, chk: _Check) -> str | None:
    if not text:
        return None
    try:
        return str(uuidlib.UUID(text))
    except ValueError:
        chk.error(f"文件标识「{cut(text, 40)}」无效（_meta 工作表被改动过？）", META)
        return None


def check_workbook(catalog, name: str, data: bytes, result: FileResult, reader: str | None = None) -> Incoming | None:
    """Every check of one 报送表 (its bytes), nothing written; None when rejected (see result.messages)."""
    chk = _Check(name, result)
    try:
        try:
            book = read_book(data, reader or READER, SHEETS)
        except zipsafe.UnsafeFile as e:
            chk.fail(str(e))
        except Exception as e:  # noqa: BLE001 - a broken file must never crash the batch
            chk.fail(f"文件已损坏，无法读取（{type(e).__name__}）")
        meta = _meta(book)
        for sheet in (COVER, TASKS):
            if sheet not in book:
                chk.fail(f"缺少工作表「{sheet}」（不是本软件的报送表或模板？）")
        view = _identify(catalog, book, meta, chk)
        cover = _cover(catalog, book, chk)
        edits: list[Edit] = []
        for key, (v, r) in cover.items():
            if isinstance(key, Ref) and not is_blank(v):
                _edit(catalog, view, chk, edits, COVER, r, 2, Edit(key, v))
        result.counts["rows"] = _tasks(catalog, view, book, chk, edits)
        _indicators(catalog, view, book, chk, edits)
        explanations, loose = _explanations(view, book, chk)
        evidence = _evidence(book, view, chk)
        unit, year, kind = _unit(catalog, view, cover, meta, chk)
        ids_ = {k: _uuid(meta.get(k), chk) for k in ("plan_uuid", "submission_uuid")}
        history = tuple(_uuid(x, chk) for x in meta.get("history", "").split(",") if x.strip())
        if result.messages:
            raise Rejected()
        draft = meta.get("state") == PlanState.DRAFT.value
        if ids_["submission_uuid"] and not draft:
            claimed = meta.get("submission_no", "")
            if claimed != str(len(history) + 1):
                chk.warn(f"文件标注为第{cut(claimed, 12)}次报送，而其报送标识链表明是第{len(history) + 1}次："
                         "按标识链判断先后（隐藏的 _meta 工作表被改动过？）", META)
        _place_loose(view, kind or _kind_of(catalog, view, unit), edits, explanations, loose, chk)
        inc = Incoming(name, "", view, unit, year, kind, edits, explanations, evidence,
                       plan_uuid=ids_["plan_uuid"], submission_uuid=ids_["submission_uuid"], history=history,
                       draft=draft, claimed_hash=meta.get("sha256") or None,
                       made_on=_made_on(meta) if ids_["submission_uuid"] else None)
        items, indicators, values, sections = set(), set(), 0, 0
        for e in edits:  # one pass: a filing has hundreds of values
            ref = e.ref
            if ref.item_no:
                items.add(ref.item_no)
            if ref.is_indicator:
                indicators.add(ref.key)
            elif ref.item_no > 0:
                values += 1
            sections += ref.item_no == 0
        result.counts.update(items=len(items), values=values, indicators=len(indicators), sections=sections,
                             evidence=len(evidence))
        return inc
    except Rejected:
        return None


def _made_on(meta: dict) -> dt.date | None:
    """The day the program exported this filing (its content is judged as of then: a deadline
    passed since does not make a clean filing unclean); None when unreadable."""
    try:
        made = dt.date.fromisoformat((meta.get("exported_at") or "")[:10])
    except ValueError:
        return None
    return made if made <= dt.date.today() else None


def _kind_of(catalog, view, unit: dict) -> str | None:
    """The plan kind a unit of the declared kind files (for placing hand-written 说明)."""
    uk = unit.get("unit_kind") or UnitKind.SCHOOL.value
    return next((k.id for k in catalog.plan_kinds.values() if uk in k.unit_kinds
                 and k.id in view.form.plan_kinds), None)


def _read_source(path: Path, result: FileResult) -> tuple[bytes, Package | None] | None:
    """The workbook's bytes (read once: what is checked is what is hashed and parsed), or a 报送包."""
    name = path.name
    try:
        with open(path, "rb") as f:
            head = f.read(4)
        if head.startswith(b"PK"):
            import zipfile

            try:
                with zipfile.ZipFile(path) as z:
                    package = is_package(z.namelist())
            except (zipfile.BadZipFile, OSError, ValueError, EOFError):
                package = False
            if package:
                return b"", read_package(path)
        zipsafe.check_size(path, zipsafe.FILING.file_bytes, "报送表")
        return path.read_bytes(), None
    except zipsafe.UnsafeFile as e:
        result.messages.append(for_terminal(f"{name}：{e}"))
    except OSError as e:
        result.messages.append(for_terminal(f"{name}：无法读取文件（{e.strerror or e}）"))
    return None


def _with_package(inc: Incoming, pkg: Package, chk: _Check) -> None:
    """Evidence listed in the 报送表 and carried in the package: bytes checked against the list."""
    listed = {sha for _no, _n, _s, sha in inc.evidence}
    missing = [(no, n) for no, n, _s, sha in inc.evidence if sha not in pkg.evidence]
    for no, n in missing:
        chk.warn(f"第{no}项佐证材料「{cut(n, 40)}」未随报送包提供（仅记录清单）")
    for sha, (entry, _size) in pkg.evidence.items():
        if sha not in listed:
            chk.warn(f"报送包内的「{cut(entry, 60)}」不在报送表的佐证材料清单中，未导入")
    for entry in pkg.ignored:
        chk.warn(f"报送包内的「{cut(entry, 60)}」不是报送表、实施方案或佐证材料，未导入")
    inc.blobs = pkg.read(listed)


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def import_file(store, path, *, create_units: bool = False, reader: str | None = None) -> FileResult:
    """One file, whatever it holds: never raises (one bad file must not stop a batch)."""
    path = Path(path)
    result = FileResult(str(path))
    inc = _checked(store.catalog, path, result, reader)
    if inc is not None:
        _write(store, [(path, result, inc)], create_units)
    return result


def _checked(catalog, path: Path, result: FileResult, reader: str | None) -> Incoming | None:
    """Every check of one file before the database (nothing locked, nothing written): the
    Incoming to receive, or None with the reasons in ``result``."""
    try:
        return _check_file(catalog, path, result, reader)
    except Exception as e:  # noqa: BLE001 - the last guard of a batch: report, go on
        _guard(result, path, e)
        return None


def _guard(result: FileResult, path: Path, e: Exception) -> None:
    result.outcome = Outcome.REJECTED
    result.messages.append(for_terminal(f"{path.name}：无法导入（{type(e).__name__}），未写入任何内容"))


def _check_file(catalog, path: Path, result: FileResult, reader: str | None) -> Incoming | None:
    if not path.is_file():
        result.messages.append(for_terminal(f"{path.name}：文件不存在或不是文件"))
        return None
    source = _read_source(path, result)
    if source is None:
        return None
    data, pkg = source
    if pkg is not None:
        data = pkg.xlsx
    inc = check_workbook(catalog, path.name, data, result, reader)
    if inc is None:
        return None
    inc.file_sha256 = _sha(path) if pkg is not None else hashlib.sha256(data).hexdigest()
    if pkg is not None:
        chk = _Check(path.name, result)
        chk.warned = len(result.warnings)
        _with_package(inc, pkg, chk)
        result.counts["package"] = 1
    elif inc.evidence:
        result.warnings.append(for_terminal(f"{path.name}：{EVIDENCE}清单列有 {len(inc.evidence)} 个文件，"
                                            "文件本身未随报送表提供（可导入报送包 .zip）"))
    return inc


def _write(store, checked: list[tuple[Path, FileResult, Incoming]], create_units: bool) -> None:
    """Hand checked files to the core (a few transactions, each file whole or not at all) and
    put what it decided about each into that file's result."""
    try:
        outcomes = store.receiving.receive_many([inc for _p, _r, inc in checked], create_units)
    except Exception as e:  # noqa: BLE001 - the last guard: every file of this run is reported
        for path, result, _inc in checked:
            _guard(result, path, e)
        return
    for (path, result, _inc), got in zip(checked, outcomes):
        _received(result, path, got)


def _received(result: FileResult, path: Path, got) -> None:
    if isinstance(got, InputError):
        result.outcome = Outcome.REJECTED
        result.messages.append(for_terminal(f"{path.name}：{got}"))
        if isinstance(got, UnknownUnit):
            result.unknown_unit = got.unit
        return
    if isinstance(got, Exception):  # the transaction rolled back; one bad file must not stop a batch
        result.outcome = Outcome.REJECTED
        result.messages.append(for_terminal(f"{path.name}：写入数据库失败，未导入（{type(got).__name__}: {got}）"))
        return
    result.outcome, result.plan_uuid, result.submission_no = got.outcome, got.plan_uuid, got.submission_no
    result.unit_code, result.unit_name = got.unit_code, for_terminal(got.unit_name or "")
    result.counts["changed"] = got.changed
    result.warnings += [for_terminal(f"{path.name}：{w}") for w in got.warnings]


def expand_paths(paths) -> list[Path]:
    """Files as given; a folder means every .xlsx and .zip inside it, any case (.XLSX too;
    Office lock files ~$ skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES and f.is_file()
                          and not f.name.startswith("~$"))
        else:
            out.append(p)
    return out


def import_files(store, paths, *, create_units: bool = False, job: Job | None = None,
                 reader: str | None = None, checkers: int | None = None) -> ImportReport:
    """Every file checked on its own (no lock held), then received in short runs
    (``store.receiving.receive_many``): up to AHEAD files, or less when they carry AHEAD_BYTES of
    evidence. A cancel stops before the next file; the files already checked are received.

    Checking reads nothing from the database, so a batch of CHECKERS_FROM files or more is checked
    in ``checkers`` worker processes (default: one per usable core but one; 0 = in this process)
    while this process writes and, between writes, checks too: checking is Python work, and only
    processes use a second core. Checking here, one run is written on a second thread while the
    next is checked (SQLite and its disk sync run without Python's lock); with checking processes
    this one writes and checks in turn on one thread (two threads would only queue for Python's
    lock). Runs are written one after another, in file order."""
    job = job or Job()
    report = ImportReport()
    files = expand_paths(paths)
    checked: list[tuple[Path, FileResult, Incoming]] = []
    held = 0
    checkers = _checkers(len(files), checkers)
    # SQLite in memory has one connection per thread
    threaded = not checkers and not isinstance(store.engine.pool, SingletonThreadPool)
    results = _checked_in_order(store.catalog, files, reader, checkers)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="yice-import-write") as writer:
        writing: Future | None = None
        try:
            for i, (path, result, inc) in enumerate(results):
                try:
                    job.check()
                except Cancelled:
                    report.cancelled = True
                    break
                job.progress(i, len(files), for_terminal(path.name))
                report.files.append(result)
                if inc is None:
                    continue
                checked.append((path, result, inc))
                held += sum(map(len, inc.blobs.values()))
                if len(checked) >= AHEAD or held >= AHEAD_BYTES:
                    if writing is not None:
                        writing.result()  # at most one run waiting: memory stays bounded
                    if threaded:
                        writing = writer.submit(_write, store, checked, create_units)
                    else:
                        _write(store, checked, create_units)
                    checked, held = [], 0
        finally:
            results.close()  # a cancel: checkers stop after the files they hold
        if writing is not None:
            writing.result()
    if checked:
        _write(store, checked, create_units)
    job.progress(len(report.files), len(files), "")
    return report


# ------------------------------------------------------------------ checking in worker processes
CHECKERS_FROM = 64  # files: a smaller batch is checked here (starting the checkers costs ~0.4 s of CPU each)
_CHECKER: dict = {}  # in a checker process only, set once by _start_checker: its catalog and reader


def _checkers(files: int, asked: int | None) -> int:
    """Checking processes for a batch: asked, or one per usable core but one (this process checks
    too, between writes: one process fewer in memory), for a batch worth starting them."""
    if asked is None:
        asked = max(1, usable_cpus() - 1) if files >= CHECKERS_FROM else 0
    return max(0, min(asked, 2 * usable_cpus(), files))  # more than the cores only costs memory


def _checked_in_order(catalog, files: list[Path], reader: str | None, checkers: int):
    """(path, FileResult, Incoming or None) for each file, in order."""
    if checkers >= 1 and files:
        results = ordered_map(_check_in_checker, [str(p) for p in files], workers=checkers, crashed=_crashed,
                              init=_start_checker, init_args=(pickle.dumps(catalog), reader),
                              local=functools.partial(_check_here, catalog, reader))
        refs: dict[tuple, Ref] = {}  # the same few hundred addresses in every file: made once
        try:
            for (_name, (result, packed)), path in zip(results, files):
                yield path, result, _unpack(packed, catalog, refs)
            return
        except WorkersUnavailable:  # nothing was yielded: check here, as for a small batch
            pass
        finally:
            results.close()
    for path in files:
        result = FileResult(str(path))
        yield path, result, _checked(catalog, path, result, reader)


def _start_checker(catalog: bytes, reader: str | None) -> None:
    _CHECKER.update(catalog=pickle.loads(catalog), reader=reader)


def _check_in_checker(path: str) -> tuple[FileResult, tuple | None]:
    result = FileResult(path)
    return result, _pack(_checked(_CHECKER["catalog"], Path(path), result, _CHECKER["reader"]))


def _check_here(catalog, reader: str | None, path: str) -> tuple[FileResult, Incoming | None]:
    result = FileResult(path)
    return result, _checked(catalog, Path(path), result, reader)


def _crashed(path: str) -> tuple[FileResult, None]:
    """A file whose checking killed its process (a crash inside a native reader)."""
    result = FileResult(path)
    result.messages.append(for_terminal(f"{Path(path).name}：检查此文件时读取程序异常退出，未导入（文件可能已损坏）"))
    return result, None


def _pack(inc: Incoming | None) -> tuple | None:
    """An Incoming for the trip back: the form as its id and version, edits as plain tuples
    (a FormView is large; rebuilding Refs is cheaper than unpickling dataclasses and enums)."""
    if inc is None:
        return None
    edits = [(e.ref.kind.value, e.ref.key, e.ref.item_no, e.value) for e in inc.edits]
    return inc.view.id, inc.view.version, edits, dataclasses.replace(inc, view=None, edits=[])


_KINDS = {k.value: k for k in Kind}


def _unpack(packed: tuple | Incoming | None, catalog, refs: dict[tuple, Ref]) -> Incoming | None:
    if packed is None or isinstance(packed, Incoming):  # checked in this process
        return packed
    form_id, version, edits, inc = packed
    inc.view = catalog.get(form_id, version)
    inc.edits = out = []
    for k, key, no, v in edits:
        ref = refs.get((k, key, no))
        if ref is None:
            ref = refs[(k, key, no)] = Ref(_KINDS[k], key, no)
        out.append(Edit(ref, v))
    return inc
