"""Word documents (实施方案, 汇总报告) rendered from templates in report_templates/ (no Qt)."""
from __future__ import annotations

from ..store.service import InputError


class ExportBlocked(InputError):
    """A final export refused because the plan still has errors; ``problems`` lists them."""

    def __init__(self, message: str, problems: list):
        super().__init__(message)
        self.problems = problems
