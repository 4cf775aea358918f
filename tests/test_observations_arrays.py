"""Observations built on plain arrays (issue 24) are the very tables pandas built step by step before: every
metric of the sample config, with its own headline area, none and a named one, compared column by column,
dtypes and index included (the reference below is the code as it was)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.compile import compile_metric
from metrics.definitions.models import Metric
from metrics.disclosure import WITHHELD, withheld_mask
from metrics.evaluation.observations import (COLUMNS, HEADLINE, FigureError, _period_codes, as_period_start,
                                              build_observations, check_figures, values_and_intervals)
from metrics.periods import period_end, period_key, period_label
from metrics.service import MetricsService
from metrics.statistics.intervals import dsr_withheld

PROJECT = Path(__file__).resolve().parent.parent


def _reference_numbers(aggregate: pd.DataFrame, column: str) -> pd.Series:
    if column not in aggregate.columns:
        return pd.Series(np.nan, index=aggregate.index, dtype="float64")
    return pd.to_numeric(aggregate[column], errors="coerce").astype("float64")


def reference_build(metric: Metric, aggregate: pd.DataFrame, headline_area: str | None = None) -> pd.DataFrame:
    """build_observations as it was before issue 24, in pandas step by step."""
    if aggregate.empty:
        return pd.DataFrame(columns=COLUMNS)
    codes, starts = _period_codes(aggregate["period_start"])
    start_of = np.empty(len(starts), dtype=object)
    start_of[:] = starts
    frame = pd.DataFrame({
        "period_start": start_of[codes],
        "area": aggregate["area"].astype(str).to_numpy(),
        **{c: _reference_numbers(aggregate, c).to_numpy()
           for c in ("numerator", "denominator", "value", "ci_lower", "ci_upper")},
    })
    published = metric.method == "published"
    areas = frame["area"].unique()
    summed = headline_area is None and not published and len(areas) > 1
    if headline_area is not None:
        chosen = (frame["area"] == headline_area).to_numpy()
        headline, headline_codes = frame[chosen].copy(), codes[chosen]
    elif published and len(areas) > 1:
        headline, headline_codes = frame.iloc[0:0].copy(), codes[:0]  # published figures cannot be summed
    elif not summed:
        headline, headline_codes = frame.copy(), codes
    else:
        sums = frame[["numerator", "denominator"]].groupby(codes, sort=False).sum(min_count=1)
        headline_codes = sums.index.to_numpy()
        headline = pd.DataFrame({"period_start": start_of[headline_codes],
                                 "numerator": sums["numerator"].to_numpy(),
                                 "denominator": sums["denominator"].to_numpy(),
                                 "value": np.nan, "ci_lower": np.nan, "ci_upper": np.nan})
    headline["area"] = HEADLINE
    if len(areas) > 1 or headline_area:
        combined = pd.concat([frame, headline], ignore_index=True)
        codes = np.concatenate([codes, headline_codes])
    else:
        combined, codes = headline, headline_codes
    combined = combined.astype({"value": "float64", "ci_lower": "float64", "ci_upper": "float64",
                                "numerator": "float64", "denominator": "float64"})
    if not published:
        check_figures(metric, combined)
        value, lower, upper = values_and_intervals(metric, combined["numerator"].to_numpy(),
                                                   combined["denominator"].to_numpy())
        combined["value"], combined["ci_lower"], combined["ci_upper"] = value, lower, upper
    elif metric.unit == "dsr_per_100k":
        # phe_dsr gives no value (not only no interval) for a total count below 10.
        withheld = dsr_withheld(combined["numerator"].to_numpy())
        combined.loc[withheld, ["value", "ci_lower", "ci_upper"]] = np.nan
    for column, make in (("period", period_key), ("period_end", period_end), ("label", period_label)):
        # Made per period, then spread by number (text stays in its own column type, never a str per row).
        combined[column] = pd.Series([make(start, metric.frequency) for start in starts]).array.take(codes)
    # Decided here, on the whole table: the complementary rule needs every area of a period.
    combined[WITHHELD] = withheld_mask(combined, metric, HEADLINE if summed else None, codes).to_numpy()
    # By area, then period: sorted as numbers (the periods' order, the areas' order), stable as sort_values is.
    when = np.empty(len(starts), dtype=np.int64)
    when[np.argsort(start_of, kind="stable")] = np.arange(len(starts))
    where, _ = pd.factorize(combined["area"], sort=True)
    order = np.lexsort((when[codes], where))
    return combined[COLUMNS].take(order).reset_index(drop=True)


@pytest.fixture(scope="module")
def sample_rows() -> tuple[MetricsService, dict]:
    service = MetricsService.from_config_dir(PROJECT / "config")
    rows = {}
    for metric in service.config.metrics.values():
        rows[metric.id] = service.registry.execute(metric.binding.datasource, compile_metric(metric)).frame
    return service, rows


def test_every_sample_metric_gives_the_table_it_gave(sample_rows) -> None:
    service, rows = sample_rows
    compared = 0
    for metric_id, aggregate in rows.items():
        metric = service.metric(metric_id)
        areas = aggregate["area"].astype(str).unique() if not aggregate.empty else []
        for headline_area in dict.fromkeys((metric.binding.headline_area, None, *areas[:1])):
            expected = reference_build(metric, aggregate, headline_area)
            found = build_observations(metric, aggregate, headline_area)
            pd.testing.assert_frame_equal(found, expected, check_exact=True, check_index_type=True)
            assert list(found.dtypes) == list(expected.dtypes)
            compared += 1
    assert compared > len(rows)  # every metric, and more than one way for the metrics with areas
    assert any(build_observations(service.metric(m), rows[m])[WITHHELD].any() for m in rows)  # the rule ran


def test_small_numbers_over_areas_withheld_as_before() -> None:
    """Counts small enough that the complementary rule withholds the next smallest area and the total."""
    metric = MetricsService.from_config_dir(PROJECT / "config").config.metrics
    count = next(m for m in metric.values() if m.method == "count" and m.binding.type == "table")
    count = count.model_copy(update={"suppress_below": 5})
    aggregate = pd.DataFrame({"period_start": ["2024-01-01"] * 3 + ["2024-02-01"] * 3,
                              "area": ["E1", "E2", "E3"] * 2, "numerator": [2, 40, 41, 3, 4, 50]})
    found = build_observations(count, aggregate)
    pd.testing.assert_frame_equal(found, reference_build(count, aggregate), check_exact=True)
    # By area, then period. The first period: E1's 2 is small, and E2's 40 (the next smallest) goes with it, else
    # the total less the areas shown gives the 2 away; the second: E1's 3 and E2's 4 are both small.
    assert found["area"].tolist() == ["E1", "E1", "E2", "E2", "E3", "E3", HEADLINE, HEADLINE]
    assert found[WITHHELD].tolist() == [True, True, True, True, False, False, False, False]


def test_figures_no_statistic_takes_are_refused_with_the_same_words() -> None:
    metric = MetricsService.from_config_dir(PROJECT / "config").config.metrics
    proportion = next(m for m in metric.values() if m.method == "proportion")
    aggregate = pd.DataFrame({"period_start": ["2024-01-01", "2024-02-01"], "area": ["E1", "E1"],
                              "numerator": [3, 9], "denominator": [10, 5]})
    with pytest.raises(FigureError) as new:
        build_observations(proportion, aggregate)
    with pytest.raises(FigureError) as old:
        reference_build(proportion, aggregate)
    assert str(new.value) == str(old.value) and "February 2024" in str(new.value)


@pytest.mark.parametrize("areas", [["e1", "E2", "E2"], ["E2", None, "E1"], [3, 1, 2], ["_headline", "E1", "E1"],
                                   [None, None, None], ["E1", np.nan, None]])
@pytest.mark.parametrize("headline_area", [None, "E1"])
def test_areas_named_oddly_give_the_table_they_gave(areas: list, headline_area: str | None) -> None:
    """Areas are compared, sorted and named per distinct area, not per row: missing names (first, as before), a
    name sorting after the headline's, numbers as names, an area called like the headline, and no name at all
    (with no headline row shown, a column of missing names stays objects, not text)."""
    metric = MetricsService.from_config_dir(PROJECT / "config").config.metrics
    rate = next(m for m in metric.values() if m.method == "crude_rate")
    aggregate = pd.DataFrame({"period_start": ["2024-01-01", "2024-01-01", "2024-02-01"],
                              "area": pd.Series(areas, dtype=object),
                              "numerator": [3, 9, 4], "denominator": [100, 500, 300]})
    found = build_observations(rate, aggregate, headline_area)
    pd.testing.assert_frame_equal(found, reference_build(rate, aggregate, headline_area), check_exact=True)
    if areas == ["e1", "E2", "E2"] and headline_area is None:
        assert found["area"].tolist() == ["E2", "E2", HEADLINE, HEADLINE, "e1"]
    if areas == [None, None, None] and headline_area == "E1":
        assert found["area"].dtype == object and found["area"].isna().all()


@pytest.mark.parametrize("months", [
    [date(2024, 2, 1), date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 1)],  # not ordered: runs of one row
    ["2024-01-01", date(2024, 1, 1), "2024-01-15", None, date(2024, 3, 1), date(2024, 3, 1), np.nan],
    pd.to_datetime(["2024-03-01", "2024-03-01", None, "2024-01-01", "2024-01-01"]),
    pd.Series(["2023-12-01", "2024-01-01", None, "2024-01-01"], dtype="str")])
def test_periods_numbered_by_runs_as_by_every_row(months) -> None:
    """The periods are told apart among the first row of each run of equal months (the rows come ordered by
    period), numbered exactly as factorizing every row numbers them, whatever the order and spelling."""
    months = pd.Series(months)
    codes, distinct = pd.factorize(months)
    merged, starts = pd.factorize(pd.Series([as_period_start(m) for m in distinct], dtype=object))
    found_codes, found_starts = _period_codes(months)
    assert found_codes.tolist() == merged[codes].tolist() and found_starts == list(starts)
