"""Figures that never read as the target when they fall short of it (issue 20, "Tables that read").

Progress of 99.6% is not "100%", and a percentage worse than its target is never rounded to equal it:
Lewisham's meta outcomes showed "100%" beside "At risk"."""

from __future__ import annotations

import pytest

from metrics.evaluation.progress import progress_text
from metrics.evaluation.status import TargetMode
from metrics.formatting import format_value, value_parts


@pytest.mark.parametrize("share, shown", [
    (99.6, "99.6%"), (99.5, "99.5%"), (99.96, "99.9%"), (99.999, "99.9%"),  # short of the target: never 100%
    (100.0, "100%"), (100.4, "100%"),                                        # at or past it: 100%
    (99.4, "99%"), (72.5, "72%"), (-99.6, "-100%"), (0.3, "0%"),
])
def test_progress_short_of_the_target_never_reads_100(share: float, shown: str) -> None:
    assert progress_text(share, TargetMode.IMPROVE) == shown


def test_lewisham_at_risk_metric_does_not_show_100_percent_progress(service) -> None:
    e = service.evaluate_framework("lewisham")
    meta = next(x for x in e.evaluations if x.metric_id == "lew_ld_meta_outcomes_achieved")
    assert meta.status == "at_risk" and 99.5 <= meta.progress_pct < 100
    assert progress_text(meta.progress_pct, meta.target_mode) == "99.5%"


def _percent(service, polarity: str):
    metric = service.metric("lew_ld_meta_outcomes_achieved")  # percent, one decimal, higher is better
    assert metric.unit == "percent" and metric.decimals == 1
    return metric.model_copy(update={"polarity": polarity})


@pytest.mark.parametrize("value, target, shown", [
    (69.96, 70.0, "69.96%"),   # would round to the target: one more decimal
    (69.999, 70.0, "69.999%"),  # still the target at two: one more again
    (69.9999999, 70.0, "69.99999%"),  # four more still read 70: rounded down, away from the target
    (69.94, 70.0, "69.9%"),    # already reads below: as it was
    (70.04, 70.0, "70.0%"),    # better than the target: reading as the target is true enough
    (69.96, None, "70.0%"),    # no target to compare with: the metric's decimals
])
def test_a_value_short_of_a_higher_is_better_target_never_reads_as_it(service, value, target, shown) -> None:
    assert format_value(value, _percent(service, "higher_is_better"), target=target) == shown


@pytest.mark.parametrize("value, target, shown", [
    (30.04, 30.0, "30.04%"), (30.001, 30.0, "30.001%"), (29.96, 30.0, "30.0%"), (30.06, 30.0, "30.1%")])
def test_a_value_above_a_lower_is_better_target_never_reads_as_it(service, value, target, shown) -> None:
    assert format_value(value, _percent(service, "lower_is_better"), target=target) == shown


def test_figure_and_unit_are_separate_so_the_figure_stays_on_one_line(service) -> None:
    falls = service.metric("falls_admissions_65plus")
    figure, unit = value_parts(197.14, falls)
    assert figure == "197.1" and unit.startswith(" per 100,000")
    assert format_value(197.14, falls) == figure + unit
    assert value_parts(63.94, _percent(service, "higher_is_better")) == ("63.9%", "")


def test_a_whole_count_short_of_a_fractional_target_and_the_target_both_gain_a_decimal(service) -> None:
    """Cornwall's specialist hospital admissions: 6 against a target of 5.95 (lower is better) read "6" and "6"."""
    from metrics.formatting import apart_decimals

    metric = service.metric("corn_specialist_hospital_admissions")
    assert metric.unit == "count" and metric.polarity == "lower_is_better"
    more = apart_decimals(6.0, metric, 5.949999999999999)
    assert more is not None
    assert (format_value(6.0, metric, target=5.949999999999999), value_parts(5.949999999999999, metric,
                                                                             decimals=more)[0]) == ("6.0", "5.9")
    assert apart_decimals(5.0, metric, 5.95) is None and apart_decimals(None, metric, 5.95) is None
