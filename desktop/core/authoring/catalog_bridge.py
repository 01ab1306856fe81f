"""The reader's only door to the forms catalogue: every name it uses from desktop.core.catalog.

Kept in one module so that moving or renaming the catalogue changes one file. The loader's
plan-kind derivation is reused through ``derive_item_kinds`` (never copied), so a proposal
derives exactly as a shipped form.
"""
from __future__ import annotations

from desktop.core.catalog import default_catalog
from desktop.core.catalog.loader import derive_kinds
from desktop.core.catalog.schema import Form, Indicator, Item, Target, Unit

__all__ = ["Form", "Indicator", "Item", "Target", "Unit", "derive_item_kinds", "plan_kind_ids"]


def plan_kind_ids() -> tuple[str, ...]:
    """The plan kinds of forms/plan_kinds.yaml, in file order."""
    return tuple(default_catalog().plan_kinds)


def derive_item_kinds(form: Form, kinds=None) -> dict[int, frozenset[str]]:
    """Plan kinds per item, by the loader's own rule (unit_patterns of forms/plan_kinds.yaml)."""
    return derive_kinds(form, default_catalog().plan_kinds if kinds is None else kinds)
