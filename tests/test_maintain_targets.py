"""Maintain targets (a level the baseline already meets), on the real published cases of issue 9.

Before: Wigan dementia read progress -31%, Lewisham 257% with a glide path falling to 67.1% for a
higher-is-better rate, Cornwall care home admissions 66% and Lancashire falls -102%, all beside
"achieved" or "off track" as if the target were a distance to cover.
"""

from __future__ import annotations

import pytest

from dashboard.figures import metric_trajectory_figure
from metrics.evaluation.progress import progress_text
from metrics.evaluation.status import TargetMode

CASES = {
    # metric: (status, the sentence's words about the level)
    "wig_dementia_diagnosis_rate_65plus": ("achieved", "it has been kept at or above 66.7% since the Jan 2024 baseline"),
    "lew_dementia_diagnosis_rate_65plus": ("off_track", "it fell below 66.7% in Oct 2024"),
    # Judged on direction (issue 14: the England rate is a benchmark, not the target): the level is the
    # council's own baseline, which the baseline trivially meets.
    "corn_care_home_admissions_65plus": ("off_track", "it rose above 457.8 in 2023/24"),
    "lancs_falls_admissions_65plus": ("achieved", "it has been kept at or below 1,815.1 since 2023/24"),
    "lancs_care_home_admissions_65plus": ("achieved", "it has been kept at or below 728.9 since the 2017/18 baseline"),
}


@pytest.mark.parametrize("metric_id", sorted(CASES))
def test_a_level_the_baseline_already_meets_is_a_maintain_target(service, metric_id: str) -> None:
    status, words = CASES[metric_id]
    e = service.evaluate_metric(metric_id)
    assert e.target_mode is TargetMode.MAINTAIN
    assert e.status == status
    assert words in e.status_reason
    assert e.status_reason.endswith(f": {e.status.words.lower()}.") or f": {e.status.words.lower()}. " in e.status_reason
    # No share of a distance that does not exist, and the glide path is the level itself.
    assert e.progress_pct is None and e.expected_progress_pct is None
    assert progress_text(e.progress_pct, e.target_mode) == "not shown (maintain target)"
    assert e.trajectory_value == pytest.approx(e.target_value)


def test_lewisham_glide_path_is_flat_at_the_level_not_falling(service) -> None:
    e = service.evaluate_metric("lew_dementia_diagnosis_rate_65plus")
    assert "glide path expects" not in e.status_reason  # it used to expect 67.1% "by now"
    figure = metric_trajectory_figure(service.metric(e.metric_id), service.series(e.metric_id), e.baseline_value)
    glide = next(t for t in figure.data if "glide" in (t.name or "").lower())
    assert list(glide.y) == [pytest.approx(66.7)] * 2


def test_a_target_the_baseline_has_not_met_still_shows_progress(service) -> None:
    e = service.evaluate_metric("warks_care_home_admissions_18to64")  # the document's 5% below 2017/18
    assert e.target_mode is TargetMode.IMPROVE
    assert e.progress_pct == pytest.approx((e.value - e.baseline_value) / (e.target_value - e.baseline_value) * 100)
    assert progress_text(e.progress_pct, e.target_mode) == f"{e.progress_pct:.0f}%"


@pytest.mark.parametrize("share, shown", [(-3533.2, "below -100% (capped)"), (257.0, "over 200% (capped)"),
                                          (-0.2, "0%"), (199.6, "200%"), (-100.0, "-100%"), (None, "–")])
def test_extreme_progress_is_capped_and_says_so(share, shown) -> None:
    assert progress_text(share, TargetMode.IMPROVE) == shown


def test_metric_page_says_progress_is_not_shown_for_a_maintain_target(service, dash_app) -> None:
    from dashboard.pages import metric as metric_page

    with dash_app.server.test_request_context("/"):
        page = str(metric_page.layout(metric_id="wig_dementia_diagnosis_rate_65plus", period="2025-01"))
    assert "not shown (maintain target)" in page
    assert "the baseline already met this level" in page
