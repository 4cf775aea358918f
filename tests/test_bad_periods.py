"""A period in the URL or on the command line that is not a month is said out loud, never swallowed."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.fixture(autouse=True)
def _in_a_request(request, dash_app):
    """Pages are called inside a request of the session's app, as Dash calls them (not the CLI test)."""
    if request.node.name.startswith("test_cli"):
        yield
        return
    with dash_app.server.test_request_context("/"):
        yield


@pytest.mark.parametrize("period, words", [
    ("2025-13", "'2025-13' has month 13; months run from 01 to 12"),
    ("March", "'March' is not a month; write it as YYYY-MM"),
    ("2031-01", "There are no figures for 2031-01"),
])
def test_overview_says_the_period_is_not_understood(period: str, words: str) -> None:
    from dashboard.pages import overview

    page = str(overview.layout(framework="wigan", period=period))
    assert words in page
    assert "Showing the latest period with figures" in page


def test_review_pack_says_the_period_is_not_understood() -> None:
    from dashboard.pages import review

    assert "'2025-13' has month 13" in str(review.layout(framework="wigan", period="2025-13"))


def test_a_good_period_brings_no_warning() -> None:
    from dashboard.pages import overview

    assert "period-problem" not in str(overview.layout(framework="warwickshire", period="2016-03"))


def test_metric_page_refuses_a_month_13() -> None:
    from dashboard.pages import metric

    page = str(metric.layout(metric_id="falls_admissions_65plus", period="2025-13"))
    assert "Bad period" in page and "months run from 01 to 12" in page


def test_cli_names_the_bad_month() -> None:
    done = subprocess.run([sys.executable, "-m", "cli.main", "evaluate", "--period", "2025-13"],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "'2025-13' has month 13; months run from 01 to 12" in done.stderr
