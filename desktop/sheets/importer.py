"""Bulk import of 报送表 (.xlsx): check every file whole, then write each good one in one go.

A file with any error is rejected whole with messages naming file, sheet and cell; the
database is not touched by it. Values go through the same parsers as the GUI and CLI
(Store.check_edit), so an Excel date serial, "2021年6月" and 2021-06-30 all land alike.
"""
from __future__ import annotations

import hashlib
import json
import sys
import uuid as uuidlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from ..jobs import NULL_JOB, Cancelled
from ..store.service import Edit, InputError
from ..values import is_blank
from .layout import COVER, COVER_FIELDS, IND_HEADERS, INDICATORS, META, NO, TASKS, content_hash, table_fields
from .reading import READERS, Formula
from .safety import UnsafeFile, check_xml, check_zip

EXCEL_CELL_LIMIT = 32_767
MAX_MESSAGES = 30
READER = "calamine"  # bench/bench_import.py: 1,000 files in 15 s vs 36 s with openpyxl read-only


@dataclass
class FileResult:
    path: str
    outcome: str = "rejected"  # accepted | rejected | unchanged
    unit_code: str | None = None
    unit_name: str | None = None
    plan_uuid: str | None = None
    revision: int | None = None
    counts: dict = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.cancelled and all(f.outcome in ("accepted", "unchanged") for f in self.files)


class Rejected(Exception):
    """Stop checking this file (errors are already in the result)."""


@dataclass
class Parsed:
    """A checked file, ready to write."""

    view: object
    unit_code: str
    cover: dict
    year: int
    kind: str | None
    plan_uuid: str | None
    revision: int
    edits: list[Edit]
    hash: str
    meta_hash: str | None


class _Check:
    """Collects errors of one file; ``where(sheet, r, c)`` gives 任务清单!H15."""

    def __init__(self, name: str, result: FileResult):
        self.name, self.result = name, result

    def error(self, msg: str, sheet: str | None = None, row: int | None = None, col: int | None = None):
        where = f" {sheet}!{get_column_letter(col)}{row}" if sheet and row and col else (f" {sheet}" if sheet else "")
        if len(self.result.messages) < MAX_MESSAGES:
            self.result.messages.append(f"{self.name}{where}：{msg}")
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


def _identify(store, book, meta: dict, chk: _Check):
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
    labels.update({s.label: "section:" + s.key for s in store.catalog.base_fields.sections})
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
        v = store.check_edit(view, e)
    except InputError as err:
        chk.error(str(err), sheet, r, c)
        return
    if v is not None:
        edits.append(Edit(e.item_no, e.key, v))  # canonical from here on


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
            _edit(store, view, chk, edits, TASKS, r, c, Edit(no, key, v))
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
            _edit(store, view, chk, edits, INDICATORS, r, c, Edit(no, f"{which}:{ind.key}", v))


def _canonical(store, view, edits: list[Edit]) -> tuple[dict, dict, dict]:
    """The parsed content in content_hash's shape."""
    responses, inds, secs = store.parse_content(view, edits, check=False)
    values: dict[int, dict[str, str]] = {}
    for (no, key), v in responses.items():
        values.setdefault(no, {})[key] = v
    return values, {k: tuple(ta) for k, ta in inds.items()}, secs


def check_file(store, path: Path, result: FileResult, reader: str | None = None) -> Parsed | None:
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
            if key.startswith("section:") and not is_blank(v) and _check_cell(chk, COVER, r, 2, v, "内容"):
                _edit(store, view, chk, edits, COVER, r, 2, Edit(0, key, v))
        result.counts["rows"] = _tasks(store, view, book, chk, edits)
        _indicators(store, view, book, chk, edits)
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
        uid = meta.get("plan_uuid") or None
        if uid:
            try:
                uid = str(uuidlib.UUID(uid))
            except ValueError:
                chk.error(f"文件标识「{uid[:40]}」无效（_meta 工作表被改动过？）", META)
        if result.messages:
            raise Rejected()
        values, inds, secs = _canonical(store, view, edits)
        result.counts.update(items=len(values), values=sum(len(v) for v in values.values()), indicators=len(inds),
                             sections=len(secs))
        try:
            revision = int(meta.get("revision") or 0)
        except ValueError:
            revision = 0
        return Parsed(view, code, {k: v for k, (v, _) in cover.items()}, year, kind, uid,
                      revision, edits, content_hash(values, inds, secs), meta.get("sha256") or None)
    except Rejected:
        return None


def _unit(store, p: Parsed, result: FileResult, create: bool):
    try:
        return store.get_unit(p.unit_code)
    except InputError:
        if not create:
            raise InputError(f"单位「{p.unit_code}」不在本机单位名录中（可用 --create-units 按封面新建）") from None
    c = {k: _text(v) or None for k, v in p.cover.items() if not k.startswith("section:")}
    if not c.get("unit_name"):
        raise InputError(f"单位「{p.unit_code}」不存在，且封面未填写单位名称，无法新建")
    u, warns = store.add_unit(p.unit_code, c["unit_name"], "school", p.view.form.province or None,
                              school_code=c.get("school_code"), credit_code=c.get("credit_code"),
                              contact_person=c.get("contact_person"), contact_phone=c.get("contact_phone"),
                              origin="import")
    result.warnings += [f"已按封面新建单位「{u.name}」"] + warns
    return u


def write_file(store, path: Path, p: Parsed, result: FileResult, create_units: bool, file_sha: str) -> None:
    """Decide new / newer / same / older and write; raises InputError when refused."""
    name = path.name
    if p.meta_hash and p.meta_hash != p.hash:
        result.warnings.append(f"{name}：文件导出后内容被修改过（校验值不符），已按文件内容导入")
    u = _unit(store, p, result, create_units)
    result.unit_code, result.unit_name = u.code, u.name
    cover_name = _text(p.cover.get("unit_name"))
    if cover_name and cover_name != u.name:
        result.warnings.append(f"{name}：封面单位名称「{cover_name[:40]}」与名录中的「{u.name}」不同，按单位代码导入")
    kind = p.kind or store.default_plan_kind(u)
    plan = None
    if p.plan_uuid:
        try:
            plan = store.get_plan(p.plan_uuid)
        except InputError:
            plan = None
        if plan and (plan.unit_code, plan.form_id, plan.year) != (u.code, p.view.id, p.year):
            raise InputError(f"方案标识 {p.plan_uuid} 已属于 {plan.unit_name} {plan.year}年的方案，与封面不符")
    if plan is None:
        same = store.find_plan(u.code, p.view.id, p.year, kind)
        if same is not None and p.plan_uuid:
            raise InputError(f"{u.name} {p.year}年已有另一份「{kind}」方案（标识不同），请核对是否重复报送")
        plan = same
    revision = p.revision
    if plan is not None:
        data = store.plan_data(plan.id)
        current = content_hash(data.values, data.indicators, data.sections)
        if not p.plan_uuid:  # a hand-filled template has no revision of its own
            revision = plan.revision + (current != p.hash)
        if revision < plan.revision:
            raise InputError(f"文件为第{revision}版，早于本机已有的第{plan.revision}版，未导入")
        if revision == plan.revision and current == p.hash:
            result.outcome, result.plan_uuid, result.revision = "unchanged", plan.uuid, plan.revision
            return
        if revision == plan.revision:
            result.warnings.append(f"{name}：版本号与本机相同（第{revision}版）但内容不同，已按文件内容更新")
    create = None if plan else dict(unit_code=u.code, form_id=p.view.id, year=p.year, kind=kind,
                                    plan_uuid=p.plan_uuid or str(uuidlib.uuid4()))
    revision = max(revision, 1)
    result.counts["changed"] = store.replace_plan_content(
        plan.id if plan else None, p.edits, revision, origin="import", content_hash=p.hash, create=create,
        record=dict(file_name=name, file_sha256=file_sha, outcome="accepted", revision=revision,
                    message="；".join(result.warnings) or None))
    uuid = plan.uuid if plan else create["plan_uuid"]
    result.outcome, result.plan_uuid, result.revision = "accepted", uuid, revision


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
        result.messages.append(f"{path.name}：文件不存在或不是文件")
        return result
    parsed = check_file(store, path, result, reader)
    if parsed is None:
        return result
    try:
        write_file(store, path, parsed, result, create_units, _sha(path))
    except InputError as e:
        result.outcome = "rejected"
        result.messages.append(f"{path.name}：{e}")
    except Exception as e:  # noqa: BLE001 - the transaction rolled back; one bad file must not stop a batch
        result.outcome = "rejected"
        result.messages.append(f"{path.name}：写入数据库失败，未导入（{type(e).__name__}: {e}）")
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


def import_files(store, paths, *, create_units: bool = False, job=NULL_JOB, reader: str | None = None) -> ImportReport:
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


OUTCOME_LABELS = {"accepted": "已导入", "unchanged": "无变化", "rejected": "已拒绝"}


def write_import_report_xlsx(report: ImportReport, out) -> Path:
    """The report as a sheet a clerk can file or send back (one row per file)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .export import HEAD_FILL, WRAP, put

    wb = Workbook()
    ws = wb.active
    ws.title = "导入报告"
    heads = ["文件", "结果", "单位代码", "单位名称", "方案标识", "版本", "任务项", "数值", "指标", "问题与提示"]
    for c, h in enumerate(heads, 1):
        cell = put(ws, 1, c, h)
        cell.font, cell.fill = Font(bold=True), HEAD_FILL
    for r, f in enumerate(report.files, 2):
        vals = [Path(f.path).name, OUTCOME_LABELS[f.outcome], f.unit_code, f.unit_name, f.plan_uuid, f.revision,
                f.counts.get("items"), f.counts.get("values"), f.counts.get("indicators"),
                "\n".join(f.messages + f.warnings)]
        for c, v in enumerate(vals, 1):
            put(ws, r, c, v).alignment = WRAP
    for c, w in enumerate((28, 8, 14, 24, 38, 6, 8, 8, 8, 80), 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:J{len(report.files) + 1}"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _line(f: FileResult) -> str:
    name = Path(f.path).name
    if f.outcome == "rejected":
        return f"已拒绝  {name}（{len(f.messages)} 处问题）"
    c = f.counts
    head = f"{OUTCOME_LABELS[f.outcome]}  {name}  {f.unit_name or ''} 第{f.revision}版"
    return head + (f"（{c.get('items', 0)} 项任务，{c.get('values', 0)} 个数值，{c.get('indicators', 0)} 个指标）"
                   if f.outcome == "accepted" else "")


def import_cli(store, args) -> int:
    """``yice import PATHS [--report F.xlsx] [--json] [--create-units]``: 0 only if every file went in."""
    report = import_files(store, args.paths, create_units=getattr(args, "create_units", False))
    if getattr(args, "report", None):
        write_import_report_xlsx(report, args.report)
    if getattr(args, "json", False):
        print(json.dumps({"ok": report.ok, "files": [asdict(f) for f in report.files]}, ensure_ascii=False, indent=1,
                         default=str))
    else:
        for f in report.files:
            print(_line(f))
            for m in f.messages + f.warnings:
                print(f"    {m}")
        n = {k: sum(f.outcome == k for f in report.files) for k in OUTCOME_LABELS}
        print(f"共 {len(report.files)} 个文件：导入 {n['accepted']}，无变化 {n['unchanged']}，拒绝 {n['rejected']}",
              file=sys.stderr if not report.files else sys.stdout)
    return 0 if report.ok and report.files else 1
