"""Confidence intervals for public-health indicators.

The methods reproduce those used for Fingertips / the Public Health Outcomes
Framework, as implemented in the R package PHEindicatormethods
(github.com/ukhsa-collaboration/PHEindicatormethods, ``R/utils.R``):

* :func:`wilson_interval` - Wilson score interval for a proportion
  (Wilson 1927; Newcombe & Altman, *Statistics with Confidence*, 2nd edn,
  pp. 46-48). Same formula as PHEindicatormethods ``wilson_lower`` /
  ``wilson_upper`` used by ``phe_proportion``.
* :func:`exact_poisson_interval` - exact Poisson interval for a count via the
  chi-square / gamma relationship (Armitage, Berry & Matthews 2002;
  Ulm 1990).
* :func:`byar_interval` - Byar's approximation to the Poisson interval
  (Breslow & Day 1987, vol. II), falling back to the exact interval for
  counts below 10 exactly as ``phe_rate`` does.
* :func:`rate_interval` - crude rate with Byar / exact interval.

Directly standardised rates (unit ``dsr_per_100k``) are never computed here: they are read,
with their intervals, from the published tables (method ``published``). Where the published total
count is below 10 the value itself is withheld, as ``phe_dsr`` does (:func:`dsr_withheld`).

Each method is written once, on whole numpy arrays (``*_intervals``): observation building passes
every period and area at once, so scipy is called once per metric, not once per row. The scalar
functions are thin wrappers for one figure. numpy plus scipy's values; no I/O.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional, Tuple

import numpy as np

# scipy.special's functions, not scipy.stats' (chi2.ppf is 2 * gammaincinv(df/2, q)), and their values at 95%
# without importing scipy at all (metrics.statistics.quantiles).
from metrics.statistics.quantiles import gammaincinv, ndtri

__all__ = [
    "byar_interval",
    "byar_intervals",
    "dsr_withheld",
    "exact_poisson_interval",
    "rate_interval",
    "rate_intervals",
    "wilson_interval",
    "wilson_intervals",
]

Interval = Tuple[Optional[float], Optional[float]]
Arrays = Tuple[np.ndarray, np.ndarray]

# Byar's approximation becomes poor for very small counts; PHE switches to the
# exact interval below this count (phe_rate / phe_isr documentation).
_BYAR_MIN_COUNT = 10
# phe_dsr: "DSRs and their confidence intervals are not calculated for total counts below 10".
_DSR_MIN_COUNT = 10


@lru_cache(maxsize=8)
def _z(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level (0.95 or 95 style), computed once per level."""
    return float(ndtri(1 - (1 - _conf(confidence)) / 2))


def _conf(confidence: float) -> float:
    # PHEindicatormethods accepts 95 as well as 0.95; keep parity so callers
    # porting R code do not get silently wrong limits.
    c = float(confidence)
    if c > 1:
        c = c / 100.0
    if not 0 < c < 1:
        raise ValueError("confidence must be between 0 and 1 (or 0 and 100)")
    return c


def _array(values) -> np.ndarray:
    return np.asarray(values, dtype="float64")


def _pair(lower: np.ndarray, upper: np.ndarray) -> Interval:
    lo, hi = float(lower[0]), float(upper[0])
    return (None if np.isnan(lo) else lo, None if np.isnan(hi) else hi)


def wilson_intervals(x, n, confidence: float = 0.95) -> Arrays:
    """Wilson score intervals for the proportions ``x / n`` on the 0-1 scale, element by element.

    Method: Wilson EB (1927) J Am Stat Assoc 22:209-212, in the closed form
    given by Newcombe & Altman (2000) and coded in PHEindicatormethods
    ``wilson_lower``/``wilson_upper``::

        (2x + z^2 -/+ z*sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))

    NaN where ``n`` is 0 or either input is missing: no proportion exists. Raises ValueError
    for negative inputs or ``x > n`` (not a proportion)."""
    x, n = _array(x), _array(n)
    known = ~(np.isnan(x) | np.isnan(n))
    if (x[known] < 0).any() or (n[known] < 0).any():
        raise ValueError("x and n must be non-negative")
    defined = known & (n > 0)
    if (x[defined] > n[defined]).any():
        raise ValueError("x must not exceed n for a proportion")
    z = _z(confidence)
    safe_n = np.where(defined, n, 1.0)
    safe_x = np.where(defined, x, 0.0)
    root = z * np.sqrt(z * z + 4 * safe_x * (1 - safe_x / safe_n))
    denom = 2 * (safe_n + z * z)
    # Rounding can push x=0 / x=n limits a hair outside [0, 1].
    lower = np.maximum(0.0, (2 * safe_x + z * z - root) / denom)
    upper = np.minimum(1.0, (2 * safe_x + z * z + root) / denom)
    return np.where(defined, lower, np.nan), np.where(defined, upper, np.nan)


def wilson_interval(x: float, n: float, confidence: float = 0.95) -> Interval:
    """Wilson score interval for one proportion (:func:`wilson_intervals`); ``(None, None)`` when
    ``n == 0`` or either is missing."""
    if n is None or x is None:
        return (None, None)
    return _pair(*wilson_intervals([x], [n], confidence))


def _exact_poisson_arrays(x: np.ndarray, confidence: float) -> Arrays:
    alpha = 1 - _conf(confidence)
    with np.errstate(invalid="ignore"):
        lower = np.where(x == 0, 0.0, gammaincinv(x, alpha / 2))  # chi2.ppf(alpha/2, 2x) / 2
    upper = gammaincinv(x + 1, 1 - alpha / 2)  # chi2.ppf(1 - alpha/2, 2x + 2) / 2
    return lower, upper


def exact_poisson_interval(x: float, confidence: float = 0.95) -> Interval:
    """Exact Poisson interval for an observed count ``x``.

    Method: the chi-square (equivalently gamma) relationship of the Poisson
    distribution (Armitage P, Berry G, Matthews JNS. *Statistical Methods in
    Medical Research*, 4th edn, 2002; Ulm K. Am J Epidemiol 1990;131:373-5)::

        lower = chi2.ppf(alpha/2, 2x) / 2        (0 when x == 0)
        upper = chi2.ppf(1 - alpha/2, 2x + 2) / 2

    This is what PHEindicatormethods uses for counts below 10.
    """
    if x is None:
        return (None, None)
    if x < 0:
        raise ValueError("x must be non-negative")
    return _pair(*_exact_poisson_arrays(_array([x]), confidence))


def byar_intervals(x, confidence: float = 0.95) -> Arrays:
    """Confidence intervals for Poisson counts by Byar's method, element by element.

    Method: Byar's approximation (Breslow NE, Day NE. *Statistical Methods in
    Cancer Research*, vol. II, IARC 1987); identical algebra to PHEindicatormethods
    ``byars_lower`` / ``byars_upper``::

        lower = x (1 - 1/(9x) - z/(3 sqrt x))^3
        upper = (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3

    For ``x < 10`` the exact interval (:func:`exact_poisson_interval`) is used
    instead, as PHEindicatormethods ``phe_rate`` does. NaN where ``x`` is missing."""
    x = _array(x)
    known = ~np.isnan(x)
    if (x[known] < 0).any():
        raise ValueError("x must be non-negative")
    z = _z(confidence)
    small = known & (x < _BYAR_MIN_COUNT)
    big = np.where(known & ~small, x, _BYAR_MIN_COUNT)  # placeholders keep the formula finite
    lower = big * (1 - 1 / (9 * big) - z / (3 * np.sqrt(big))) ** 3
    upper = (big + 1) * (1 - 1 / (9 * (big + 1)) + z / (3 * np.sqrt(big + 1))) ** 3
    if small.any():
        exact_lower, exact_upper = _exact_poisson_arrays(x[small], confidence)
        lower[small], upper[small] = exact_lower, exact_upper
    return np.where(known, lower, np.nan), np.where(known, upper, np.nan)


def byar_interval(x: float, confidence: float = 0.95) -> Interval:
    """Byar's interval for one count (:func:`byar_intervals`; exact below 10)."""
    if x is None:
        return (None, None)
    return _pair(*byar_intervals([x], confidence))


def rate_intervals(x, n, multiplier: float = 100_000, confidence: float = 0.95) -> Arrays:
    """Confidence intervals for the crude rates ``x / n * multiplier``, element by element.

    Method: count limits from :func:`byar_intervals` (exact below 10) divided by
    the denominator, as PHEindicatormethods ``phe_rate``. NaN where ``n`` is zero or missing."""
    x, n = _array(x), _array(n)
    if (n[~np.isnan(n)] < 0).any():
        raise ValueError("n must be positive")
    lower, upper = byar_intervals(x, confidence)
    defined = ~np.isnan(n) & (n != 0)
    safe_n = np.where(defined, n, 1.0)
    return (np.where(defined, lower / safe_n * multiplier, np.nan),
            np.where(defined, upper / safe_n * multiplier, np.nan))


def rate_interval(
    x: float, n: float, multiplier: float = 100_000, confidence: float = 0.95
) -> Interval:
    """Confidence interval for one crude rate (:func:`rate_intervals`); ``(None, None)`` when
    ``n`` is zero or missing."""
    if x is None or n is None or n == 0:
        return (None, None)
    return _pair(*rate_intervals([x], [n], multiplier, confidence))


def dsr_withheld(total_count) -> np.ndarray:
    """True where a directly standardised rate must not be shown: its total count is below 10
    (PHEindicatormethods ``phe_dsr`` returns no value and no limits there). Unknown counts are not
    withheld here: the publisher has already applied its own rule."""
    count = _array(total_count)
    return ~np.isnan(count) & (count < _DSR_MIN_COUNT)
