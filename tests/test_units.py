"""Unit management in the core: edit, move, merge — every path gets the same identifier checks,
and a unit's plans and history follow it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from desktop.core.errors import InputError
from desktop.core.store.models import Change, Unit
from tools import edit

FORM, YEAR = "gs2020-annex2", 2026


def test_update_checks_identifiers_and_records_history(store, school):
    info, warnings = store.units.update(school.code, name=" 兰州职业技术学院（新校区） ", contact_person="李华",
                                        contact_phone="13800001111", credit_code="12100000400000624e")
    assert info.name == "兰州职业技术学院（新校区）" and info.contact_person == "李华"
    assert info.credit_code == "12100000400000624E" and warnings and "校验位" in warnings[0]
    with pytest.raises(InputError, match="校验位"):
        store.units.update(school.code, credit_code="12100000400000624F", accept_warnings=False)
    with pytest.raises(InputError, match="本省代码"):
        store.units.update(school.code, school_code="4143010730")
    with pytest.raises(InputError, match="联系电话"):
        store.units.update(school.code, contact_phone="12")
    with pytest.raises(InputError, match="不能为空"):
        store.units.update(school.code, name="  ")
    assert store.units.get(school.code).contact_phone == "13800001111"  # refused edits wrote nothing
    with store.session() as s:
        keys = [c.key for c in s.scalars(select(Change).where(Change.entity == "unit", Change.key != "create"))]
    assert sorted(keys) == ["contact_person", "contact_phone", "credit_code", "name"]


def test_a_registry_division_keeps_its_code_and_name(store):
    with pytest.raises(InputError, match="行政区划名录"):
        store.units.update("620100", name="兰州")
    info, _ = store.units.update("620100", contact_person="王芳", contact_phone="0931-8888888")
    assert info.name == "兰州市" and info.contact_person == "王芳"
    with pytest.raises(InputError, match="不能移动"):
        store.units.move("620102", "620200")


def test_code_change_keeps_plans_and_refuses_a_taken_code(store, school):
    p = store.plans.create(school.code, FORM, YEAR)
    with pytest.raises(InputError, match="已存在"):
        store.units.update(school.code, code="620100")
    info, _ = store.units.update(school.code, code="4162010731", school_code="4162010731")
    assert store.plans.get(p.id).unit_code == "4162010731" == info.code


def test_move_an_imported_school_under_its_city(store):
    u, _ = store.units.add("S9", "甘肃某学校", "school", "620000", school_type="中职")
    p = store.plans.create(u.code, FORM, YEAR)
    moved = store.units.move(u.code, "620102")
    assert (moved.parent_code, moved.parent_name) == ("620102", "城关区")
    assert "S9" in [x.code for x in store.units.list(under="620100")]
    assert store.plans.get(p.id).unit_code == "S9"
    with pytest.raises(InputError, match="不能放在"):
        store.units.move(u.code, "S9")  # a school under a school: no
    other, _ = store.units.add("S10", "另一学校", "school", "620100")
    with pytest.raises(InputError, match="不能放在"):
        store.units.move(u.code, other.code)
    store.units.update(u.code, school_code="3662010730")
    with pytest.raises(InputError, match="不是本省代码"):  # a move to another province re-checks the school code
        store.units.move(u.code, "430100")
    assert store.units.get(u.code).parent_code == "620102"


def test_merge_moves_plans_and_history_and_fills_blanks(store, school):
    dup, _ = store.units.add("S-IMPORT", "兰州职业技术学院", "school", "620000", contact_person="张明",
                             contact_phone="0931-1234567", credit_code="12100000400000624D")
    store.units.update(school.code, contact_person=None, contact_phone=None, credit_code=None)
    p = store.plans.create(dup.code, FORM, YEAR)
    store.plans.apply_edits(p.id, [edit(2, "measures", "成立专班")])
    before = len(store.history.rows(p.id))
    kept = store.units.merge(dup.code, school.code)
    assert kept.code == school.code and kept.contact_person == "张明" and kept.credit_code == "12100000400000624D"
    assert store.plans.get(p.id).unit_code == school.code
    assert len(store.history.rows(p.id)) == before
    assert store.plans.snapshot(p.id).value(2, "measures") == "成立专班"
    with pytest.raises(InputError, match="不存在"):
        store.units.get(dup.code)
    with store.session() as s:
        merged = s.scalar(select(Change).where(Change.key == "merge"))
        assert merged.old == "S-IMPORT 兰州职业技术学院" and merged.unit_id == s.scalar(
            select(Unit.id).where(Unit.code == school.code))


def test_merge_refuses_what_a_person_must_decide(store, school):
    dup, _ = store.units.add("S2", "兰州职院", "school", "620100")
    store.plans.create(dup.code, FORM, YEAR)
    store.plans.create(school.code, FORM, YEAR)
    with pytest.raises(InputError, match="都有 2026 年"):
        store.units.merge(dup.code, school.code)
    with pytest.raises(InputError, match="行政区划名录"):
        store.units.merge("620102", "620103")
    with pytest.raises(InputError, match="类型不同"):
        store.units.merge(dup.code, "620100")
    with pytest.raises(InputError, match="不同的单位"):
        store.units.merge(dup.code, dup.code)
    assert store.units.get(dup.code).name == "兰州职院"


def test_departments_come_from_the_units_own_answers(store, school):
    p = store.plans.create(school.code, FORM, YEAR)
    store.plans.apply_edits(p.id, [edit(2, "lead", "教务处"), edit(3, "lead", "教务处"),
                                   edit(3, "partners", "学生处、招生就业处"), edit(5, "lead", "科研处")])
    assert store.plans.departments(school.code)[:1] == ["教务处"]
    assert set(store.plans.departments(school.code)) == {"教务处", "学生处", "招生就业处", "科研处"}
    other, _ = store.units.add("S3", "别的学校", "school", "620100")
    assert store.plans.departments(other.code) == []


def test_the_checklist_that_asks_for_the_plan(catalog):
    asking = {v.id for v in catalog.forms.values() if v.asks_for_plan("一校一策")}
    assert asking == {"gs2020-annex2"}
    assert catalog.get("gs2020-annex2").asks_for_plan("一市一策")
