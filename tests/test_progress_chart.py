"""Progress drawn (issue 20): each targeted metric's page and report section show the value over time against the
baseline, the glide path, the target and the deadline, beside the SPC chart, with a sentence and a table; a
metric without a target shows the SPC chart alone; withheld (suppressed) figures stay withheld."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from dash import dcc, html

from dashboard.progress_view import from_record
from metrics.definitions.models import Metric
from metrics.disclosure import suppress_frame
from metrics.evaluation.evaluate import evaluate
from metrics.evaluation.observations import build_observations, headline_series

# A count to bring down: baseline 100 in Mar 2014, 20% lower (80) by Mar 2016, so the glide path falls 10 a year.
SPEC = {
    "id": "falls", "title": "Falls admissions", "definition": "d", "unit": "count",
    "polarity": "lower_is_better", "frequency": "monthly", "method": "count", "source": {"name": "test"},
    "binding": {"type": "table", "datasource": "s", "table": "t", "date_column": "d", "numerator": {"count": "rows"}},
    "target": {"kind": "relative_change", "value": -20, "deadline": "2016-03",
               "baseline": {"period": "2014-03", "value": 100}},
}
# A level the baseline already meets (60 against at least 50): a maintain target, its glide path flat at 50.
MAINTAIN = {**SPEC, "polarity": "higher_is_better",
            "target": {"kind": "level", "value": 50, "deadline": "2016-03",
                       "baseline": {"period": "2014-03", "value": 60}}}

TARGETED, UNTARGETED = "falls_admissions_65plus", "warks_ascof_dp_people"
SMALL = "warks_winterbourne_repatriations"  # every count below 5, its baseline observed in such a period


def month(key: str) -> date:
    return date(int(key[:4]), int(key[5:]), 1)


def progress_of(spec: dict, values: dict[str, float], at: str, suppress: bool = False):
    metric = Metric.model_validate(spec)
    observations = build_observations(metric, pd.DataFrame({
        "period_start": [month(k) for k in values], "area": ["all"] * len(values),
        "numerator": list(values.values()), "denominator": [None] * len(values)}))
    evaluation = evaluate(metric, observations, month(at), suppress=suppress)
    series = suppress_frame(headline_series(observations), metric, active=suppress)
    return evaluation, from_record(metric, metric.display_title, vars(evaluation), series)


def trace(figure, name: str):
    (found,) = [t for t in figure.data if t.name == name]
    return found


def xs(values) -> list[pd.Timestamp]:
    return [pd.Timestamp(v) for v in values]


def test_relative_change_target_against_a_hand_computed_glide_path() -> None:
    evaluation, progress = progress_of(SPEC, {"2014-01": 104, "2014-03": 100, "2014-09": 97, "2015-03": 93,
                                              "2015-06": 91}, "2015-06")
    figure = progress.figure()
    glide = trace(figure, "Glide path")
    assert xs(glide.x) == xs(["2014-03-01", "2016-03-01"]) and list(glide.y) == pytest.approx([100, 80])
    assert glide.line.dash == "dash"
    assert xs(trace(figure, "Baseline").x) == xs(["2014-03-01"]) and trace(figure, "Baseline").y == (100,)
    assert xs(trace(figure, "Target").x) == xs(["2016-03-01"]) and trace(figure, "Target").y == pytest.approx((80,))
    assert xs(trace(figure, "Latest").x) == xs(["2015-06-01"]) and trace(figure, "Latest").y == (91,)
    assert list(trace(figure, "Value").y) == [104, 100, 97, 93, 91]
    assert trace(figure, "Value").mode == "lines+markers"
    (deadline,) = figure.layout.shapes
    assert deadline.x0 == deadline.x1 == pd.Timestamp("2016-03-01").timestamp() * 1000
    assert {a.text for a in figure.layout.annotations} == {"Baseline 100", "Target 80", "Latest 91"}
    assert "Deadline (Mar 2016)" in {t.name for t in figure.data}  # each named in words, not colour alone
    # By hand: 6 of 24 months gone in Sep 2014 is a quarter of the 20 (95); 15 months in Jun 2015: 87.5.
    assert progress.rows() == [("Jan 2014", "104", "–"), ("Mar 2014", "100", "100"), ("Sep 2014", "97", "95"),
                               ("Mar 2015", "93", "90"), ("Jun 2015", "91", "87.5")]
    assert evaluation.trajectory_value == pytest.approx(87.5)
    assert progress.sentence() == ("Falls admissions: 91 in Jun 2015 against a baseline of 100 (Mar 2014), a glide "
                                   "path of 87.5 and a target of 80 by March 2016.")
    assert "Assumed" not in figure.layout.title.text


def test_maintain_target_is_flat_at_the_level() -> None:
    _, progress = progress_of(MAINTAIN, {"2014-03": 60, "2015-03": 55, "2016-09": 52}, "2016-09")
    figure = progress.figure()
    glide = trace(figure, "Glide path: level to keep")
    assert xs(glide.x) == xs(["2014-03-01", "2016-03-01"]) and list(glide.y) == [50, 50]
    assert trace(figure, "Level to keep").y == (50,) and xs(trace(figure, "Level to keep").x) == xs(["2016-03-01"])
    assert trace(figure, "Baseline").y == (60,)
    assert [row[2] for row in progress.rows()] == ["50", "50", "–"]  # the path ends at the deadline
    sentence = progress.sentence()
    assert "a level to keep of 50 by March 2016 (a maintain target" in sentence
    assert "a glide path of" not in sentence and sentence.endswith("the deadline (March 2016) has passed.")


def test_assumed_elements_are_said_on_the_chart_and_in_its_words() -> None:
    assumed = {**SPEC, "target": {**SPEC["target"], "provenance": {
        "baseline": {"source": "assumption", "reason": "The document gives no baseline."},
        "value": {"source": "document", "quote": "reduce falls by 20%"}}}}
    _, progress = progress_of(assumed, {"2014-03": 100, "2015-03": 93}, "2015-03")
    figure = progress.figure()
    assert figure.layout.title.text.endswith("(Assumed: baseline)")
    assert "Assumed: the baseline is an assumption" in progress.caption()


def test_withheld_figures_are_not_drawn() -> None:
    """Every count below 5 and the baseline observed in one of them: no value, no baseline, no glide path and no
    target set relative to that baseline reach the figure, its table or its words."""
    small = {**SPEC, "target": {**SPEC["target"], "baseline": {"period": "2014-03"}}}
    values = {"2014-03": 3, "2014-09": 2, "2015-03": 4}
    evaluation, progress = progress_of(small, values, "2015-03", suppress=True)
    assert evaluation.baseline_suppressed and evaluation.suppressed
    figure = progress.figure()
    assert {t.name for t in figure.data} == {"Value", "Deadline (Mar 2016)"}
    plotted = [y for t in figure.data for y in (list(t.y) if t.y is not None else [])
               if y is not None and not math.isnan(y)]
    assert plotted == []
    assert [row[1:] for row in progress.rows()] == [("suppressed (small numbers)", "–")] * 3
    words = progress.sentence() + progress.caption() + " ".join(a.text for a in figure.layout.annotations)
    assert "suppressed" in words and not any(str(v) in words.replace("2014", "").replace("2015", "")
                                             .replace("2016", "").replace("20%", "") for v in values.values())
    # The internal audience sees them all, so the check above can fail.
    _, shown = progress_of(small, values, "2015-03")
    assert list(trace(shown.figure(), "Value").y) == [3, 2, 4] and trace(shown.figure(), "Baseline").y == (3,)


# ---------------------------------------------------------------- the metric page

def components(tree, kind=None) -> list:
    found = []
    if isinstance(tree, (list, tuple)):
        for child in tree:
            found += components(child, kind)
    elif hasattr(tree, "to_plotly_json"):
        if kind is None or isinstance(tree, kind):
            found.append(tree)
        found += components(getattr(tree, "children", None), kind)
    return found


def text_of(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def by_id(layout, element_id: str):
    found = [c for c in components(layout) if getattr(c, "id", None) == element_id]
    return found[0] if found else None


def metric_page(app, metric_id: str, period: str | None = None):
    from dashboard.pages import metric

    with app.server.test_request_context("/"):
        return metric.layout(metric_id=metric_id, period=period)


def test_targeted_metric_page_shows_the_progress_chart_beside_the_spc_chart(dash_app, service) -> None:
    layout = metric_page(dash_app, TARGETED)
    pair = next(c for c in components(layout, html.Div) if getattr(c, "className", None) == "chart-pair")
    assert [getattr(c, "id", None) for c in pair.children] == ["progress-section", "spc-section"]
    chart = by_id(layout, "progress-figure")
    (graph,) = components(chart, dcc.Graph)
    assert {"Value", "Glide path", "Baseline", "Target", "Latest"} <= {t.name for t in graph.figure.data}
    assert "(Assumed: baseline; deadline; measure)" in graph.figure.layout.title.text
    evaluation = service.evaluate_metric(TARGETED)
    caption = text_of(components(chart, html.Figcaption))
    assert "Falls admissions 65+: 150.0 per 100,000 aged 65+ (monthly) in Mar 2025 against a baseline of 175.0 " \
           "(2013/14) and a target of 140.0 by March 2018; the deadline (March 2018) has passed." in caption
    assert "Assumed: the baseline, deadline and measure are assumptions" in caption
    assert evaluation.period == "2025-03"
    (table,) = components(by_id(layout, "progress-section"), html.Table)
    assert text_of(table.children[0]) == "Falls admissions 65+: value and glide path by period"
    rows = [[text_of(c) for c in r.children] for r in table.children[2].children]
    by_period = {r[0]: r for r in rows}
    # The path from 175.0 (Mar 2014) to 140.0 (Mar 2018) is halfway, 157.5, in Mar 2016.
    assert by_period["Mar 2016"][2] == "157.5" and by_period["Mar 2014"][2] == "175.0"
    assert by_period["Apr 2012"][2] == by_period["Mar 2025"][2] == "–"


def test_untargeted_metric_page_shows_the_spc_chart_alone(dash_app, service) -> None:
    assert service.metric(UNTARGETED).target is None
    layout = metric_page(dash_app, UNTARGETED)
    assert by_id(layout, "progress-section") is None and by_id(layout, "progress-figure") is None
    assert by_id(layout, "spc-section") is not None
    assert not [c for c in components(layout, html.Div) if getattr(c, "className", None) == "chart-pair"]


@pytest.fixture(scope="module")
def public_app(dash_app, service, tmp_path_factory):
    """A public app on the same service; each app serves a request right after it is built, so each keeps its
    own callbacks (as tests/test_public_mode.py)."""
    from app import create_app
    from datasources.store import Store

    dash_app.server.test_client().get("/")
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('progress-public') / 'outcomes.db'}")
    public = create_app(service=service, store=store, public=True)
    public.server.test_client().get("/")
    yield public
    store.dispose()


def test_public_page_does_not_leak_a_suppressed_value_through_the_progress_chart(dash_app, public_app,
                                                                               service) -> None:
    metric = service.metric(SMALL)
    series = service.series(SMALL)
    series = series[series["period"] <= "2016-03"]
    small = set(series["numerator"]) | set(series["value"])
    assert (series["numerator"] < metric.suppress_below).all()
    for app, public in ((dash_app, False), (public_app, True)):
        chart = by_id(metric_page(app, SMALL, "2016-03"), "progress-figure")
        (graph,) = components(chart, dcc.Graph)
        plotted = {round(float(y), 9) for t in graph.figure.data if t.name != "Target"
                   for y in (t.y if t.y is not None else ()) if y is not None and not math.isnan(float(y))}
        names = {t.name for t in graph.figure.data}
        if public:
            assert plotted == set() and not names & {"Baseline", "Glide path", "Latest"}
            assert "suppressed (small numbers) in Q4 2015/16" in text_of(components(chart, html.Figcaption))
        else:  # the internal page draws them, so the public check can fail
            assert plotted & {round(float(v), 9) for v in small} and {"Baseline", "Latest"} <= names


# ---------------------------------------------------------------- the report

@pytest.fixture(scope="module")
def warwickshire_snapshot(service, tmp_path_factory):
    import snapshots
    from datasources.store import Store

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('progress-report') / 'outcomes.db'}")
    yield snapshots.create(service, store, "warwickshire", None, "progress-test")
    store.dispose()


def metric_section(blocks: list, title: str) -> list:
    from reports import content

    start = next(i for i, b in enumerate(blocks) if isinstance(b, content.Heading) and b.level == 3 and b.text == title)
    end = next(i for i, b in enumerate(blocks[start + 1:], start + 1)
               if isinstance(b, content.Heading) and b.level <= 3)
    return blocks[start:end]


def test_report_metric_section_has_the_progress_figure_from_the_snapshot(warwickshire_snapshot, service) -> None:
    from reports import content

    snapshot = warwickshire_snapshot
    stored = next(e for e in snapshot.evaluations if e["metric_id"] == TARGETED)
    # The glide path's corners are stored with the evaluation, as drawn when the snapshot was made.
    assert [p for p, _ in stored["glide_path"]] == ["2014-03", "2018-03"]
    assert [v for _, v in stored["glide_path"]] == pytest.approx([stored["baseline_value"], stored["target_value"]])
    charts = [b for b in metric_section(content.build(snapshot), stored["title"]) if isinstance(b, content.Chart)]
    progress = next(c for c in charts if "progress to the target" in c.caption)
    assert "Assumed: baseline; deadline; measure" in progress.caption
    assert any("SPC chart" in c.caption for c in charts)  # beside the SPC chart, in the same section
    glide = trace(progress.figure, "Glide path")
    assert list(glide.y) == pytest.approx([stored["baseline_value"], stored["target_value"]])
    names = {t.name for t in progress.figure.data}
    assert {"Value", "Baseline", "Target", "Latest", "95% confidence interval"} <= names
    assert "against a baseline of 175.0 (2013/14) and a target of 140.0 by March 2018" in progress.alt
    # A snapshot made before evaluations stored the corners: drawn from its stored definition and baseline.
    older = {k: v for k, v in stored.items() if k != "glide_path"}
    again = content.progress_chart(snapshot, older, snapshot.metric(TARGETED))
    assert list(trace(again.figure, "Glide path").y) == pytest.approx(list(glide.y))
    # A metric without a target keeps its line chart, with no glide path.
    plain = next(e for e in snapshot.evaluations if e["metric_id"] == UNTARGETED)
    assert content.progress_chart(snapshot, plain, snapshot.metric(UNTARGETED)) is None
