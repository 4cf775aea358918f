"""The overview's components are built once per cached evaluation and choice of filters, and built
again as soon as the evaluation is a new one (new data or definitions)."""

from __future__ import annotations

import pytest


@pytest.fixture
def overview(dash_app):
    from dashboard.pages import overview

    with dash_app.server.test_request_context("/"):
        yield overview


def test_the_same_question_reuses_the_built_page(overview) -> None:
    first = overview.overview_body("wigan", "2009-03", [], [])
    assert overview.overview_body("wigan", "2009-03", [], []) is first
    assert overview.overview_body("wigan", "2008-03", [], []) is not first
    themed = overview.overview_body("wigan", "2009-03", ["Economic wellbeing"], [])
    assert themed is not first


def test_a_new_evaluation_builds_the_page_again(overview, service) -> None:
    first = overview.overview_body("wigan", "2009-03", [], [])
    with service._lock:
        service._evaluations.clear()  # as when a source's data change: a new evaluation object
    again = overview.overview_body("wigan", "2009-03", [], [])
    assert again is not first
    assert str(again) == str(first)  # same figures, freshly built
