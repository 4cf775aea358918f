"""Outcome headings on the overview (its table sorted by outcome): the code where it adds something, never
"SAFE Safe"."""

from __future__ import annotations

import json

import plotly.utils
import pytest


@pytest.fixture
def overview(dash_app):
    from dashboard.pages import overview

    with dash_app.server.test_request_context("/"):
        yield overview


def _headings(body) -> list[str]:
    """The outcome headings of the table of intentions: the header cell of each row group."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Th" and node["props"].get("scope") == "rowgroup":
                found.append(str(node["props"].get("children")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(json.dumps(body, cls=plotly.utils.PlotlyJSONEncoder)))
    return found


def test_a_code_that_only_repeats_the_title_is_left_out() -> None:
    from metrics.definitions.models import Outcome
    from metrics.evaluation.grouping import OutcomeGroup

    def title(code: str, words: str) -> str:
        return OutcomeGroup(Outcome(code=code, title=words), ()).title

    assert title("SAFE", "Safe") == "Safe"
    assert title("ENJOYLIFE", "Enjoy life") == "Enjoy life"
    assert title("CARED", "Cared for") == "Cared for"
    assert title("LEARN", "Able to learn and contribute") == "LEARN: Able to learn and contribute"
    assert title("PD", "People with dignity") == "PD: People with dignity"  # a short code is kept
    assert title("IND1", "People live in their own homes for longer") == "IND1: People live in their own homes for longer"


def test_warwickshire_overview_headings_say_each_outcome_once(overview) -> None:
    from dashboard.overview_view import Filters

    headings = _headings(overview.overview_body("warwickshire", "2016-03", [], [], Filters(sort="outcome")))
    assert "Safe" in headings and "SAFE Safe" not in headings
    assert {"Independent", "Cared for", "LEARN: Able to learn and contribute"} <= set(headings)
