"""Disclosure control: values built from small counts are not shown on public pages or in exports.

Rule (one place, so pages, exports and the method text agree):

- Primary: a value is suppressed when the count it is built from (its numerator) is below the
  metric's ``suppress_below`` threshold (default 5). The value, its confidence interval and the
  numerator are withheld; the denominator (a population or register size) is kept. A row with no
  numerator (published figures) is never suppressed by this rule.
- Complementary: where the whole-area figure of a period is the sum of its areas and is shown,
  the hidden areas could be found by differencing (total minus the areas shown). So the next
  smallest areas of that period are withheld too, one at a time, until no suppressed count can be
  worked out exactly from the total, the areas shown, the threshold and this rule itself; when no
  area is left to withhold, the whole-area figure is withheld instead.
- A baseline observed in (or averaged over) a withheld period is withheld, with every figure
  derived from it (:func:`withhold_baseline`).

:func:`withheld_mask` decides it once for a metric's whole table (all areas and periods); the
observations carry the answer in their ``withheld`` column, so a page that shows only one area or
one period still withholds what the whole table requires.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

import numpy as np
import pandas as pd

from metrics.definitions.models import Metric

SUPPRESSED = "suppressed"
#: The observations' column saying which rows public pages and exports withhold (both rules).
WITHHELD = "withheld"
#: Columns withheld for a suppressed row.
HIDDEN_COLUMNS = ("numerator", "value", "ci_lower", "ci_upper")


#: Evaluation fields withheld when its latest value is suppressed (progress would reveal the value).
WITHHELD_FIELDS = ("value", "numerator", "ci_lower", "ci_upper", "progress_pct")


def is_small(numerator: object, metric: Metric) -> bool:
    """True when ``numerator`` is a known count below the metric's threshold."""
    threshold = metric.suppress_below
    if numerator is None:
        return False
    try:
        count = float(numerator)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not math.isnan(count) and count < threshold


#: Evaluation fields computed from the baseline: withheld with a suppressed baseline.
BASELINE_FIELDS = ("baseline_value", "trajectory_value", "progress_pct", "expected_progress_pct")


def withhold(fields: dict[str, Any]) -> dict[str, Any]:
    """A copy of an evaluation's fields with those that would reveal a small count set to None."""
    return {**fields, **{name: None for name in WITHHELD_FIELDS if name in fields}}


def withhold_baseline(fields: dict[str, Any]) -> dict[str, Any]:
    """A copy of an evaluation's fields without the suppressed baseline and what is built from it: the
    glide path and progress always, the target too when it is a change relative to the baseline."""
    hidden = BASELINE_FIELDS + (("target_value",) if fields.get("target_kind") == "relative_change" else ())
    return {**fields, **{name: None for name in hidden if name in fields}, "baseline_suppressed": True}


def any_withheld(rows: pd.DataFrame, metric: Metric) -> bool:
    """Is any of these observation rows withheld (a baseline window, one period)?"""
    if rows.empty:
        return False
    if WITHHELD in rows:
        return bool(rows[WITHHELD].any())
    return bool(small_mask(rows, metric).any())


def small_mask(frame: pd.DataFrame, metric: Metric) -> pd.Series:
    """Per row: is it built from a count below the metric's threshold?"""
    if frame.empty or "numerator" not in frame:
        return pd.Series(False, index=frame.index, dtype=bool)
    numerators = pd.to_numeric(frame["numerator"], errors="coerce")
    return (numerators.notna() & (numerators < metric.suppress_below)).astype(bool)


def _integral_max_below(threshold: float) -> float:
    """The largest count below the threshold (counts are whole numbers)."""
    return float(math.ceil(threshold) - 1)


def _recoverable(hidden: np.ndarray, primary: np.ndarray, smallest_shown: float, threshold: float) -> bool:
    """Could a primary-suppressed count of one period be worked out exactly from what is shown?

    ``hidden``: the period's withheld area counts; ``primary``: which of them are below the threshold.
    The reader knows the sum of the hidden counts (total minus the areas shown), that each primary
    one is 0 to threshold-1, and that each complementary one is at least the threshold and at most
    the smallest count still shown (the rule picks the smallest). With one equation and those
    bounds, each count's possible range is exact: from the sum less the others' upper bounds to the
    sum less their lower bounds. A range narrower than one whole count is a recovered value."""
    if not primary.any():
        return False
    low = np.where(primary, 0.0, threshold)
    high = np.where(primary, _integral_max_below(threshold), smallest_shown)
    total = float(hidden.sum())
    # Each primary count against the others' bounds (the sums less its own): whole arrays at once.
    with np.errstate(invalid="ignore"):  # inf - inf when two complementary counts have no upper bound
        lowest = np.maximum(low, total - (high.sum() - high))
    highest = np.minimum(high, total - (low.sum() - low))
    pinned = (highest - lowest < 1) & (high - low >= 1)
    return bool((pinned & primary).any())


def withheld_mask(frame: pd.DataFrame, metric: Metric, total_area: str | None,
                  period_codes: np.ndarray | None = None) -> pd.Series:
    """Per row of a metric's whole observation table: withheld on public pages and exports?

    ``total_area`` names the rows (one per period) that are the sum of the other rows of their period,
    or is None when there is no such total (one area, published figures, a named headline area):
    only then is there a difference to protect against (the module's complementary rule).
    ``period_codes``: each row's period as a number, if the caller has them (one per distinct
    ``period_start``); otherwise they are made here."""
    mask = small_mask(frame, metric)
    if total_area is None or not mask.any() or metric.suppress_below <= 0:
        return mask
    numerators = pd.to_numeric(frame["numerator"], errors="coerce").to_numpy(dtype=float)
    is_total = (frame["area"] == total_area).to_numpy(dtype=bool)
    periods = pd.factorize(frame["period_start"])[0] if period_codes is None else np.asarray(period_codes)
    return pd.Series(withheld_rows(numerators, is_total, periods, metric), index=frame.index, dtype=bool)


def withheld_rows(numerators: np.ndarray, is_total: np.ndarray | None, periods: np.ndarray,
                  metric: Metric) -> np.ndarray:
    """:func:`withheld_mask` on plain arrays (float numerators, NaN where there is none; which rows are the
    period's total, None when there is no total; each row's period as a number), for a caller that has
    the columns as arrays already (``metrics.evaluation.observations`` builds them so)."""
    # NaN is below nothing, so a row without a count is never small (as small_mask says).
    primary = numerators < metric.suppress_below
    if is_total is None or not primary.any() or metric.suppress_below <= 0:
        return primary
    threshold = float(metric.suppress_below)
    # Plain arrays: the rule walks a few rows per period, where pandas indexing would cost more than
    # the rule itself (it was half the cold evaluation of a 200-metric framework).
    withheld = primary.copy()
    order = np.argsort(periods, kind="stable")  # the rows of each period together, in frame order
    bounds = np.searchsorted(periods[order], np.arange(periods.max() + 2))
    for period in np.unique(periods[primary & ~is_total]):
        rows = order[bounds[period]:bounds[period + 1]]
        totals = rows[is_total[rows]]
        if len(totals) != 1 or withheld[totals[0]] or np.isnan(numerators[totals[0]]):
            continue  # no total shown: nothing to take the areas from
        areas = rows[~is_total[rows] & ~np.isnan(numerators[rows])]
        while True:
            shown = areas[~withheld[areas]]
            shown = shown[np.argsort(numerators[shown], kind="stable")]
            hidden = areas[withheld[areas]]
            smallest = float(numerators[shown[0]]) if len(shown) else math.inf
            if not _recoverable(numerators[hidden], primary[hidden], smallest, threshold):
                break
            if len(shown):
                withheld[shown[0]] = True
            else:
                withheld[totals[0]] = True
                break
    return withheld


def suppress_frame(frame: pd.DataFrame, metric: Metric, active: bool = True) -> pd.DataFrame:
    """A copy with the withheld rows' value, interval and numerator set to missing.

    Adds a boolean ``suppressed`` column so callers can say "suppressed" rather than "no data";
    with ``active`` false (pages that are not public) nothing is hidden and the column is all false.
    The rows withheld are those of the frame's ``withheld`` column (both rules, decided on the
    metric's whole table), or, for a frame without it, those below the threshold."""
    out = frame.copy()
    mask = _withheld(out, metric) if active else pd.Series(False, index=out.index, dtype=bool)
    for column in HIDDEN_COLUMNS:
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
            out.loc[mask, column] = float("nan")
    out["suppressed"] = mask
    return out


def rule_in_words(metric: Metric) -> str:
    threshold = metric.suppress_below
    if threshold <= 0:
        return "Small numbers: this metric has no suppression threshold, so every value is shown."
    return (f"Small numbers (disclosure control): the threshold for this metric is {threshold}. On public pages "
            f"and in every export, a value built from a count (numerator) below {threshold} is shown as "
            f"'suppressed', and its confidence interval and count are withheld; the denominator is still shown. "
            f"Where the whole-area figure is the sum of the areas, the next smallest areas of that period are "
            f"suppressed too (or the whole-area figure), so no suppressed count can be worked out by taking "
            f"the areas shown from the total; a baseline from a suppressed period is suppressed with the "
            f"glide path and progress built from it. "
            + (f"It is a part of '{metric.part_of}' (config part_of): small numbers are withheld over that whole "
               f"and its parts together, so none can be worked out by taking parts from the whole. "
               if metric.part_of else "")
            + f"Where a status would give a suppressed count away (a target of 0 met by a count of 0), the status "
            f"is not shown either. Charts leave a gap, and statistics that need the value (SPC, recent trend, "
            f"forecast) use only the unsuppressed figures.")


#: The rule for every metric at once, as the About page and the README give it.
RULE_FOR_EVERY_METRIC = (
    "A value built from a count below its metric's threshold (suppress_below, 5 unless the metric says "
    "otherwise) is shown as 'suppressed' on public pages and in every export: the value, its confidence "
    "interval and the count are withheld; the denominator is still shown.",
    "Where the whole-area figure of a period is the sum of its areas and is shown, a single suppressed area "
    "could be worked out by taking the other areas from the total. So the next smallest areas of that period "
    "are suppressed too, one at a time, until no suppressed count can be worked out exactly, even by a reader "
    "who knows this rule; when no area is left, the whole-area figure is suppressed instead.",
    "Where metrics are parts of another over the same people and periods (config part_of: Lewisham's seven meta "
    "outcomes and all of them), the same is done over the whole and its parts together: no suppressed count can "
    "be worked out from any sum of their figures (a part's areas, the whole's areas, the totals).",
    "A baseline observed in (or averaged over) a suppressed period is suppressed, with the glide path, the "
    "progress figure and a target set relative to that baseline.",
    "The status of a suppressed figure is shown, unless with its target it would give the count away (a target "
    "of 0 met: the count is 0); then the status is not shown either.",
    "On public pages a data source that fails is reported in words only: the database file, server, port and "
    "query are shown only to the operators, on pages that are not public.",
)


def mark_suppressed(frame: pd.DataFrame, metric: Metric, columns: tuple[str, ...] = HIDDEN_COLUMNS) -> pd.DataFrame:
    """For tables and CSV: small-count rows show the word 'suppressed' in ``columns`` instead of a number."""
    out = frame.copy()
    mask = _withheld(out, metric)
    for column in columns:
        if column in out:
            out[column] = out[column].astype(object)
            out.loc[mask, column] = SUPPRESSED
    return out


def _withheld(frame: pd.DataFrame, metric: Metric) -> pd.Series:
    if WITHHELD in frame:
        return frame[WITHHELD].fillna(False).astype(bool)
    return small_mask(frame, metric)


#: What a public reader is told about a source that failed: the error itself may name a database
#: file, a server and port or a piece of SQL, which only the operators need (the app that is not public).
SOURCE_PROBLEM_PUBLIC = ("the data source could not be read{when}, so these figures are not shown; "
                         "they will return when it answers again")
#: When it was last tried is safe to tell, and needed: a snapshot is read long after the day it was made.
_LAST_TRIED = re.compile(r"last tried \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC")


def source_problem(message: str, public: bool, says_nothing_inside: bool = False) -> str:
    """A data source's error as told to this audience: in full to operators, in words to the public.
    ``says_nothing_inside``: the message is the product's own sentence, naming no file, server or SQL
    (a row cap reached), so the public are told it as it is."""
    if not public or says_nothing_inside:
        return message
    tried = _LAST_TRIED.search(message)
    return SOURCE_PROBLEM_PUBLIC.format(when=f" ({tried.group(0)})" if tried else " just now")


def public_from_env() -> bool:
    """OUTCOMES_PUBLIC=1 (or true/yes/on) marks a deployment public: its pages and its command line
    withhold small numbers and the database's insides. Read when an app or a command starts; a value that
    is neither on nor off (a typo such as "ture") is refused rather than taken for "not public"."""
    value = os.environ.get("OUTCOMES_PUBLIC", "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"", "0", "false", "no", "off"}:
        return False
    raise ValueError(f"OUTCOMES_PUBLIC: {value!r} is neither on nor off; set 1 for a public deployment (small "
                     "numbers withheld) or 0")


def suppress_counts(counts: list[int], threshold: int) -> list[int | None]:
    """Counts of people for a public table: each below ``threshold`` withheld (None), and when exactly
    one is withheld the next smallest too, so that it cannot be found from the others and their total
    (secondary suppression). A threshold of 0 withholds nothing."""
    if threshold <= 0:
        return list(counts)
    hidden = {i for i, c in enumerate(counts) if c < threshold}
    if len(hidden) == 1 and len(counts) > 1:
        hidden.add(min((i for i in range(len(counts)) if i not in hidden), key=lambda i: counts[i]))
    return [None if i in hidden else c for i, c in enumerate(counts)]


def suppress_table(rows: list[list[int]], threshold: int) -> list[list[int | None]]:
    """A table of counts of people for a public page: small cells withheld, then a partner cell in any
    row or column left with exactly one withheld, again until nothing changes, so no withheld cell can
    be found from its row's or its column's other cells and a total."""
    hidden = [[c is None for c in suppress_counts(row, threshold)] for row in rows]
    width = len(rows[0]) if rows else 0
    changed = True
    while changed:
        before = [list(line) for line in hidden]
        hidden = [_with_partner(row, flags, threshold) for row, flags in zip(rows, hidden)]
        for j in range(width):
            column = _with_partner([row[j] for row in rows], [flags[j] for flags in hidden], threshold)
            for flags, flag in zip(hidden, column):
                flags[j] = flag
        changed = hidden != before
    return [[None if flag else c for c, flag in zip(row, flags)] for row, flags in zip(rows, hidden)]


def _with_partner(counts: list[int], hidden: list[bool], threshold: int) -> list[bool]:
    """``hidden`` plus the smallest shown count when exactly one of ``counts`` is hidden."""
    if threshold <= 0 or sum(hidden) != 1 or len(counts) < 2:
        return list(hidden)
    partner = min((i for i, h in enumerate(hidden) if not h), key=lambda i: counts[i])
    return [h or i == partner for i, h in enumerate(hidden)]
