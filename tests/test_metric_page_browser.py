"""The metric page in Chromium: SPC chart with Making Data Count labels and the method text."""

from __future__ import annotations

import pytest

HEADLINE_METRICS = ["falls_admissions_65plus", "dementia_diagnosis_rate_65plus",
                    "permanent_care_home_admissions_65plus"]

pytestmark = pytest.mark.browser


@pytest.fixture
def page(reader_page):
    """This module's pages are read as nobody: a page in the worker's kept browser context (conftest.py)."""
    return reader_page


@pytest.mark.parametrize("metric_id", HEADLINE_METRICS)
def test_metric_page_shows_spc_and_method(page, live_server, service, metric_id: str) -> None:
    evaluation = service.evaluate_metric(metric_id)
    page.goto(f"{live_server}/metric/{metric_id}")
    section = page.locator("#spc-section")
    section.wait_for()
    assert section.get_by_role("heading", name="Statistical process control").is_visible()
    variation = evaluation.insights.spc.result.variation_label
    assert section.locator("[data-spc=variation]").inner_text().strip().endswith(variation)
    assert section.locator("[data-spc=assurance]").inner_text().strip().endswith(
        evaluation.insights.spc.result.assurance_label)
    # The icon glyph is decorative; the words carry the meaning.
    assert section.locator("[data-spc=variation] .spc-icon").get_attribute("aria-hidden") == "true"
    # Plotly drew an SVG inside the SPC figure.
    page.locator("#spc-figure svg.main-svg").first.wait_for()
    assert page.locator("#spc-figure .scatterlayer .trace").count() >= 4
    how = page.locator("#how-calculated").inner_text()
    assert "Making Data Count" in how
    assert "Wilson" in how or "Byar" in how
    assert "threshold for this metric is" in how
    assert page.locator("#recent-trend").inner_text().strip()


def test_falls_page_before_the_deadline_shows_the_forecast(page, live_server) -> None:
    page.goto(f"{live_server}/metric/falls_admissions_65plus?period=2016-03")
    page.locator("#spc-figure svg.main-svg").first.wait_for()
    reason = page.locator(".status-reason").first.inner_text()
    assert "On the current trend it is projected to be" in reason and "March 2018" in reason
    assert "prediction interval" in page.locator("#forecast").inner_text()


@pytest.mark.parametrize("framework_id", ["wigan", "warwickshire", "cornwall"])
def test_metric_with_comparators_shows_a_benchmark_verdict(page, live_server, service, framework_id: str) -> None:
    with_comparators = [m for m in service.framework(framework_id).metric_ids()
                        if service.metric(m).binding.comparators]
    assert with_comparators, f"{framework_id} declares no comparators"
    metric_id = next(m for m in with_comparators
                     if service.evaluate_metric(m).insights.benchmark.verdict != "not_compared")
    expected = service.evaluate_metric(metric_id).insights.benchmarks
    page.goto(f"{live_server}/metric/{metric_id}")
    items = page.locator("#benchmark li")
    items.first.wait_for()
    assert items.count() == len(expected) == len(service.metric(metric_id).binding.comparators)
    for i, bench in enumerate(expected):
        item = items.nth(i)
        assert item.get_attribute("data-verdict") == bench.verdict
        assert item.get_attribute("data-comparator") == bench.comparator
        text = item.inner_text()
        assert text.startswith(bench.verdict.words + ":") and bench.comparator in text
    assert bench.verdict in {"better", "similar", "worse", "not_compared"}
    assert "95% confidence interval" in page.locator("#benchmark-method").inner_text()
