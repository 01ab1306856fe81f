"""Everything a unit filed travels in the 报送表 (and the 报送包) and comes back equal in an empty
province database: unit identity under the right parent, sections, values, 说明 (不适用 reasons
among them), indicators, the evidence list and files; the summary puts imported schools under
their cities; the kind-specific template and its input rules agree with the importer."""
from __future__ import annotations

import dataclasses
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop.core import summary
from desktop.core.store import Store
from desktop.core.validation import unexplained, validate
from desktop.excel.filing import export_plan_xlsx, export_template
from desktop.excel.importer import import_files
from desktop.excel.layout import COVER, EVIDENCE, GUIDE, INDICATORS, NEED, TASKS, table_fields
from test_sheets_export import FORM, fill_plan
from tools import db_ref, dump_db, explain_all

pytestmark = pytest.mark.backends

CODE = "4162010730"
UNIT_FIELDS = ("code", "name", "kind", "parent_code", "parent_name", "province_code", "school_type", "school_code",
               "credit_code", "contact_person", "contact_phone")
EVIDENCE_FILES = [(3, "会议纪要.pdf", b"%PDF-1.4 minutes " * 50), (3, "照片.jpg", b"\xff\xd8\xff" + b"x" * 900),
                  (12, "会议纪要.pdf", b"another file with the same name")]


@pytest.fixture
def county_school(store):
    """A school under a county (城关区, itself under 兰州市): the parent is not a 市州."""
    u, _ = store.units.add(CODE, "兰州职业技术学院", "school", "620102", school_type="高职", school_code=CODE,
                           credit_code="12100000400000624D", contact_person="张明", contact_phone="0931-1234567")
    return u


@pytest.fixture
def full_plan(store, county_school):
    """Every kind of content: values, sections, indicators (7 significant digits), 不适用 with its
    reason (a 说明), explained warnings, and evidence files (two with the same name)."""
    from tools import edit

    plan = fill_plan(store, CODE)
    store.lifecycle.submit(plan.id)  # 第1次报送, taken back and revised: the filing carries its history
    store.lifecycle.withdraw(plan.id)

    view = store.catalog.get(FORM)
    ind = view.items[12].indicators[0].key
    na = next(it.no for it in view.items if view.must_answer(it.no, "一校一策") and it.no not in (5, 6, 13))
    store.plans.apply_edits(plan.id, [edit(13, f"target:{ind}", 1234567), edit(13, f"actual:{ind}", 2.5),
                                      edit(na, "applicable", "否"), edit(na, "status", "不适用")])
    for no, name, data in EVIDENCE_FILES:
        store.evidence.add_bytes(plan.id, no, name, data)
    explain_all(store, plan.id, "本校不承担：由省教育厅统一组织（不适用的理由）")
    snap = store.plans.snapshot(plan.id)
    assert not unexplained(validate(view, snap.plan.kind, snap))
    assert snap.explanations[(na, "not_applicable_required", "applicable")].endswith("（不适用的理由）")
    return store.plans.get(plan.id)


def _province(new_db, catalog, name="province") -> Store:
    return Store.open(new_db(name), catalog=catalog)


def _resave(soffice, src: Path, tmp_path: Path) -> Path:
    out = tmp_path / "lo"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
                    "xlsx", "--outdir", str(out), str(src)], check=True, capture_output=True, timeout=180)
    return out / src.name


def assert_equal_filing(a: Store, plan_a, b: Store, plan_b):
    """The unit's latest submission and the office's received one, field by field."""
    sa, sb = a.plans.snapshot(plan_a, submission=-1), b.plans.snapshot(plan_b, submission=-1)
    assert sb.values == sa.values
    assert sb.indicators == sa.indicators
    assert sb.sections == sa.sections
    assert sb.explanations == sa.explanations
    key = lambda e: (e.item_no, e.name, e.sha256, e.size)  # noqa: E731
    assert sorted(map(key, sb.evidence)) == sorted(map(key, sa.evidence))
    ua, ub = dataclasses.asdict(sa.unit), dataclasses.asdict(sb.unit)
    assert {k: ub[k] for k in UNIT_FIELDS} == {k: ua[k] for k in UNIT_FIELDS}
    assert (sb.plan.uuid, sb.plan.kind, sb.plan.year, sb.plan.form_id) == (sa.plan.uuid, sa.plan.kind, sa.plan.year,
                                                                           sa.plan.form_id)
    assert (sb.submission.uuid, sb.submission.number) == (sa.submission.uuid, sa.submission.number)
    assert sb.content_hash == sa.content_hash == sb.submission.content_hash
    return sa, sb


@pytest.mark.office
def test_every_field_round_trips_through_libreoffice(store, full_plan, tmp_path, catalog, soffice, new_db):
    good = export_plan_xlsx(store, full_plan.id, tmp_path / "兰州职院.xlsx")
    resaved = _resave(soffice, good, tmp_path)
    prov = _province(new_db, catalog)
    rep = import_files(prov, [resaved], create_units=True)
    f = rep.files[0]
    assert rep.ok and f.outcome == "accepted", f.messages
    sa, sb = assert_equal_filing(store, full_plan.id, prov, full_plan.uuid)
    assert sb.unit.parent_code == "620102" and sb.unit.parent_name == "城关区"
    assert prov.units.get(CODE).parent_code == "620102"
    got = prov.plans.get(full_plan.uuid)
    assert got.state == "submitted" and got.submission_no == sa.submission.number == 2
    # every warning is accounted for: the unit was created (where), and the files themselves are not in a lone xlsx
    assert len(f.warnings) == 2, f.warnings
    text = "\n".join(f.warnings)
    assert "已按封面新建单位「兰州职业技术学院」（上级单位：城关区）" in text and "佐证材料清单列有 3 个文件" in text
    # the received plan is as clean as the filed one: no warning left without its 说明
    view = prov.catalog.get(FORM)
    assert not unexplained(validate(view, got.kind, prov.plans.snapshot(full_plan.uuid, submission=-1)))
    assert sb.indicators[view.items[12].indicators[0].key] == (1234567.0, 2.5)


def test_package_carries_the_evidence_files(cli, store, full_plan, tmp_path, catalog, new_db):
    out = tmp_path / "报送包.zip"
    code, text, err = cli("export", full_plan.uuid, "--format", "package", "-o", str(out))
    assert code == 0, err
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
    assert sum(n.endswith(".xlsx") for n in names) == 1 and sum(n.endswith(".docx") for n in names) == 1
    assert sorted(n for n in names if n.startswith("佐证材料/")) == [
        "佐证材料/第12项/会议纪要.pdf", "佐证材料/第3项/会议纪要.pdf", "佐证材料/第3项/照片.jpg"]
    prov = _province(new_db, catalog)
    f = import_files(prov, [out], create_units=True).files[0]
    assert f.outcome == "accepted" and f.counts["package"] == 1, f.messages
    assert f.warnings == [f"报送包.zip：已按封面新建单位「兰州职业技术学院」（上级单位：城关区）"]
    sa, sb = assert_equal_filing(store, full_plan.id, prov, full_plan.uuid)
    working = prov.plans.snapshot(full_plan.uuid)  # the evidence rows and bytes arrived too
    assert sorted((e.item_no, e.name) for e in working.evidence) == sorted((n, m) for n, m, _d in EVIDENCE_FILES)
    for e in working.evidence:
        assert prov.evidence.content(e.sha256) == store.evidence.content(e.sha256)
    assert import_files(prov, [out]).files[0].outcome == "unchanged"


def test_package_checked_in_a_worker_process_brings_its_evidence_bytes(store, full_plan, tmp_path, catalog, new_db):
    """A 报送包 checked in a checking process (a big batch) sends its evidence bytes back whole."""
    from desktop.cli.cmd_export import export_package

    pkg = export_package(store, full_plan.id, tmp_path / "包.zip")
    prov = _province(new_db, catalog)
    f = import_files(prov, [pkg], create_units=True, checkers=1).files[0]
    assert f.outcome == "accepted" and f.counts["package"] == 1, f.messages
    assert_equal_filing(store, full_plan.id, prov, full_plan.uuid)
    working = prov.plans.snapshot(full_plan.uuid)
    assert len(working.evidence) == len(EVIDENCE_FILES)
    for e in working.evidence:
        assert prov.evidence.content(e.sha256) == store.evidence.content(e.sha256)


def test_package_evidence_checked_against_the_list(store, full_plan, tmp_path, catalog, new_db):
    from desktop.cli.cmd_export import export_package

    pkg = export_package(store, full_plan.id, tmp_path / "p.zip")
    broken = tmp_path / "改过的包.zip"
    with zipfile.ZipFile(pkg) as zin, zipfile.ZipFile(broken, "w") as zout:
        for i in zin.infolist():
            data = zin.read(i)
            if i.filename == "佐证材料/第3项/照片.jpg":
                data = b"not the listed photo"
            zout.writestr(i.filename, data)
        zout.writestr("别的/无关.txt", b"x")
    prov = _province(new_db, catalog)
    f = import_files(prov, [broken], create_units=True).files[0]
    assert f.outcome == "accepted", f.messages
    text = "\n".join(f.warnings)
    assert "第3项佐证材料「照片.jpg」未随报送包提供" in text and "不在报送表的佐证材料清单中" in text and "别的/无关.txt" in text
    assert sorted(e.name for e in prov.plans.snapshot(full_plan.uuid).evidence) == ["会议纪要.pdf", "会议纪要.pdf"]


def _school_filing(catalog, tmp_path: Path, code: str, name: str, parent: str, parent_name: str) -> Path:
    wb = load_workbook(export_template(catalog, FORM, tmp_path / f"t{code}.xlsx", kind="一校一策"))
    vals = {"单位名称": name, "单位代码": code, "上级单位代码": parent, "上级单位": parent_name, "年度": 2025,
            "学校类别": "中职", "联系电话": "0931-7654321"}
    for row in wb[COVER].iter_rows(min_row=3):
        if row[0].value in vals:
            row[1].value = vals[row[0].value]
    ws = wb[TASKS]
    col = {c.value: c.column for c in ws[2]}
    view = catalog.get(FORM)
    for item in view.items:  # a clean filing: item 1 and every item a school must answer, in full
        if item.no == 1 or view.must_answer(item.no, "一校一策"):
            r = item.no + 2
            ws.cell(r, col["是否适用"], "是")
            ws.cell(r, col["落实举措"], f"{name}的举措")
            ws.cell(r, col["牵头部门"], "教务处")
            ws.cell(r, col["完成时限"], "2030-12-31")
            ws.cell(r, col["进度"], "已完成" if item.no == 1 else "推进中")
    out = tmp_path / f"{code}.xlsx"
    wb.save(out)
    return out


def test_summary_of_imported_schools_puts_each_under_its_city(tmp_path, catalog, new_db):
    """Schools created from their filings stand where the cover says; the province summary counts them per city."""
    schools = [("3662010001", "兰州第一中职", "620100", "兰州市"), ("3662010002", "城关职校", "620102", "城关区"),
               ("3662050001", "天水职校", "620500", "天水市"), ("3662050002", "麦积职校", "620503", "麦积区")]
    files = [_school_filing(catalog, tmp_path, *s) for s in schools]
    prov = _province(new_db, catalog)
    rep = import_files(prov, files, create_units=True)
    assert rep.ok, [f.messages for f in rep.files]
    rows = {r.unit_code: r for r in summary.roster(prov, FORM, 2025)}
    assert {c: (rows[c].branch_name, rows[c].state) for c, *_ in schools} == {
        "3662010001": ("兰州市", "submitted"), "3662010002": ("兰州市", "submitted"),
        "3662050001": ("天水市", "submitted"), "3662050002": ("天水市", "submitted")}
    assert not any(r.branch_name.endswith("直属") for r in rows.values())
    branches = {b.name: b for b in summary.filing_by_branch(list(rows.values()))}
    assert branches["兰州市"].filed == 2 and branches["天水市"].filed == 2
    progress = summary.item_progress(prov, FORM, 2025)[0]
    assert progress.plans == 4 and progress.status["已完成"] == 4


def test_new_school_needs_a_declared_parent_that_agrees_with_the_registry(tmp_path, catalog, new_db):
    prov = _province(new_db, catalog)
    db = db_ref(prov)
    before = dump_db(db)
    cases = [("无上级.xlsx", ("3662010003", "无上级职校", "", ""), "未填写上级单位代码"),
             ("代码名称不符.xlsx", ("3662010004", "不符职校", "620100", "天水市"), "「620100」在名录中是「兰州市」，与封面所填上级单位「天水市」不一致"),
             ("上级不存在.xlsx", ("3662010005", "无名职校", "629999", ""), "「629999」不在本机单位名录中")]
    for name, s, fragment in cases:
        path = _school_filing(catalog, tmp_path, *s).rename(tmp_path / name)
        f = import_files(prov, [path], create_units=True).files[0]
        assert f.outcome == "rejected" and fragment in "\n".join(f.messages), (name, f.messages)
    assert dump_db(db) == before
    # a known unit whose filing declares another parent: an error naming both
    prov.units.add("3662010006", "已知职校", "school", "620100")
    path = _school_filing(catalog, tmp_path, "3662010006", "已知职校", "620500", "天水市")
    f = import_files(prov, [path]).files[0]
    assert f.outcome == "rejected"
    assert "封面上级单位「天水市（620500）」与名录中「已知职校」的上级单位「兰州市（620100）」不一致" in f.messages[0]


def test_kind_template_marks_what_must_be_filed(cli, catalog, tmp_path):
    out = tmp_path / "一校一策.xlsx"
    code, _o, err = cli("template", FORM, "--kind", "一校一策", "-o", str(out))
    assert code == 0, err
    wb = load_workbook(out)
    view = catalog.get(FORM)
    ws = wb[TASKS]
    need = {ws.cell(r, 1).value: ws.cell(r, [c.value for c in ws[2]].index(NEED) + 1).value for r in range(3, 36)}
    assert need == {it.no: ("须填报" if view.must_answer(it.no, "一校一策") else "选填") for it in view.items}
    assert set(need.values()) == {"须填报", "选填"}
    cover = {r[0]: r[1] for r in wb[COVER].iter_rows(min_row=3, values_only=True)}
    assert cover["方案类型"] == "一校一策"
    guide = "\n".join(f"{a} {b or ''}" for a, b in wb[GUIDE].iter_rows(min_row=2, values_only=True))
    must = [str(it.no) for it in view.items if view.must_answer(it.no, "一校一策")]
    assert "一校一策须填报的任务 第" + "、".join(must) + "项" in guide
    for f in table_fields(view):
        assert f.label in guide
    # every input column prompts what it takes
    prompts = {str(dv.sqref).split(":")[0][:-1]: dv.prompt for dv in ws.data_validations.dataValidation}
    assert all(prompts.get(ws.cell(2, c).column_letter) for c in range(5, ws.max_column + 1))
    code, _o, err = cli("template", FORM, "--kind", "一县一策", "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "没有「一县一策」方案类型" in err


def test_sheet_rules_are_the_importers_rules(catalog, tmp_path):
    """The spreadsheet's own validation bounds come from fields.yaml, as the importer's do."""
    wb = load_workbook(export_template(catalog, FORM, tmp_path / "t.xlsx"))
    ws = wb[TASKS]
    view = catalog.get(FORM)
    col = {c.value: c.column_letter for c in ws[2]}
    dvs = {str(dv.sqref).split(":")[0][:-1]: dv for dv in ws.data_validations.dataValidation}
    for f in table_fields(view):
        dv = dvs[col[f.label]]
        if f.type == "date":
            lo, hi = f.min_date, f.max_date
            assert (dv.type, dv.formula1, dv.formula2) == (
                "date", f"DATE({lo.year},{lo.month},{lo.day})", f"DATE({hi.year},{hi.month},{hi.day})")
        elif f.type in ("bool", "choice"):
            assert dv.type == "list" and dv.formula1 == f"list_{f.key}"
        elif f.max_length:
            assert (dv.type, dv.operator, dv.formula1) == ("textLength", "lessThanOrEqual", str(f.max_length))
    wi = wb[INDICATORS]
    inds = [i for it in view.items for i in it.indicators]
    ind_dvs = sorted(wi.data_validations.dataValidation, key=lambda d: int(str(d.sqref).split(":")[0][1:]))
    for ind, dv in zip(inds, ind_dvs):
        assert dv.type == "decimal" and dv.formula1 == "0"
        assert dv.formula2 == (None if ind.max_value is None else "100")
    assert wb[EVIDENCE].cell(2, 4).value == "SHA-256"
