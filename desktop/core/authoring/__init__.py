"""Policy document → proposed checklist (the reader behind 文件 → 新建清单… and ``yice forms new``).

Qt-free and database-free: ``read_path`` / ``read_text`` return a ``Reading`` whose
``proposals`` the review step shows, edits and saves through ``Proposal.to_form_dict``.
"""
from .indicators import find_indicators
from .proposal import (DocumentMeta, IndicatorCandidate, Proposal, ProposedItem, Provenance, Reading,
                       ReaderError, ReaderWarning)
from .reader import MODES, annex_label, read_document, read_path, read_text
from .sources import RawDocument, from_html, from_text, load_path
from .catalog_bridge import derive_item_kinds
from .units import split_units

__all__ = ["DocumentMeta", "IndicatorCandidate", "MODES", "Proposal", "ProposedItem", "Provenance",
           "RawDocument", "Reading", "ReaderError", "ReaderWarning", "annex_label", "derive_item_kinds",
           "find_indicators", "from_html", "from_text", "load_path", "read_document", "read_path",
           "read_text", "split_units"]
