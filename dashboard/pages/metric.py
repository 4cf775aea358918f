"""Metric: definition, the binding in words, how the figure is computed, breakdown by area, data."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import auth, change_points_view, context, ids, titles
from dashboard.change_points_view import change_points_section
from dashboard.components import chart, data_table, notice, progress_text, status_badge, synthetic_tag
from dashboard.figures import breakdown_figure, trajectory_figure
from dashboard.insight_sections import insight_sections
from dashboard.progress_section import progress_section
from dashboard.provenance_view import assumed_footnote, target_section
from dashboard.ranking_section import ranking_section
from metrics.definitions.models import Metric, SqlBinding
from metrics.describe import binding_in_words, method_in_words
from metrics.disclosure import SUPPRESSED, mark_suppressed, source_problem, suppress_frame
from metrics.formatting import format_value, number, unit_words
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.insights import break_sentence
from metrics.cell_text import csv_safe
from metrics.evaluation.observations import HEADLINE
from metrics.evaluation.synthetic_words import SYNTHETIC_TAG
from metrics.evaluation.progress import progress_explained
from metrics.service import MetricsService
from review.judgement import metric_evaluation

dash.register_page(__name__, path_template="/metric/<metric_id>", name="Metric", title=titles.metric_title)
change_points_view.register()  # the change-point form's callbacks, for each app built

DOWNLOAD_PROBLEM = "metric-download-problem"


def area_names(service: MetricsService, metric_id: str) -> dict[str, str]:
    owner = service.framework_of_metric(metric_id)
    names = dict(owner[0].areas) if owner else {}
    names[HEADLINE] = (owner[0].area_name if owner and owner[0].area_name else "All areas")
    return names


def table_frame(service: MetricsService, metric: Metric) -> pd.DataFrame:
    """The observations as a tidy table for the grid and the CSV download."""
    obs = service.observations(metric.id)
    if obs.error or obs.frame.empty:
        return pd.DataFrame(columns=["period", "label", "area", "area_name", "numerator", "denominator", "value",
                                     "ci_lower", "ci_upper"])
    frame = obs.frame.round({c: 6 for c in ("numerator", "denominator", "value", "ci_lower", "ci_upper")})
    if context.public():  # marked on the whole table, which carries the rows both rules withhold
        frame = mark_suppressed(frame, metric)
    names = area_names(service, metric.id)
    frame["area_name"] = [names.get(a, a) for a in frame["area"]]
    frame["area"] = ["" if a == HEADLINE else a for a in frame["area"]]
    frame = frame[["period", "label", "area", "area_name", "numerator", "denominator", "value", "ci_lower",
                   "ci_upper"]]
    return frame.sort_values(["period", "area"], ascending=[False, True])


def breakdown_section(service: MetricsService, metric: Metric, period: str) -> html.Section:
    obs = service.observations(metric.id)
    frame = obs.frame
    if obs.error or frame.empty:
        return html.Section([html.H2("Breakdown by area", className="h4"), html.P("No data.")])
    frame = suppress_frame(frame, metric, active=context.public())
    upto = frame[(frame["period"] <= period) & (frame["value"].notna() | frame["suppressed"])]
    if upto.empty:
        return html.Section([html.H2("Breakdown by area", className="h4"), html.P("No data up to this period.")])
    latest = upto["period"].max()
    at = upto[(upto["period"] == latest) & (upto["area"] != HEADLINE)].copy()
    names = area_names(service, metric.id)
    at["area_name"] = [names.get(a, a) for a in at["area"]]
    label = at["label"].iloc[0] if not at.empty else latest
    if at.empty:
        return html.Section([html.H2("Breakdown by area", className="h4"), html.P("This metric has no area breakdown.")])
    x_title = unit_words(metric)
    figure = breakdown_figure(at, f"{metric.display_title} by area, {label}", x_title)
    rows = [(r.area_name, SUPPRESSED, SUPPRESSED, SUPPRESSED) if r.suppressed else
            (r.area_name, format_value(r.value, metric, with_unit=False),
             "–" if pd.isna(r.ci_lower) else f"{number(r.ci_lower, metric.decimals)} to {number(r.ci_upper, metric.decimals)}",
             "–" if pd.isna(r.numerator) else f"{r.numerator:,.0f}")
            for r in at.sort_values("value").itertuples()]
    return html.Section([
        html.H2(f"Breakdown by area, {label}", className="h4"),
        chart(figure, "Bar chart of the values by area with 95% confidence intervals; the table gives the same "
              "figures.", f"Chart: {metric.display_title} by area"),
        data_table(["Area", "Value", "95% confidence interval", "Numerator"], rows,
                   f"{metric.display_title} by area, {label}"),
    ])


def comparator_section(service: MetricsService, metric: Metric, period: str) -> html.Section | None:
    """The council's series beside its published comparators (England, region, peers)."""
    comparators = {label: frame[frame["period"] <= period]
                   for label, frame in service.comparator_series(metric.id).items()}
    series = service.series(metric.id)
    if not comparators or series.empty:
        return html.Section(id="comparators")
    # The same disclosure rule as every other figure on the page: the line and the table leave out
    # withheld values (this area's and, should a comparator carry small counts, a comparator's).
    public = context.public()
    shown = suppress_frame(series[series["period"] <= period], metric, active=public)
    comparators = {label: suppress_frame(frame, metric, active=public) for label, frame in comparators.items()}
    y_title = unit_words(metric)
    breaks = [b for b in service.observations(metric.id).breaks if b[0] <= period]
    figure = trajectory_figure(shown, f"{metric.display_title} and comparators", y_title, comparators=comparators,
                               breaks=breaks)
    names = ", ".join(comparators)
    rows = []
    for label, frame in [("This area", shown)] + list(comparators.items()):
        if not frame.empty:
            last = frame.iloc[-1]
            rows.append((label, last["label"], SUPPRESSED if last["suppressed"] else
                         format_value(last["value"], metric, with_unit=False)))
    return html.Section([
        html.H2("Compared with " + names, className="h4"),
        chart(figure, f"Line chart of {metric.display_title} beside {names}, from the same published source; "
              + (f"a vertical line marks the series break ({break_sentence(breaks)}); " if breaks else "")
              + "the table gives the latest values.", f"Chart: {metric.display_title} and comparators"),
        data_table(["Area", "Period", "Value"], rows, f"{metric.display_title}: latest values and comparators"),
    ], id="comparators")


def charted(service: MetricsService, metric: Metric, evaluation: Evaluation) -> list:
    """The progress chart beside the SPC chart (side by side on a wide screen), then the verdicts; a metric
    without a target has the SPC chart alone."""
    spc, *rest = insight_sections(metric, evaluation)
    progress = progress_section(service, metric, evaluation)
    return [spc if progress is None else html.Div([progress, spc], className="chart-pair"), *rest]


def layout(metric_id: str | None = None, framework: str | None = None, period: str | None = None,
           **_: str) -> html.Div:
    service = context.service()
    if not metric_id or metric_id not in service.config.metrics:
        return html.Div([html.H1("Metric not found"), html.P(f"There is no metric '{metric_id}'."),
                         dcc.Link("Back to the overview", href="/")])
    metric = service.metric(metric_id)
    owner = service.framework_of_metric(metric_id)
    fw_id = owner[0].id if owner else None
    try:
        at = service.resolve_metric_period(metric.id, period)
    except ValueError as exc:
        return html.Div([html.H1("Bad period"), html.P(str(exc))])
    # Its recorded SPC change points applied, as every reader with a store judges it (review.judgement).
    evaluation = metric_evaluation(context.store(), service, metric.id, at, suppress=context.public())
    obs = service.observations(metric.id)
    period_key = evaluation.period or at.strftime("%Y-%m")
    # Without a period in the address the overview shows its own latest (this metric's may be older).
    back = ("/?" + urlencode({"framework": fw_id, **({"period": at.strftime("%Y-%m")} if period else {})})
            if fw_id else "/")
    source = metric.source
    source_bits = [source.name]
    if source.publisher:
        source_bits.append(f"published by {source.publisher}")
    if source.licence:
        source_bits.append(f"licence: {source.licence}")
    charts = charted(service, metric, evaluation)
    sections: list = [
        dcc.Link("← Overview", href=back, className="no-print"),
        html.H1(metric.title, className="h3 mt-2"),
    ]
    if evaluation.synthetic:
        sections.append(notice(f"This metric's figures are synthetic sample data, not real statistics; its value "
                               f"is marked \u201c{SYNTHETIC_TAG}\u201d."))
    sections += [
        html.P([status_badge(evaluation.status), synthetic_tag(evaluation), " ",
                html.Span(evaluation.status_reason, className="status-reason")], **{"data-metric": metric.id}),
        *[part for part in (assumed_footnote(evaluation.target_provenance, "target-provenance"),) if part],
        html.H2("Definition", className="h4"), html.P(metric.definition),
        html.Dl([
            html.Dt("Unit"), html.Dd(unit_words(metric)),
            html.Dt("Better when"), html.Dd(evaluation.polarity.better),
            html.Dt("Frequency"), html.Dd(metric.frequency),
            html.Dt("Source"), html.Dd(", ".join(source_bits)),
            *([html.Dt("Progress to target"),
               html.Dd([html.Span(progress_text(evaluation), id="progress-text"), " – ",
                        progress_explained(evaluation.target_mode)])]
              if evaluation.target_mode is not None else []),
        ], className="row-like"),
        *[part for part in (target_section(metric, evaluation.target_provenance),) if part],
        # The SPC chart's change points (applied, suggested, the forms) right under it, before the verdicts.
        *charts[:1], change_points_section(context.store(), auth.current_person(), owner[0] if owner else None,
                                           metric, evaluation, auth.signin_href(f"/metric/{metric.id}")),
        *charts[1:],
        html.H2("Where the data come from", className="h4"), html.P(binding_in_words(metric)),
        html.H2("How this is calculated", className="h4"),
        html.Ul([html.Li(line) for line in method_in_words(metric)], id="how-calculated"),
    ]
    if not context.public():  # operators see the query; the public are not shown the database's insides
        sections.append(html.Details([html.Summary("The SQL the database runs"), html.Pre(
            obs.sql or (metric.binding.sql if isinstance(metric.binding, SqlBinding) else "–"), className="small")]))
    if obs.error:
        sections.append(html.P(f"Data source problem: {source_problem(obs.error, context.public(), obs.truncated)}",
                               className="text-danger", role="alert"))
    if obs.truncated:
        sections.append(html.P("The query returned more rows than the data source's row cap; figures are incomplete.",
                               role="alert"))
    sections.append(comparator_section(service, metric, period_key))
    ranked = ranking_section(metric, evaluation, area_names(service, metric.id)[HEADLINE])
    if ranked is not None:
        sections.append(ranked)
    sections.append(breakdown_section(service, metric, period_key))
    frame = table_frame(service, metric)
    sections += [
        html.H2("Data", className="h4 mt-3"),
        html.P((f"These pages are public: values built from counts below {metric.suppress_below} show as "
                "'suppressed'." if context.public() else
                f"These pages are not public, so small numbers are shown; on public pages and in exports, "
                f"values built from counts below {metric.suppress_below} show as 'suppressed'."),
               className="small", id="disclosure-note"),
        html.Button("Download CSV", id=ids.METRIC_DOWNLOAD_BUTTON, className="btn btn-outline-dark mb-2 no-print"),
        dcc.Download(id=ids.METRIC_DOWNLOAD),
        html.Div(id=DOWNLOAD_PROBLEM),
        dcc.Store(id="metric-id-store", data=metric.id),
        dag.AgGrid(id=ids.METRIC_GRID, rowData=frame.to_dict("records"),
                   columnDefs=[{"field": c, "headerName": c.replace("_", " ").capitalize(), "sortable": True,
                                "filter": True, "cellDataType": False}  # 'suppressed' words sit among numbers
                               for c in frame.columns],
                   # One Tab stop (WCAG 2.1.1 without 194 Tabs): Tab leaves the grid; arrow keys move
                   # between headers and cells inside it, the grid's own keyboard model. No pager: its
                   # five buttons were five more stops, and every row is reached by scrolling the grid
                   # (arrow keys, Page Down, Ctrl+End) within its fixed height.
                   dashGridOptions={"pagination": False,
                                    "tabToNextCell": {"function": "false"},
                                    "tabToNextHeader": {"function": "false"}},
                   style={"height": "420px"}, className="ag-theme-alpine"),
    ]
    return html.Div(sections)


def download_csv(_clicks: int | None, metric_id: str) -> dict:
    service = context.service()
    metric = service.metric(metric_id)
    # Text from config or a data source (a provider named "=HYPERLINK(...)") stays text in a spreadsheet.
    frame = table_frame(service, metric).map(csv_safe)
    return dcc.send_data_frame(frame.to_csv, f"{metric.id}.csv", index=False)


@callback(Output(ids.METRIC_DOWNLOAD, "data"), Output(DOWNLOAD_PROBLEM, "children"),
          Input(ids.METRIC_DOWNLOAD_BUTTON, "n_clicks"), State("metric-id-store", "data"), prevent_initial_call=True)
def download_clicked(clicks: int | None, metric_id: str):
    if not isinstance(metric_id, str) or metric_id not in context.service().config.metrics:
        # Only a forged request names another metric: the page stores its own.
        return no_update, html.P(f"Not downloaded: there is no metric '{metric_id}'. Reload the page.",
                                 role="alert", className="text-danger")
    return download_csv(clicks, metric_id), None
