"""Summaries over the unit tree: filing roster, item progress, indicators, exports (no Qt)."""
