"""The validation engine on every form: errors block, warnings ask for 说明, completeness."""
from __future__ import annotations

import datetime as dt

import pytest

from tools import edit as Edit
from desktop.core.validation import blocking, completeness, validate

TODAY = dt.date(2026, 11, 22)


def _unit_for(store, school, kind, province):
    """A unit of the form's province (or Gansu for a national form) that files this kind."""
    province = province or "620000"
    if kind == "一校一策":
        if province == school.province_code:
            return school.code
        city = next(u for u in store.units.list(under=province) if u.kind == "city")
        return store.units.add(f"S{province}", "某职业学院", "school", city.code, school_type="高职")[0].code
    wanted = {"一市一策": "city", "省级": "province", "一县一策": "county"}[kind]
    return next(u.code for u in store.units.list(under=province) if u.kind == wanted)


def _fill(view, item_no, status="推进中"):
    return [Edit(item_no, "measures", "成立工作专班，按季度调度推进。"), Edit(item_no, "lead", "教务处"),
            Edit(item_no, "deadline", "2027-06-30"), Edit(item_no, "status", status)]


@pytest.mark.parametrize("form_id", ["gs2020-annex2", "gs2020-annex1", "hn2018-annex", "gs2020-opinion",
                                     "gs2018-opinion", "gb2017-opinion", "gb2019-pilot", "gz2020-pilot"])
def test_required_items_error_until_filled(store, school, catalog, form_id):
    view = catalog.get(form_id)
    kind = next(k for k in ("一校一策", "一市一策", "省级") if k in view.form.plan_kinds
                and any(view.must_answer(i.no, k) for i in view.items))
    plan = store.plans.create(_unit_for(store, school, kind, view.form.province), form_id, 2026, kind)
    must = [i.no for i in view.items if view.must_answer(i.no, kind)]
    problems = validate(view, kind, store.plans.snapshot(plan.id), TODAY)
    assert {p.item_no for p in blocking(problems)} == set(must)
    assert all(p.message.startswith(f"第{p.item_no}项「") for p in problems)
    c = completeness(view, kind, store.plans.snapshot(plan.id))
    assert c.required == 5 * len(must) and c.answered == len(must)  # only 是否适用 (default 是)
    assert str(c) == f"{len(must)}/{5 * len(must)}（20%）"  # fmt.percent, whole per cent
    store.plans.apply_edits(plan.id, [e for no in must for e in _fill(view, no)])
    data = store.plans.snapshot(plan.id)
    assert blocking(validate(view, kind, data, TODAY)) == []
    assert completeness(view, kind, data).ratio == 1.0


def test_message_wording_and_not_applicable(store, school, catalog):
    view = catalog.get("gs2020-annex2")
    plan = store.plans.create(school.code, "gs2020-annex2", 2026)
    msgs = [p.message for p in validate(view, "一校一策", store.plans.snapshot(plan.id), TODAY)]
    assert "第2项「落实举措」：该项适用时必须填写。" in msgs
    store.plans.apply_edits(plan.id, [Edit(2, "applicable", "否")])
    probs = validate(view, "一校一策", store.plans.snapshot(plan.id), TODAY)
    assert blocking(probs) == []
    [w] = probs
    assert w.rule_id == "not_applicable_required" and w.field_key == "applicable" and not w.explained


def test_voluntary_item_is_checked_once_touched(store, school, catalog):
    view = catalog.get("gs2020-annex2")
    plan = store.plans.create(school.code, "gs2020-annex2", 2026)
    assert not view.must_answer(13, "一校一策")
    assert not [p for p in validate(view, "一校一策", store.plans.snapshot(plan.id), TODAY) if p.item_no == 13]
    store.plans.apply_edits(plan.id, [Edit(13, "lead", "教务处")])
    assert {p.field_key for p in validate(view, "一校一策", store.plans.snapshot(plan.id), TODAY)
            if p.item_no == 13} == {"measures", "deadline", "status"}


def test_warnings_overdue_below_target_conflict_and_explanation(store, catalog):
    view = catalog.get("gs2020-annex2")
    plan = store.plans.create("620100", "gs2020-annex2", 2026)
    store.plans.apply_edits(plan.id, _fill(view, 13, "已完成") + [
        Edit(13, "target:quality_secondary_schools", "4"), Edit(13, "actual:quality_secondary_schools", "2"),
        *_fill(view, 3, "推进中"), Edit(3, "deadline", "2025-12-31"),
        *_fill(view, 4, "不适用")])
    probs = {(p.item_no, p.rule_id): p for p in validate(view, "一市一策", store.plans.snapshot(plan.id), TODAY)}
    below = probs[(13, "below_target")]
    assert below.severity == "warning" and below.field_key == "actual:quality_secondary_schools"
    assert "完成值 2所 低于目标值 4所" in below.message
    assert probs[(3, "overdue")].message == "第3项「完成时限」：完成时限 2025-12-31 已过，但进度仍为“推进中”，请更新进度或说明原因。"
    assert probs[(4, "status_conflict")].severity == "warning"
    store.plans.explain(plan.id, 3, "overdue", "deadline", "上级文件调整，顺延至2027年")
    again = {(p.item_no, p.rule_id): p for p in validate(view, "一市一策", store.plans.snapshot(plan.id), TODAY)}
    assert again[(3, "overdue")].explanation == "上级文件调整，顺延至2027年"
    assert not again[(13, "below_target")].explained
