"""The checklist catalogue: forms/ read, validated and indexed (no Qt)."""
from functools import lru_cache
from pathlib import Path

from ..resources import forms_dir
from .loader import Catalog, CatalogError, FormProblem, FormView, load_catalog, normalise
from .schema import FieldDecl, Form, Indicator, Item, Target, Unit

__all__ = ["Catalog", "CatalogError", "FormProblem", "FormView", "load_catalog", "normalise",
           "FieldDecl", "Form", "Indicator", "Item", "Target", "Unit", "default_catalog"]


@lru_cache(maxsize=4)
def default_catalog(root: Path | None = None) -> Catalog:
    """The shipped catalogue, loaded once per process (it is immutable)."""
    return load_catalog(root or forms_dir())
