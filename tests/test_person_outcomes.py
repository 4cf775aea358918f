"""Lewisham's person-level meta outcomes (issue 14): distributions across people, the reviews outside the
two-or-three rule reported as exceptions, one person's history only to someone signed in on an internal
app, and small counts withheld on a public one. Figures are checked against counts made here directly
from the sample database with sqlite3, not through the module under test."""

from __future__ import annotations

import sqlite3

import flask
import pytest
from dash import html

from metrics import person_outcomes as po
from metrics.disclosure import suppress_counts, suppress_table



def text_of(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def components(tree, kind: type | None = None) -> list:
    found = []
    if isinstance(tree, (list, tuple)):
        for c in tree:
            found += components(c, kind)
    elif hasattr(tree, "to_plotly_json"):
        if kind is None or isinstance(tree, kind):
            found.append(tree)
        found += components(getattr(tree, "children", None), kind)
    return found


def table_rows(layout, caption: str) -> list[list[str]]:
    (table,) = [t for t in components(layout, html.Table) if text_of(t.children[0]) == caption]
    body = next(part for part in table.children if isinstance(part, html.Tbody))
    return [[text_of(cell) for cell in row.children] for row in body.children]


@pytest.fixture(scope="module")
def db(sample_db):
    conn = sqlite3.connect(sample_db)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def records(service):
    found = po.records_for(service.framework("lewisham"), service.config.metrics)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def apps(dash_app, service, tmp_path_factory):
    """(internal, public) apps on the same service; each serves a request once built (see test_public_mode)."""
    from app import create_app
    from datasources.store import Store

    dash_app.server.test_client().get("/")
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('people-public-store') / 'outcomes.db'}")
    public = create_app(service=service, store=store, public=True)
    public.server.test_client().get("/")
    yield dash_app, public
    store.dispose()


def signed_in_as(app_store, username: str = "sample.lead"):
    """Mark this request as signed in, as dashboard.auth.current_person caches it for a request."""
    from review.people import find_person

    person = find_person(app_store, username)
    assert person is not None, "the session app has the sample people"
    flask.g.outcomes_person = person


def test_exceptions_are_every_review_with_one_or_four_outcomes_set(service, records, db) -> None:
    rows = po.exceptions(service.registry, records)
    direct = db.execute("SELECT outcomes_set, COUNT(*), COUNT(DISTINCT person_id), SUM(achieved) "
                        "FROM lewisham_ld_outcomes WHERE outcomes_set NOT IN (2, 3) "
                        "GROUP BY outcomes_set ORDER BY outcomes_set").fetchall()
    assert [(r.outcomes_set, r.outcome_reviews, r.people, r.achieved) for r in rows] == direct
    assert {r.outcomes_set for r in rows} == {1, 4}
    assert sum(r.outcome_reviews for r in rows) == 268
    reviews = db.execute("SELECT COUNT(DISTINCT review_date) FROM lewisham_ld_outcomes").fetchone()[0]
    assert all(r.person_reviews == r.people * reviews for r in rows)


def test_people_by_outcomes_at_the_latest_review_match_a_direct_count(service, records, db) -> None:
    latest = po.latest_review(service.registry, records)
    assert latest is not None and latest.isoformat() == db.execute(
        "SELECT substr(MAX(review_date), 1, 10) FROM lewisham_ld_outcomes").fetchone()[0]
    frame = po.people_by_outcomes(service.registry, records, latest)
    direct = db.execute("""SELECT provider, n_set, met, COUNT(*) FROM (
            SELECT person_id, MAX(provider) AS provider, MAX(outcomes_set) AS n_set, SUM(achieved) AS met
            FROM lewisham_ld_outcomes WHERE substr(review_date, 1, 10) = ? GROUP BY person_id)
            GROUP BY provider, n_set, met ORDER BY provider, n_set, met""", (latest.isoformat(),)).fetchall()
    assert [tuple(r) for r in frame[["provider", "outcomes_set", "achieved", "people"]]
            .itertuples(index=False)] == direct
    people = db.execute("SELECT COUNT(DISTINCT person_id) FROM lewisham_ld_outcomes").fetchone()[0]
    assert frame["people"].sum() == people


class RowCounting:
    """A registry stand-in that runs each statement on the real one and records how many rows came back."""

    def __init__(self, registry):
        self.registry, self.returned = registry, []

    def execute(self, source_id, statement):
        result = self.registry.execute(source_id, statement)
        self.returned.append(len(result.frame))
        return result


def test_distributions_and_exceptions_are_aggregated_in_the_database(service, records, db) -> None:
    spy = RowCounting(service.registry)
    latest = po.latest_review(spy, records)
    po.people_by_outcomes(spy, records, latest)
    po.exceptions(spy, records)
    total = db.execute("SELECT COUNT(*) FROM lewisham_ld_outcomes").fetchone()[0]
    assert total == 2064
    assert len(spy.returned) == 3 and max(spy.returned) <= 6 * 4 * 5, spy.returned  # providers x set x met


def test_one_persons_history_is_their_own_records_only(service, records, db) -> None:
    person = db.execute("SELECT person_id FROM lewisham_ld_outcomes WHERE outcomes_set = 3 "
                        "ORDER BY person_id LIMIT 1").fetchone()[0]
    history = po.person_history(service.registry, records, person)
    direct = db.execute("SELECT substr(review_date, 1, 10), meta_outcome, achieved FROM lewisham_ld_outcomes "
                        "WHERE person_id = ? ORDER BY review_date, meta_outcome", (person,)).fetchall()
    assert [(d.isoformat(), o, a) for d, o, a in history[["review_date", "meta_outcome", "achieved"]]
            .itertuples(index=False)] == direct
    assert po.person_history(service.registry, records, "LD9999' OR '1'='1").empty


def test_secondary_suppression_hides_a_second_count_when_one_is_small() -> None:
    assert suppress_table([[10, 3, 20], [12, 15, 30], [40, 50, 60]], 5) == [
        [None, None, 20], [None, None, 30], [40, 50, 60]]
    assert suppress_table([[10, 30], [12, 15]], 5) == [[10, 30], [12, 15]]
    assert suppress_counts([40, 3, 12, 30], 5) == [40, None, None, 30]
    assert suppress_counts([40, 3, 2, 30], 5) == [40, None, None, 30]
    assert suppress_counts([40, 12, 30], 5) == [40, 12, 30]
    assert suppress_counts([4, 1], 0) == [4, 1]


def test_internal_page_signed_in_shows_distributions_exceptions_and_a_keyboard_select(apps, app_store, db) -> None:
    from dash import dcc

    from dashboard.pages import person_outcomes as page

    internal, _ = apps
    with internal.server.test_request_context("/people/lewisham"):
        signed_in_as(app_store)
        layout = page.layout(framework_id="lewisham")
        text = text_of(layout)
        assert "Synthetic sample data" in text
        assert "268 meta outcome reviews" in text
        by_set = table_rows(layout, "People by the number of meta outcomes set for them, at the latest review")
        assert [r[0] for r in by_set] == ["1", "2", "3", "4"]
        assert [r[1] for r in by_set] == ["No: an exception", "Yes", "Yes", "No: an exception"]
        assert components(layout, dcc.Graph), "a chart, with its table"
        (chooser,) = [c for c in components(layout) if getattr(c, "id", None) == page.PERSON_SELECT]
        assert type(chooser).__name__ == "Select", "a native select: arrow keys and type-ahead work"
        people = db.execute("SELECT COUNT(DISTINCT person_id) FROM lewisham_ld_outcomes").fetchone()[0]
        assert len(chooser.options) == people + 1  # and "Choose a person"

        four = db.execute("SELECT person_id FROM lewisham_ld_outcomes WHERE outcomes_set = 4 LIMIT 1").fetchone()[0]
        detail = page.show_person(four, "/people/lewisham")
        detail_text = text_of(detail)
        assert f"Person {four}" in detail_text and "outside the two-or-three rule" in detail_text
        history = table_rows(detail, f"Review history of person {four}")
        assert len(history) == 4 and all(r[-1].endswith("of 4") for r in history)


def test_internal_page_not_signed_in_shows_no_person(apps) -> None:
    from dashboard.pages import person_outcomes as page

    internal, _ = apps
    with internal.server.test_request_context("/people/lewisham"):
        layout = page.layout(framework_id="lewisham")
        assert not [c for c in components(layout) if getattr(c, "id", None) == page.PERSON_SELECT]
        assert "LD0" not in text_of(layout)
        assert "not shown" in text_of(page.show_person("LD0001", "/people/lewisham"))


def test_public_page_shows_no_single_person_and_withholds_small_counts(apps, app_store, records) -> None:
    from dashboard.pages import person_outcomes as page

    internal, public = apps
    with public.server.test_request_context("/people/lewisham"):
        signed_in_as(app_store)  # even someone signed in sees no person on a public app
        layout = page.layout(framework_id="lewisham")
        text = text_of(layout)
        assert not [c for c in components(layout) if getattr(c, "id", None) == page.PERSON_SELECT]
        assert "LD0" not in text and "shows no single person's record" in text
        refused = page.show_person("LD0001", "/people/lewisham")
        assert "LD0001" not in text_of(refused) and "not shown" in text_of(refused)
        threshold = records.metric.suppress_below
        for caption, column in (("People by the number of meta outcomes set for them, at the latest review", 2),
                                ("Reviews outside the two-or-three rule (all review dates)", 1)):
            cells = [r[column] for r in table_rows(layout, caption)]
            assert all(c == "suppressed" or int(c.replace(",", "")) >= threshold for c in cells), cells
    by_provider = "People with two or three meta outcomes set, by provider and how many they achieved at the latest review"
    with internal.server.test_request_context("/people/lewisham"):
        shown = table_rows(page.layout(framework_id="lewisham"), by_provider)
    with public.server.test_request_context("/people/lewisham"):
        withheld = table_rows(page.layout(framework_id="lewisham"), by_provider)
    small = [(i, j) for i, row in enumerate(shown) for j, c in enumerate(row[1:], 1) if int(c) < threshold]
    assert small, "the sample has small cells, so the public check can fail"
    assert all(withheld[i][j] == "suppressed" for i, j in small)
    for line in withheld + [list(col) for col in zip(*withheld)]:  # no row or column with one withheld cell
        assert line.count("suppressed") != 1, line


def test_a_framework_without_person_records_says_so(apps) -> None:
    from dashboard.pages import person_outcomes as page

    internal, _ = apps
    with internal.server.test_request_context("/people/wigan"):
        assert "holds no person-level" in text_of(page.layout(framework_id="wigan"))
