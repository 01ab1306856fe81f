"""Issue 18 (the desktop app's own speed): what the faster paths must keep exactly as before.

The autosave updates the window's copy of the plan instead of re-reading it; the copy must equal
what a re-read gives, also when someone else wrote the plan meanwhile (a shared database)."""
from __future__ import annotations

import sqlite3

import pytest

from desktop.core.edits import Edit as RefEdit, Ref
from tools import edit as Edit

FORM = "gs2020-annex2"


def _same(a, b) -> None:
    assert (a.plan, a.unit, a.values, a.indicators, a.sections, a.explanations, a.evidence) == \
           (b.plan, b.unit, b.values, b.indicators, b.sections, b.explanations, b.evidence)


@pytest.mark.backends
def test_apply_edits_into_a_copy_equals_a_reread(store, school):
    p = store.plans.create(school.code, FORM, 2026)
    copy = store.plans.snapshot(p.id)
    edits = [[Edit(2, "measures", "  成立专班  "), Edit(2, "deadline", "2026年6月"), Edit(13, "target:quality_majors", "3个")],
             [RefEdit(Ref.section("basic_info"), "本校基本情况。")],
             [Edit(2, "measures", ""), Edit(13, "actual:quality_majors", "2")],  # a blank removes the answer
             [Edit(2, "deadline", None), Edit(13, "target:quality_majors", None)],  # item 2 left with no answer
             [RefEdit(Ref.section("basic_info"), "")],
             [Edit(2, "deadline", "2026-06-30")],
             [Edit(2, "deadline", "2026年6月30日")]]  # the same value again: nothing changes
    for batch in edits:
        before = copy.plan.revision
        n = store.plans.apply_edits(p.id, batch, into=copy)
        _same(copy, store.plans.snapshot(p.id))
        assert copy.plan.revision == before + (1 if n else 0)
    assert copy.value(2, "deadline") == "2026-06-30" and 13 not in copy.values


@pytest.mark.backends
def test_a_copy_another_user_changed_meanwhile_is_read_again(store, school):
    p = store.plans.create(school.code, FORM, 2026)
    copy = store.plans.snapshot(p.id)
    store.plans.apply_edits(p.id, [Edit(5, "measures", "别人写的")])  # another window / user
    store.plans.apply_edits(p.id, [Edit(2, "measures", "我写的")], into=copy)
    assert copy.value(5, "measures") == "别人写的" and copy.value(2, "measures") == "我写的"
    _same(copy, store.plans.snapshot(p.id))


def test_a_failed_write_leaves_the_copy_as_it_was(store, school, monkeypatch):
    p = store.plans.create(school.code, FORM, 2026)
    copy = store.plans.snapshot(p.id)
    was = (dict(copy.values), copy.plan)
    real = store.plans.touch

    def disk_full(plan):
        real(plan)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store.plans, "touch", disk_full)
    with pytest.raises(sqlite3.OperationalError):
        store.plans.apply_edits(p.id, [Edit(2, "measures", "未写入")], into=copy)
    assert (copy.values, copy.plan) == was
    assert store.plans.snapshot(p.id).value(2, "measures") is None
