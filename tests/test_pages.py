"""Pages and callbacks called directly, without a browser."""

from __future__ import annotations

import json

import plotly.io as pio
import pytest
from dash import html

from dashboard.figures import trajectory_figure


def text_of(component) -> str:
    """All the text in a component tree."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def find(component, predicate) -> list:
    found = []
    if isinstance(component, (list, tuple)):
        for c in component:
            found += find(c, predicate)
        return found
    if hasattr(component, "to_plotly_json"):
        if predicate(component):
            found.append(component)
        found += find(getattr(component, "children", None), predicate)
    return found


@pytest.fixture
def pages(dash_app):
    """The page modules, called inside a request of the session's app (as Dash calls them)."""
    from dashboard.pages import intention, metric, overview

    with dash_app.server.test_request_context("/"):
        yield overview, intention, metric


def test_overview_layout_shows_three_headline_metrics_with_status_words(pages) -> None:
    overview, _, _ = pages
    layout = overview.layout(framework="warwickshire", period="2016-03")
    text = text_of(layout)
    for title in ("Falls admissions 65+", "Dementia diagnosis rate 65+", "Care home admissions 65+"):
        assert title in text  # each its intention's headline measure
    rows = find(layout, lambda c: "data-intention" in c.to_plotly_json()["props"])
    badges = [b for row in rows for b in find(row, lambda c: "status-badge" in (getattr(c, "className", "") or ""))]
    statuses = {b.to_plotly_json()["props"].get("data-status") for b in badges}
    assert {"achieved", "off_track", "at_risk"} <= statuses  # each intention's own status
    words = {text_of(b.children[1]) for b in badges}
    assert "Achieved" in words and "Off track" in words  # words, not colour alone


def test_overview_callback_filters_by_theme(pages) -> None:
    overview, _, _ = pages
    body = overview.update_overview("2016-03", ["Frail Elderly - Accommodation with Support"], [], None, None,
                                    "warwickshire")
    text = text_of(body)
    assert "Care home admissions 65+" in text
    assert "Falls admissions 65+" not in text


def test_overview_callback_with_no_match_says_so(pages) -> None:
    overview, _, _ = pages
    body = overview.update_overview("2016-03", ["No such theme"], [], None, None, "warwickshire")
    assert "No intentions match" in text_of(body)


def test_intention_page_has_reason_chart_and_table(pages) -> None:
    _, intention, _ = pages
    layout = intention.layout(intention_id="fe-13-falls-prevention", period="2016-03")
    text = text_of(layout)
    assert "Rationale" in text and "Milestones" in text
    assert "the glide path expects" in text
    graphs = find(layout, lambda c: type(c).__name__ == "Graph")
    assert len(graphs) == 1
    names = [trace.name for trace in graphs[0].figure.data]
    assert names[:2] == ["95% confidence interval", "Actual"]
    assert {"Glide path", "Baseline", "Target at deadline"} <= set(names)
    tables = find(layout, lambda c: isinstance(c, html.Table))
    assert any("values by period" in text_of(t.children[0]) for t in tables)


def test_unknown_intention_and_metric_pages_say_so(pages) -> None:
    _, intention, metric = pages
    assert "Intention not found" in text_of(intention.layout(intention_id="nope"))
    assert "Metric not found" in text_of(metric.layout(metric_id="nope"))
    assert "Bad period" in text_of(intention.layout(intention_id="fe-13-falls-prevention", period="2016-13"))


def test_metric_page_explains_the_figure(pages) -> None:
    _, _, metric = pages
    text = text_of(metric.layout(metric_id="dementia_diagnosis_rate_65plus", period="2016-03"))
    assert "Wilson score" in text
    assert "From table 'dementia_register'" in text
    assert "Breakdown by area" in text and "Nuneaton and Bedworth" in text
    assert "This metric's figures are synthetic sample data, not real statistics" in text


def test_metric_csv_download_callback(pages, sample_db) -> None:
    import sqlite3

    _, _, metric = pages
    payload = metric.download_csv(1, "falls_admissions_65plus")
    assert payload["filename"] == "falls_admissions_65plus.csv"
    lines = payload["content"].splitlines()
    assert lines[0] == "period,label,area,area_name,numerator,denominator,value,ci_lower,ci_upper"
    # One line per month and area (each district and the whole county), counted in the source.
    with sqlite3.connect(sample_db) as conn:
        months, districts = conn.execute("SELECT COUNT(DISTINCT substr(admission_date, 1, 7)), "
                                         "COUNT(DISTINCT area_code) FROM hospital_admissions").fetchone()
    conn.close()
    assert len(lines) == 1 + months * (districts + 1)


def test_trajectory_figure_is_pure_and_serialisable() -> None:
    import pandas as pd
    from datetime import date

    series = pd.DataFrame({"period_end": [date(2014, 3, 1), date(2014, 4, 1)], "value": [10.0, 9.0],
                           "ci_lower": [8.0, 7.0], "ci_upper": [12.0, 11.0]})
    fig = trajectory_figure(series, "T", "y", glide=[(date(2014, 3, 1), 10.0), (date(2016, 3, 1), 8.0)],
                            baseline=(date(2014, 3, 1), 10.0), target=(date(2016, 3, 1), 8.0))
    data = json.loads(pio.to_json(fig))
    assert [t["name"] for t in data["data"]] == ["95% confidence interval", "Actual", "Glide path", "Baseline",
                                                 "Target at deadline"]


def test_theme_select_offers_all_and_the_all_choice_filters_nothing(pages) -> None:
    overview, _, _ = pages
    from dashboard import ids
    from dashboard.components import ALL

    layout = overview.layout(framework="warwickshire", period="2016-03")
    theme = find(layout, lambda c: getattr(c, "id", None) == ids.THEME_FILTER)[0]
    assert theme.value == ALL and theme.options[0] == {"label": "All themes", "value": ALL}
    body = overview.update_overview("2016-03", ALL, ALL, ALL, None, "warwickshire")
    assert "Falls admissions 65+" in text_of(body) and "Care home admissions 65+" in text_of(body)


def _compared_metric(service, framework_id: str) -> str:
    """The framework's first metric with comparators whose latest figure could be compared."""
    for metric_id in service.framework(framework_id).metric_ids():
        if service.metric(metric_id).binding.comparators:
            bench = service.evaluate_metric(metric_id).insights.benchmark
            if bench is not None and bench.verdict != "not_compared":
                return metric_id
    raise AssertionError(f"{framework_id} has no metric with a comparable comparator")


@pytest.mark.parametrize("framework_id", ["wigan", "warwickshire", "cornwall"])
def test_intention_page_shows_the_benchmark_verdict_in_words(pages, service, framework_id: str) -> None:
    """The verdict the overview's metric rows gave, now beside each metric on its intention's page."""
    _, intention, _ = pages
    metric_id = _compared_metric(service, framework_id)
    expected = service.evaluate_framework(framework_id)
    evaluation = next(e for e in expected.evaluations if e.metric_id == metric_id)
    bench = evaluation.insights.benchmark
    layout = intention.layout(intention_id=evaluation.intention_id, framework=framework_id)
    section = find(layout, lambda c: any(x.to_plotly_json()["props"].get("data-metric") == metric_id
                                         for x in (getattr(c, "children", None) or []) if hasattr(x, "to_plotly_json"))
                   and "intention-card" in (getattr(c, "className", "") or ""))[0]
    verdict = find(section, lambda c: "benchmark" in (getattr(c, "className", "") or ""))[0]
    assert verdict.to_plotly_json()["props"]["data-verdict"] == bench.verdict
    # Words, not colour: "Better than England", "Similar to England", "Worse than England".
    assert text_of(verdict) == bench.compact and bench.comparator in text_of(verdict)
    # A metric without comparators has no verdict line.
    plain = next(e for e in expected.evaluations if not service.metric(e.metric_id).binding.comparators)
    page = intention.layout(intention_id=plain.intention_id, framework=framework_id)
    plain_section = find(page, lambda c: any(x.to_plotly_json()["props"].get("data-metric") == plain.metric_id
                                             for x in (getattr(c, "children", None) or [])
                                             if hasattr(x, "to_plotly_json"))
                         and "intention-card" in (getattr(c, "className", "") or ""))[0]
    assert not find(plain_section, lambda c: "benchmark" in (getattr(c, "className", "") or ""))
