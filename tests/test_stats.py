"""Tests for metrics.statistics.intervals against published reference values.

Reference sources (read through the stored public-code index):

* [PHE-P] PHEindicatormethods early testthat script for ``phe_proportion``
  (Public Health England, later github.com/ukhsa-collaboration/
  PHEindicatormethods; the script starting ``library(PHEstatmethods)``),
  literal expectations to 8 decimal places for 35078/41980 and 65/100 at
  95% and 99.8%.
* [DHSC-W] github.com/DataS-DHSC/PHStatsMethods,
  ``ph_statistical_methods/tests/test.wilsons.py`` (DHSC Python port of
  PHEindicatormethods): Wilson limits for 20/360, 550/2400, 30/400, 76/238.
* [DHSC-old] github.com/DataS-DHSC/PHStatsMethods, archived tests of the
  earlier port (``from ..methods import wilson, byars``):
  ``byars_lower(100)`` and ``wilson(100, 10000)`` (per cent).
  Its ``byars_upper(100) == 121.62458755509265`` is NOT used: it disagrees
  with Breslow & Day's formula (121.627937...) by 2.8e-5 relative - that
  port's upper-limit code differs from PHEindicatormethods ``byars_upper``.
* PHEindicatormethods' own spreadsheets (tests/testthat/testdata_Byars_Wilson.xlsx)
  are stored only as binary and could not be read; the
  Byar upper and exact-Poisson cases are therefore checked against
  independent computations (scipy gamma / Poisson tail identities), as noted
  on each test.
"""

from __future__ import annotations

import math

import pytest
from scipy.stats import gamma, norm, poisson

from metrics.statistics.intervals import (
    byar_interval,
    exact_poisson_interval,
    rate_interval,
    wilson_interval,
)

REL = 1e-6


def close(a: float, b: float, rel: float = REL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=0.0)


# --- Wilson -----------------------------------------------------------------

# [PHE-P] expect_equal(phe_proportion(35078,41980), c(...,0.83201210,0.83910324)) etc.
# [DHSC-W] parametrised cases; [DHSC-old] wilson(100, 10000) is on the % scale.
WILSON_CASES = [
    (35078, 41980, 0.95, 0.83201210, 0.83910324),   # [PHE-P] row 1
    (35078, 41980, 0.998, 0.82992190, 0.84110220),  # [PHE-P] row 2
    (65, 100, 0.95, 0.55254443, 0.73635752),        # [PHE-P] row 3
    (65, 100, 0.998, 0.49549466, 0.77835406),       # [PHE-P] row 4
]
WILSON_LOWER_ONLY = [
    (20, 360, 0.95, 0.036248204600072345),   # [DHSC-W] test_wilson_lower case 1
    (550, 2400, 0.998, 0.20375892211705743),  # [DHSC-W] test_wilson_lower case 2
    (100, 10000, 0.95, 0.8229336148148417 / 100),  # [DHSC-old] test_wilson (per cent)
]
WILSON_UPPER_ONLY = [
    (30, 400, 0.95, 0.10504770626130437),  # [DHSC-W] test_wilson_upper case 1
    (76, 238, 0.998, 0.418131030603369),   # [DHSC-W] test_wilson_upper case 2
    (100, 10000, 0.95, 1.2146982255114647 / 100),  # [DHSC-old] test_wilson (per cent)
]


@pytest.mark.parametrize("x,n,conf,lo,hi", WILSON_CASES)
def test_wilson_matches_pheindicatormethods(x, n, conf, lo, hi):
    got_lo, got_hi = wilson_interval(x, n, conf)
    # Published to 8 dp, so the achievable relative agreement is ~1e-8/value.
    assert close(got_lo, lo)
    assert close(got_hi, hi)


@pytest.mark.parametrize("x,n,conf,lo", WILSON_LOWER_ONLY)
def test_wilson_lower_matches_dhsc_port(x, n, conf, lo):
    assert close(wilson_interval(x, n, conf)[0], lo, 1e-12)


@pytest.mark.parametrize("x,n,conf,hi", WILSON_UPPER_ONLY)
def test_wilson_upper_matches_dhsc_port(x, n, conf, hi):
    assert close(wilson_interval(x, n, conf)[1], hi, 1e-12)


def test_wilson_accepts_percentage_confidence():
    assert wilson_interval(65, 100, 99.8) == wilson_interval(65, 100, 0.998)


def test_wilson_boundaries():
    assert wilson_interval(0, 0) == (None, None)
    lo, hi = wilson_interval(0, 50)
    assert lo == 0.0 and 0 < hi < 0.1
    lo, hi = wilson_interval(50, 50)
    assert hi == 1.0 and 0.9 < lo < 1
    # Closed form at x = 0: upper = z^2 / (n + z^2).
    z = norm.ppf(0.975)
    assert close(wilson_interval(0, 50)[1], z * z / (50 + z * z), 1e-12)
    with pytest.raises(ValueError):
        wilson_interval(5, 4)
    with pytest.raises(ValueError):
        wilson_interval(-1, 4)


# --- Exact Poisson ----------------------------------------------------------

@pytest.mark.parametrize("x", [0, 1, 2, 5, 9, 10, 65, 1045])
@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_exact_poisson_independent(x, conf):
    # Independent reference: gamma quantiles (not chi2) and the defining
    # Poisson tail equations P(X >= x | L) = a/2, P(X <= x | U) = a/2.
    a = 1 - conf
    lo, hi = exact_poisson_interval(x, conf)
    ref_lo = 0.0 if x == 0 else gamma.ppf(a / 2, x)
    ref_hi = gamma.ppf(1 - a / 2, x + 1)
    assert (lo == 0.0) if x == 0 else close(lo, ref_lo, 1e-9)
    assert close(hi, ref_hi, 1e-9)
    if x > 0:
        assert math.isclose(poisson.sf(x - 1, lo), a / 2, rel_tol=1e-6)
    assert math.isclose(poisson.cdf(x, hi), a / 2, rel_tol=1e-6)


def test_exact_poisson_zero_upper_closed_form():
    # For x = 0 the upper limit is -ln(a/2).
    assert close(exact_poisson_interval(0)[1], -math.log(0.025), 1e-12)


# --- Byar -------------------------------------------------------------------

def test_byar_lower_matches_dhsc_port():
    # [DHSC-old] test_byars_lower: byars_lower(100) == 81.36210549052788
    # (ph_statistical_methods/tests/test_confidence_intervals.py has the same).
    assert close(byar_interval(100)[0], 81.36210549052788, 1e-12)


def _byar_formula(x: float, conf: float) -> tuple[float, float]:
    # Breslow & Day (1987) as written in PHEindicatormethods R/utils.R.
    z = norm.ppf(conf + (1 - conf) / 2)
    return (x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3,
            (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3)


@pytest.mark.parametrize("x", [10, 65, 100, 1045, 35078])
@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_byar_formula_and_close_to_exact(x, conf):
    # PHEindicatormethods testByars.R uses x = 65, 1045 (95%) and 65, 1045, 10
    # (99.8%); its expected values live in a binary xlsx, so the reference here
    # is the published formula, plus a sanity check against the exact interval.
    lo, hi = byar_interval(x, conf)
    rlo, rhi = _byar_formula(x, conf)
    assert close(lo, rlo, 1e-12) and close(hi, rhi, 1e-12)
    elo, ehi = exact_poisson_interval(x, conf)
    # Byar's approximation loosens for small counts at high confidence.
    tol = 0.01 if x >= 65 else 0.05
    assert abs(lo - elo) / elo < tol and abs(hi - ehi) / ehi < tol


@pytest.mark.parametrize("x", [0, 1, 5, 9])
def test_byar_switches_to_exact_below_ten(x):
    assert byar_interval(x) == exact_poisson_interval(x)
    assert byar_interval(x, 0.998) == exact_poisson_interval(x, 0.998)


def test_byar_at_ten_uses_byar():
    assert byar_interval(10) != exact_poisson_interval(10)
    assert close(byar_interval(10)[0], _byar_formula(10, 0.95)[0], 1e-12)


# --- Crude rates ------------------------------------------------------------

def test_rate_interval_scales_count_limits():
    lo, hi = rate_interval(65, 100, multiplier=100)
    blo, bhi = byar_interval(65)
    assert close(lo, blo) and close(hi, bhi)
    lo, hi = rate_interval(5, 20000)  # x < 10 -> exact
    elo, ehi = exact_poisson_interval(5)
    assert close(lo, elo / 20000 * 100_000) and close(hi, ehi / 20000 * 100_000)


def test_rate_interval_boundaries():
    assert rate_interval(3, 0) == (None, None)
    lo, hi = rate_interval(0, 1000)
    assert lo == 0.0 and close(hi, -math.log(0.025) / 1000 * 100_000, 1e-12)
