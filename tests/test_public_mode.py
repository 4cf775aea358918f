"""A public app (``create_app(public=True)``) never shows a value built from a small count.

Warwickshire's Winterbourne repatriations count fewer than 5 people in every quarter, so on a
public app every figure of it is withheld. Each test also reads the same page from the internal
app (``public=False``), where the counts are shown: the check would see them if they leaked."""

from __future__ import annotations

import math

import pytest
from dash import dcc, html

SMALL = "warks_winterbourne_repatriations"
PERIOD = "2016-03"  # its latest quarter, Q4 2015/16: 3 people


@pytest.fixture(scope="module")
def apps(dash_app, service, tmp_path_factory):
    """(internal, public): the session's app and a public one on the same service.

    Dash hands the callbacks declared with ``@callback`` to the next app that serves a request,
    and building an app declares them again: each app serves a request right after it is built,
    so each keeps its own set."""
    from app import create_app
    from datasources.store import Store

    dash_app.server.test_client().get("/")
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('public-store') / 'outcomes.db'}")
    public = create_app(service=service, store=store, public=True)
    public.server.test_client().get("/")
    yield dash_app, public
    store.dispose()


@pytest.fixture(scope="module")
def small_values(service):
    """The live figures of SMALL, unsuppressed; the sample must still have only small counts."""
    metric = service.metric(SMALL)
    series = service.series(SMALL)
    series = series[series["period"] <= PERIOD]
    assert len(series) and (series["numerator"] < metric.suppress_below).all()
    return series


def text_of(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def components(tree, kind: type | None = None) -> list:
    """Every component in a tree (of one kind, if given)."""
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
    """The body rows of the table with this caption, as cell texts."""
    (table,) = [t for t in components(layout, html.Table) if text_of(t.children[0]) == caption]
    body = next(part for part in table.children if isinstance(part, html.Tbody))
    return [[text_of(cell) for cell in row.children] for row in body.children]


def page(app, module: str, **kwargs):
    """A page's layout as Dash builds it for a request to ``app``."""
    import importlib

    pages = importlib.import_module(f"dashboard.pages.{module}")
    with app.server.test_request_context("/"):
        return pages.layout(**kwargs)


def plotted(layout) -> list[float]:
    """Every finite y value of the data traces (values and intervals) of every chart on a page."""
    found = []
    for graph in components(layout, dcc.Graph):
        for trace in graph.figure.data:
            if trace.name in ("Actual", "Value", "95% confidence interval") and trace.y is not None:
                found += [y for y in trace.y if y is not None and not math.isnan(y)]
    return found


def test_overview_shows_suppressed_instead_of_the_count(apps, small_values):
    for app, public in zip(apps, (False, True)):
        layout = page(app, "overview", framework="warwickshire", period=PERIOD)
        row = next(r for r in components(layout, html.Tr) if r.to_plotly_json()["props"].get("data-metric") == SMALL)
        value_cell = text_of(row.children[1].children[0])
        if public:
            assert value_cell == "suppressed"
            assert not components(row, html.Img), "no sparkline drawn from small counts"
        else:
            assert value_cell == "3", "the internal app shows the count, so the public check can fail"


def test_intention_page_table_and_chart_withhold_small_counts(apps, service, small_values):
    _, intention = service.framework_of_metric(SMALL)
    title = service.metric(SMALL).display_title
    for app, public in zip(apps, (False, True)):
        layout = page(app, "intention", intention_id=intention.id, framework="warwickshire", period=PERIOD)
        rows = table_rows(layout, f"{title}: values by period")
        assert [r[0] for r in rows] == list(small_values["label"])
        values = [r[1] for r in rows]
        if public:
            assert set(values) == {"suppressed"} and set(r[2] for r in rows) == {"suppressed"}
            assert plotted(layout) == []
        else:
            assert values[-1] == "3" and plotted(layout)


def test_metric_page_grid_and_charts_withhold_small_counts(apps, small_values):
    for app, public in zip(apps, (False, True)):
        layout = page(app, "metric", metric_id=SMALL, period=PERIOD)
        (grid,) = [c for c in components(layout) if type(c).__name__ == "AgGrid"]
        hidden = [{row[k] for k in ("value", "numerator", "ci_lower", "ci_upper")} for row in grid.rowData]
        if public:
            assert all(cells == {"suppressed"} for cells in hidden)
            assert plotted(layout) == []
            assert "These pages are public" in text_of(layout)
        else:
            assert not any("suppressed" in cells for cells in hidden) and plotted(layout)


def test_metric_csv_download_withholds_small_counts(apps):
    from dashboard.pages import metric

    internal, public = apps
    with public.server.test_request_context("/"):
        lines = metric.download_csv(1, SMALL)["content"].splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
    assert rows and all(r["value"] == r["numerator"] == "suppressed" for r in rows)
    with internal.server.test_request_context("/"):
        lines = metric.download_csv(1, SMALL)["content"].splitlines()
    assert not any("suppressed" in line for line in lines)


# ------------------------------------------------------------ complementary (secondary) suppression
CARERS = "warks_carer_breakdown_admissions"


def recovered_by_differencing(rows: list[dict]) -> dict[str, float]:
    """What a reader of a CSV download works out: per period, the whole-area count minus the areas
    shown. Where exactly one area is 'suppressed', that difference is its count: {period: count}."""
    found = {}
    for period in sorted({r["period"] for r in rows}):
        in_period = [r for r in rows if r["period"] == period]
        total = [r["numerator"] for r in in_period if r["area"] == ""]
        areas = [r for r in in_period if r["area"] != ""]
        hidden = [r for r in areas if r["numerator"] == "suppressed"]
        if len(total) == 1 and total[0] not in ("suppressed", "") and len(hidden) == 1:
            shown = sum(float(r["numerator"]) for r in areas if r["numerator"] not in ("suppressed", ""))
            found[f"{period} {hidden[0]['area']}"] = float(total[0]) - shown
    return found


def csv_rows(content: str) -> list[dict]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(content)))


def test_no_suppressed_area_count_can_be_recovered_from_the_total(apps, service):
    """On the code before complementary suppression, 19 of the 52 quarters of carer-breakdown admissions
    had exactly one area suppressed beside a shown total, and the difference was its count."""
    from dashboard.pages import metric as page_module
    from metrics.disclosure import mark_suppressed
    from metrics.evaluation.observations import HEADLINE

    truth = service.observations(CARERS).frame
    small = truth[(truth["numerator"] < service.metric(CARERS).suppress_below) & (truth["area"] != HEADLINE)]
    hidden_counts = {f"{r.period} {r.area}": float(r.numerator) for r in small.itertuples()}
    assert len(hidden_counts) >= 20, "the sample still has small area counts"

    # The old rule, primary suppression only (a frame without the decision on the whole table):
    old = mark_suppressed(truth.drop(columns="withheld"), service.metric(CARERS))
    old_rows = [{"period": r.period, "area": "" if r.area == HEADLINE else r.area, "numerator": str(r.numerator)}
                for r in old.itertuples()]
    old_found = recovered_by_differencing(old_rows)
    assert len(old_found) == 19 and all(hidden_counts[k] == v for k, v in old_found.items())

    internal, public = apps
    with public.server.test_request_context("/"):
        rows = csv_rows(page_module.download_csv(1, CARERS)["content"])
    assert recovered_by_differencing(rows) == {}
    hidden = [r for r in rows if r["numerator"] == "suppressed" and r["area"]]
    assert {f"{r['period']} {r['area']}" for r in hidden} >= set(hidden_counts)
    with internal.server.test_request_context("/"):
        assert "suppressed" not in page_module.download_csv(1, CARERS)["content"]


def test_a_second_suppressed_cell_that_would_pin_the_first_brings_a_third():
    """Areas 2, 5, 5 and 10 (total 22), threshold 5. Withholding 2 and the next smallest 5 is not
    enough: the reader knows the second is at least 5 and at most the smallest shown (5), so it is 5,
    and 22 - 5 - 5 - 10 = 2 gives the first back. The rule withholds the other 5 as well."""
    from datetime import date

    import pandas as pd

    from metrics.disclosure import withheld_mask
    from metrics.evaluation.observations import HEADLINE

    class Threshold:
        suppress_below = 5

    start = date(2024, 1, 1)
    frame = pd.DataFrame({"period_start": [start] * 5, "area": ["a", "b", "c", "d", HEADLINE],
                          "numerator": [2.0, 5.0, 5.0, 10.0, 22.0]})
    mask = withheld_mask(frame, Threshold(), HEADLINE)  # type: ignore[arg-type]
    assert list(mask) == [True, True, True, False, False]
    # What is left to the reader: hidden sum 12, the first 0-4, the others 5-10 each: the first is 0 to 2.
    hidden_sum = 22.0 - 10.0
    assert (max(0.0, hidden_sum - 2 * 10.0), min(4.0, hidden_sum - 2 * 5.0)) == (0.0, 2.0)
    assert list(withheld_mask(frame, Threshold(), None)) == [True, False, False, False, False]
