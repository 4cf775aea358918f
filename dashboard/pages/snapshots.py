"""Snapshots: the frozen monthly records, their downloads, and what changed between two."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from dashboard import context
from dashboard.components import ALL, dropdown, labelled, scroll_region, status_badge
from dashboard.export_links import export_links
from datasources.store import StoreError
import snapshots
from metrics.evaluation.status import Status

dash.register_page(__name__, path="/snapshots", name="Snapshots", title="Snapshots – Outcomes monitor",
                   nav_order=50)

COMPARE_BEFORE = "snapshot-compare-before"
COMPARE_AFTER = "snapshot-compare-after"
COMPARE_RESULT = "snapshot-compare-result"
COMPARE_STATUS = "snapshot-compare-status"


def _earlier_of(rows: list[dict], row: dict) -> dict | None:
    """The snapshot of the same framework just before ``row`` (an earlier period, or an earlier version of the
    same period), from the list; None when ``row`` is the first."""
    before = [r for r in rows if r["framework"] == row["framework"]
              and (r["period"], r["version"]) < (row["period"], row["version"])]
    return max(before, key=lambda r: (r["period"], r["version"]), default=None)


def _option(row: dict) -> dict[str, str]:
    return {"label": f"#{row['id']} {row['framework']} {row['period']} v{row['version']} ({row['created_at'][:10]})",
            "value": str(row["id"])}


#: Snapshot ids are the store's integer keys; a larger number (only a forged request sends one) names none.
LARGEST_ID = 2**63 - 1


def _is_snapshot_id(value) -> bool:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return text.isdigit() and 0 < int(text) <= LARGEST_ID


def compare_table(before_id: str | None, after_id: str | None) -> html.Div | html.P | html.Table:
    if not before_id or not after_id or ALL in (before_id, after_id):
        return html.P("Choose two snapshots to compare.")
    if not (_is_snapshot_id(before_id) and _is_snapshot_id(after_id)):
        return html.P("Those are not snapshot ids: choose two snapshots from the lists.", role="alert")
    try:
        before, after = snapshots.load(context.store(), before_id), snapshots.load(context.store(), after_id)
    except snapshots.SnapshotError as exc:
        return html.P(str(exc), role="alert")
    if (before.period, before.version) >= (after.period, after.version):
        return html.P(f"Snapshot #{before.id} ({before.label}) is not earlier than snapshot #{after.id} "
                      f"({after.label}): choose an earlier snapshot first and a later one second.", role="alert",
                      id="snapshot-compare-none")
    changes = snapshots.compare(before, after)
    rows = []
    for c in changes:
        rows.append(html.Tr([
            html.Th(c.title, scope="row"),
            html.Td(status_badge(c.status_before) if c.status_before else "–"),
            html.Td(status_badge(c.status_after) if c.status_after else "–"),
            html.Td(f"{c.value_before} ({c.period_before or '–'})"),
            html.Td(f"{c.value_after} ({c.period_after or '–'})"),
            html.Td(str(len(c.revised_periods))),
            html.Td(str(len(c.new_periods))),
            html.Td(", ".join(c.kinds) or "No change"),
        ], **{"data-metric": c.metric_id}))
    changed = sum(1 for c in changes if c.status_changed)
    warnings = [s.integrity_warning for s in (before, after) if s.integrity_warning]
    return html.Div([
        *[html.P(w, role="alert", className="alert alert-danger snapshot-warning") for w in warnings],
        html.P(f"{changed} status change(s) from {before.label} to {after.label}."),
        scroll_region(html.Table([
            html.Caption(f"Changes from snapshot #{before.id} to snapshot #{after.id}"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in
                                ["Metric", "Status before", "Status after", "Value before", "Value after",
                                 "Revised periods", "New periods", "What changed"]])),
            html.Tbody(rows),
        ], className="table table-sm", id="snapshot-compare-table"), "Changes between the two snapshots"),
    ])


def layout(**_: str) -> html.Div:
    try:
        rows = snapshots.list_all(context.store())
    except StoreError as exc:
        return html.Div([html.H1("Snapshots", className="h2"), html.P(f"The snapshot store is unavailable: {exc}",
                                                                     role="alert")])
    intro = html.P("A snapshot is the frozen record of every evaluation of a framework at a period, with the data "
                   "and definitions it came from. It never changes: taking one again makes the next version. "
                   "Every download is made from the snapshot, not from today's data.")
    if not rows:
        return html.Div([html.H1("Snapshots", className="h2"), intro,
                         html.P(["No snapshots yet. Create one with ",
                                 html.Code("outcomes snapshot create --framework ID --period YYYY-MM"), "."])])
    table = scroll_region(html.Table([
        html.Caption("Snapshots, newest first, with downloads"),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in
                            ["Id", "Framework", "Period", "Version", "Created", "By", "Downloads"]])),
        html.Tbody([html.Tr([
            html.Td(str(r["id"])), html.Td(r["framework"]), html.Td(r["period"]), html.Td(str(r["version"])),
            html.Td(r["created_at"].replace("T", " ").replace("+00:00", " UTC")), html.Td(r["created_by"]),
            html.Td(export_links(r["id"])),
        ], **{"data-snapshot": str(r["id"])}) for r in rows]),
    ], className="table table-sm", id="snapshot-table"), "Snapshots, newest first, with downloads")
    options = [_option(r) for r in rows]
    after = options[0]["value"]
    earlier = _earlier_of(rows, rows[0])
    before = str(earlier["id"]) if earlier else None
    return html.Div([
        html.H1("Snapshots", className="h2"), intro, table,
        html.H2("Compare two snapshots", className="h4 mt-4"),
        html.Div([labelled("Earlier snapshot", COMPARE_BEFORE, dropdown(COMPARE_BEFORE, options, before,
                                                                  "" if earlier else "No earlier snapshot")),
                  labelled("Later snapshot", COMPARE_AFTER, dropdown(COMPARE_AFTER, options, after))],
                 className="d-flex flex-wrap", role="group", **{"aria-label": "Snapshots to compare"}),
        # Only a short sentence is announced when the choice changes, not the whole table (WCAG 4.1.3).
        html.P(id=COMPARE_STATUS, role="status", className="visually-hidden"),
        html.Div(compare_table(before, after) if earlier else html.P(
            f"Snapshot #{after} is the first of {rows[0]['framework']}: there is no earlier snapshot to compare it "
            "with.", id="snapshot-compare-none"), id=COMPARE_RESULT),
        html.P(["Status words: ", *[html.Span([status_badge(s), " "]) for s in ("off_track", "on_track")],
                f"and so on ({', '.join(s.words for s in Status)})."], className="small text-muted mt-3"),
    ])


@callback(Output(COMPARE_RESULT, "children"), Output(COMPARE_STATUS, "children"),
          Input(COMPARE_BEFORE, "value"), Input(COMPARE_AFTER, "value"), prevent_initial_call=True)
def update_compare(before_id: str | None, after_id: str | None):
    if not before_id or not after_id or ALL in (before_id, after_id):
        return compare_table(before_id, after_id), "Choose two snapshots to compare."
    if not (_is_snapshot_id(before_id) and _is_snapshot_id(after_id)):
        return compare_table(before_id, after_id), "Those are not snapshot ids."
    return compare_table(before_id, after_id), f"Comparing snapshot #{before_id} with snapshot #{after_id}."
