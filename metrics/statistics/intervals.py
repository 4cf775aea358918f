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
with their intervals, from the published tables (method ``published``).

Pure Python plus scipy; no I/O.
"""

from __future__ import annotations

import math
from typing import Optional, Tuple

from scipy.stats import chi2, norm

__all__ = [
    "byar_interval",
    "exact_poisson_interval",
    "rate_interval",
    "wilson_interval",
]

Interval = Tuple[Optional[float], Optional[float]]

# Byar's approximation becomes poor for very small counts; PHE switches to the
# exact interval below this count (phe_rate / phe_isr documentation).
_BYAR_MIN_COUNT = 10


def _z(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level (0.95 or 95 style)."""
    return float(norm.ppf(1 - (1 - _conf(confidence)) / 2))


def _conf(confidence: float) -> float:
    # PHEindicatormethods accepts 95 as well as 0.95; keep parity so callers
    # porting R code do not get silently wrong limits.
    c = float(confidence)
    if c > 1:
        c = c / 100.0
    if not 0 < c < 1:
        raise ValueError("confidence must be between 0 and 1 (or 0 and 100)")
    return c


def wilson_interval(x: float, n: float, confidence: float = 0.95) -> Interval:
    """Wilson score interval for the proportion ``x / n`` on the 0-1 scale.

    Method: Wilson EB (1927) J Am Stat Assoc 22:209-212, in the closed form
    given by Newcombe & Altman (2000) and coded in PHEindicatormethods
    ``wilson_lower``/``wilson_upper``::

        (2x + z^2 -/+ z*sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))

    Returns ``(None, None)`` when ``n == 0`` because no proportion exists.
    """
    if n is None or x is None:
        return (None, None)
    if n < 0 or x < 0:
        raise ValueError("x and n must be non-negative")
    if n == 0:
        return (None, None)
    if x > n:
        raise ValueError("x must not exceed n for a proportion")
    z = _z(confidence)
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    denom = 2 * (n + z * z)
    lower = (2 * x + z * z - root) / denom
    upper = (2 * x + z * z + root) / denom
    # Rounding can push x=0 / x=n limits a hair outside [0, 1].
    return (max(0.0, lower), min(1.0, upper))


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
    alpha = 1 - _conf(confidence)
    lower = 0.0 if x == 0 else float(chi2.ppf(alpha / 2, 2 * x) / 2)
    upper = float(chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2)
    return (lower, upper)


def _byar_raw(x: float, confidence: float) -> Tuple[float, float]:
    # Breslow & Day (1987) vol. II; identical algebra to PHEindicatormethods
    # byars_lower / byars_upper.
    z = _z(confidence)
    lower = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return lower, upper


def byar_interval(x: float, confidence: float = 0.95) -> Interval:
    """Confidence interval for a Poisson count by Byar's method.

    Method: Byar's approximation (Breslow NE, Day NE. *Statistical Methods in
    Cancer Research*, vol. II, IARC 1987)::

        lower = x (1 - 1/(9x) - z/(3 sqrt x))^3
        upper = (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3

    For ``x < 10`` the exact interval (:func:`exact_poisson_interval`) is
    returned instead, as PHEindicatormethods ``phe_rate`` does.
    """
    if x is None:
        return (None, None)
    if x < 0:
        raise ValueError("x must be non-negative")
    if x < _BYAR_MIN_COUNT:
        return exact_poisson_interval(x, confidence)
    return _byar_raw(x, confidence)


def rate_interval(
    x: float, n: float, multiplier: float = 100_000, confidence: float = 0.95
) -> Interval:
    """Confidence interval for the crude rate ``x / n * multiplier``.

    Method: count limits from :func:`byar_interval` (exact below 10) divided by
    the denominator, as PHEindicatormethods ``phe_rate``. Returns
    ``(None, None)`` when ``n`` is zero or missing.
    """
    if x is None or n is None or n == 0:
        return (None, None)
    if n < 0:
        raise ValueError("n must be positive")
    lower, upper = byar_interval(x, confidence)
    assert lower is not None and upper is not None
    return (lower / n * multiplier, upper / n * multiplier)
