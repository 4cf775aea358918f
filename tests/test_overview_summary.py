"""The overview as a summary (issue 20): its first screen reads the one judgement of the framework
(intentions by status, metrics counted once, milestones late from the store, Making Data Count's matrix),
and one table of intentions follows, filtered and sorted as the address says. Called without a browser;
tests/test_overview_browser.py measures the page in Chromium."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qs, urlparse

import pytest
from dash import dcc, html

from review.judgement import framework_evaluation


def walk(tree) -> list:
    """Every component in a tree."""
    found = []
    if isinstance(tree, (list, tuple)):
        for item in tree:
            found += walk(item)
    elif hasattr(tree, "to_plotly_json"):
        found.append(tree)
        found += walk(getattr(tree, "children", None))
    return found


def text_of(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return "".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def props(component) -> dict:
    return component.to_plotly_json()["props"]


def by_id(tree, element_id: str):
    (found,) = [c for c in walk(tree) if getattr(c, "id", None) == element_id]
    return found


def rows(tree) -> list:
    """The table's intention rows, in the order shown."""
    return [c for c in walk(by_id(tree, "intention-table")) if isinstance(c, html.Tr) and "data-intention" in props(c)]


def query(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(href).query).items()}


@pytest.fixture
def overview(dash_app):
    from dashboard.pages import overview

    with dash_app.server.test_request_context("/"):
        yield overview


def test_intention_counts_are_the_frameworks_judgement(overview, service, app_store) -> None:
    result = framework_evaluation(app_store, service, "warwickshire", None)
    layout = overview.layout(framework="warwickshire")
    counts = {}
    for item in walk(by_id(layout, "intention-counts")):
        if isinstance(item, html.Li):
            (link,) = [c for c in walk(item) if isinstance(c, dcc.Link)]
            status = props(item)["data-status"]
            counts[status] = int(text_of([c for c in walk(link) if "count-n" in (getattr(c, "className", "") or "")]))
            # Each count is a filter to those intentions, keeping the framework and period.
            assert query(link.href) == {"framework": "warwickshire", "period": result.period, "status": status}
    assert counts == {s: n for s, n in result.intention_counts().items() if n}
    assert sum(counts.values()) == 81 == len(rows(layout))
    # Icon and words on every status, never colour alone.
    badges = [c for c in walk(by_id(layout, "intention-counts"))
              if "status-badge" in (getattr(c, "className", "") or "")]
    assert all(text_of(b.children[1]) for b in badges)


def test_a_metric_shared_by_two_intentions_is_counted_once(overview, service, app_store) -> None:
    result = framework_evaluation(app_store, service, "lancashire", "2024-03")
    assert len(result.evaluations) == 33  # rows: a metric under each intention it evidences
    layout = overview.layout(framework="lancashire", period="2024-03")
    counts = by_id(layout, "metric-counts")
    heading = next(c for c in walk(layout) if isinstance(c, html.H3) and text_of(c).startswith("Metrics"))
    assert text_of(heading) == "Metrics: 19, each counted once"
    numbers = [int(text_of(li.children[-1])) for li in walk(counts) if isinstance(li, html.Li)]
    assert sum(numbers) == 19
    matrix = [int(props(td)["data-count"]) for td in walk(by_id(layout, "spc-matrix")) if isinstance(td, html.Td)]
    assert sum(matrix) == 19


def _hand_cell(evaluation) -> str:
    """Which cell of Making Data Count's matrix a metric belongs in, worked out here from the SPC result."""
    spc = evaluation.insights.spc if evaluation.insights else None
    if spc is None or spc.result.lower_limit is None:
        return "not_judged.none"
    variation, improvement = spc.result.variation, spc.result.improvement
    if variation == "common_cause":
        row = "common_cause"
    elif variation.startswith("neutral"):
        row = variation.replace("neutral", "neither")
    else:
        # An improvement on a higher-is-better metric went up: high; a concern on it went down: low.
        went_up = (variation == "improvement") == (improvement == "increase")
        row = f"{variation}_{'high' if went_up else 'low'}"
    return f"{row}.{spc.result.assurance or 'none'}"


@pytest.mark.parametrize("framework_id", ["warwickshire", "wigan", "lancashire"])
def test_spc_matrix_counts_are_a_hand_count(overview, service, app_store, framework_id: str) -> None:
    result = framework_evaluation(app_store, service, framework_id, None)
    metrics = {e.metric_id: e for e in result.evaluations}  # each metric once
    expected = Counter(_hand_cell(e) for e in metrics.values())
    layout = overview.layout(framework=framework_id)
    table = by_id(layout, "spc-matrix")
    shown = {props(td)["data-cell"]: int(props(td)["data-count"]) for td in walk(table) if isinstance(td, html.Td)}
    assert {cell: n for cell, n in shown.items() if n} == dict(expected)
    assert sum(shown.values()) == len(metrics)
    # The matrix is a real table: headers with scope, and words beside each icon.
    assert all(props(th).get("scope") in ("col", "row") for th in walk(table) if isinstance(th, html.Th))
    assert "Consistently fails" in text_of(table) and "Common cause variation" in text_of(table)
    # Each non-empty cell links to the list of its metrics.
    for td in (td for td in walk(table) if isinstance(td, html.Td) and int(props(td)["data-count"])):
        (link,) = [c for c in walk(td) if isinstance(c, dcc.Link)]
        assert query(link.href)["spc"] == props(td)["data-cell"]
    cell, n = expected.most_common(1)[0]
    listed = overview.layout(framework=framework_id, spc=cell)
    section = by_id(listed, "spc-cell-metrics")
    ids = [props(tr)["data-metric"] for tr in walk(section) if isinstance(tr, html.Tr) and "data-metric" in props(tr)]
    assert sorted(ids) == sorted(m for m, e in metrics.items() if _hand_cell(e) == cell) and len(ids) == n


def test_the_table_is_worst_first_and_filters_by_status(overview, service, app_store) -> None:
    from metrics.evaluation.status import Status

    order = {s: n for n, s in enumerate(Status.for_intentions())}
    shown = [props(r)["data-status"] for r in rows(overview.layout(framework="warwickshire", period="2016-03"))]
    assert [order[s] for s in shown] == sorted(order[s] for s in shown)
    assert shown[0] == "off_track"
    only = rows(overview.layout(framework="warwickshire", period="2016-03", status="off_track"))
    assert only and {props(r)["data-status"] for r in only} == {"off_track"}
    assert len(only) == shown.count("off_track")
    # A status no intention can have filters nothing (a forged address).
    assert len(rows(overview.layout(framework="warwickshire", period="2016-03", status="bogus"))) == len(shown)


def test_each_row_says_why_and_links_to_its_intention(overview, service, app_store) -> None:
    result = framework_evaluation(app_store, service, "warwickshire", "2016-03")
    layout = overview.layout(framework="warwickshire", period="2016-03")
    falls = next(r for r in rows(layout) if props(r)["data-intention"] == "fe-13-falls-prevention")
    judged = result.intention("fe-13-falls-prevention")
    reason = next(c for c in walk(falls) if "reason-line" in (getattr(c, "className", "") or ""))
    assert text_of(reason) == judged.status_reason
    link = next(c for c in walk(falls) if isinstance(c, dcc.Link))
    assert link.href.startswith("/intention/fe-13-falls-prevention?") and query(link.href) == {
        "framework": "warwickshire", "period": "2016-03"}
    headline = next(c for c in walk(falls) if props(c).get("data-metric") == "falls_admissions_65plus")
    words = text_of(headline)
    assert "Falls admissions 65+" in words and "157.9 vs 140.0 by Mar 2018" in words
    # Baseline, deadline and measure are ours, not the document's: "Assumed" shows, the elements are read out.
    assert "Assumed: baseline; deadline; measure" in words
    # A monitored headline (a value, no target) says so rather than inventing a target.
    monitored = [c for r in rows(overview.layout(framework="warwickshire")) for c in walk(r)
                 if props(c).get("data-metric") and "monitored" in text_of(c)]
    assert monitored


def test_sorted_by_outcome_each_outcome_heads_its_intentions_once(overview) -> None:
    layout = overview.layout(framework="warwickshire", period="2016-03", sort="outcome")
    groups = [text_of(th) for th in walk(by_id(layout, "intention-table"))
              if isinstance(th, html.Th) and props(th).get("scope") == "rowgroup"]
    assert "Safe" in groups and "SAFE Safe" not in groups and len(groups) == len(set(groups))
    assert {"Independent", "Cared for", "LEARN: Able to learn and contribute"} <= set(groups)
    assert len(rows(layout)) == 81


@pytest.fixture(scope="module")
def own_app(dash_app, service, tmp_path_factory):
    """An app with a store of its own, where a milestone can be marked done without touching the session's.
    Dash hands the ``@callback`` callbacks to the next app that serves a request, so the session's app serves
    one first and this one right after it is built."""
    from app import create_app
    from datasources.store import Store

    dash_app.server.test_client().get("/")
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('overview-store') / 'outcomes.db'}")
    app = create_app(service=service, store=store, public=False)
    app.server.test_client().get("/")
    yield app, store
    store.dispose()


def test_a_milestone_marked_done_is_done_on_the_overview_and_the_frameworks_page(own_app, service) -> None:
    from dashboard.pages import frameworks, overview
    from review.milestones import update_milestone
    from review.people import Role, add_person, grant

    app, store = own_app
    before = framework_evaluation(store, service, "warwickshire", "2025-03")
    late = next(m for m in before.milestones if m.late)
    late_before = sum(m.late for m in before.milestones)
    intention = service.framework("warwickshire").intention(late.intention_id)

    def shown() -> tuple[str, str, str]:
        with app.server.test_request_context("/"):
            page = overview.layout(framework="warwickshire", period="2025-03")
            summary = text_of(by_id(page, "milestones-late"))
            row = next(r for r in rows(page) if props(r)["data-intention"] == intention.id)
            listing = frameworks.layout()
            cell = next(c for c in walk(listing) if props(c).get("data-framework") == "warwickshire")
        return summary, text_of(row.children[-1]), text_of(cell)

    total = len(before.milestones)
    mine = before.intention(intention.id)
    assert shown() == (f"Milestones late: {late_before} of {total}",
                       f"{mine.milestones_late} of {mine.milestones_total}", f"{late_before} of {total}")
    lead = add_person(store, None, "overview.lead", "Overview Lead", Role.lead, password="a long enough password")
    grant(store, None, "overview.lead", lead=intention.lead, framework_id="warwickshire")
    update_milestone(store, service, lead, "warwickshire", intention.id, late.title, "done", "2025-02-01")
    assert shown() == (f"Milestones late: {late_before - 1} of {total}",
                       f"{mine.milestones_late - 1} of {mine.milestones_total}", f"{late_before - 1} of {total}")


def test_frameworks_page_reads_the_judgement(dash_app, service, app_store) -> None:
    """Intentions by the intention rule (achieved is its own status, not on track), metrics each once."""
    from dashboard.pages import frameworks

    with dash_app.server.test_request_context("/"):
        listing = frameworks.layout()
    table = next(c for c in walk(listing) if isinstance(c, html.Table))
    body = next(c for c in table.children if isinstance(c, html.Tbody))
    for fw, row in zip(service.config.frameworks.values(), body.children):
        result = framework_evaluation(app_store, service, fw.id, None)
        cells = row.children
        assert text_of(cells[3]) == str(len(fw.intentions))
        assert {props(li)["data-status"]: int(text_of(li.children[-1])) for li in walk(cells[4])
                if isinstance(li, html.Li)} == {s: n for s, n in result.intention_counts().items() if n}
        assert text_of(cells[5]) == str(len(set(fw.metric_ids())))
        assert {props(li)["data-status"]: int(text_of(li.children[-1])) for li in walk(cells[6])
                if isinstance(li, html.Li)} == {s: n for s, n in result.status_counts().items() if n}
