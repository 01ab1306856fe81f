"""Summaries over the unit tree: filing roster, item progress, indicators, exports (no Qt).

The contract names are re-exported lazily: ``import desktop.summary`` stays cheap and
openpyxl / python-docx / matplotlib load only when an export is asked for.
"""
from importlib import import_module

_EXPORTS = {
    "roster": "core", "item_progress": "core", "item_detail": "core", "indicator_totals": "core",
    "review": "core", "summarise": "core", "Summary": "core", "RosterRow": "core",
    "export_summary_xlsx": "xlsx", "return_letter_xlsx": "xlsx",
    "export_summary_docx": "report",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
