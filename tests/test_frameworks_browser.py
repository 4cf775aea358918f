"""Each council's framework overview and one of its intention pages, in a real browser."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.browser

PAGES = {  # framework: (heading on its overview, an intention with a metric or a milestone)
    "lancashire": ("Lancashire Adult Social Care Commissioning Intentions", "lcc-05-reduce-residential-care"),
    "warwickshire": ("Warwickshire People Group Commissioning Intentions", "fe-18-dementia-diagnosis"),
    "wigan": ("Wigan Adult Services Outcomes Framework 2006-9", "wig-ecc3"),
    "cornwall": ("Cornwall Supportive Lifestyles Commissioning Intentions", "corn-2-support-and-housing-options"),
    "lewisham": ("Lewisham Outcome Based Commissioning", "lew-ld-meta-outcomes"),
}


@pytest.fixture(scope="module", autouse=True)
def ingested(sample_db):
    engine = sa.create_engine(f"sqlite:///{sample_db}")
    if not sa.inspect(engine).has_table("pcdd_dementia_65plus"):
        from typer.testing import CliRunner

        from cli.main import app

        assert CliRunner().invoke(app, ["ingest"]).exit_code == 0
    engine.dispose()


#: True once Dash has rendered the layout, has no callback in flight and no graph still drawing.
SETTLED = """() => !document.querySelector(
    '._dash-loading, [data-dash-is-loading="true"], .dash-graph--pending')"""


def settle(page) -> None:
    """Wait until callbacks and charts are done, so closing the page aborts no request."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(SETTLED, timeout=30_000)


@pytest.mark.parametrize("framework_id", sorted(PAGES))
def test_framework_overview(page, live_server, framework_id):
    heading, intention_id = PAGES[framework_id]
    page.goto(f"{live_server}/framework/{framework_id}")
    page.wait_for_selector(f"h1:has-text('{heading}')", timeout=30_000)
    page.wait_for_selector("section[aria-label='Summary of statuses']", timeout=30_000)
    assert page.locator(f"[data-intention='{intention_id}']").count() == 1
    settle(page)


@pytest.mark.parametrize("framework_id", sorted(PAGES))
def test_intention_page(page, live_server, framework_id):
    _, intention_id = PAGES[framework_id]
    page.goto(f"{live_server}/intention/{intention_id}?framework={framework_id}")
    page.wait_for_selector("h2:has-text('Outcomes served')", timeout=30_000)
    assert page.locator("h2:has-text('Metrics')").count() == 1
    settle(page)


def test_all_frameworks_summary(page, live_server):
    page.goto(f"{live_server}/frameworks")
    page.wait_for_selector("#frameworks-summary table", timeout=30_000)
    text = page.inner_text("#frameworks-summary")
    for heading, _ in PAGES.values():
        assert heading in text
    assert "Milestones late" in text
    settle(page)


def test_metric_page_shows_comparators_and_source(page, live_server):
    page.goto(f"{live_server}/metric/wig_dementia_diagnosis_rate_65plus?framework=wigan")
    page.wait_for_selector("#comparators h2", timeout=30_000)
    assert "England" in page.inner_text("#comparators")
    body = page.inner_text("main")
    assert "NHS England" in body and "Open Government Licence" in body
    settle(page)
