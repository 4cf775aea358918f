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
