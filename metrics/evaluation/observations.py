"""From the database's small aggregate to observations: value and confidence interval
per period and area, plus the headline (all areas) row.

The input is already aggregated (one row per period and area); nothing here reads
record-level data.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from metrics.definitions.models import Metric
from metrics.disclosure import WITHHELD, withheld_rows
from metrics.periods import period_end, period_key, period_label
from metrics.statistics.intervals import byar_intervals, dsr_withheld, rate_intervals, wilson_intervals

HEADLINE = "_headline"
COLUMNS = ["period_start", "period", "period_end", "label", "area", "numerator", "denominator",
           "value", "ci_lower", "ci_upper", WITHHELD]


def as_period_start(value: object) -> date:
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    return pd.Timestamp(str(value)).date().replace(day=1)


def _numbers(aggregate: pd.DataFrame, column: str) -> np.ndarray:
    """A column as float64 (Decimals from PostgreSQL, numpy numbers, None -> NaN); NaN if absent. A new array,
    never a view of the aggregate's (the rows may be shared by metrics alike, and the caller changes these)."""
    if column not in aggregate.columns:
        return np.full(len(aggregate), np.nan)
    values = aggregate[column]
    if values.dtype.kind in "fiub":  # already numbers: the same float64 as to_numeric would give, made directly
        return values.to_numpy(dtype="float64", copy=True)
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()


def _period_codes(months: pd.Series) -> tuple[np.ndarray, list[date]]:
    """Each row's period as a number into the distinct period starts: every later step per period (labels,
    the headline's sums, the sort) works on the numbers, made once, and on a few hundred periods, not on a
    date object per row however many areas there are. Two spellings of one month are one period."""
    values = months.to_numpy()
    # The rows come ordered by period (the compiled query's ORDER BY): the months are told apart among the first
    # row of each run of equal months, a few hundred, rather than hashed row by row (about 1 ms of 23,400 rows).
    # A row's code is its run's first row's, which equals it, so the codes are factorize's in any order.
    starts_run = np.empty(len(values), dtype=bool)
    starts_run[:1] = True
    np.not_equal(values[1:], values[:-1], out=starts_run[1:])
    run_codes, distinct = pd.factorize(months.array[starts_run])
    codes = run_codes[np.cumsum(starts_run) - 1]
    merged, starts = pd.factorize(pd.Series([as_period_start(m) for m in distinct], dtype=object))
    return merged[codes], list(starts)  # a missing month (code -1) takes the last period, as it always has


def values_and_intervals(metric: Metric, numerator: np.ndarray, denominator: np.ndarray,
                         confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The metric's values and confidence intervals by its statistical method, for whole columns at once
    (NaN where there is no value or no interval)."""
    nothing = np.full(len(numerator), np.nan)
    if metric.method == "count" and metric.unit == "currency":
        return numerator.copy(), nothing, nothing.copy()  # an amount of money is not a count of events: no Poisson interval
    if metric.method == "count":
        lower, upper = byar_intervals(numerator, confidence)
        return numerator.copy(), lower, upper
    # No value without a denominator (a missing or zero one), as for one figure at a time.
    usable = ~np.isnan(numerator) & ~np.isnan(denominator) & (denominator != 0)
    num = np.where(usable, numerator, np.nan)
    den = np.where(usable, denominator, 1.0)
    if metric.method == "proportion":
        lower, upper = wilson_intervals(num, np.where(usable, denominator, np.nan), confidence)
        scale = 100.0 if metric.unit == "percent" else 1.0
        return num / den * scale, lower * scale, upper * scale
    if metric.method == "crude_rate":
        multiplier = metric.multiplier or 1
        lower, upper = rate_intervals(num, np.where(usable, denominator, np.nan), multiplier, confidence)
        return num / den * multiplier, lower, upper
    return num / den, nothing, nothing.copy()  # mean: no interval without the spread


#: The fields of a metric that :func:`build_observations` reads: two metrics alike in these, from the same
#: rows, have the same observations (near-duplicate measures share them; see metrics.batch).
OBSERVATION_FIELDS = ("method", "unit", "frequency", "multiplier", "suppress_below")


class FigureError(ValueError):
    """The source's rows cannot be figures of this metric's method (a negative count, a numerator
    above its denominator); the message names the first period and area, in words."""


def check_figures(metric: Metric, frame: pd.DataFrame) -> None:
    """Refuse rows the statistics cannot take, naming where they are (the statistics would only
    say "x must not exceed n")."""
    def first(bad: pd.Series, what: str) -> None:
        if bad.any():
            row = frame[bad.to_numpy()].sort_values("period_start").iloc[0]
            where = "the whole area" if row["area"] == HEADLINE else f"area {row['area']}"
            figures = f"numerator {row['numerator']:g}" + (
                "" if pd.isna(row["denominator"]) else f", denominator {row['denominator']:g}")
            raise FigureError(f"in {row['period_start']:%B %Y} ({where}; {figures}) {what}; "
                              f"{int(bad.sum())} row(s) like it in all: correct the source or the binding")

    if metric.method == "mean":
        return  # a mean's sum may well be negative
    numerator, denominator = frame["numerator"], frame["denominator"]
    first(numerator < 0, "the numerator is negative, which no count can be")
    if metric.method == "count":
        return
    first(denominator < 0, "the denominator is negative, which no population or total can be")
    if metric.method == "proportion":
        first((numerator > denominator) & (denominator > 0),
              "the numerator is above the denominator, so it is not a proportion")


FIGURES = ("numerator", "denominator", "value", "ci_lower", "ci_upper")


def build_observations(metric: Metric, aggregate: pd.DataFrame, headline_area: str | None = None) -> pd.DataFrame:
    """One row per period and area plus a headline row per period.

    The headline is the sum of numerators over the sum of denominators (right for
    counts, proportions and crude rates), or the named ``headline_area``'s own row.
    Every step works on whole columns: the cost grows with the rows of the aggregate, never
    with a Python call (or a scipy call) per row. The columns are plain arrays until the one table is
    made at the end: pandas' cost per operation, not the rows, was most of building a small table (about
    5 ms of the 7 ms per metric of a cold command)."""
    if aggregate.empty:
        return pd.DataFrame(columns=COLUMNS)
    codes, starts = _period_codes(aggregate["period_start"])
    start_of = _objects(starts)
    # Each row's area as a number into the distinct areas' names (the headline's one more, at the end): the
    # text is compared, sorted and spread per area, never per row (a str object per row cost most of a build).
    area, names = pd.factorize(aggregate["area"].astype(str), use_na_sentinel=False)
    names = np.append(names.to_numpy(dtype=object), HEADLINE)
    figures = {c: _numbers(aggregate, c) for c in FIGURES}
    published = metric.method == "published"
    several = len(names) > 2
    summed = headline_area is None and not published and several
    if headline_area is not None:
        chosen = (names == headline_area)[area]
        headline, headline_codes = {c: v[chosen] for c, v in figures.items()}, codes[chosen]
    elif published and several:
        headline, headline_codes = {c: v[:0] for c, v in figures.items()}, codes[:0]  # published figures cannot be summed
    elif not summed:
        headline, headline_codes = {c: v.copy() for c, v in figures.items()}, codes
    else:
        # pandas' group sum (compensated, as it always was), not a plain numpy sum: the same last digit.
        # Grouped by the index, not by the bare array: pandas first tries an array as a column label and
        # formats the whole array into the error it then discards (about 2 ms a metric).
        sums = pd.DataFrame({"numerator": figures["numerator"], "denominator": figures["denominator"]},
                            index=codes, copy=False).groupby(level=0, sort=False).sum(min_count=1)
        headline_codes = sums.index.to_numpy()
        nothing = np.full(len(headline_codes), np.nan)
        headline = {"numerator": sums["numerator"].to_numpy(dtype="float64"),
                    "denominator": sums["denominator"].to_numpy(dtype="float64"),
                    "value": nothing, "ci_lower": nothing.copy(), "ci_upper": nothing.copy()}
    headline_area_column = np.full(len(headline_codes), len(names) - 1)
    if several or headline_area:
        columns = {c: np.concatenate([figures[c], headline[c]]) for c in FIGURES}
        area = np.concatenate([area, headline_area_column])
        codes = np.concatenate([codes, headline_codes])
    else:
        columns, area, codes = headline, headline_area_column, headline_codes
    numerator, denominator = columns["numerator"], columns["denominator"]
    if not published:
        if _any_refused(metric, numerator, denominator):  # the words need the table; made only then
            check_figures(metric, pd.DataFrame({"period_start": start_of[codes], "area": names[area],
                                                "numerator": numerator, "denominator": denominator}))
        columns["value"], columns["ci_lower"], columns["ci_upper"] = values_and_intervals(metric, numerator,
                                                                                         denominator)
    elif metric.unit == "dsr_per_100k":
        # phe_dsr gives no value (not only no interval) for a total count below 10.
        withheld = dsr_withheld(numerator)
        for c in ("value", "ci_lower", "ci_upper"):
            columns[c][withheld] = np.nan
    # Decided here, on the whole table: the complementary rule needs every area of a period.
    withheld = withheld_rows(numerator, (names == HEADLINE)[area] if summed else None, codes, metric)
    # By area, then period: sorted as numbers (the periods' order, the areas' order), stable as sort_values is.
    when = np.empty(len(starts), dtype=np.int64)
    when[np.argsort(start_of, kind="stable")] = np.arange(len(starts))
    where, _ = pd.factorize(names, sort=True)  # a missing name (-1) first, as factorizing every row put it
    order = np.lexsort((when[codes], where[area]))
    codes, area = codes[order], area[order]
    # Text made per period and per area, then spread by number: a text column taken from a few values, in the
    # column type pandas gives such text, never inferred from an object per row.
    # The headline's name only where it is shown (a column of missing names alone stays objects, as it was).
    shown = names if (area == len(names) - 1).any() else names[:-1]
    table = {"period_start": start_of[codes], "area": _text(shown, area),
             **{c: v[order] for c, v in columns.items()}, WITHHELD: withheld[order],
             "period_end": _objects([period_end(start, metric.frequency) for start in starts])[codes],
             **{column: _text([make(start, metric.frequency) for start in starts], codes)
                for column, make in (("period", period_key), ("label", period_label))}}
    return pd.DataFrame({c: table[c] for c in COLUMNS})


def _text(values: list | np.ndarray, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``values[codes]`` as the text column pandas makes of such values (its string type), made from the
    few values: inferring it from an object per row was most of a build (about 4 ms a column at 23,000 rows)."""
    return pd.Series(_objects(list(values)), copy=False).array.take(codes)


def _objects(items: list) -> np.ndarray:
    """A one-dimensional array of these Python objects, as they are (numpy would make dates into its own)."""
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _any_refused(metric: Metric, numerator: np.ndarray, denominator: np.ndarray) -> bool:
    """Would :func:`check_figures` refuse these figures? (Asked on arrays; it then says where, in words.)"""
    if metric.method == "mean":
        return False
    if (numerator < 0).any():
        return True
    if metric.method == "count":
        return False
    return bool((denominator < 0).any() or (metric.method == "proportion"
                                            and ((numerator > denominator) & (denominator > 0)).any()))


def headline_series(observations: pd.DataFrame) -> pd.DataFrame:
    """The whole-area rows that have a value. Asked again of rows that are already just those (the service
    hands evaluation the cached headline): then no rows are picked out, a new frame over the same columns is
    returned (copy-on-write keeps the caller's changes from reaching them)."""
    keep = ((observations["area"] == HEADLINE) & observations["value"].notna()).to_numpy(dtype=bool)
    if keep.all():
        return observations.reset_index(drop=True)
    return observations[keep].reset_index(drop=True)
