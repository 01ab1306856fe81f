"""The checklist catalogue: forms/ read, validated and indexed (no Qt)."""
from functools import lru_cache
from pathlib import Path

from ..resources import forms_dir
from .loader import (SHIPPED, USER, Catalog, CatalogError, FormProblem, FormView, form_hash, load_catalog,
                     normalise, with_user_forms)
from .schema import Distribution, FieldDecl, Form, Indicator, Item, Target, Unit

__all__ = ["Catalog", "CatalogError", "FormProblem", "FormView", "load_catalog", "normalise", "form_hash",
           "with_user_forms", "installed_catalog", "SHIPPED", "USER", "Distribution",
           "FieldDecl", "Form", "Indicator", "Item", "Target", "Unit", "default_catalog"]


@lru_cache(maxsize=4)
def default_catalog(root: Path | None = None) -> Catalog:
    """The shipped catalogue, loaded once per process (it is immutable)."""
    return load_catalog(root or forms_dir())


def installed_catalog(user_root: Path | None = None) -> Catalog:
    """The shipped forms plus the user's (``AppPaths.user_forms_dir`` unless given), read now:
    user forms change while the program runs (saved, imported), so this is never cached;
    the shipped part is the cached ``default_catalog``."""
    if user_root is None:
        from ..paths import AppPaths

        user_root = AppPaths.user().user_forms_dir
    return with_user_forms(default_catalog(), user_root)
