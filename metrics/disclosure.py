"""Disclosure control: values built from small counts are not shown on public pages or in exports.

Rule (one place, so pages, exports and the method text agree): a value is suppressed when the
count it is built from (its numerator) is below the metric's ``suppress_below`` threshold
(default 5). The value, its confidence interval and the numerator are withheld; the
denominator (a population or register size) is kept. A row with no numerator (published
figures) is never suppressed by this rule.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from metrics.definitions.models import Metric

SUPPRESSED = "suppressed"
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


def withhold(fields: dict[str, Any]) -> dict[str, Any]:
    """A copy of an evaluation's fields with those that would reveal a small count set to None."""
    return {**fields, **{name: None for name in WITHHELD_FIELDS if name in fields}}


def small_mask(frame: pd.DataFrame, metric: Metric) -> pd.Series:
    """Per row: is it built from a count below the metric's threshold?"""
    if frame.empty or "numerator" not in frame:
        return pd.Series(False, index=frame.index, dtype=bool)
    numerators = pd.to_numeric(frame["numerator"], errors="coerce")
    return (numerators.notna() & (numerators < metric.suppress_below)).astype(bool)


def suppress_frame(frame: pd.DataFrame, metric: Metric, active: bool = True) -> pd.DataFrame:
    """A copy with the small-count rows' value, interval and numerator set to missing.

    Adds a boolean ``suppressed`` column so callers can say "suppressed" rather than "no data";
    with ``active`` false (pages that are not public) nothing is hidden and the column is all false.
    """
    out = frame.copy()
    mask = small_mask(out, metric) if active else pd.Series(False, index=out.index, dtype=bool)
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
            f"Charts leave a gap, and statistics that need the value (SPC, recent trend, forecast) use only "
            f"the unsuppressed figures.")


def mark_suppressed(frame: pd.DataFrame, metric: Metric, columns: tuple[str, ...] = HIDDEN_COLUMNS) -> pd.DataFrame:
    """For tables and CSV: small-count rows show the word 'suppressed' in ``columns`` instead of a number."""
    out = frame.copy()
    mask = small_mask(out, metric)
    for column in columns:
        if column in out:
            out[column] = out[column].astype(object)
            out.loc[mask, column] = SUPPRESSED
    return out


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
