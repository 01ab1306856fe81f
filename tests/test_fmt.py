"""Numbers shown to people: exact up to the 15 digits a double holds, never an exponent."""
from __future__ import annotations

import pytest

from desktop.core import fmt


@pytest.mark.parametrize("value, shown", [
    (35.7, "35.7"), (123456789.123, "123456789.123"), (0.1 + 0.2, "0.3"), (1 / 3, "0.333333333333333"),
    (1e-05, "0.00001"), (1234567.0, "1234567"), (1234568, "1234568"), (-2.5, "-2.5"), (-0.0, "0"),
    (1e20, "100000000000000000000"), (None, ""),
])
def test_number(value, shown):
    assert fmt.number(value) == shown


@pytest.mark.parametrize("n, shown", [(None, "—"), (0, "0 字节"), (1023, "1023 字节"), (1024, "1.0 KB"),
                                      (1536, "1.5 KB"), (5 * 1024 ** 2, "5.0 MB"), (3 * 1024 ** 4, "3072.0 GB")])
def test_size(n, shown):
    assert fmt.size(n) == shown


@pytest.mark.parametrize("value, shown", [(22.226666666666667, "22.23"), (31.080000000000002, "31.08"), (120.0, "120"),
                                          (0.125, "0.12"), (-1 / 3, "-0.33"), (0.001, "0"), (None, "—")])
def test_figure(value, shown):
    """Totals and means in summaries: two decimals at most, no trailing zeros."""
    assert fmt.figure(value) == shown
