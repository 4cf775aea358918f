"""Intention: rationale, outcomes served, milestones, and each metric against its glide path."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
from dash import dcc, html

from dashboard import auth, context, ids, titles
from dashboard.components import (Column, chart, data_table, figure, metric_table, progress_text, status_badge,
                                  synthetic_banner, synthetic_tag, unbroken)
from dashboard.milestone_update import INTENTION, milestone_item
from dashboard.figures import metric_trajectory_figure
from dashboard.outcome_links import outcomes_list
from dashboard.provenance_view import assumed_footnote, milestone_sources
from dashboard.review_widgets import MILESTONE_WORDS, REVIEW_CONTEXT
from metrics.definitions.models import Framework, Intention
from metrics.definitions.wording import lead_text
from metrics.disclosure import SUPPRESSED, suppress_frame
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.insights import break_sentence
from metrics.formatting import apart_decimals, format_value, number
from metrics.periods import due_label
from metrics.person_outcomes import PERSON_LEVEL_METRIC
from metrics.service import MetricsService
from review.access import can_write
from review.judgement import framework_evaluation

dash.register_page(__name__, path_template="/intention/<intention_id>", name="Intention",
                   title=titles.intention_title)

#: The same columns, each as wide, for every intention (components.metric_table).
METRIC_COLUMNS = (Column("Metric", "metric"), Column("Latest value", "value"), Column("Target", "target"),
                  Column("Status", "status"), Column("Progress", "progress"))


def find_intention(service: MetricsService, intention_id: str,
                   framework_id: str | None) -> tuple[Framework, Intention] | None:
    frameworks = [service.framework(framework_id)] if framework_id else list(service.config.frameworks.values())
    for fw in frameworks:
        intention = fw.intention(intention_id)
        if intention is not None:
            return fw, intention
    return None


def metric_chart(service: MetricsService, evaluation: Evaluation, period: str) -> html.Div:
    metric = service.metric(evaluation.metric_id)
    series = service.series(metric.id)
    if series.empty:
        return html.P("No data to chart.", className="text-muted")
    shown = series[series["period"] <= period]
    shown = suppress_frame(shown, metric, active=context.public())
    comparators = {label: suppress_frame(frame[frame["period"] <= period], metric, active=context.public())
                   for label, frame in service.comparator_series(metric.id).items()}
    breaks = evaluation.insights.series_breaks if evaluation.insights else ()
    figure = metric_trajectory_figure(metric, shown, evaluation.baseline_value, comparators, breaks=breaks)
    summary = (f"Line chart of {metric.display_title} from {shown['label'].iloc[0]} to {shown['label'].iloc[-1]}. "
               + (f"{break_sentence(breaks)} " if breaks else "") +
               f"Latest {SUPPRESSED if evaluation.suppressed else format_value(evaluation.value, metric)}; baseline "
               f"{SUPPRESSED if evaluation.baseline_suppressed else format_value(evaluation.baseline_value, metric)}; "
               f"target "
               f"{format_value(evaluation.target_value, metric)} by {evaluation.deadline}. "
               f"The table below gives every value.") if not shown.empty else "No data up to this period."
    rows = [(r.label, SUPPRESSED, SUPPRESSED) if r.suppressed else
            (r.label, format_value(r.value, metric, with_unit=False),
             "–" if r.ci_lower != r.ci_lower or r.ci_lower is None else
             f"{number(r.ci_lower, metric.decimals)} to {number(r.ci_upper, metric.decimals)}")
            for r in shown.itertuples()]
    return html.Div([
        chart(figure, summary, f"Chart: {metric.display_title}"),
        html.Details([html.Summary("Show the figures as a table"),
                      data_table(["Period", "Value", "95% confidence interval"], rows,
                                 f"{metric.display_title}: values by period")]),
    ], className="mb-4")


def metrics_table(service: MetricsService, evaluations: list[Evaluation], framework_id: str, period: str):
    """Every metric of the intention in one table; each metric's reason and chart follow it."""
    rows = []
    for e in evaluations:
        metric = service.metric(e.metric_id)
        href = f"/metric/{metric.id}?" + urlencode({"framework": framework_id, "period": period})
        value = (["suppressed"] if e.suppressed else figure(e.value, metric, e.target_value) if e.value is not None
                 else ["–"]) + [synthetic_tag(e)] \
            + ([html.Div(unbroken(e.period_label), className="small")] if e.period_label else [])
        target = (figure(e.target_value, metric, decimals=apart_decimals(e.value, metric, e.target_value))
                  + ([" by ", unbroken(e.deadline)] if e.deadline else [])
                  if e.target_value is not None else "no target")
        rows.append(([dcc.Link(metric.display_title, href=href), value, target, status_badge(e.status),
                      progress_text(e)], {"data-metric": metric.id}))
    return metric_table(METRIC_COLUMNS, rows, f"Metrics of this intention at {period}")


def benchmark_line(evaluation: Evaluation) -> html.P | None:
    """The benchmark verdict in words ("Similar to England"), as the overview's metric rows gave it; the metric
    page gives the method and the interval. None without a comparator."""
    bench = evaluation.insights.benchmark if evaluation.insights else None
    if bench is None:
        return None
    return html.P(bench.compact, className="benchmark small", **{"data-verdict": str(bench.verdict)})


def layout(intention_id: str | None = None, framework: str | None = None, period: str | None = None,
           **_: str) -> html.Div:
    service = context.service()
    if framework and framework not in service.config.frameworks:
        return html.Div([html.H1("Framework not found"),
                         html.P(f"There is no framework '{framework}'; the frameworks are "
                                f"{', '.join(service.config.frameworks)}."),
                         dcc.Link("Back to the overview", href="/")])
    found = find_intention(service, intention_id or "", framework) if intention_id else None
    if found is None:
        return html.Div([html.H1("Intention not found"),
                         html.P(f"There is no intention '{intention_id}'. "), dcc.Link("Back to the overview", href="/")])
    fw, intention = found
    try:
        at = service.resolve_period(fw.id, period)
    except ValueError as exc:
        return html.Div([html.H1("Bad period"), html.P(str(exc))])
    result = framework_evaluation(context.store(), service, fw.id, at, suppress=context.public())
    evaluations = result.for_intention(intention.id)
    judged = result.intention(intention.id)
    outcomes = outcomes_list(fw, intention, result.period)
    sections: list = [
        dcc.Link("← Overview", href="/?" + urlencode({"framework": fw.id, "period": result.period}),
                 className="no-print"),
        html.H1(intention.title, className="h3 mt-2"),
        html.P([html.Strong("Theme: "), intention.theme or "–", " · ", html.Strong("Lead: "), lead_text(intention),
                " · ", html.Strong("Partners: "), ", ".join(intention.partners) or "–"]),
        html.P(f"Figures at {result.period}.", className="small"),
    ]
    if judged is not None:
        sections.append(html.P([status_badge(judged.status), " ", html.Span(judged.status_reason, className="status-reason")],
                               id="intention-status", className="lead fs-6"))
    banner = synthetic_banner(evaluations)  # how many of the figures below are synthetic; each is tagged
    if banner is not None:
        sections.append(banner)
    if intention.rationale:
        sections += [html.H2("Rationale", className="h4"), html.P(intention.rationale)]
    if intention.expected_outcomes:
        sections += [html.H2("Expected outcomes for local people", className="h4"), html.P(intention.expected_outcomes)]
    sections += [html.H2("Outcomes served", className="h4"), outcomes]
    if PERSON_LEVEL_METRIC.get(fw.id) in intention.metrics:
        sections.append(html.P(dcc.Link("Each person's meta outcomes and the reviews outside the two-or-three rule",
                                        href=ids.PEOPLE_PAGE.format(framework_id=fw.id))))
    if intention.milestones:
        # Progress as recorded in the store (or the document's own status, until someone records an update).
        states = {s.title: s for s in result.milestones if s.intention_id == intention.id}
        sections += [html.H2("Milestones", className="h4"), data_table(
            ["Milestone", "Due", "Status", "Where the title, date and status come from", "Evidence"],
            [(m.title, due_label(m.due), MILESTONE_WORDS[states[m.title].state], milestone_sources(m, states[m.title]),
              states[m.title].evidence or "–") for m in intention.milestones], "Milestones for this intention")]
        if can_write(context.store(), auth.current_person(), fw, intention):  # a courtesy: the domain decides
            sections += [
                dcc.Store(id=REVIEW_CONTEXT, data={"framework": fw.id, "period": result.period}),
                html.H3("Update milestones", className="h5 mt-3"),
                html.P("You lead this intention: update any of its milestones here, late or not.", className="small"),
                html.Ul([milestone_item(INTENTION, intention.id, n, states[m.title], True)
                         for n, m in enumerate(intention.milestones)], className="list-unstyled"),
            ]
    sections.append(html.H2("Metrics", className="h4 mt-3"))
    if not evaluations:
        sections.append(html.P("This intention has no metrics; progress is tracked through its milestones."))
    else:
        sections.append(metrics_table(service, evaluations, fw.id, result.period))
    for evaluation in evaluations:
        metric = service.metric(evaluation.metric_id)
        href = f"/metric/{metric.id}?" + urlencode({"framework": fw.id, "period": result.period})
        sections.append(html.Section([
            html.H3(dcc.Link(metric.display_title, href=href), className="h5"),
            html.P([status_badge(evaluation.status), synthetic_tag(evaluation), " ",
                    html.Span(evaluation.status_reason, className="status-reason")],
                   **{"data-metric": metric.id}),
            *[part for part in (assumed_footnote(evaluation.target_provenance), benchmark_line(evaluation)) if part],
            html.P(f"Progress from baseline to target: {progress_text(evaluation)}", className="small"),
            metric_chart(service, evaluation, result.period),
        ], className="intention-card"))
    return html.Div(sections)

