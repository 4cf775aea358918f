"""All frameworks at a glance: for each, its intentions and metrics by status and its milestones late.

Every count is read from the framework's one judgement (:func:`review.judgement.framework_evaluation`, with
the milestone updates people recorded), as the overview and the review pack read it: intentions by the
intention rule, metrics each counted once, milestones late after the latest update."""

from __future__ import annotations


import dash
from dash import dcc, html

from dashboard import context
from dashboard.components import data_table, status_badge
from metrics.evaluation.status import Status
from review.judgement import framework_evaluation

dash.register_page(__name__, path="/frameworks", name="Frameworks", title="Frameworks – Outcomes monitor",
                   nav_order=10)


def _counts(counts: dict[Status, int]) -> html.Ul:
    """Each status present, as its badge (icon and word) and how many."""
    return html.Ul([html.Li([status_badge(s), f" {n}"], **{"data-status": s}) for s, n in counts.items() if n],
                   className="summary-counts mb-0")


def summary_rows() -> list[tuple]:
    service = context.service()
    rows = []
    for fw in service.config.frameworks.values():
        result = framework_evaluation(context.store(), service, fw.id, None, suppress=context.public())
        late = sum(1 for m in result.milestones if m.late)
        rows.append((dcc.Link(fw.title, href=f"/framework/{fw.id}"), fw.organisation,
                     html.Span(result.period, className="text-nowrap"),
                     len(result.intentions), _counts(result.intention_counts()),
                     len(result.metric_evaluations()), _counts(result.status_counts()),
                     html.Span(f"{late} of {len(result.milestones)}", **{"data-framework": fw.id})))
    return rows


def layout(**_: str) -> html.Div:
    return html.Div([
        html.H1("All frameworks", className="h2"),
        html.P("For each council's framework at its latest period: its intentions by status (one rule judges "
               "each from its metrics with a target and its milestones), its metrics by status (a metric that "
               "evidences two intentions counted once), and milestones past their due date and not done, as "
               "last updated.", className="lead"),
        html.Div(data_table(["Framework", "Organisation", "Period", "Intentions", "Intentions by status",
                             "Metrics", "Metrics by status", "Milestones late"], summary_rows(),
                            "Intentions, metrics and milestones by framework"), id="frameworks-summary"),
    ])
