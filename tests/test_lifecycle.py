"""The filing lifecycle: one owner, the same verdict on every path.

Every state × every action is asked of ``Lifecycle.verdict`` and then tried through each entry
point that offers it — the CLI, the Word and Excel exports, the importer and review — and each
must do exactly what the verdict says: succeed (with the state the table says) or refuse with
one Chinese line and leave the database byte for byte as it was. The GUI's entry points run the
same table in tests/test_ui_lifecycle.py.
"""
from __future__ import annotations

import io
import re
from contextlib import redirect_stderr, redirect_stdout

import pytest
from docx import Document
from openpyxl import load_workbook

from desktop.core.edits import Edit, Ref
from desktop.core.errors import InputError, Refused
from desktop.core.lifecycle import Action
from desktop.core.store import Store
from desktop.core.summary import roster
from desktop.core.vocab import PlanState
from desktop.excel.filing import export_plan_xlsx
from desktop.excel.importer import import_files
from desktop.excel.layout import META
from desktop.main import main
from desktop.word.plan import export_plan_docx
from tools import dump_db, edit, explain_all, fill_clean

pytestmark = pytest.mark.backends

FORM, YEAR = "gs2020-annex2", 2026
STATES = ("clean draft", "draft with errors", "submitted", "accepted", "returned")

# What the issue asks, written out once: (state, action) → allowed. The verdict must agree,
# and every entry point must agree with the verdict.
SPEC = {
    ("clean draft", Action.EDIT): True, ("clean draft", Action.SUBMIT): True,
    ("clean draft", Action.WITHDRAW): False, ("clean draft", Action.ACCEPT): False,
    ("clean draft", Action.RETURN): False, ("clean draft", Action.EXPORT_FORMAL): True,
    ("clean draft", Action.EXPORT_DRAFT): True,
    ("draft with errors", Action.EDIT): True, ("draft with errors", Action.SUBMIT): False,
    ("draft with errors", Action.WITHDRAW): False, ("draft with errors", Action.ACCEPT): False,
    ("draft with errors", Action.RETURN): False, ("draft with errors", Action.EXPORT_FORMAL): False,
    ("draft with errors", Action.EXPORT_DRAFT): True,
    ("submitted", Action.EDIT): False, ("submitted", Action.SUBMIT): False,
    ("submitted", Action.WITHDRAW): True, ("submitted", Action.ACCEPT): True,
    ("submitted", Action.RETURN): True, ("submitted", Action.EXPORT_FORMAL): True,
    ("submitted", Action.EXPORT_DRAFT): True,
    ("accepted", Action.EDIT): False, ("accepted", Action.SUBMIT): False,
    ("accepted", Action.WITHDRAW): False, ("accepted", Action.ACCEPT): False,
    ("accepted", Action.RETURN): False, ("accepted", Action.EXPORT_FORMAL): True,
    ("accepted", Action.EXPORT_DRAFT): True,
    ("returned", Action.EDIT): True, ("returned", Action.SUBMIT): False,  # the same content again
    ("returned", Action.WITHDRAW): False, ("returned", Action.ACCEPT): False,
    ("returned", Action.RETURN): False, ("returned", Action.EXPORT_FORMAL): False,
    ("returned", Action.EXPORT_DRAFT): True,
}
# the state each allowed action leaves
AFTER = {Action.SUBMIT: "submitted", Action.WITHDRAW: "draft", Action.ACCEPT: "accepted",
         Action.RETURN: "returned", Action.EXPORT_FORMAL: None, Action.EDIT: None, Action.EXPORT_DRAFT: None}


def make_plan(store, school_code: str, state: str):
    """A 一校一策 plan in one of STATES (a returned plan holds the content that was returned)."""
    p = store.plans.create(school_code, FORM, YEAR)
    if state != "draft with errors":
        fill_clean(store, p.id)
    else:
        store.plans.apply_edits(p.id, [edit(2, "lead", "教务处")])
    if state in ("submitted", "accepted", "returned"):
        store.lifecycle.submit(p.id)
    if state == "accepted":
        store.lifecycle.review(p.id, True)
    if state == "returned":
        store.lifecycle.review(p.id, False, "请细化举措")
    return store.plans.get(p.id)


@pytest.fixture(params=STATES)
def case(request, store, school):
    return request.param, make_plan(store, school.code, request.param)


def test_the_verdict_table_is_what_the_issue_asks(case, store):
    state, plan = case
    got = {a: store.lifecycle.verdict(plan.id, a).allowed for a in Action if (state, a) in SPEC}
    assert got == {a: SPEC[(state, a)] for a in got}, state
    for a, ok in got.items():
        v = store.lifecycle.verdict(plan.id, a)
        assert ok or (v.reason and "\n" not in v.reason), (state, a, v)  # a refusal is one line


def _cli(db_path, *args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--db", str(db_path), *args])
    return code, out.getvalue(), err.getvalue()


def _cli_for(action, plan, tmp_path) -> list[tuple]:
    ref = str(plan.id)
    return {
        Action.EDIT: [("plan", "set", ref, "--item", "2", "--field", "owner", "--value", "新的责任人")],
        Action.SUBMIT: [("plan", "submit", ref)],
        Action.WITHDRAW: [("plan", "withdraw", ref)],
        Action.ACCEPT: [("plan", "review", ref, "accept")],
        Action.RETURN: [("plan", "review", ref, "return", "--reason", "不够具体")],
        Action.EXPORT_FORMAL: [("export", ref, "--format", "docx", "-o", str(tmp_path / "f.docx")),
                               ("export", ref, "--format", "xlsx", "-o", str(tmp_path / "f.xlsx"))],
        Action.EXPORT_DRAFT: [("export", ref, "--format", "docx", "-o", str(tmp_path / "d.docx"), "--draft"),
                              ("export", ref, "--format", "xlsx", "-o", str(tmp_path / "d.xlsx"), "--draft")],
    }[action]


@pytest.mark.parametrize("action", [a for a in Action if a not in (Action.RECEIVE, Action.RECEIVE_DRAFT)])
def test_cli_and_exports_follow_the_verdict(case, action, store, db_path, tmp_path):
    state, plan = case
    allowed = store.lifecycle.verdict(plan.id, action).allowed
    assert allowed == SPEC[(state, action)]
    for args in _cli_for(action, plan, tmp_path):
        before = dump_db(db_path)
        code, out, err = _cli(db_path, *args)
        if allowed:
            assert code == 0, (state, action, err)
            after = AFTER[action]
            if after:
                assert store.plans.get(plan.id).state == after
            else:
                assert store.plans.get(plan.id).state in (PlanState(plan.state).value, "submitted")
        else:
            assert code == 2 and err.startswith("错误：") and err.count("\n") == 1, (state, action, err)
            assert dump_db(db_path) == before, (state, action)


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_formal_exports_give_one_verdict_in_both_formats(case, fmt, store, db_path, tmp_path):
    """The bug: a plan refused as a formal Word file exported to Excel without a word."""
    state, plan = case
    export = export_plan_docx if fmt == "docx" else export_plan_xlsx
    v = store.lifecycle.verdict(plan.id, Action.EXPORT_FORMAL)
    before = dump_db(db_path)
    if v.allowed:
        out = export(store, plan.id, tmp_path / f"f.{fmt}")
        assert out.exists() and store.plans.get(plan.id).submission_no >= 1
    else:
        with pytest.raises(Refused) as e:
            export(store, plan.id, tmp_path / f"f.{fmt}")
        assert str(e.value) == v.reason and list(e.value.problems) == list(v.problems)
        assert dump_db(db_path) == before and not (tmp_path / f"f.{fmt}").exists()


def test_receiving_a_submission_in_every_state(case, store, tmp_path, catalog, db_path, clone_db):
    """Import (Action.RECEIVE): a newer submission is taken in whatever the receiving plan's state;
    the same submission again is 无变化; a draft never replaces a filed plan."""
    state, plan = case
    store.engine.dispose()
    unit = clone_db(db_path, "unit")
    school = Store.open(unit, catalog=catalog)
    try:
        if state == "accepted":  # the unit cannot change an accepted plan: it sends a draft copy
            newer = export_plan_xlsx(school, plan.id, tmp_path / "newer.xlsx", draft=True)
        else:
            if state == "submitted":
                school.lifecycle.withdraw(plan.id)
            fill_clean(school, plan.id)
            school.plans.apply_edits(plan.id, [edit(2, "owner", f"{state}之后的责任人")])
            explain_all(school, plan.id)
            newer = export_plan_xlsx(school, plan.id, tmp_path / "newer.xlsx")
    finally:
        school.close()
    f = import_files(store, [newer]).files[0]
    p = store.plans.get(plan.id)
    if state == "accepted":
        assert f.outcome == "rejected" and "仅供参考" in f.messages[0]
        assert p.state == "accepted"
    else:
        assert f.outcome == "accepted", f.messages
        assert p.state == "submitted" and p.submission_no == (plan.submission_no or 0) + 1
        assert store.plans.snapshot(plan.id).value(2, "owner") == f"{state}之后的责任人"
        assert import_files(store, [newer]).files[0].outcome == "unchanged"


def test_regressions_from_the_issue(store, school, db_path, tmp_path):
    """The four reproduced cases, each refused with one line and nothing written."""
    dirty = make_plan(store, school.code, "draft with errors")
    before = dump_db(db_path)
    with pytest.raises(Refused):  # formal Excel with errors refused (it used to export silently)
        export_plan_xlsx(store, dirty.id, tmp_path / "x.xlsx")
    code, _, err = _cli(db_path, "plan", "review", str(dirty.id), "accept")  # CLI 已受理 on a draft
    assert code == 2 and "尚未报送" in err
    assert dump_db(db_path) == before
    filed = make_plan(store, "620100", "submitted")  # a 市州's plan, filed
    before = dump_db(db_path)
    with pytest.raises(Refused, match="只读"):  # edit after 报送 refused
        store.plans.apply_edits(filed.id, [edit(2, "owner", "x")])
    with pytest.raises(Refused, match="只读"):
        store.plans.explain(filed.id, 2, "overdue", "deadline", "x")
    with pytest.raises(Refused, match="只读"):
        store.evidence.add_bytes(filed.id, 2, "a.pdf", b"x")
    with pytest.raises(InputError, match="不适用于"):  # a Hunan checklist for a Gansu school
        store.plans.create(school.code, "hn2018-annex", YEAR)
    assert dump_db(db_path) == before


def test_after_128_edits_and_2_submissions_everything_says_2(store, school, tmp_path, catalog, new_db):
    """第N次报送 counts submissions, not autosaves: the Word filing page, the Excel _meta, the
    office's copy and its summary all say 第2次报送 after 128 edits and 2 submissions."""
    p = store.plans.create(school.code, FORM, YEAR)
    fill_clean(store, p.id)
    for i in range(64):
        store.plans.apply_edits(p.id, [edit(2, "owner", f"责任人{i}")])
    store.lifecycle.submit(p.id)
    store.lifecycle.withdraw(p.id)
    for i in range(64, 128):
        store.plans.apply_edits(p.id, [edit(2, "owner", f"责任人{i}")])
    assert store.plans.get(p.id).revision > 128
    docx = export_plan_docx(store, p.id, tmp_path / "p.docx")  # submits: 第2次报送
    xlsx = export_plan_xlsx(store, p.id, tmp_path / "p.xlsx")
    assert store.plans.get(p.id).submission_no == 2
    doc = Document(str(docx))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert "第2次报送" in text and "第1次报送" not in text and not re.search(r"第1[23]\d[次版]", text)
    assert doc.core_properties.revision == 2
    meta = {r[0]: r[1] for r in load_workbook(xlsx)[META].iter_rows(values_only=True)}
    assert meta["submission_no"] == "2" and len(meta["history"].split(",")) == 1
    province_db = new_db("province")
    province = Store.open(province_db, catalog=catalog)
    try:
        f = import_files(province, [xlsx], create_units=True).files[0]
        assert f.outcome == "accepted" and f.submission_no == 2, f.messages
        row = next(r for r in roster(province, FORM, YEAR) if r.unit_code == school.code)
        assert row.submission_no == 2 and row.state == "submitted"
        code, out, _ = _cli(province_db, "plan", "list", "--json")
        assert '"submission_no": 2' in out
    finally:
        province.close()


def test_history_says_states_and_fields_in_words(store, school):
    """The plan's history names states by their labels (已报送 → 已退回) and fields by their labels
    (责任人), never by their ids — the one describer the CLI and the GUI both show."""
    p = make_plan(store, school.code, "returned")
    store.plans.apply_edits(p.id, [edit(2, "owner", "张三"), Edit(Ref.section("goals"), "三年建成示范校")])
    store.lifecycle.submit(p.id)
    store.lifecycle.withdraw(p.id)
    store.plans.apply_edits(p.id, [edit(13, "actual:quality_secondary_schools", 3)])
    lines = store.history.describe(p.id)
    label = store.vocab.label
    texts = [f"{h.what}：{h.old or ''} → {h.new or ''}" for h in lines]
    assert f"状态：{label(PlanState.SUBMITTED)} → {label(PlanState.RETURNED)}：第1次报送，理由：请细化举措" in texts
    assert f"状态：{label(PlanState.RETURNED)} → {label(PlanState.SUBMITTED)}：第2次报送" in texts
    assert "责任人： → 张三" in texts
    assert "建设目标： → 三年建成示范校" in texts and "「优质中职学校」完成值： → 3" in texts
    ids = {s.value for s in PlanState} | {"owner", "state", "response"}
    assert not [t for t in texts if re.search(r"\b(" + "|".join(ids) + r")\b", t)], texts
    assert {h.origin for h in lines} == {label(h["origin"]) for h in store.history.rows(p.id)}


def test_demo_files_only_clean_plans(store):
    """Formal means clean in sample data too: every plan the demo files (已报送 / 已受理 / 已退回)
    has no error and a 说明 for each warning, in its working copy and in the submission itself."""
    from desktop.core.demo import build_demo
    from desktop.core.validation import unexplained, validate

    build_demo(store, schools=30, year=YEAR, seed=3)
    filed = [p for p in store.plans.list() if p.state != PlanState.DRAFT]
    assert {p.state for p in filed} == {PlanState.SUBMITTED, PlanState.ACCEPTED, PlanState.RETURNED}
    explained = 0
    for p in filed:
        view = store.catalog.for_plan(p)
        for snap in (store.plans.snapshot(p.id), store.plans.snapshot(p.id, submission=-1)):
            problems = validate(view, p.kind, snap)
            assert not unexplained(problems), (p.unit_name, p.state, [x.message for x in unexplained(problems)])
            explained += len(problems)
    assert explained  # the demo's warnings are there, each with its 说明


@pytest.mark.parametrize("state", ["submitted", "draft"])
def test_who_may_act_follows_the_acting_role(state, store, school, db_path, tmp_path):
    """With a role (settings, --role): the school files and withdraws its own plan, an office above
    it reviews; a province may not withdraw a school's filing nor a school accept its own."""
    plan = make_plan(store, school.code, state)
    ref = str(plan.id)
    refused = {("province", "withdraw"), ("province", "edit"), ("school", "accept"), ("school", "return")}
    for role, what, args in [("province", "withdraw", ("plan", "withdraw", ref)),
                             ("province", "edit", ("plan", "set", ref, "--item", "2", "--field", "owner", "--value", "省里改的")),
                             ("school", "accept", ("plan", "review", ref, "accept")),
                             ("school", "return", ("plan", "review", ref, "return", "--reason", "自己退回"))]:
        before = dump_db(db_path)
        code, _out, err = _cli(db_path, "--role", role, *args)
        if store.lifecycle.verdict(plan.id, Action(what)).allowed:  # the test's store acts without a role
            assert (role, what) in refused and code == 2 and "当前身份为" in err and err.count("\n") == 1, (role, what, err)
            assert dump_db(db_path) == before
    if state == "submitted":  # the right roles still may: the county office above the school returns it
        code, _out, err = _cli(db_path, "--role", "county", "plan", "review", ref, "return", "--reason", "请补充")
        assert code == 0, err
        assert store.plans.get(plan.id).state == "returned"
        code, _out, err = _cli(db_path, "--role", "school", "plan", "set", ref, "--item", "2", "--field", "owner",
                               "--value", "本校改的")
        assert code == 0, err
