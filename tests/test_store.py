"""The store on a real SQLite file: registry, units, plans, edits, history, evidence."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from desktop.core.errors import InputError
from desktop.core.store import Store
from desktop.core.store.models import Change
from tools import edit as Edit

pytestmark = pytest.mark.backends


def test_registry_has_gansu_hunan_guizhou(store):
    units = store.units.list()
    kinds = {}
    for u in units:
        kinds.setdefault((u.province_code, u.kind), 0)
        kinds[(u.province_code, u.kind)] += 1
    assert kinds[("620000", "city")] == 14 and kinds[("620000", "county")] == 86
    assert kinds[("430000", "city")] == 14 and kinds[("520000", "city")] == 9
    lzxq = store.units.get("LZXQ")
    assert (lzxq.name, lzxq.kind, lzxq.parent_code) == ("兰州新区", "area", "620000")
    assert store.units.get("620102").parent_code == "620100"  # 城关区 under 兰州市
    sub = [u.code for u in store.units.list(under="620100")]
    assert sub[0] == "620100" and "620102" in sub and "620200" not in sub


def test_add_school_checks_identifiers(store):
    u, warnings = store.units.add("S1", "某职业学院", "school", "620100", school_type="高职",
                                 school_code="4162010730", credit_code="91350100M000100Y4Z")
    assert u.province_code == "620000" and warnings and "应为 3" in warnings[0]
    with pytest.raises(InputError, match="校验位"):
        store.units.add("S2", "另一学院", "school", "620100", credit_code="91350100M000100Y4Z", accept_warnings=False)
    with pytest.raises(InputError, match="本省代码"):
        store.units.add("S3", "外省学院", "school", "620100", school_code="4143010730")
    with pytest.raises(InputError, match="已存在"):
        store.units.add("S1", "重复", "school", "620100")
    assert [x.code for x in store.units.list(under="620100")].count("S1") == 1
    assert all(x.code not in ("S2", "S3") for x in store.units.list())


def test_plan_edits_are_all_or_nothing_and_recorded(store, school):
    p = store.plans.create(school.code, "gs2020-annex2", 2026)
    assert p.kind == "一校一策" and p.state == "draft" and p.revision == 1 and len(p.uuid) == 36
    n = store.plans.apply_edits(p.id, [Edit(2, "measures", "成立专班 & <小组>"), Edit(2, "deadline", "2026年6月"),
                                 Edit(13, "target:quality_majors", "3个")])
    assert n == 3
    d = store.plans.snapshot(p.id)
    assert d.values[2] == {"measures": "成立专班 & <小组>", "deadline": "2026-06-30"}
    assert d.indicators["quality_majors"] == (3.0, None)
    assert d.plan.revision == 2
    with pytest.raises(InputError, match="第2项「完成时限」：「2021年13月」不是有效日期"):
        store.plans.apply_edits(p.id, [Edit(2, "lead", "教务处"), Edit(2, "deadline", "2021年13月")])
    assert store.plans.snapshot(p.id).values[2].get("lead") is None  # nothing of the batch was written
    assert store.plans.get(p.id).revision == 2
    store.plans.set(p.id, 2, "measures", "")  # blank clears
    assert "measures" not in store.plans.snapshot(p.id).values[2]
    hist = store.history.rows(p.id)
    assert hist[0]["key"] == "measures" and hist[0]["old"] == "成立专班 & <小组>" and hist[0]["new"] is None


def test_plan_rules(store, school):
    store.plans.create(school.code, "gs2020-annex2", 2026)
    with pytest.raises(InputError, match="已有"):
        store.plans.create(school.code, "gs2020-annex2", 2026)
    with pytest.raises(InputError, match="不能编制「一市一策」"):
        store.plans.create(school.code, "gs2020-annex2", 2025, "一市一策")
    with pytest.raises(InputError, match="未知的清单"):
        store.plans.create(school.code, "nope", 2026)
    with pytest.raises(InputError, match="不适用于兰州职业技术学院"):  # a Hunan checklist for a Gansu school
        store.plans.create(school.code, "hn2018-annex", 2026)
    city = store.plans.create("620100", "gs2020-annex2", 2026)
    assert city.kind == "一市一策"


def test_duplicate_copies_content_into_a_new_draft(store, school):
    p = store.plans.create(school.code, "gs2020-annex2", 2025)
    store.plans.apply_edits(p.id, [Edit(2, "measures", "举措"), Edit(0, "section:goals", "建设目标文字")])
    store.evidence.add_bytes(p.id, 2, "方案.pdf", b"%PDF-1.4 demo")
    copy = store.plans.duplicate(p.id, 2026)
    d = store.plans.snapshot(copy.id)
    assert d.plan.year == 2026 and d.plan.state == "draft" and d.plan.uuid != p.uuid
    assert d.values[2]["measures"] == "举措" and d.sections["goals"] == "建设目标文字"
    assert [e.name for e in d.evidence] == ["方案.pdf"]


def test_evidence_is_content_addressed(store, school, tmp_path):
    p = store.plans.create(school.code, "gs2020-annex2", 2026)
    f = tmp_path / "佐证.txt"
    f.write_bytes("会议纪要".encode())
    a = store.evidence.add(p.id, 2, f)
    b = store.evidence.add_bytes(p.id, 3, "copy.txt", "会议纪要".encode())
    assert a.sha256 == b.sha256 and store.evidence.content(a.sha256) == "会议纪要".encode()
    store.evidence.remove(a.id)
    assert store.evidence.content(a.sha256)  # still used by the other attachment
    store.evidence.remove(b.id)
    with pytest.raises(InputError):
        store.evidence.content(a.sha256)
    with pytest.raises(InputError, match="无法读取"):
        store.evidence.add(p.id, 2, tmp_path / "missing.pdf")


def test_data_survives_reopen(db_path, catalog, school, store):
    p = store.plans.create(school.code, "gs2020-annex2", 2026)
    store.plans.explain(p.id, 2, "overdue", "deadline", "受疫情影响顺延")
    store.close()
    again = Store.open(db_path, catalog=catalog)
    assert again.plans.snapshot(p.uuid).explanations == {(2, "overdue", "deadline"): "受疫情影响顺延"}
    with again.session() as s:
        assert s.scalars(select(Change.entity).where(Change.plan_id == p.id)).all()


def test_database_url_from_env(tmp_path, monkeypatch, catalog):
    target = tmp_path / "env.sqlite3"
    monkeypatch.setenv("YICE_DB", str(target))
    s = Store.open(catalog=catalog)
    assert target.exists() and str(target) in s.url
    monkeypatch.setenv("YICE_DB", f"sqlite:///{tmp_path / 'url.sqlite3'}")
    assert "url.sqlite3" in Store.open(catalog=catalog).url


def test_every_write_records_who_made_it(new_db, catalog, tmp_path):
    """Each action in the history carries the configured person (two staff on one server must be
    told apart): units, plans, answers, 说明, evidence, copies, the lifecycle, an import, a review."""
    from desktop.core.store import Actor
    from desktop.excel.filing import export_plan_xlsx
    from desktop.excel.importer import import_files
    from tools import fill_clean

    unit = Store.open(new_db("unit"), catalog=catalog, actor=Actor("school", "王五"))
    office = Store.open(new_db("office"), catalog=catalog, actor=Actor("province", "李四"))
    try:
        unit.units.add("4162010730", "兰州职业技术学院", "school", "620100", school_type="高职")
        p = unit.plans.create("4162010730", "gs2020-annex2", 2026)
        fill_clean(unit, p.id)
        unit.plans.explain(p.id, 2, "overdue", "deadline", "已核实")
        e = unit.evidence.add_bytes(p.id, 2, "纪要.pdf", b"%PDF-1.4")
        unit.evidence.remove(e.id)
        unit.plans.duplicate(p.id, 2027)
        unit.lifecycle.submit(p.id)
        unit.lifecycle.withdraw(p.id)
        xlsx = export_plan_xlsx(unit, p.id, tmp_path / "f.xlsx")  # submits again
        assert import_files(office, [xlsx], create_units=True).ok
        office.lifecycle.review(p.uuid, False, "请补充第2项")
        entities = {}
        for store, (role, name) in ((unit, ("school", "王五")), (office, ("province", "李四"))):
            with store.reading() as s:
                who = set(s.execute(select(Change.actor_role, Change.actor_name)).all())
                entities[name] = set(s.scalars(select(Change.entity)))
            assert who == {(role, name)}, who
        assert entities["王五"] == {"unit", "plan", "response", "explanation", "attachment", "state"}
        assert entities["李四"] >= {"unit", "plan", "response", "state"}  # created by the import, reviewed
        sub = office.plans.submissions(p.uuid)[-1]
        assert sub.reviewed_by == "province 李四"
    finally:
        unit.close()
        office.close()


def test_the_acting_name_must_fit_the_history(db_path, catalog):
    from desktop.core.store import Actor

    with pytest.raises(InputError, match="「操作人姓名」过长（51 字），最多 50 字"):
        Store.open(db_path, catalog=catalog, actor=Actor("school", "张" * 51))
    with pytest.raises(InputError, match="控制字符"):
        Store.open(db_path, catalog=catalog, actor=Actor("school", "张\x1b[2J三"))


def test_an_oversized_evidence_file_says_its_size(store, school, tmp_path):
    """50.5 MB read “过大（50 MB），不超过 50 MB” when sizes were cut to whole megabytes."""
    from desktop.core.errors import InputError

    plan = store.plans.create(school.code, "gs2020-annex2", 2026)
    big = tmp_path / "扫描件.pdf"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024 + 512 * 1024)  # sparse: nothing is written
    with pytest.raises(InputError) as e:
        store.evidence.add(plan.id, 2, big)
    assert str(e.value) == "文件「扫描件.pdf」过大（50.5 MB），单个佐证材料不超过 50.0 MB"


def test_bulk_rows_are_checked_like_every_write(store, school):
    """db.insert_rows (the import's executemany) refuses what an ORM write would, naming the
    first bad row's field; nothing of the rows is written."""
    from desktop.core.store import db
    from desktop.core.store.models import Response

    p = store.plans.create(school.code, "gs2020-annex2", 2026)
    rows = [dict(plan_id=p.id, item_no=n, field_key="measures", value=f"举措{n}") for n in range(1, 40)]
    for bad in (dict(value="终端\x1b[31m"), dict(field_key="k" * 65)):
        with pytest.raises(InputError, match="「(填报内容|字段)」"):
            with store.session() as s:
                db.insert_rows(s.connection(), Response, rows[:20] + [{**rows[20], **bad}] + rows[21:])
    assert store.plans.snapshot(p.id).values == {}
    with store.session() as s:
        db.insert_rows(s.connection(), Response, rows)
    assert len(store.plans.snapshot(p.id).values) == 39
