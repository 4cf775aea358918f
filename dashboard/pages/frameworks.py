"""All frameworks at a glance: for each, intentions on track, at risk or off track, and milestones late."""

from __future__ import annotations


import dash
from dash import dcc, html

from dashboard import context
from dashboard.components import data_table
from metrics.evaluation.status import Status
from metrics.service import FrameworkEvaluation

dash.register_page(__name__, path="/frameworks", name="Frameworks", title="Frameworks – Outcomes monitor",
                   nav_order=10)

def intention_states(result: FrameworkEvaluation) -> dict[str, int]:
    """Intentions by the worst judged status of their metrics (milestone-only intentions have no status)."""
    counts = {"on_track": 0, "at_risk": 0, "off_track": 0, "no_status": 0}
    for intention in result.framework.intentions:
        worst = Status.worst(e.status for e in result.for_intention(intention.id))
        if worst in (Status.ON_TRACK, Status.ACHIEVED):
            counts["on_track"] += 1
        elif worst is None:
            counts["no_status"] += 1
        else:
            counts[worst] += 1
    return counts


def summary_rows() -> list[tuple]:
    service = context.service()
    rows = []
    for fw in service.config.frameworks.values():
        result = service.evaluate_framework(fw.id)
        c = intention_states(result)
        late = sum(1 for m in result.milestones if m.state == "late")
        rows.append((dcc.Link(fw.title, href=f"/framework/{fw.id}"), fw.organisation, result.period,
                     len(fw.intentions), c["on_track"], c["at_risk"], c["off_track"], c["no_status"],
                     f"{late} of {len(result.milestones)}"))
    return rows


def layout(**_: str) -> html.Div:
    return html.Div([
        html.H1("All frameworks", className="h2"),
        html.P("For each council's framework at its latest period: intentions on track (all metrics on track "
               "or achieved), at risk or off track (judged by their worst metric), intentions without a "
               "metric status (tracked by milestones only), and milestones past their due date and not done.",
               className="lead"),
        html.Div(data_table(["Framework", "Organisation", "Period", "Intentions", "On track", "At risk",
                             "Off track", "No metric status", "Milestones late"], summary_rows(),
                            "Intentions and milestones by framework"), id="frameworks-summary"),
    ])
