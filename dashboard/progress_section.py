"""The metric page's progress chart: the value over time against the baseline, the glide path, the target and
the deadline, with its sentence and a table of the same figures (:mod:`dashboard.progress_view`)."""

from __future__ import annotations

from dash import html

from dashboard import context
from dashboard.components import chart, data_table
from dashboard.progress_view import from_record
from metrics.definitions.models import Metric
from metrics.disclosure import suppress_frame
from metrics.evaluation.evaluate import Evaluation
from metrics.service import MetricsService

PROGRESS_FIGURE_ID = "progress-figure"
PROGRESS_SECTION_ID = "progress-section"


def progress_section(service: MetricsService, metric: Metric, evaluation: Evaluation) -> html.Section | None:
    """None for a metric without a target (its page shows the SPC chart alone). Withheld values are gaps in the
    line and "suppressed" in the table, by the same rule as every other figure on the page."""
    series = service.series(metric.id)
    if not series.empty and evaluation.period:
        series = series[series["period"] <= evaluation.period]
    shown = suppress_frame(series, metric, active=context.public()) if not series.empty else series
    breaks = evaluation.insights.series_breaks if evaluation.insights else ()
    progress = from_record(metric, metric.display_title, vars(evaluation), shown, breaks=breaks)
    if progress is None:
        return None
    heading = html.H2("Progress to the target", className="h4", id="progress-heading")
    if shown.empty:
        return html.Section([heading, html.P(f"No chart of progress: {metric.display_title} has no figures up to "
                                             "this period.")],
                            id=PROGRESS_SECTION_ID, **{"aria-labelledby": "progress-heading"})
    return html.Section([
        heading,
        chart(progress.figure(), progress.caption("The table below the chart gives every value."),
              f"Progress chart: {metric.display_title}", figure_id=PROGRESS_FIGURE_ID),
        html.Details([html.Summary("Show the progress figures as a table"),
                      data_table(["Period", "Value", "Glide path"], progress.rows(),
                                 f"{metric.display_title}: value and glide path by period")]),
    ], id=PROGRESS_SECTION_ID, **{"aria-labelledby": "progress-heading"})
