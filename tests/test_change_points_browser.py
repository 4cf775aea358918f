"""The metric page's SPC change points in Chromium: a performance officer accepts the suggested change point
through the form (a reason is required), the chart is drawn again with its limits recalculated there and a
labelled line, and the change point is withdrawn again; axe finds nothing on the page with the form, and in
the parts that change, in its error state and with a change point applied. A reader sees the suggestion but no form."""

from __future__ import annotations

import re

import pytest

from tests.test_wcag_browser import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def page(reader_page):
    """This module's pages are read as nobody: a page in the worker's kept browser context (conftest.py)."""
    return reader_page


METRIC = "warks_acute_deaths_65plus"   # the sample data shift up from Q4 2020/21: a change point is suggested
PAGE = f"/metric/{METRIC}?framework=warwickshire"
CHARTS_DRAWN = "() => [...document.querySelectorAll('.js-plotly-plot')].every(gd => gd.querySelector('.main-svg'))"


def _wait_for_charts(page) -> None:
    page.wait_for_selector("#spc-figure .main-svg")
    page.wait_for_function(CHARTS_DRAWN)


def test_an_officer_accepts_a_suggestion_through_the_form_and_withdraws_it(open_page) -> None:
    from playwright.sync_api import expect

    page = open_page(PAGE, "#change-point-form", person=("sample.officer", "sample-officer-pass"))
    _wait_for_charts(page)
    section = page.locator("#change-points")
    assert section.locator("#change-points-suggested li").first.inner_text().startswith(
        "Q4 2020/21: 17 points in a row above the mean")
    assert section.locator("#change-points-none").is_visible()           # suggested, not applied
    assert page.locator("#spc-figure .annotation-text", has_text="Change point").count() == 0
    period = page.get_by_label(re.compile("^Period from which the limits are recalculated"))
    assert period.input_value() == "2021-03"
    assert axe_violations(page) == []

    record = page.get_by_role("button", name="Record change point")
    record.click()  # no reason: refused, the field marked
    section.get_by_role("alert").filter(has_text="There is a problem").wait_for()
    reason = page.get_by_label(re.compile("^Reason"))
    expect(reason).to_have_attribute("aria-invalid", "true")
    assert "Reason: is empty" in section.locator(".govuk-error-message").inner_text()
    assert axe_violations(page, within=("#change-points",)) == []  # the error state; the rest as checked above

    reason.fill("Discharge to assess from January 2021 <b>not bold</b>")
    record.click()
    section.get_by_role("status").filter(has_text="Change point recorded").wait_for()
    page.get_by_role("link", name="Show the chart with the new limits").click()
    page.wait_for_selector("#change-points-applied [data-change-point='2021-03']")
    _wait_for_charts(page)
    applied = page.locator("#change-points-applied li").first.inner_text()
    assert "recorded by sample.officer" in applied and "<b>not bold</b>" in applied  # shown as text
    assert page.locator("#spc-figure .annotation-text", has_text="Change point").count() == 1
    assert ("Limits from the 17 points since Q4 2020/21, recalculated at a change point recorded by "
            "sample.officer") in page.locator(".spc-words").inner_text()
    assert "A vertical line marks each change point, where the limits are recalculated: Q4 2020/21" in \
        page.locator("#spc-figure figcaption").inner_text()
    # With the change point applied: its section and the chart's, where the page changed (the rest as checked above).
    assert axe_violations(page, within=("#change-points", "#spc-section")) == []

    page.get_by_role("button", name="Withdraw the change point at Q4 2020/21").click()
    section.get_by_role("status").filter(has_text="withdrawn").wait_for()
    page.get_by_role("link", name="Show the chart with the new limits").click()
    page.wait_for_selector("#change-points-withdrawn")
    assert section.locator("#change-points-none").is_visible()


def test_a_reader_sees_the_suggestion_but_no_form(page, live_server) -> None:
    page.goto(live_server + PAGE)
    page.wait_for_selector("#change-points-suggested", timeout=90_000)
    assert page.locator("#change-point-form").count() == 0
    assert page.locator("#change-points").get_by_role("link", name="sign in").count() == 1
