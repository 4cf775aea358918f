"""The quantiles kept without scipy (metrics.statistics.quantiles) are scipy.special's, bit for bit, and every
other argument is still answered by scipy: intervals and forecasts are the same numbers as before (issue 24)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from metrics.statistics import quantiles
from metrics.statistics.intervals import byar_intervals, rate_intervals, wilson_intervals


def _same(a, b) -> bool:
    """NaN in the same places, every other number equal as float64 bits."""
    a, b = np.atleast_1d(np.asarray(a, dtype="float64")), np.atleast_1d(np.asarray(b, dtype="float64"))
    nan = np.isnan(a)
    return a.shape == b.shape and np.array_equal(nan, np.isnan(b)) and np.array_equal(a[~nan].view(np.int64),
                                                                                      b[~nan].view(np.int64))


def test_the_quantiles_are_written_as_the_callers_compute_them() -> None:
    confidence = 0.95
    assert quantiles.Q95 == 1 - (1 - confidence) / 2 == 0.975
    alpha = 1 - confidence
    assert (quantiles.Q95_LOWER, quantiles.Q95) == (alpha / 2, 1 - alpha / 2)


def test_every_kept_value_is_scipys() -> None:
    assert quantiles._NORMAL == {quantiles.Q95: float(special.ndtri(quantiles.Q95))}
    assert quantiles._NORMAL[quantiles.Q95] == pytest.approx(1.959964, abs=1e-6)  # the familiar 1.96
    for df, kept in quantiles._STUDENT_T.items():
        assert _same(kept, special.stdtrit(df, quantiles.Q95)), df
    assert quantiles._STUDENT_T[1] == pytest.approx(12.706, abs=1e-3) and len(quantiles._STUDENT_T) == 30
    with np.errstate(invalid="ignore"):
        for q, kept in quantiles._GAMMA.items():
            assert _same(kept, special.gammaincinv(np.arange(len(kept), dtype="float64"), q)), q
    assert quantiles._GAMMA[quantiles.Q95][1] == pytest.approx(3.689, abs=1e-3)  # exact upper limit of a count of 0


@pytest.mark.parametrize("a, q", [
    ([0.0, 3.0, 9.0, 10.0], quantiles.Q95), ([1.0, 2.0], quantiles.Q95_LOWER),  # kept
    ([2.5, 4.0], quantiles.Q95), ([11.0], quantiles.Q95), ([3.0], 0.995), ([-1.0], quantiles.Q95),  # scipy's
    ([], quantiles.Q95),
])
def test_gammaincinv_is_scipys(a: list[float], q: float) -> None:
    a = np.asarray(a, dtype="float64")
    with np.errstate(invalid="ignore"):
        assert _same(quantiles.gammaincinv(a, q), special.gammaincinv(a, q))


@pytest.mark.parametrize("df, p", [(1, quantiles.Q95), (22, quantiles.Q95), (31, quantiles.Q95), (8, 0.995),
                                   (5, 0.9)])
def test_the_t_and_normal_quantiles_are_scipys(df: int, p: float) -> None:
    assert _same(quantiles.stdtrit(df, p), special.stdtrit(df, p))
    assert _same(quantiles.ndtri(p), special.ndtri(p))


def test_intervals_are_those_scipy_gives() -> None:
    """The intervals computed with scipy's functions directly, as before, for counts around the exact/Byar
    switch at 10, at 95% (kept values) and 99% (scipy asked)."""
    x = np.array([0, 1, 4, 9, 10, 11, 57, 2300, np.nan])
    n = np.array([5, 10, 40, 90, 100, 110, 570, 23000, 10])
    for confidence in (0.95, 0.99):
        z = special.ndtri(1 - (1 - confidence) / 2)
        alpha = 1 - confidence
        small = x < 10
        with np.errstate(invalid="ignore"):
            lower = np.where(x == 0, 0.0, special.gammaincinv(x, alpha / 2))
        upper = special.gammaincinv(x + 1, 1 - alpha / 2)
        big = np.where(small, 10, x)
        byar_lower = big * (1 - 1 / (9 * big) - z / (3 * np.sqrt(big))) ** 3
        byar_upper = (big + 1) * (1 - 1 / (9 * (big + 1)) + z / (3 * np.sqrt(big + 1))) ** 3
        expected = (np.where(small, lower, byar_lower), np.where(small, upper, byar_upper))
        expected = tuple(np.where(np.isnan(x), np.nan, e) for e in expected)
        got = byar_intervals(x, confidence)
        assert _same(got[0], expected[0]) and _same(got[1], expected[1]), confidence
        rates = rate_intervals(x, n, 1000, confidence)
        assert _same(rates[0], expected[0] / n * 1000) and _same(rates[1], expected[1] / n * 1000)
        known = ~np.isnan(x)
        wl, wu = wilson_intervals(x[known], n[known], confidence)
        xs, ns = x[known], n[known]
        root = z * np.sqrt(z * z + 4 * xs * (1 - xs / ns))
        assert _same(wl, np.maximum(0.0, (2 * xs + z * z - root) / (2 * (ns + z * z))))
        assert _same(wu, np.minimum(1.0, (2 * xs + z * z + root) / (2 * (ns + z * z))))
