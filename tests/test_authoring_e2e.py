"""A checklist made from a policy document goes the whole way between two installations.

Province (installation A): reads a generated .docx notice, saves the reviewed checklist, sends
it as one file with the deadline and the list of schools that must file. School (B): imports
it into its own forms folder and database, fills a plan, exports the formal Word 实施方案 and
Excel 报送表. Province: imports the 报送表 and summarises; the roster is the list it sent.
Then versions: the province revises the checklist; the plan filed on version 1 keeps it.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop.core.authoring.bundle import export_bundle, import_bundle, read_bundle
from desktop.core.authoring.draft import FormDraft, read_source_path
from desktop.core.catalog import Distribution, installed_catalog
from desktop.core.catalog.user import UserForms
from desktop.core.store import Store
from desktop.core.summary import summarise
from desktop.core.validation import unexplained, validate
from desktop.excel.filing import export_plan_xlsx
from desktop.excel.importer import import_files
from desktop.excel.layout import META
from desktop.word.plan import export_plan_docx
from policy_docs import OTHER_SCHOOL, ROWS, SCHOOL, write_policy_docx
from tools import fill_clean

YEAR = 2025


class Installation:
    """One copy of the program: its own forms folder and database."""

    def __init__(self, root: Path, name: str):
        self.forms = root / f"{name}-forms"
        self.db = root / f"{name}.sqlite3"
        self.store = Store.open(self.db, catalog=installed_catalog(self.forms))

    def reload(self, catalog=None):
        self.store.catalog = catalog or self.store.catalog.reload()
        return self.store.catalog

    def add_school(self, code: str, name: str):
        return self.store.units.add(code, name, "school", "620100", school_type="高职")[0]


@pytest.fixture
def two(tmp_path):
    a, b = Installation(tmp_path, "province"), Installation(tmp_path, "school")
    yield a, b
    a.store.close()
    b.store.close()


def _author(a: Installation, docx: Path) -> str:
    src = read_source_path(docx)
    [proposal] = src.reading.proposals
    draft = FormDraft.from_proposal(proposal, src, a.store.catalog, "gs2025-tasks")
    assert draft.problems(a.store.catalog) == []
    saved = draft.save(a.store.catalog)
    a.reload(saved.catalog)
    return saved.view.id


def _meta(xlsx: Path) -> dict:
    ws = load_workbook(xlsx)[META]
    return {r[0].value: r[1].value for r in ws.iter_rows() if r[0].value}


def test_authored_form_goes_the_whole_way(two, tmp_path):
    a, b = two
    docx = write_policy_docx(tmp_path / "通知.docx")

    # --- the province authors the checklist from the Word notice
    fid = _author(a, docx)
    view = a.store.catalog.get(fid)
    assert not view.shipped and view.version == 1 and len(view.items) == len(ROWS)
    assert [it.category for it in view.items] == ["健全统筹机制"] * 3 + ["深化校企合作"] * 3 + ["强化保障"]
    assert view.form.doc_no == "甘教职成〔2025〕7号" and view.form.province == "620000"
    assert view.form.items[0].text == ROWS[0][1]  # a cell in two paragraphs joined
    assert [(u.name, u.remark) for u in view.items[0].units] == [("省教育厅", "牵头"), ("省发展改革委", None)]
    assert view.items[3].ref.endswith("第4行") and view.items[3].indicators[0].targets[0].value == 35
    assert view.must_answer(3, "一校一策") and not view.must_answer(2, "一校一策")
    stored = a.store.catalog.source_text(view)
    assert ROWS[5][1] in stored and "甘教职成〔2025〕7号" in stored  # the source kept beside the form
    assert (a.forms / "sources" / view.form.source.file).is_file()

    # --- sends it with the deadline and the schools that must file
    a.add_school(SCHOOL, "兰州职业技术学院")
    a.add_school(OTHER_SCHOOL, "兰州石化职业技术大学")
    dist = Distribution(form_id=fid, deadline="2025-06-30", year=YEAR, filers=(SCHOOL, OTHER_SCHOOL))
    a.reload(UserForms(a.store.catalog).set_distribution(dist))
    sent = export_bundle(a.store.catalog, fid, tmp_path)
    assert sent.name == f"{fid}-第1版.zip"

    # --- the school imports it into its own installation and files
    saved = import_bundle(b.store.catalog, sent)
    b.reload(saved.catalog)
    got = b.store.catalog.get(fid)
    assert got.hash == view.hash and got.distribution.deadline.isoformat() == "2025-06-30"
    unit = b.add_school(SCHOOL, "兰州职业技术学院")
    assert fid in [v.id for v in b.store.plans.forms_for(unit, "一校一策")]  # beside the shipped forms
    plan = b.store.plans.create(SCHOOL, fid, YEAR, "一校一策")
    assert plan.form_version == 1
    fill_clean(b.store, plan.id)
    word = export_plan_docx(b.store, plan.id, tmp_path / "方案.docx")
    xlsx = export_plan_xlsx(b.store, plan.id, tmp_path / "报送表.xlsx")
    import docx as python_docx

    body = "\n".join(p.text for p in python_docx.Document(str(word)).paragraphs)
    assert "第3项的落实举措" in body and "甘教职成〔2025〕7号" in body
    meta = _meta(xlsx)
    assert (meta["form_id"], str(meta["form_version"]), meta["form_hash"]) == (fid, "1", view.hash)
    with sqlite3.connect(b.db) as con:
        [snap] = con.execute("select snapshot from submissions").fetchone()
    assert json.loads(snap)["plan"]["form_hash"] == view.hash  # the submission snapshot carries it too

    # --- the province imports the filing and summarises
    report = import_files(a.store, [xlsx])
    assert report.ok, report.files[0].messages
    sm = summarise(a.store, fid, YEAR)
    assert sorted(r.unit_code for r in sm.roster) == sorted([SCHOOL, OTHER_SCHOOL])  # the list it sent
    assert {r.unit_code: r.filed for r in sm.roster} == {SCHOOL: True, OTHER_SCHOOL: False}
    assert [r.unit_code for r in sm.roster if r.to_chase] == [OTHER_SCHOOL]  # 催报名单
    assert sm.as_dict()["deadline"].isoformat() == "2025-06-30"
    done = {it.no: it for it in sm.items}
    assert done[3].answered == 1 and done[2].required == 0 and done[3].required == 1


def test_versions_old_plans_keep_theirs(two, tmp_path):
    a, b = two
    fid = _author(a, write_policy_docx(tmp_path / "通知.docx"))
    v1 = a.store.catalog.get(fid)
    b.reload(import_bundle(b.store.catalog, export_bundle(a.store.catalog, fid, tmp_path)).catalog)
    b.add_school(SCHOOL, "兰州职业技术学院")
    old = b.store.plans.create(SCHOOL, fid, YEAR, "一校一策")
    fill_clean(b.store, old.id)
    old_xlsx = export_plan_xlsx(b.store, old.id, tmp_path / "v1.xlsx")

    # the province revises the checklist: one task reworded, one added → version 2
    draft = FormDraft.from_view(v1, a.store.catalog)
    assert draft.items[0].source and draft.items[0].source in a.store.catalog.source_text(v1)
    draft.items[2].text = "各职业院校制定并公开“一校一策”年度实施方案。"
    draft.insert(len(draft.items)).text = "各职业院校每年发布产教融合年度报告。"
    draft.set_units(len(draft.items) - 1, "各职业院校")
    saved = draft.save(a.store.catalog)
    assert "第2版" in saved.message
    a.reload(saved.catalog)
    v2 = a.store.catalog.get(fid)
    assert (v2.version, len(v2.items), a.store.catalog.versions_of(fid)) == (2, 8, [1, 2])
    assert (a.forms / "versions" / f"{fid}.v1.yaml").is_file()
    assert FormDraft.from_view(v2, a.store.catalog).save(a.store.catalog).changed is False  # no edit, no version

    b.reload(import_bundle(b.store.catalog, export_bundle(a.store.catalog, fid, tmp_path)).catalog)
    assert b.store.catalog.versions_of(fid) == [1, 2]
    # the plan made on version 1 still validates and exports against version 1
    assert b.store.plans.view_for(b.store.plans.get(old.id)).version == 1
    assert not unexplained(validate(b.store.catalog.for_plan(old), old.kind, b.store.plans.snapshot(old.id)))
    assert _meta(export_plan_xlsx(b.store, old.id, tmp_path / "v1-again.xlsx"))["form_version"] in (1, "1")
    export_plan_docx(b.store, old.id, tmp_path / "v1.docx")
    new = b.store.plans.create(SCHOOL, fid, YEAR + 1, "一校一策")
    assert new.form_version == 2
    fill_clean(b.store, new.id)
    new_xlsx = export_plan_xlsx(b.store, new.id, tmp_path / "v2.xlsx")

    # the province holds both versions: both filings are received, each on its own version
    a.add_school(SCHOOL, "兰州职业技术学院")
    report = import_files(a.store, [old_xlsx, new_xlsx])
    assert report.ok, [f.messages for f in report.files]
    got = {p.year: p.form_version for p in a.store.plans.list(form_id=fid)}
    assert got == {YEAR: 1, YEAR + 1: 2}
    assert summarise(a.store, fid, YEAR + 1).items[7].answered == 1
    # a filing of the version-1 plan relabelled as version 2 is refused: a plan keeps its version
    wb = load_workbook(old_xlsx)
    for row in wb[META].iter_rows():
        if row[0].value in ("form_version", "form_hash"):
            row[1].value = "2" if row[0].value == "form_version" else v2.hash
    wb.save(tmp_path / "relabelled.xlsx")
    [f] = import_files(a.store, [tmp_path / "relabelled.xlsx"]).files
    assert f.outcome == "rejected" and "第1版填报" in f.messages[0] and "第2版填写" in f.messages[0], f.messages


def test_filing_on_a_form_or_version_not_held_is_refused(two, tmp_path, catalog):
    a, b = two
    fid = _author(a, write_policy_docx(tmp_path / "通知.docx"))
    b.reload(import_bundle(b.store.catalog, export_bundle(a.store.catalog, fid, tmp_path / "v1.zip")).catalog)
    b.add_school(SCHOOL, "兰州职业技术学院")
    plan = b.store.plans.create(SCHOOL, fid, YEAR, "一校一策")
    fill_clean(b.store, plan.id)
    xlsx = export_plan_xlsx(b.store, plan.id, tmp_path / "报送表.xlsx")

    bare = Store.open(tmp_path / "bare.sqlite3", catalog=catalog)  # an office without the checklist
    try:
        [f] = import_files(bare, [xlsx]).files
        assert f.outcome == "rejected" and "请先导入该清单" in f.messages[0] and fid in f.messages[0]
    finally:
        bare.close()
    # the province revised the form without sending version 1 anywhere new: a third office that
    # imported only version 2 cannot read a version-1 filing
    draft = FormDraft.from_view(a.store.catalog.get(fid), a.store.catalog)
    draft.items[0].text += "（修订）"
    a.reload(draft.save(a.store.catalog).catalog)
    c = Installation(tmp_path, "county")
    try:
        c.reload(import_bundle(c.store.catalog, export_bundle(a.store.catalog, fid, tmp_path / "v2.zip")).catalog)
        c.add_school(SCHOOL, "兰州职业技术学院")
        [f] = import_files(c.store, [xlsx]).files
        assert f.outcome == "rejected" and "版本「1」" in f.messages[0] and "请先导入该清单" in f.messages[0]
        # once it imports version 1 as well, the filing is received on version 1
        c.reload(import_bundle(c.store.catalog, tmp_path / "v1.zip").catalog)
        assert c.store.catalog.get(fid).version == 2 and c.store.catalog.versions_of(fid) == [1, 2]
        assert import_files(c.store, [xlsx]).ok
        assert c.store.plans.list(form_id=fid)[0].form_version == 1
    finally:
        c.store.close()


def test_tampered_form_hash_in_a_filing_is_refused(two, tmp_path):
    a, b = two
    fid = _author(a, write_policy_docx(tmp_path / "通知.docx"))
    b.reload(import_bundle(b.store.catalog, export_bundle(a.store.catalog, fid, tmp_path)).catalog)
    b.add_school(SCHOOL, "兰州职业技术学院")
    plan = b.store.plans.create(SCHOOL, fid, YEAR, "一校一策")
    fill_clean(b.store, plan.id)
    xlsx = export_plan_xlsx(b.store, plan.id, tmp_path / "报送表.xlsx")
    wb = load_workbook(xlsx)
    ws = wb[META]
    row = next(r for r in ws.iter_rows() if r[0].value == "form_hash")
    row[1].value = "0" * 64
    wb.save(tmp_path / "改过.xlsx")
    a.add_school(SCHOOL, "兰州职业技术学院")
    [f] = import_files(a.store, [tmp_path / "改过.xlsx"]).files
    assert f.outcome == "rejected" and "校验值不符" in f.messages[0]
    assert a.store.plans.list(form_id=fid) == []
    assert read_bundle(export_bundle(a.store.catalog, fid, tmp_path / "again.zip")).form.id == fid
