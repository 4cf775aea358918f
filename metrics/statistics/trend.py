"""Recent trend, benchmarking and forecast-to-deadline for indicator series.

Method sources:

* :func:`recent_trend` - the Fingertips "recent trend" marker (Public Health
  England / OHID, *Fingertips technical guidance: recent trends*), as coded in
  PHEindicatormethods ``assign_trend_markers`` (github.com/dhsc-govuk/
  PHEindicatormethods, ``R/TrendMarkers.R`` and ``R/utils.R``):
  the last five points; for proportions the chi-square test for trend
  (Cochran-Armitage; Armitage, Berry & Matthews 2002 s.15.7) with the
  direction from the slope of logit(p); otherwise an inverse-variance weighted
  least-squares regression of value on time, X^2 = beta^2 / var(beta);
  significant when X^2 exceeds the chi-square(1) quantile at 99.8%
  (9.5495); and a robustness check - if dropping any single point reverses
  the slope's sign the trend is reported as no significant change.
* :func:`benchmark` - the Fingertips "compared with benchmark" confidence
  interval rule (PHE *Technical Guide: Confidence Intervals*, and the
  Fingertips "Compare with benchmark - confidence intervals" legend): the
  area is significantly higher when its lower confidence limit is above the
  comparator value, significantly lower when its upper limit is below it,
  and similar otherwise. Polarity then maps higher/lower to better/worse.
* :func:`forecast` - ordinary least squares straight line on the recent
  points with the classical prediction interval for a new observation
  (e.g. Draper & Smith, *Applied Regression Analysis*, 3rd edn, s.3.1):
  yhat +/- t(n-2) s sqrt(1 + 1/n + (x0 - xbar)^2 / Sxx).

Pure Python plus numpy/scipy; no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

import numpy as np
# The functions scipy.stats' norm.ppf and t.ppf call, without importing scipy.stats; at 95% without scipy at all.
from metrics.statistics.quantiles import ndtri, stdtrit

__all__ = [
    "TrendResult",
    "ForecastResult",
    "benchmark",
    "benchmark_direction",
    "forecast",
    "format_number",
    "recent_trend",
]


@dataclass(frozen=True)
class TrendResult:
    """Outcome of :func:`recent_trend`."""

    direction: str  # increasing | decreasing | no_significant_change | could_not_be_calculated
    assessment: str  # improving | worsening | no_significant_change | not_applicable
    p_value: Optional[float]
    statistic: Optional[float]
    slope: Optional[float]
    label: str
    reason: str


def _chi_trend_proportion(num: np.ndarray, den: np.ndarray, t: np.ndarray) -> float:
    # Cochran-Armitage chi-square for trend, same algebra as PHEindicatormethods
    # calculate_trend_logistic_regression(trend_direction_only = FALSE).
    sum_d, sum_c = den.sum(), num.sum()
    sum_ct, sum_dt, sum_dt2 = (num * t).sum(), (den * t).sum(), (den * t * t).sum()
    top = sum_d * (sum_d * sum_ct - sum_c * sum_dt) ** 2
    bottom = sum_c * (sum_d - sum_c) * (sum_d * sum_dt2 - sum_dt ** 2)
    return float(top / bottom)


def _slope_proportion(num: np.ndarray, den: np.ndarray, t: np.ndarray) -> float:
    p = num / den
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = np.log(p / (1 - p))
    if np.all(np.isfinite(logit)):
        return float(np.polyfit(t, logit, 1)[0])
    # 0% or 100% points make logit infinite; the Cochran-Armitage score has the
    # same sign as the trend and stays finite.
    return float(den.sum() * (num * t).sum() - num.sum() * (den * t).sum())


def _weighted_fit(y: np.ndarray, var: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    # Same sums as PHEindicatormethods calculate_trend_weighted_regression.
    w = 1.0 / var
    s1, st, sy = w.sum(), (w * t).sum(), (w * y).sum()
    sty, stt = (w * t * y).sum(), (w * t * t).sum()
    det = s1 * stt - st ** 2
    beta = (s1 * sty - st * sy) / det
    var_beta = s1 / det
    return float(beta), float(var_beta)


_TREND_LABELS = {
    ("increasing", "improving"): "Increasing and getting better",
    ("increasing", "worsening"): "Increasing and getting worse",
    ("decreasing", "improving"): "Decreasing and getting better",
    ("decreasing", "worsening"): "Decreasing and getting worse",
    ("increasing", "not_applicable"): "Increasing",
    ("decreasing", "not_applicable"): "Decreasing",
}


def _not_calculated(reason: str) -> TrendResult:
    return TrendResult(
        "could_not_be_calculated", "not_applicable", None, None, None,
        "Recent trend could not be calculated", reason,
    )


def recent_trend(
    values: Sequence[Optional[float]],
    numerators: Optional[Sequence[Optional[float]]] = None,
    denominators: Optional[Sequence[Optional[float]]] = None,
    method: str = "proportion",
    polarity: str = "higher",
    points: int = 5,
    confidence: float = 0.998,
    lower: Optional[Sequence[Optional[float]]] = None,
    upper: Optional[Sequence[Optional[float]]] = None,
    ci_confidence: float = 0.95,
) -> TrendResult:
    """Fingertips recent-trend marker for the last ``points`` values.

    Method: Fingertips recent trends (see module docstring). For
    ``method="proportion"`` numerators and denominators are required and the
    chi-square test for trend is used. For ``"rate"``, ``"count"`` and
    ``"mean"`` a weighted regression is used with weights 1/variance, the
    variance coming from the confidence limits ``lower``/``upper`` when given
    (sigma = width / (2 z), as Fingertips), else from Poisson assumptions:
    value^2 / count for a rate, the count itself for a count. A mean needs
    confidence limits.

    ``polarity`` is ``"higher"`` (higher is better), ``"lower"`` or
    ``"neutral"``; time points are assumed equally spaced.
    """
    if method not in {"proportion", "rate", "count", "mean"}:
        raise ValueError("method must be proportion, rate, count or mean")
    if polarity not in {"higher", "lower", "neutral"}:
        raise ValueError("polarity must be higher, lower or neutral")
    n_all = len(values)
    if n_all < points:
        return _not_calculated(f"fewer than {points} data points")

    def tail(seq: Optional[Sequence[Optional[float]]]) -> Optional[List[Optional[float]]]:
        return None if seq is None else list(seq)[-points:]

    vals, nums, dens, lows, ups = (tail(values), tail(numerators), tail(denominators),
                                   tail(lower), tail(upper))
    t = np.arange(points, dtype=float)

    if method == "proportion":
        if nums is None or dens is None:
            return _not_calculated("numerators and denominators are required for proportions")
        if any(v is None for v in nums + dens):
            return _not_calculated("missing values")
        num, den = np.asarray(nums, float), np.asarray(dens, float)
        if np.any(den <= 0) or np.any(num < 0) or np.any(num > den):
            return _not_calculated("invalid numerator or denominator")
        if num.sum() == 0 or num.sum() == den.sum():
            return _not_calculated("no variation: all 0% or all 100%")
        stat = _chi_trend_proportion(num, den, t)
        beta = _slope_proportion(num, den, t)

        def sub_beta(keep: np.ndarray) -> float:
            return _slope_proportion(num[keep], den[keep], t[keep])
    else:
        assert vals is not None
        if any(v is None for v in vals):
            return _not_calculated("missing values")
        y = np.asarray(vals, float)
        if lows is not None and ups is not None and not any(v is None for v in lows + ups):
            z2 = 2 * float(ndtri(1 - (1 - ci_confidence) / 2))
            var = ((np.asarray(ups, float) - np.asarray(lows, float)) / z2) ** 2
        elif method == "rate" and nums is not None and not any(v is None for v in nums):
            c = np.asarray(nums, float)
            with np.errstate(divide="ignore", invalid="ignore"):
                var = y ** 2 / c
        elif method == "count":
            var = y.copy()
        else:
            return _not_calculated("confidence limits are required to weight the points")
        if not np.all(np.isfinite(var)) or np.any(var <= 0):
            return _not_calculated("a point has zero or undefined variance")
        beta, var_beta = _weighted_fit(y, var, t)
        stat = beta ** 2 / var_beta

        def sub_beta(keep: np.ndarray) -> float:
            return _weighted_fit(y[keep], var[keep], t[keep])[0]

    from scipy.special import chdtrc, gammaincinv  # here: a command that shows no trend need not import scipy

    p_value = float(chdtrc(1, stat))  # chi2.sf(stat, 1)
    critical = float(2 * gammaincinv(0.5, confidence))  # chi2.ppf(confidence, 1)
    direction, reason = "no_significant_change", f"chi-square {stat:.4g} not above {critical:.4f}"
    if stat > critical and beta != 0:
        reversed_ = False
        for j in range(points):
            keep = np.arange(points) != j
            if np.sign(sub_beta(keep)) != np.sign(beta):
                reversed_ = True
                break
        if reversed_:
            reason = "a single point reverses the slope (outlier)"
        else:
            direction = "increasing" if beta > 0 else "decreasing"
            reason = f"chi-square {stat:.4g} above {critical:.4f}"

    if direction == "no_significant_change":
        assessment = "no_significant_change"
        label = "No significant change"
    elif polarity == "neutral":
        assessment = "not_applicable"
        label = _TREND_LABELS[(direction, assessment)]
    else:
        good = (direction == "increasing") == (polarity == "higher")
        assessment = "improving" if good else "worsening"
        label = _TREND_LABELS[(direction, assessment)]
    return TrendResult(direction, assessment, p_value, float(stat), float(beta), label, reason)


def benchmark_direction(
    value: Optional[float], lower: Optional[float], upper: Optional[float],
    comp_value: Optional[float],
) -> Optional[str]:
    """``"higher"``, ``"similar"`` or ``"lower"`` by the Fingertips CI rule, or None."""
    if value is None or lower is None or upper is None or comp_value is None:
        return None
    if lower > comp_value:
        return "higher"
    if upper < comp_value:
        return "lower"
    return "similar"


def benchmark(
    value: Optional[float],
    lower: Optional[float],
    upper: Optional[float],
    comp_value: Optional[float],
    comp_lower: Optional[float] = None,
    comp_upper: Optional[float] = None,
    polarity: str = "higher",
) -> str:
    """Compare an area with a comparator (e.g. England) as Fingertips does.

    Rule implemented (Fingertips "compare with benchmark", PHE Technical Guide:
    Confidence Intervals): the *area's* confidence interval is compared with
    the comparator's *point value*. Lower limit above the comparator ->
    significantly higher; upper limit below it -> significantly lower; an
    interval containing it (limits inclusive) -> similar. Polarity ``"higher"``
    means higher is better; ``"lower"`` the reverse. The comparator's own
    limits (``comp_lower``/``comp_upper``) are accepted for callers that hold
    them but, as in Fingertips, are not used. Returns ``"not_compared"`` when
    any needed figure is missing or the polarity is neutral (use
    :func:`benchmark_direction` for higher/lower without a judgement).
    """
    del comp_lower, comp_upper  # documented as unused by the Fingertips rule
    side = benchmark_direction(value, lower, upper, comp_value)
    if side is None or polarity not in {"higher", "lower"}:
        return "not_compared"
    if side == "similar":
        return "similar"
    return "better" if (side == "higher") == (polarity == "higher") else "worse"


@dataclass(frozen=True)
class ForecastResult:
    """Outcome of :func:`forecast`."""

    value: Optional[float]
    lower: Optional[float]
    upper: Optional[float]
    likely: str  # likely | unlikely | uncertain
    sentence: str
    slope: Optional[float]
    n_points: int


def format_number(v: float) -> str:
    """Default value formatter: thousands separators, precision by magnitude."""
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:,.1f}"
    return f"{v:,.2f}"


def forecast(
    periods_as_month_index: Sequence[float],
    values: Sequence[float],
    deadline_index: float,
    target: float,
    polarity: str,
    points: int = 12,
    confidence: float = 0.95,
    formatter: Callable[[float], str] = format_number,
    deadline_label: Optional[str] = None,
) -> ForecastResult:
    """Project the recent straight-line trend to a deadline and judge the target.

    Method: ordinary least squares on the last ``points`` observations and
    the prediction interval for a single future value (module docstring).
    ``likely`` is ``"likely"`` when the whole interval is on the good side of
    the target, ``"unlikely"`` when it is wholly on the bad side and
    ``"uncertain"`` when the target lies inside it (limits inclusive).
    """
    if polarity not in {"higher", "lower"}:
        raise ValueError("polarity must be 'higher' or 'lower'")
    if len(periods_as_month_index) != len(values):
        raise ValueError("periods and values must be the same length")
    pairs = [(float(x), float(y)) for x, y in zip(periods_as_month_index, values)
             if x is not None and y is not None and math.isfinite(float(y))]
    pairs = pairs[-points:]
    label = deadline_label or f"period {deadline_index}"
    n = len(pairs)
    if n < 3 or len({x for x, _ in pairs}) < 2:
        return ForecastResult(None, None, None, "uncertain",
                              "There are too few recent data points to project a trend.", None, n)
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    xbar = x.mean()
    sxx = float(((x - xbar) ** 2).sum())
    slope = float(((x - xbar) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * xbar)
    resid = y - (intercept + slope * x)
    s = math.sqrt(float((resid ** 2).sum()) / (n - 2))
    x0 = float(deadline_index)
    yhat = intercept + slope * x0
    tq = float(stdtrit(n - 2, 1 - (1 - confidence) / 2))  # t.ppf
    half = tq * s * math.sqrt(1 + 1 / n + (x0 - xbar) ** 2 / sxx)
    lo, hi = yhat - half, yhat + half

    if polarity == "higher":
        likely = "likely" if lo > target else "unlikely" if hi < target else "uncertain"
    else:
        likely = "likely" if hi < target else "unlikely" if lo > target else "uncertain"
    head = (f"On the current trend the value is projected to be {formatter(yhat)} "
            f"({formatter(lo)} to {formatter(hi)}) by {label}; ")
    if likely == "uncertain":
        tail_ = f"it is uncertain whether the target of {formatter(target)} will be met."
    else:
        tail_ = f"the target of {formatter(target)} is {likely} to be met."
    return ForecastResult(yhat, lo, hi, likely, head + tail_, slope, n)
