"""Each council's framework overview and one of its intention pages, in a real browser."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(reader_page):
    """This module's pages are read as nobody: a page in the worker's kept browser context (conftest.py)."""
    return reader_page


PAGES = {  # framework: (heading on its overview, an intention with a metric or a milestone)
    "lancashire": ("Lancashire Adult Social Care Commissioning Intentions", "lcc-05-reduce-residential-care"),
    "warwickshire": ("Warwickshire People Group Commissioning Intentions", "fe-18-dementia-diagnosis"),
    "wigan": ("Wigan Adult Services Outcomes Framework 2006-9", "wig-ecc3"),
    "cornwall": ("Cornwall Supportive Lifestyles Commissioning Intentions", "corn-2-support-and-housing-options"),
    "lewisham": ("Lewisham Outcome Based Commissioning", "lew-ld-meta-outcomes"),
}


#: True once Dash has rendered the layout, has no callback in flight and no graph still drawing.
SETTLED = """() => !document.querySelector(
    '._dash-loading, [data-dash-is-loading="true"], .dash-graph--pending')"""


def settle(page) -> None:
    """Wait until callbacks and charts are done, so closing the page aborts no request."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(SETTLED)


#: {status: how many} from a list of counts, each item marked with its status (a badge, then the number).
COUNTS = """list => Object.fromEntries([...list.querySelectorAll(':scope > li[data-status]')]
    .map(li => [li.dataset.status, Number(li.textContent.match(/\\d+/g).pop())]))"""


def expected_counts(service, store, framework_id: str) -> dict:
    """What the framework's summary should say: its intentions and metrics (each once) from the config, by
    status as the framework's judgement has them (with the milestone updates in the store), and its late
    milestones of all it has."""
    from review.judgement import framework_evaluation

    framework = service.framework(framework_id)
    result = framework_evaluation(store, service, framework_id, None)
    return {"intentions": len(framework.intentions), "metrics": len(framework.metric_ids()),
            "intentions by status": {str(s): n for s, n in result.intention_counts().items() if n},
            "metrics by status": {str(s): n for s, n in result.status_counts().items() if n},
            "milestones late": f"{sum(1 for m in result.milestones if m.late)} of "
                               f"{sum(len(i.milestones) for i in framework.intentions)}"}


@pytest.mark.parametrize("framework_id", sorted(PAGES))
def test_framework_overview(page, live_server, service, app_store, framework_id):
    heading, intention_id = PAGES[framework_id]
    page.goto(f"{live_server}/framework/{framework_id}")
    page.wait_for_selector(f"h1:has-text('{heading}')")
    summary = page.locator("section[aria-label='Summary of statuses']")
    summary.wait_for()
    assert page.locator(f"[data-intention='{intention_id}']").count() == 1
    want = expected_counts(service, app_store, framework_id)
    text = summary.inner_text()
    assert f"Intentions: {want['intentions']}" in text
    assert f"Metrics: {want['metrics']}, each counted once" in text
    assert summary.locator("#intention-counts").evaluate(COUNTS) == want["intentions by status"]
    assert summary.locator("#metric-counts").evaluate(COUNTS) == want["metrics by status"]
    assert summary.locator("#milestones-late").inner_text() == f"Milestones late: {want['milestones late']}"
    # The Making Data Count matrix places each metric once.
    cells = summary.locator("#spc-matrix td[data-count]").evaluate_all("tds => tds.map(td => Number(td.dataset.count))")
    assert sum(cells) == want["metrics"]
    settle(page)


@pytest.mark.parametrize("framework_id", sorted(PAGES))
def test_intention_page(page, live_server, framework_id):
    _, intention_id = PAGES[framework_id]
    page.goto(f"{live_server}/intention/{intention_id}?framework={framework_id}")
    page.wait_for_selector("h2:has-text('Outcomes served')")
    assert page.locator("h2:has-text('Metrics')").count() == 1
    settle(page)


def test_all_frameworks_summary(page, live_server, service, app_store):
    page.goto(f"{live_server}/frameworks")
    page.wait_for_selector("#frameworks-summary table")
    headers = page.locator("#frameworks-summary thead th").all_inner_texts()
    assert headers == ["Framework", "Organisation", "Period", "Intentions", "Intentions by status", "Metrics",
                       "Metrics by status", "Milestones late"]
    rows = page.locator("#frameworks-summary tbody tr")
    assert rows.count() == len(PAGES)
    for i in range(rows.count()):
        cells = rows.nth(i).locator(":scope > td")
        title = cells.nth(0).inner_text()
        framework_id = next(f for f, (heading, _) in PAGES.items() if heading == title)
        want = expected_counts(service, app_store, framework_id)
        assert cells.nth(1).inner_text() == service.framework(framework_id).organisation
        assert re.fullmatch(r"\d{4}-\d{2}", cells.nth(2).inner_text())
        assert int(cells.nth(3).inner_text()) == want["intentions"], framework_id
        assert cells.nth(4).locator("ul").evaluate(COUNTS) == want["intentions by status"], framework_id
        assert int(cells.nth(5).inner_text()) == want["metrics"], framework_id
        assert cells.nth(6).locator("ul").evaluate(COUNTS) == want["metrics by status"], framework_id
        assert cells.nth(7).inner_text() == want["milestones late"], framework_id
    settle(page)


def test_metric_page_shows_comparators_and_source(page, live_server):
    page.goto(f"{live_server}/metric/wig_dementia_diagnosis_rate_65plus?framework=wigan")
    page.wait_for_selector("#comparators h2")
    assert "England" in page.inner_text("#comparators")
    body = page.inner_text("main")
    assert "NHS England" in body and "Open Government Licence" in body
    settle(page)
