"""Bulk import of 报送表 (.xlsx): check every file whole, then hand each good one to the core.

A file with any error is rejected whole with messages naming file, sheet and cell; the
database is not touched by it. Values go through the same parsers as the GUI and CLI
(``store.plans.check_edit``), so an Excel date serial, "2021年6月" and 2021-06-30 all land
alike. What the file *is* (new submission, the same again, older, a draft) and where its unit
belongs is decided by the core (``store.receiving``), not here.
"""
from __future__ import annotations

import hashlib
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from ..core.edits import Edit, Ref
from ..core.errors import Cancelled, InputError, UnknownUnit
from ..core.jobs import Job
from ..core.store.receiving import Incoming
from ..core.text import for_terminal
from ..core.values import is_blank
from ..core.vocab import Outcome, PlanState
from .layout import (
    COVER, COVER_FIELDS, EXPLAIN_HEADERS, EXPLANATIONS, IND_HEADERS, INDICATORS, META, NO, TASKS, table_fields,
)
from .reading import READERS, Formula
from .safety import UnsafeFile, check_xml, check_zip

EXCEL_CELL_LIMIT = 32_767
MAX_MESSAGES = 30
READER = "calamine"  # bench/bench_import.py: 1,000 files in 15 s vs 36 s with openpyxl read-only


@dataclass
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


class _Check:
    """Collects errors of one file; ``where(sheet, r, c)`` gives 任务清单!H15."""

    def __init__(self, name: str, result: FileResult):
        self.name, self.result = name, result

    def error(self, msg: str, sheet: str | None = None, row: int | None = None, col: int | None = None):
        where = f" {sheet}!{get_column_letter(col)}{row}" if sheet and row and col else (f" {sheet}" if sheet else "")
        if len(self.result.messages) < MAX_MESSAGES:
            self.result.messages.append(for_terminal(f"{self.name}{where}：{msg}"))
        elif len(self.result.messages) == MAX_MESSAGES:
            self.result.messages.append(f"{self.name}：错误过多，其余未列出")

    def fail(self, msg: str, sheet: str | None = None):
        self.error(msg, sheet)
        raise Rejected()


def _cell(rows, r, c):
    row = rows[r - 1] if r - 1 < len(rows) else []
    return row[c - 1] if c - 1 < len(row) else None


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _find_header(rows, label: str, limit: int = 10) -> int | None:
    for r in range(1, min(limit, len(rows)) + 1):
        if any(_text(v) == label for v in rows[r - 1]):
            return r
    return None


def _meta(book) -> dict:
    return {_text(r[0]): _text(r[1] if len(r) > 1 else None) for r in book.get(META, []) if r and r[0]}


def _identify(store, book, meta: dict, chk: _Check):  # noqa: C901 - one decision list
    """The form of the file: from _meta, or for a hand-made copy from the 任务清单 layout."""
    if meta.get("form_id"):
        try:
            view = store.catalog.get(meta["form_id"])
        except KeyError:
            chk.fail(f"未知的清单「{meta['form_id']}」，本软件无法识别（请升级软件或更新清单）")
        ver = meta.get("form_version", "")
        if ver != str(view.form.version):
            chk.fail(f"清单「{view.form.title}」版本「{ver}」与本软件的第{view.form.version}版不一致，无法导入")
        return view
    rows = book.get(TASKS) or []
    hr = _find_header(rows, NO)
    if hr:
        texts = [_text(_cell(rows, r, 2)) for r in range(hr + 1, len(rows) + 1) if _text(_cell(rows, r, 1))]
        for view in store.catalog.forms.values():
            if texts and len(texts) == len(view.items) and texts[0] == view.items[0].text.strip() \
                    and texts[-1] == view.items[-1].text.strip():
                return view
    chk.fail("无法识别报送表：缺少隐藏的 _meta 工作表，且任务清单与已知清单都不一致")


def _cover(store, book, chk: _Check) -> dict:
    rows = book[COVER]
    labels = {label: key for key, label in COVER_FIELDS}
    labels.update({s.label: Ref.section(s.key) for s in store.catalog.base_fields.sections})
    out = {}
    for r, row in enumerate(rows, 1):
        key = labels.get(_text(row[0] if row else None))
        if key:
            v = row[1] if len(row) > 1 else None
            if isinstance(v, Formula):
                chk.error(f"「{_text(row[0])}」应填写内容，不能是公式「{v[:30]}」", COVER, r, 2)
                continue
            out[key] = (v, r)
    return out


def _check_cell(chk: _Check, sheet, r, c, v, label) -> bool:
    if isinstance(v, Formula):
        chk.error(f"{label}应填写数值或文字，不能是公式「{v[:30]}」", sheet, r, c)
        return False
    if isinstance(v, str) and len(v) > EXCEL_CELL_LIMIT:
        chk.error(f"{label}内容过长（{len(v)} 字），超过单元格上限 {EXCEL_CELL_LIMIT} 字", sheet, r, c)
        return False
    return True


def _edit(store, view, chk, edits, sheet, r, c, e: Edit):
    try:
        v = store.plans.check_edit(view, e)
    except InputError as err:
        chk.error(str(err), sheet, r, c)
        return
    if v is not None:
        edits.append(Edit(e.ref, v))  # canonical from here on


def _item_no(v, view, chk, sheet, r) -> int | None:
    try:
        no = int(v) if not isinstance(v, float) or v.is_integer() else None
    except (TypeError, ValueError):
        no = None
    if no is None or no not in view.item_map:
        chk.error(f"序号「{_text(v)[:20]}」不是本清单的任务序号（1～{len(view.items)}）", sheet, r, 1)
        return None
    return no


def _tasks(store, view, book, chk: _Check, edits: list[Edit]) -> int:
    rows = book[TASKS]
    hr = _find_header(rows, NO)
    if hr is None:
        chk.fail("找不到表头（「序号」所在行）", TASKS)
    header = {_text(v): c for c, v in enumerate(rows[hr - 1], 1) if _text(v)}
    cols = {}
    for f in table_fields(view):
        c = header.get(f.label) or header.get(f.key)
        if c is None:
            chk.error(f"缺少「{f.label}」列", TASKS)
        else:
            cols[f.key] = (c, f)
    if chk.result.messages:
        raise Rejected()
    seen: dict[int, int] = {}
    for r in range(hr + 1, len(rows) + 1):
        row = rows[r - 1]
        if all(is_blank(v) for v in row):
            continue
        no_v = _cell(rows, r, 1)
        if is_blank(no_v):
            if any(not is_blank(_cell(rows, r, c)) for c, _ in cols.values()):
                chk.error("此行填写了内容但没有序号", TASKS, r, 1)
            continue
        no = _item_no(no_v, view, chk, TASKS, r)
        if no is None:
            continue
        if no in seen:
            chk.error(f"序号 {no} 重复（第{seen[no]}行已有）", TASKS, r, 1)
            continue
        seen[no] = r
        for key, (c, f) in cols.items():
            v = _cell(rows, r, c)
            if is_blank(v) or not _check_cell(chk, TASKS, r, c, v, f.label):
                continue
            _edit(store, view, chk, edits, TASKS, r, c, Edit(Ref.field(no, key), v))
    return len(seen)


def _indicators(store, view, book, chk: _Check, edits: list[Edit]) -> None:
    if not any(it.indicators for it in view.items):
        return
    if INDICATORS not in book:
        chk.fail(f"缺少工作表「{INDICATORS}」")
    rows = book[INDICATORS]
    hr = _find_header(rows, IND_HEADERS[1])
    if hr is None:
        chk.fail("找不到表头（「指标」所在行）", INDICATORS)
    header = {_text(v): c for c, v in enumerate(rows[hr - 1], 1) if _text(v)}
    need = {h: header.get(h) for h in (IND_HEADERS[0], IND_HEADERS[1], IND_HEADERS[4], IND_HEADERS[5])}
    missing = [h for h, c in need.items() if c is None]
    if missing:
        chk.fail(f"缺少「{'」「'.join(missing)}」列", INDICATORS)
    c_no, c_name, c_t, c_a = need.values()
    seen: dict[str, int] = {}
    for r in range(hr + 1, len(rows) + 1):
        if all(is_blank(v) for v in rows[r - 1]):
            continue
        no = _item_no(_cell(rows, r, c_no), view, chk, INDICATORS, r)
        if no is None:
            continue
        name = _text(_cell(rows, r, c_name))
        ind = next((i for i in view.item_map[no].indicators if i.name == name), None)
        if ind is None:
            chk.error(f"第{no}项没有指标「{name[:30]}」", INDICATORS, r, c_name)
            continue
        if ind.key in seen:
            chk.error(f"指标「{name[:30]}」重复（第{seen[ind.key]}行已有）", INDICATORS, r, c_name)
            continue
        seen[ind.key] = r
        for which, c in (("target", c_t), ("actual", c_a)):
            v = _cell(rows, r, c)
            if is_blank(v) or not _check_cell(chk, INDICATORS, r, c, v, IND_HEADERS[4 if which == "target" else 5]):
                continue
            ref = Ref.target(no, ind.key) if which == "target" else Ref.actual(no, ind.key)
            _edit(store, view, chk, edits, INDICATORS, r, c, Edit(ref, v))


def _explanations(view, book, chk: _Check) -> dict:
    """说明 rows: (item, rule, field) → text; a sheet missing (older files) means none."""
    rows = book.get(EXPLANATIONS)
    if not rows:
        return {}
    hr = _find_header(rows, EXPLAIN_HEADERS[2])
    if hr is None:
        chk.fail("找不到表头（「说明」所在行）", EXPLANATIONS)
    header = {_text(v): c for c, v in enumerate(rows[hr - 1], 1) if _text(v)}
    cols = [header.get(h) for h in (EXPLAIN_HEADERS[0], EXPLAIN_HEADERS[2], EXPLAIN_HEADERS[3], EXPLAIN_HEADERS[4])]
    if None in cols:
        chk.fail("缺少「序号」「说明」「规则」或「字段」列", EXPLANATIONS)
    c_no, c_text, c_rule, c_field = cols
    rules = {r.id for r in view.rules}
    out: dict = {}
    for r in range(hr + 1, len(rows) + 1):
        if all(is_blank(v) for v in rows[r - 1]):
            continue
        no = _item_no(_cell(rows, r, c_no), view, chk, EXPLANATIONS, r)
        text, rule, fkey = (_cell(rows, r, c) for c in (c_text, c_rule, c_field))
        if no is None or not _check_cell(chk, EXPLANATIONS, r, c_text, text, "说明"):
            continue
        if _text(rule) not in rules:
            chk.error(f"规则「{_text(rule)[:30]}」不是本清单的校验规则", EXPLANATIONS, r, c_rule)
            continue
        if len(_text(text)) > 2000:
            chk.error(f"说明过长（{len(_text(text))} 字），最多 2000 字", EXPLANATIONS, r, c_text)
            continue
        if not is_blank(text):
            out[(no, _text(rule), _text(fkey))] = _text(text)
    return out


def check_file(store, path: Path, result: FileResult, reader: str | None = None) -> Incoming | None:
    """Every check of one file, nothing written; returns None when rejected (see result.messages)."""
    chk = _Check(path.name, result)
    try:
        try:
            zf = check_zip(path)
            with zf:
                check_xml(zf)
        except UnsafeFile as e:
            chk.fail(str(e))
        try:
            book = READERS[reader or READER](path)
        except Exception as e:  # noqa: BLE001 - a broken file must never crash the batch
            chk.fail(f"文件已损坏，无法读取（{type(e).__name__}）")
        meta = _meta(book)
        for name in (COVER, TASKS):
            if name not in book:
                chk.fail(f"缺少工作表「{name}」（不是本软件的报送表或模板？）")
        view = _identify(store, book, meta, chk)
        cover = _cover(store, book, chk)
        edits: list[Edit] = []
        for key, (v, r) in cover.items():
            if isinstance(key, Ref) and not is_blank(v) and _check_cell(chk, COVER, r, 2, v, "内容"):
                _edit(store, view, chk, edits, COVER, r, 2, Edit(key, v))
        result.counts["rows"] = _tasks(store, view, book, chk, edits)
        _indicators(store, view, book, chk, edits)
        explanations = _explanations(view, book, chk)
        code = _text(cover.get("unit_code", (None,))[0]) or meta.get("unit_code", "")
        if not code:
            chk.error("封面未填写单位代码", COVER)
        elif meta.get("unit_code") and meta["unit_code"] != code:
            chk.error(f"封面单位代码「{code}」与文件标识「{meta['unit_code']}」不一致", COVER)
        year_v = cover.get("year", (None,))[0]
        try:
            year = int(_text(year_v).removesuffix("年") or meta.get("year", ""))
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            year = 0
            chk.error(f"年度「{_text(year_v)}」无效" if _text(year_v) else "封面未填写年度", COVER)
        kind = _text(cover.get("kind", (None,))[0]) or meta.get("plan_kind") or None
        if kind and kind not in view.form.plan_kinds:
            chk.error(f"方案类型「{kind}」无效，应为 {' / '.join(view.form.plan_kinds)}", COVER)
        ids = {k: _uuid(meta.get(k), chk) for k in ("plan_uuid", "submission_uuid")}
        history = tuple(_uuid(x, chk) for x in meta.get("history", "").split(",") if x.strip())
        if result.messages:
            raise Rejected()
        unit = {k: _text(cover[k][0]) or None for k, _label in COVER_FIELDS if k in cover}
        unit["code"], unit["name"] = code, unit.pop("unit_name", None)
        inc = Incoming(path.name, "", view, unit, year, kind, edits, explanations, plan_uuid=ids["plan_uuid"],
                       submission_uuid=ids["submission_uuid"], history=history,
                       draft=meta.get("state") == PlanState.DRAFT.value, claimed_hash=meta.get("sha256") or None)
        values = {e.ref.item_no for e in edits if e.ref.item_no}
        result.counts.update(items=len(values), values=sum(not e.ref.is_indicator and e.ref.item_no > 0 for e in edits),
                             indicators=len({e.ref.key for e in edits if e.ref.is_indicator}),
                             sections=sum(e.ref.item_no == 0 for e in edits))
        return inc
    except Rejected:
        return None


def _uuid(text: str | None, chk: _Check) -> str | None:
    if not text:
        return None
    try:
        return str(uuidlib.UUID(text))
    except ValueError:
        chk.error(f"文件标识「{text[:40]}」无效（_meta 工作表被改动过？）", META)
        return None


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def import_file(store, path, *, create_units: bool = False, reader: str | None = None) -> FileResult:
    path = Path(path)
    result = FileResult(str(path))
    if not path.is_file():
        result.messages.append(for_terminal(f"{path.name}：文件不存在或不是文件"))
        return result
    inc = check_file(store, path, result, reader)
    if inc is None:
        return result
    inc.file_sha256 = _sha(path)
    try:
        receipt = store.receiving.receive(inc, create_units)
    except InputError as e:
        result.outcome = Outcome.REJECTED
        result.messages.append(for_terminal(f"{path.name}：{e}"))
        if isinstance(e, UnknownUnit):
            result.unknown_unit = e.unit
        return result
    except Exception as e:  # noqa: BLE001 - the transaction rolled back; one bad file must not stop a batch
        result.outcome = Outcome.REJECTED
        result.messages.append(for_terminal(f"{path.name}：写入数据库失败，未导入（{type(e).__name__}: {e}）"))
        return result
    result.outcome, result.plan_uuid, result.submission_no = receipt.outcome, receipt.plan_uuid, receipt.submission_no
    result.unit_code, result.unit_name = receipt.unit_code, receipt.unit_name
    result.counts["changed"] = receipt.changed
    result.warnings += [for_terminal(f"{path.name}：{w}") for w in receipt.warnings]
    return result


def expand_paths(paths) -> list[Path]:
    """Files as given; a folder means every .xlsx inside it (Office lock files ~$ skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*.xlsx") if not f.name.startswith("~$"))
        else:
            out.append(p)
    return out


def import_files(store, paths, *, create_units: bool = False, job: Job | None = None,
                 reader: str | None = None) -> ImportReport:
    job = job or Job()
    report = ImportReport()
    files = expand_paths(paths)
    for i, path in enumerate(files):
        try:
            job.check()
        except Cancelled:
            report.cancelled = True
            break
        job.progress(i, len(files), path.name)
        report.files.append(import_file(store, path, create_units=create_units, reader=reader))
    job.progress(len(report.files), len(files), "")
    return report
