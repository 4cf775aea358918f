"""The review pack's "This month" panel: what the monthly cycle did for the period under
review, so the meeting sees whether the figures are current and who has been told what.

Data vintages (which sources are late), the reminders sent, the alerts raised and the
delivery of the signed-off snapshot, read from ``review.this_month``. Who was emailed is
personal information: it is listed only to someone signed in, never on a public page; a
reader without sign-in sees the counts."""

from __future__ import annotations

from dash import html

from review.this_month import ThisMonth

PANEL_ID = "review-this-month"
ALERT_WORDS = {"status_worse": "Status worse", "spc_signal": "SPC signal", "milestone_late": "Milestone late"}
SEND_WORDS = {"sent": "Sent", "outbox": "Written to the outbox (no email server configured)",
              "failed": "Failed, retried at the next run", "pending": "Waiting to be sent"}


def _month(iso: str | None) -> str:
    return iso[:7] if iso else "none"


def _state(late: bool) -> html.Span:
    # A word and an icon, never colour alone.
    return html.Span([html.Span("⚠ " if late else "✔ ", **{"aria-hidden": "true"}), "Late" if late else "Up to date"],
                     className="fw-semibold" if late else "", **{"data-late": "yes" if late else "no"})


def _vintages(month: ThisMonth, titles: dict[str, str]) -> list:
    if not month.vintages:
        return [html.P("No data check recorded yet: run 'outcomes cycle run' or load new data with "
                       "'outcomes ingest'.", className="small")]
    late = month.late_sources
    # data-label: on a phone the rows are stacked (.metric-table) and each value shown under its column's name.
    rows = [html.Tr([html.Th(titles.get(v["source_id"], v["source_id"]), scope="row"),
                     html.Td(_month(v["latest_period"]), **{"data-label": "Latest period"}),
                     html.Td(_month(v["expected_period"]), **{"data-label": "Expected by now"}),
                     html.Td(_state(bool(v["late"])), **{"data-label": "State"}),
                     html.Td(str(v["day"]), **{"data-label": "Checked on"})],
                    **{"data-source": v["source_id"]}) for v in month.vintages]
    return [
        html.P(f"{len(late)} of {len(month.vintages)} data sources late." if late
               else f"All {len(month.vintages)} data sources up to date.", className="mb-1"),
        html.Div(html.Table([
            html.Caption("Data vintages: the latest period loaded against the latest that should be published"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in
                                ["Source", "Latest period", "Expected by now", "State", "Checked on"]])),
            html.Tbody(rows)], className="table table-sm metric-table"), className="table-responsive"),
    ]


def _sends(title: str, sends: list[dict], show_people: bool, empty: str) -> list:
    if not sends:
        return [html.H3(title, className="h6 mt-3"), html.P(empty, className="small")]
    counts: dict[str, int] = {}
    for s in sends:
        counts[s["status"]] = counts.get(s["status"], 0) + 1
    summary = "; ".join(f"{SEND_WORDS.get(k, k)}: {n}" for k, n in sorted(counts.items()))
    parts: list = [html.H3(f"{title} ({len(sends)})", className="h6 mt-3"), html.P(summary, className="small mb-1")]
    if show_people:
        parts.append(html.Ul([html.Li(
            f"{s['recipient']}: {SEND_WORDS.get(s['status'], s['status'])}, {s['attempts']} attempt(s)"
            + (f"; last error: {s['last_error']}" if s.get("last_error") else "")) for s in sends], className="small"))
    return parts


def _alerts(month: ThisMonth, show_text: bool) -> list:
    # What was already so when the cycle first ran is recorded, not emailed: a count, not a list of 66.
    raised = [a for a in month.alerts if not a["baseline"]]
    known = len(month.alerts) - len(raised)
    parts: list = [html.H3(f"Alerts raised ({len(raised)})", className="h6 mt-3")]
    if not raised:
        parts.append(html.P("No alert this period.", className="small"))
    elif show_text:
        parts.append(html.Ul([html.Li([html.Span(f"{ALERT_WORDS.get(a['kind'], a['kind'])} ({a['day']}): ",
                                                 className="fw-semibold"), a["text"]]) for a in raised],
                             className="small"))
    else:
        counts: dict[str, int] = {}
        for a in raised:
            counts[a["kind"]] = counts.get(a["kind"], 0) + 1
        parts.append(html.P("; ".join(f"{ALERT_WORDS.get(k, k)}: {n}" for k, n in counts.items()), className="small"))
    if known:
        parts.append(html.P(f"{known} already so when the cycle first ran: recorded, not emailed.", className="small"))
    return parts


def panel(month: ThisMonth, period: str, titles: dict[str, str], signed_in: bool, public: bool) -> html.Section:
    """``titles`` names each data source; ``signed_in`` and not ``public`` show who was emailed
    and the alerts' wording, otherwise counts only."""
    detailed = signed_in and not public
    ran = month.vintages or month.reminders or month.alerts or month.deliveries
    body: list = [html.H2("This month", className="h4 mt-4")]
    if not ran:
        body.append(html.P(f"The monthly cycle has not run for {period} yet ('outcomes cycle run').", className="small"))
    body.append(html.H3("Data", className="h6 mt-2"))
    body += _vintages(month, titles)
    if ran:
        body += _sends("Reminders sent", month.reminders, detailed, "No reminder sent for this period.")
        body += _alerts(month, detailed)
    body.append(html.H3("Delivery of the signed-off snapshot", className="h6 mt-3"))
    body.append(html.P(month.delivery_words, className="small", id="review-delivery-state"))
    if month.written is not None or month.deliveries:
        body += _sends("Emailed", month.deliveries, detailed, "Nobody emailed: no distribution list is configured.")
    return html.Section(body, id=PANEL_ID, **{"aria-label": "This month"})
