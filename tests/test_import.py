"""Bulk import of 报送表: round trips, LibreOffice re-save, hand-filled templates, revisions, bad files, CLI."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from desktop.core.jobs import Job
from desktop.excel.filing import export_plan_xlsx, export_template
from desktop.excel.importer import import_files
from desktop.excel.report import write_import_report_xlsx
from desktop.excel.layout import COVER, INDICATORS, META, TASKS
from desktop.core.store import Store
from tools import db_ref, dump_db, edit as Edit
from test_sheets_export import FORM, INJECT, fill_plan

CODE = "4162010730"
pytestmark = pytest.mark.backends


@pytest.fixture
def plan(store, school):
    return fill_plan(store, school.code)


@pytest.fixture
def good(store, plan, tmp_path) -> Path:
    return export_plan_xlsx(store, plan.id, tmp_path / "兰州职院.xlsx")


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request, monkeypatch):
    """Both readers must import alike (the bench picks the faster one)."""
    from desktop.excel import importer

    monkeypatch.setattr(importer, "READER", request.param)
    return request.param


@pytest.fixture
def other(new_db, catalog):
    """The receiving (province) database, empty but for the shipped registry."""
    s = Store.open(new_db("b"), catalog=catalog)
    yield s
    s.close()


def dump(store) -> list:
    """Every row of the store's database (either backend): the 'nothing written' check."""
    return dump_db(db_ref(store))


def same_content(a: Store, plan_a, b: Store, plan_b):
    """What the unit filed (its latest submission) is what the office holds, value for value."""
    da, db = a.plans.snapshot(plan_a, submission=-1), b.plans.snapshot(plan_b)
    assert da.values == db.values
    assert da.indicators == db.indicators
    assert da.sections == db.sections
    assert da.plan.uuid == db.plan.uuid
    received = b.plans.snapshot(plan_b, submission=-1)
    assert received.submission.uuid == da.submission.uuid and received.content_hash == da.content_hash


def _col(ws, label, header_row=2):
    return next(c.column for c in ws[header_row] if c.value == label)


def edited(src: Path, dst: Path, change) -> Path:
    """Copy of ``src`` changed by ``change(workbook)`` (openpyxl keeps the hidden sheets)."""
    wb = load_workbook(src)
    change(wb)
    wb.save(dst)
    return dst


# ------------------------------------------------------------------ round trips
def test_round_trip_into_empty_database(store, plan, good, other, reader):
    rep = import_files(other, [good], create_units=True)
    f = rep.files[0]
    assert rep.ok and f.outcome == "accepted", f.messages
    assert f.unit_code == CODE and f.plan_uuid == plan.uuid and f.submission_no == 1
    assert f.counts["values"] == sum(len(v) for v in store.plans.snapshot(plan.id).values.values())
    assert f.counts["items"] == 31 and f.counts["rows"] == 33 and f.counts["indicators"] == 11
    assert f.counts["sections"] == len(store.catalog.base_fields.sections)  # every declared chapter, empty or not
    got = other.plans.get(plan.uuid)
    assert got.state == "submitted" and got.received_at is not None and got.submission_no == 1
    same_content(store, plan.id, other, plan.uuid)
    # the injection strings came back exactly as typed
    assert {other.plans.snapshot(plan.uuid).value(no, "measures") for no in (4, 8, 12, 16, 20)} == set(INJECT)
    assert all(h["origin"] == "import" for h in other.history.rows(plan.uuid) if h["entity"] == "response")
    # the same file again changes nothing
    before = dump(other)
    rep2 = import_files(other, [good])
    assert rep2.ok and rep2.files[0].outcome == "unchanged"
    assert dump(other) == before
    with other.engine.connect() as con:
        assert [tuple(r) for r in con.exec_driver_sql("select outcome, submission_no from imports")] == [("accepted", 1)]


def test_columns_matched_by_header_not_position(store, plan, good, other, tmp_path, reader):
    def swap(wb):
        ws = wb[TASKS]
        a, b = _col(ws, "牵头部门"), _col(ws, "完成时限")
        for r in range(2, ws.max_row + 1):
            x, y = ws.cell(r, a), ws.cell(r, b)
            (x.value, x.number_format), (y.value, y.number_format) = (y.value, y.number_format), (x.value, x.number_format)

    f = import_files(other, [edited(good, tmp_path / "换列.xlsx", swap)], create_units=True).files[0]
    assert f.outcome == "accepted", f.messages
    same_content(store, plan.id, other, plan.uuid)


def test_unknown_unit_refused_without_create(good, other):
    before = dump(other)
    rep = import_files(other, [good])
    assert not rep.ok and "不在本机单位名录" in rep.files[0].messages[0]
    assert rep.files[0].messages[0].startswith("兰州职院.xlsx")
    assert dump(other) == before


@pytest.mark.office
def test_round_trip_after_libreoffice_resave(store, plan, good, other, soffice, tmp_path, reader):
    out = tmp_path / "lo"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), str(good)], check=True, capture_output=True, timeout=180)
    resaved = out / good.name
    wb = load_workbook(resaved, read_only=True)
    assert wb[META].sheet_state in ("hidden", "veryHidden")  # LibreOffice: veryHidden -> hidden
    wb.close()
    rep = import_files(other, [resaved], create_units=True)
    assert rep.ok and rep.files[0].outcome == "accepted", rep.files[0].messages
    assert not rep.files[0].warnings[1:], rep.files[0].warnings  # only "unit created"; hash still matches
    same_content(store, plan.id, other, plan.uuid)


def test_hand_filled_template(catalog, store, school, tmp_path, reader):
    tpl = export_template(catalog, FORM, tmp_path / "t.xlsx")
    wb = load_workbook(tpl)
    cover = wb[COVER]
    vals = {"单位名称": "兰州职业技术学院", "单位代码": int(CODE), "年度": "2025年", "方案类型": "一校一策", "基本情况": "手填的基本情况"}
    for row in cover.iter_rows(min_row=3):
        if row[0].value in vals:
            row[1].value = vals[row[0].value]
    ws = wb[TASKS]
    c = {label: _col(ws, label) for label in ("是否适用", "落实举措", "完成时限", "进度", "配合部门")}
    ws.cell(3, c["是否适用"], "是")
    ws.cell(3, c["落实举措"], "=手写的等号开头")  # typed as text after the sheet was made
    ws.cell(3, c["落实举措"]).data_type = "s"
    ws.cell(3, c["完成时限"], "2025年6月")
    ws.cell(4, c["完成时限"], 45839)  # an Excel serial: 2025-07-01
    ws.cell(5, c["完成时限"], "2025/7/2")
    ws.cell(3, c["进度"], "推进中")
    ws.cell(3, c["配合部门"], "科研处，财务处 后勤处")
    ws.cell(3, c["是否适用"], True)
    wi = wb[INDICATORS]
    wi.cell(3, 5, "35所")
    wi.cell(3, 6, 12)
    wb.save(tmp_path / "filled.xlsx")
    rep = import_files(store, [tmp_path / "filled.xlsx"])
    f = rep.files[0]
    # two items half answered: stored as meant, as a draft copy (not a filing a province could accept)
    assert rep.ok and f.outcome == "draft", f.messages
    assert any("不是可受理的正式报送" in w and "个错误" in w for w in f.warnings), f.warnings
    p = store.plans.find(CODE, FORM, 2025, "一校一策")
    d = store.plans.snapshot(p.id)
    assert d.values[1] == {"applicable": "是", "measures": "=手写的等号开头", "deadline": "2025-06-30",
                           "status": "推进中", "partners": "科研处、财务处、后勤处"}
    assert d.value(2, "deadline") == "2025-07-01" and d.value(3, "deadline") == "2025-07-02"
    ind = catalog.get(FORM).items[12].indicators[0].key
    assert d.indicators[ind] == (35.0, 12.0) and d.sections == {"basic_info": "手填的基本情况"}
    assert p.state == "draft" and p.submission_no == 0


def test_copied_template_without_meta_recognised_by_layout(catalog, store, school, tmp_path):
    """A unit pasted the template into a fresh workbook: no _meta, styled blank rows down to 1000."""
    from openpyxl.styles import Border, Side

    wb = load_workbook(export_template(catalog, FORM, tmp_path / "t.xlsx"))
    wb.remove(wb[META])
    for row in wb[COVER].iter_rows(min_row=3):
        row[1].value = {"单位代码": CODE, "年度": 2026}.get(row[0].value, row[1].value)
    ws = wb[TASKS]
    ws.cell(3, _col(ws, "责任人"), "王五")
    for r in range(40, 1001):
        ws.cell(r, 5).border = Border(bottom=Side(style="thin"))
    wb.save(tmp_path / "copy.xlsx")
    f = import_files(store, [tmp_path / "copy.xlsx"]).files[0]
    assert f.outcome == "draft", f.messages  # recognised and stored; one 责任人 is no filing
    p = store.plans.find(CODE, FORM, 2026, "一校一策")
    assert store.plans.snapshot(p.id).values == {1: {"owner": "王五"}}
    ws.cell(3, 2, "被改动的政策内容")  # no longer any known form
    wb.save(tmp_path / "unknown.xlsx")
    f = import_files(store, [tmp_path / "unknown.xlsx"]).files[0]
    assert f.outcome == "rejected" and "无法识别报送表" in f.messages[0]


def test_write_failure_leaves_database_untouched(good, other, monkeypatch):
    other.units.add(CODE, "兰州职业技术学院", "school", "620100")
    before = dump(other)

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(other.receiving, "_replace", boom)  # fails after the plan row was inserted
    f = import_files(other, [good]).files[0]
    assert f.outcome == "rejected" and "写入数据库失败" in f.messages[0]
    assert dump(other) == before


def test_unit_that_may_not_file_this_kind_is_refused(catalog, other, tmp_path):
    wb = load_workbook(export_template(catalog, FORM, tmp_path / "t.xlsx"))
    for row in wb[COVER].iter_rows(min_row=3):
        row[1].value = {"单位代码": "620100", "年度": 2025, "方案类型": "一校一策"}.get(row[0].value, row[1].value)
    wb.save(tmp_path / "市州填了一校一策.xlsx")
    before = dump(other)
    f = import_files(other, [tmp_path / "市州填了一校一策.xlsx"]).files[0]
    assert f.outcome == "rejected" and "不能编制「一校一策」" in f.messages[0], f.messages
    assert dump(other) == before


# -------------------------------------------------------------------- revisions
def test_newer_submission_replaces_older_is_refused(store, plan, good, other, tmp_path):
    assert import_files(other, [good], create_units=True).ok
    other.lifecycle.review(plan.uuid, False, "请补充第3项")
    store.lifecycle.withdraw(plan.id)  # the unit takes its filing back to revise it
    store.plans.apply_edits(plan.id, [Edit(3, "measures", "改过的举措"), Edit(4, "owner", "新人"), Edit(1, "owner", None)])
    newer = export_plan_xlsx(store, plan.id, tmp_path / "v2.xlsx")
    assert store.plans.get(plan.id).submission_no == 2
    old_measures = other.plans.snapshot(plan.uuid).value(3, "measures")
    rep = import_files(other, [newer])
    f = rep.files[0]
    assert rep.ok and f.outcome == "accepted" and f.submission_no == 2
    assert f.counts["changed"] == 3
    same_content(store, plan.id, other, plan.uuid)
    got = other.plans.get(plan.uuid)
    assert got.state == "submitted" and got.review_reason is None and got.submission_no == 2
    assert [s.state for s in other.plans.submissions(plan.uuid)] == ["returned", "submitted"]
    hist = other.history.rows(plan.uuid)
    assert any(h["key"] == "measures" and h["item_no"] == 3 and h["old"] == old_measures and h["new"] == "改过的举措"
               and h["origin"] == "import" for h in hist)
    assert any(h["key"] == "owner" and h["item_no"] == 1 and h["new"] is None for h in hist)
    before = dump(other)
    rep = import_files(other, [good])  # the older file again
    assert not rep.ok and "早于本机已有的第2次报送" in rep.files[0].messages[0]
    assert dump(other) == before


def test_a_received_filing_writes_its_history_in_order(store, plan, good, other):
    """One history insert per file (receiving.py): the plan's creation first, then every value,
    then the state the lifecycle set; each row stamped like the others."""
    assert import_files(other, [good], create_units=True).files[0].outcome == "accepted"
    hist = other.history.rows(plan.uuid)[::-1]  # oldest first
    assert (hist[0]["entity"], hist[0]["key"]) == ("plan", "create")
    assert (hist[-1]["entity"], hist[-1]["old"]) == ("state", "draft") and hist[-1]["new"].startswith("submitted")
    snap = other.plans.snapshot(plan.uuid)
    assert sum(h["entity"] == "response" for h in hist) == sum(len(v) for v in snap.values.values())
    assert {h["origin"] for h in hist} == {"import"} and len({h["at"] for h in hist}) <= 2


def test_a_refused_file_leaves_the_rest_of_its_run_to_go_on(good, other, monkeypatch):
    """A file refused after its plan was made (its SAVEPOINT rolled back; SQLite gives the next
    plan the same id) does not make the next file of the run fall back to a transaction of its own."""
    import dataclasses

    from desktop.core.edits import Edit as CoreEdit, Ref
    from desktop.core.errors import InputError

    checked = []  # the Incoming the importer hands to the store (nothing written here)
    with monkeypatch.context() as m:
        m.setattr(other.receiving, "receive_many", lambda incs, *_a: checked.extend(incs) or [])
        import_files(other, [good], create_units=True)
    inc, = checked
    bad = dataclasses.replace(inc, plan_uuid=None, submission_uuid=None, history=(),
                              edits=inc.edits + [CoreEdit(Ref.field(2, "measures"), "举措\x1b[31m")])
    monkeypatch.setattr(other.receiving, "_alone", lambda *_a: pytest.fail("a file written alone"))
    got = other.receiving.receive_many([bad, inc], create_units=True)
    assert isinstance(got[0], InputError) and "控制字符" in str(got[0])
    assert got[1].outcome == "accepted" and got[1].plan_uuid == inc.plan_uuid
    assert [p.uuid for p in other.plans.list()] == [inc.plan_uuid]


def test_edited_after_export_imports_with_warning(store, plan, good, other, tmp_path):
    def change(wb):
        ws = wb[TASKS]
        ws.cell(3, _col(ws, "责任人"), "手改的人")

    f = import_files(other, [edited(good, tmp_path / "手改.xlsx", change)], create_units=True).files[0]
    assert f.outcome == "accepted" and any("校验值不符" in w for w in f.warnings)
    assert other.plans.snapshot(plan.uuid).value(1, "owner") == "手改的人"


def test_report_xlsx_and_cancel(store, good, other, tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a zip")
    rep = import_files(other, [good, bad], create_units=True)
    out = write_import_report_xlsx(rep, other.vocab, tmp_path / "r.xlsx")
    rows = list(load_workbook(out).active.iter_rows(min_row=4, values_only=True))
    assert [(r[0], r[1]) for r in rows] == [("兰州职院.xlsx", "已接收"), ("坏.xlsx", "已拒收")]
    assert "不是有效的 xlsx" in rows[1][9]
    job = Job()
    job.cancel()
    rep = import_files(other, [good], job=job)
    assert rep.cancelled and not rep.files and not rep.ok


# ------------------------------------------------------------------- bad files
def _cell_of(wb, sheet, label, row=3):
    ws = wb[sheet]
    return ws.cell(row, _col(ws, label))


def _set(sheet, label, value, row=3, formula=False):
    def change(wb):
        c = _cell_of(wb, sheet, label, row)
        c.value = value
        if not formula and isinstance(value, str):
            c.data_type = "s"
    return change


def _patch_zip(src: Path, dst: Path, name: str, data: bytes | None, extra: dict | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for i in zin.infolist():
            zout.writestr(i.filename, data if i.filename == name and data is not None else zin.read(i))
        for k, v in (extra or {}).items():
            zout.writestr(k, v)
    return dst


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
          + b']><workbook>&lol9;</workbook>')
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><workbook>&e;</workbook>'


def _bad_files(good: Path, d: Path):
    """(file, expected message fragments) — each must be rejected with nothing written."""
    xlsx = lambda n: d / f"{n}.xlsx"  # noqa: E731
    raw = good.read_bytes()
    xlsx("不是zip").write_bytes(b"PK? no, just text")
    xlsx("截断").write_bytes(raw[: len(raw) // 2])
    empty = Workbook()
    empty.active.title = "Sheet1"
    empty.save(xlsx("空工作簿"))
    yield xlsx("不是zip"), ["不是有效的 xlsx"]
    yield xlsx("截断"), ["不是有效的 xlsx"]
    yield _patch_zip(good, xlsx("炸弹"), "", None, {"xl/media/pad.bin": b"\0" * 5_000_000}), ["压缩炸弹"]
    yield _patch_zip(good, xlsx("十亿笑"), "xl/workbook.xml", LAUGHS), ["xl/workbook.xml", "实体"]
    yield _patch_zip(good, xlsx("外部实体"), "xl/workbook.xml", XXE), ["xl/workbook.xml", "外部实体"]
    yield xlsx("空工作簿"), ["缺少工作表「封面」"]
    yield edited(good, xlsx("缺任务清单"), lambda wb: wb.remove(wb[TASKS])), ["缺少工作表「任务清单」"]
    yield edited(good, xlsx("缺指标"), lambda wb: wb.remove(wb[INDICATORS])), ["缺少工作表「指标」"]

    def number(wb):
        wb[INDICATORS]["E3"].value = "很多"
    yield edited(good, xlsx("文字指标"), number), ["文字指标.xlsx 指标!E3", "「很多」应为数字，单位：所"]

    def bad_date(wb):
        c = _cell_of(wb, TASKS, "完成时限", 15)
        c.value = "2021年13月"
        yield_ref.append(f"任务清单!{c.coordinate}")
    yield_ref: list[str] = []
    f = edited(good, xlsx("甘肃某校"), bad_date)
    yield f, [f"甘肃某校.xlsx {yield_ref[0]}：", "「2021年13月」不是有效日期"]
    marked = edited(good, d / "marked.tmp", _set(TASKS, "落实举措", "XXLONGXX"))  # openpyxl cuts at 32767
    with zipfile.ZipFile(marked) as z:
        part = next(n for n in z.namelist() if b"XXLONGXX" in z.read(n))
        xml = z.read(part).replace(b"XXLONGXX", "字".encode() * 100_000)
    yield _patch_zip(marked, xlsx("超长"), part, xml), ["超长.xlsx 任务清单!F3", "100000 字"]
    f = edited(good, xlsx("公式"), _set(TASKS, "进度", "=A1", formula=True))
    yield f, ["公式.xlsx 任务清单!K3", "不能是公式"]
    with zipfile.ZipFile(f) as z:  # the same without cell references (r="…" is optional in OOXML)
        part = next(n for n in z.namelist() if b"<f>A1</f>" in z.read(n))
        xml = z.read(part).replace(b' r="K3"', b"")
    yield _patch_zip(f, xlsx("公式无坐标"), part, xml), ["公式无坐标.xlsx 任务清单!K3", "不能是公式"]
    yield edited(good, xlsx("指标公式"), _set(INDICATORS, "完成值", "=1+1", formula=True)), ["指标!F3", "公式"]

    def version(wb):
        wb[META]["B3"].value = "99"
    yield edited(good, xlsx("新版本"), version), ["版本「99」"]

    def form(wb):
        wb[META]["B2"].value = "gs2099-unknown"
    yield edited(good, xlsx("未知清单"), form), ["未知的清单「gs2099-unknown」"]

    def dup(wb):
        wb[TASKS]["A5"].value = 1
    yield edited(good, xlsx("重复序号"), dup), ["重复序号.xlsx 任务清单!A5", "序号 1 重复"]

    def choice(wb):
        _cell_of(wb, TASKS, "进度", 4).value = "差不多"
    yield edited(good, xlsx("进度"), choice), ["任务清单!K4", "不是可选值"]

    def header(wb):  # a required column deleted (a renamed header is found by the column's name)
        wb[TASKS].delete_cols(_col(wb[TASKS], "完成时限"))
    yield edited(good, xlsx("缺列"), header), ["缺少「完成时限」列"]


def test_bad_files_rejected_whole(store, good, other, tmp_path, reader):
    assert import_files(other, [good], create_units=True).ok  # so bad files meet an existing plan too
    d = tmp_path / "bad"
    d.mkdir()
    db = other
    cases = list(_bad_files(good, d))
    assert len(cases) == 19
    before = dump(db)
    for path, fragments in cases:
        f = import_files(other, [path]).files[0]
        assert f.outcome == "rejected", (path.name, f)
        text = "\n".join(f.messages)
        assert f.messages and all(m.startswith(path.name) for m in f.messages), text
        for frag in fragments:
            assert frag in text, (path.name, frag, text)
    assert dump(db) == before
    # a folder: every .xlsx inside, one result each, and the good file is still unchanged
    shutil.copy(good, d / "好.xlsx")
    rep = import_files(other, [d])
    assert len(rep.files) == len(cases) + 1 and not rep.ok
    assert [f.outcome for f in rep.files if Path(f.path).name == "好.xlsx"] == ["unchanged"]
    assert dump(db) == before


EXT_VALIDATION = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                  b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                  b'<x14:dataValidations xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" count="1">'
                  b'<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>_lists!$A$1:$A$4</xm:f>'
                  b'</x14:formula1><xm:sqref>K3:K40</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>')


def test_a_list_validation_saved_by_excel_is_not_a_formula(good, other, tmp_path):
    """Excel 2010+ keeps a list validation that points at another sheet in the worksheet's extLst
    as <xm:f>: it belongs to no cell, and the file must not be refused for a formula nobody typed."""
    from desktop.core import zipsafe

    zf, scan = zipsafe.open_ooxml(good, "xlsx", "xlsx")
    with zf:
        part = scan.sheets[TASKS].part
        xml = zf.read(part).replace(b"</worksheet>", EXT_VALIDATION + b"</worksheet>")
    f = import_files(other, [_patch_zip(good, tmp_path / "excel-validation.xlsx", part, xml)], create_units=True).files[0]
    assert f.outcome == "accepted", f.messages


def test_checking_in_worker_processes_decides_exactly_as_checking_here(store, plan, good, tmp_path, new_db, catalog):
    """A big batch is checked in worker processes (the catalog travels by pickle, each Incoming
    back): every file's outcome, message, warning and count, and every stored row, are the same."""
    import dataclasses

    d = tmp_path / "batch"
    d.mkdir()
    cases = list(_bad_files(good, d))
    shutil.copy(good, d / "好.xlsx")
    draft = store.plans.create("620100", FORM, 2024)
    export_plan_xlsx(store, draft.id, d / "市草稿.xlsx", draft=True)
    reports, dbs = [], []
    for n, checkers in enumerate((0, 2)):
        s = Store.open(new_db(f"recv{n}"), catalog=catalog)
        try:
            rep = import_files(s, [d], create_units=True, checkers=checkers)
            reports.append([dataclasses.asdict(f) for f in rep.files])
            dbs.append({t: len(rows) for t, rows in dump(s)})
            snap = s.plans.snapshot(plan.uuid)
            reports[-1].append((snap.values, snap.indicators, snap.sections, snap.explanations))
        finally:
            s.close()
    assert len(reports[0]) == len(cases) + 3
    outcomes = {Path(f["path"]).name: f["outcome"] for f in reports[0][:-1]}
    assert outcomes["好.xlsx"] == "accepted" and outcomes["市草稿.xlsx"] == "draft", outcomes
    assert reports[1] == reports[0]
    assert dbs[1] == dbs[0]


def test_a_cancel_stops_the_checking_processes(store, plan, good, other, tmp_path):
    """取消 during a big batch: the files already received stay, the rest are not read, and the
    call returns at once (the checking processes stop after the chunk they hold)."""
    import time

    d = tmp_path / "many"
    d.mkdir()
    for i in range(40):
        shutil.copy(good, d / f"{i:02}.xlsx")
    seen = []
    job = Job(lambda done, total, msg: seen.append(done) or (done >= 3 and job.cancel()))
    t = time.perf_counter()
    rep = import_files(other, [d], create_units=True, job=job, checkers=1)
    assert rep.cancelled and 3 <= len(rep.files) < 40
    assert time.perf_counter() - t < 30
    assert [f.outcome for f in rep.files][:2] == ["accepted", "unchanged"]


# ------------------------------------------------------------------------- CLI
def test_cli_import_exit_codes(cli, store, plan, tmp_path, catalog, new_db):
    good = tmp_path / "g.xlsx"
    assert cli("export", plan.uuid, "--format", "xlsx", "-o", str(good))[0] == 0
    recv = new_db("recv")
    from desktop.main import main
    import contextlib

    def run(*args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(["--db", str(recv), *args])
        return code, out.getvalue()

    code, out = run("import", str(good))
    assert code == 1 and "已拒收  g.xlsx" in out and "--create-units" in out
    code, out = run("import", str(good), "--create-units", "--report", str(tmp_path / "r.xlsx"))
    assert code == 0 and "已接收  g.xlsx" in out and (tmp_path / "r.xlsx").exists()
    code, out = run("import", str(good), "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] and data["files"][0]["outcome"] == "unchanged"
    bad = tmp_path / "b.xlsx"
    bad.write_text("x")
    code, out = run("import", str(good), str(bad), "--json")
    assert code == 1 and [f["outcome"] for f in json.loads(out)["files"]] == ["unchanged", "rejected"]


def test_a_filing_that_is_not_clean_is_received_as_a_draft(store, plan, good, other, tmp_path):
    """Formal means clean on the receiving side too: a filing whose content has errors (edited after
    export, made by hand, by an older program) is stored as a draft copy saying why, never as 已报送;
    once a filing is held, such a file is refused and changes nothing."""
    def blank_measures(wb):  # item 2, which every school must answer: its 落实举措 cleared after export
        ws = wb[TASKS]
        ws.cell(2 + 2, _col(ws, "落实举措")).value = None

    bad = edited(good, tmp_path / "改过.xlsx", blank_measures)
    f = import_files(other, [bad], create_units=True).files[0]
    assert f.outcome == "draft", f.messages
    note = next(w for w in f.warnings if "不是可受理的正式报送" in w)
    assert "1 个错误" in note and "第2项「落实举措」" in note
    held = other.plans.find(CODE, FORM, plan.year, plan.kind)
    assert held.state == "draft" and held.submission_no == 0
    assert other.plans.snapshot(held.id).value(2, "measures") is None  # stored as the file says
    # the clean filing itself is a filing; the unclean copy then may not replace it
    assert import_files(other, [good]).files[0].outcome == "accepted"
    before = dump(other)
    f = import_files(other, [bad]).files[0]
    assert f.outcome == "rejected" and "不是可受理的正式报送" in f.messages[0] and "第1次报送" in f.messages[0]
    assert dump(other) == before
