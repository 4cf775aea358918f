"""The real pages in Debian's Chromium: overview -> intention, status words and chart.

The ``page`` fixture fails a test on any browser console error or failed request."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(reader_page):
    """This module's pages are read as nobody: a page in the worker's kept browser context (conftest.py)."""
    return reader_page


def test_overview_to_intention(page, live_server: str) -> None:
    page.goto(f"{live_server}/?framework=warwickshire&period=2016-03")
    page.wait_for_selector("[data-metric='falls_admissions_65plus']")
    assert page.locator("h1").first.inner_text() == "Warwickshire People Group Commissioning Intentions"
    # One row per intention, its own status in icon and words; its headline measure against the target.
    row = page.locator("tr[data-intention='fe-4-residential-care']")
    assert "Care home admissions 65+" in row.locator("[data-metric]").inner_text()
    assert row.locator(".status-badge").inner_text().endswith("On track")
    assert page.locator("tr[data-intention='fe-18-dementia-diagnosis'] .status-badge").inner_text().endswith(
        "Off track")
    # Sparklines carry a text alternative.
    alt = page.locator("tr[data-intention='fe-13-falls-prevention'] img.sparkline").get_attribute("alt")
    assert alt.startswith("Trend of Falls admissions 65+")

    page.get_by_role("link", name=re.compile("falls prevention strategy")).click()
    page.wait_for_url(re.compile(r"/intention/fe-13-falls-prevention\?"))
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert "period=2016-03" in page.url
    reason = page.locator("[data-metric='falls_admissions_65plus'] .status-reason").inner_text()
    assert "the glide path expects" in reason and "by March 2018" in reason
    badge = page.locator("p[data-metric='falls_admissions_65plus'] .status-badge").inner_text()
    assert badge.split()[-1] in {"track", "risk"}
    legend = page.locator(".js-plotly-plot .legendtext").evaluate_all("els => els.map(e => e.textContent)")
    assert {"Actual", "Glide path", "Target at deadline", "Baseline"} <= set(legend)


def test_period_selector_updates_the_overview(page, live_server: str) -> None:
    page.goto(f"{live_server}/?framework=warwickshire&period=2016-03")
    page.wait_for_selector("[data-metric='falls_admissions_65plus']")
    assert "Figures at 2016-03" in page.locator("#overview-body").inner_text()
    page.locator("#period-select").focus()
    page.select_option("#period-select", "2025-03")
    page.wait_for_function("document.querySelector('#overview-body').innerText.includes('Figures at 2025-03')")
    assert "period=2025-03" in page.get_by_role("link", name="Link to this view").get_attribute("href")


def test_skip_link_and_keyboard_reach_main(page, live_server: str) -> None:
    page.goto(f"{live_server}/")
    page.wait_for_selector("[data-metric]")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    assert page.evaluate("document.documentElement.lang") == "en-GB"


def test_metric_page_opens_with_breakdown(page, live_server: str) -> None:
    page.goto(f"{live_server}/metric/permanent_care_home_admissions_65plus?period=2016-03")
    page.wait_for_selector("text=Breakdown by area")
    assert "Rugby" in page.locator("table").filter(has_text="by area").first.inner_text()
    assert page.get_by_role("button", name="Download CSV").is_visible()
