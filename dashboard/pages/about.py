"""About the data: each data source, whether it is reachable, and where the figures come from."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard import context
from dashboard.components import data_table
from metrics.disclosure import RULE_FOR_EVERY_METRIC, source_problem
from metrics.evaluation.progress import progress_explained
from metrics.evaluation.intentions import INTENTION_RULES
from metrics.evaluation.status import STATUS_RULES, TargetMode

dash.register_page(__name__, path="/about", name="About the data", title="About the data – Outcomes monitor",
                   nav_order=90)


def layout(**_: str) -> html.Div:
    service = context.service()
    public = context.public()
    rows = []
    answers = context.health().health(list(service.config.datasources))
    for source_id, source in service.config.datasources.items():
        health = answers[source_id]
        # The error may name a database file, a server and its port: for operators, not the public.
        state = "Reachable" if health.ok else f"Unavailable: {source_problem(health.message, public)}"
        rows.append((source_id, source.title or "–", state, health.dialect or "–"))
    metric_rows = [(m.display_title, m.source.name, m.source.publisher or "–", m.source.licence or "–",
                    "Synthetic" if m.source.synthetic else "Published")
                   for m in service.config.metrics.values()]
    return html.Div([
        html.H1("About the data", className="h3"),
        html.P("Each metric is computed in its source database by a query generated from its definition in "
               "config/. A source that cannot be reached makes only its own metrics show 'No data'."),
        html.P(["What each council's document states and what we assumed, target by target: ",
                dcc.Link("Where the targets come from", href="/provenance"), "."]),
        html.H2("How a status is decided", className="h4"),
        html.P("The rules are tried in this order and the first that holds gives the status; the dashboard, the "
               "command line and the reports all use this table. A target the baseline already meets is a "
               "maintain target: it is judged against the level itself (the glide path is flat at the level), "
               "so it is achieved, at risk or off track."),
        data_table(["Order", "When", "Status"],
                   [(str(i), rule.condition, rule.status.text) for i, rule in enumerate(STATUS_RULES, start=1)],
                   "Status decision table", class_name="table table-sm status-rules"),
        html.H3("How an intention's status is decided", className="h5"),
        html.P("An intention is judged from its metrics and its milestones by these rules, tried in order; the first "
               "that holds gives the status. Metrics with a target judge first; milestones judge by their dates "
               "(one with no date is never late); a metric monitored without a target never makes an intention on "
               "or off track. The reason sentence beside each intention says which metrics and milestones it was "
               "judged from."),
        data_table(["Order", "When", "Status"],
                   [(str(i), rule.condition, rule.status.text) for i, rule in enumerate(INTENTION_RULES, start=1)],
                   "Intention status decision table", class_name="table table-sm status-rules"),
        html.P(["Progress is ", progress_explained(TargetMode.IMPROVE), " For a maintain target it is not "
                "shown: ", progress_explained(TargetMode.MAINTAIN)]),
        html.H2("Small numbers (disclosure control)", className="h4"),
        html.P(("These pages are public. " if public else
                "These pages are not public, so small numbers are shown here; on public pages and in exports: ")
               + RULE_FOR_EVERY_METRIC[0], id="disclosure-rule"),
        html.Ul([html.Li(words) for words in RULE_FOR_EVERY_METRIC[1:]]),
        html.H2("Data sources", className="h4"),
        data_table(["Id", "Description", "State", "Database"], rows, "Data sources and whether they are reachable"),
        html.H2("Where each metric's figures come from", className="h4"),
        data_table(["Metric", "Source", "Publisher", "Licence", "Kind"], metric_rows, "Sources of each metric"),
    ])
