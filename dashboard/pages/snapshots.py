"""Snapshots: the frozen monthly records, their downloads, and what changed between two."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from dashboard import context, ids
from dashboard.components import dropdown, labelled, scroll_region, status_badge
from datasources.store import StoreError
import snapshots
from metrics.evaluation.status import Status

dash.register_page(__name__, path="/snapshots", name="Snapshots", title="Snapshots – Outcomes monitor",
                   nav_order=50)

COMPARE_BEFORE = "snapshot-compare-before"
COMPARE_AFTER = "snapshot-compare-after"
COMPARE_RESULT = "snapshot-compare-result"
COMPARE_STATUS = "snapshot-compare-status"
FORMATS = {"pdf": "PDF report", "docx": "Word report", "xlsx": "Excel workbook", "csv": "CSV tables (zip)"}


def download_href(snapshot_id: int, fmt: str) -> str:
    """The link to an export; the route that serves it is ``reports.downloads`` (reports sit above pages)."""
    return ids.SNAPSHOT_DOWNLOAD.format(snapshot_id=snapshot_id, fmt=fmt)


def _option(row: dict) -> dict[str, str]:
    return {"label": f"#{row['id']} {row['framework']} {row['period']} v{row['version']} ({row['created_at'][:10]})",
            "value": str(row["id"])}


#: Snapshot ids are the store's integer keys; a larger number (only a forged request sends one) names none.
LARGEST_ID = 2**63 - 1


def _is_snapshot_id(value) -> bool:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return text.isdigit() and 0 < int(text) <= LARGEST_ID


def compare_table(before_id: str | None, after_id: str | None) -> html.Div | html.P | html.Table:
    if not before_id or not after_id:
        return html.P("Choose two snapshots to compare.")
    if not (_is_snapshot_id(before_id) and _is_snapshot_id(after_id)):
        return html.P("Those are not snapshot ids: choose two snapshots from the lists.", role="alert")
    try:
        before, after = snapshots.load(context.store(), before_id), snapshots.load(context.store(), after_id)
    except snapshots.SnapshotError as exc:
        return html.P(str(exc), role="alert")
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
            html.Td(html.Ul([html.Li(html.A(
                [label, html.Span(f" of snapshot {r['id']}", className="visually-hidden")],
                href=download_href(r["id"], fmt), download="")) for fmt, label in FORMATS.items()],
                className="list-inline mb-0 d-flex gap-3")),
        ], **{"data-snapshot": str(r["id"])}) for r in rows]),
    ], className="table table-sm", id="snapshot-table"), "Snapshots, newest first, with downloads")
    options = [_option(r) for r in rows]
    after = options[0]["value"]
    before = options[1]["value"] if len(options) > 1 else options[0]["value"]
    return html.Div([
        html.H1("Snapshots", className="h2"), intro, table,
        html.H2("Compare two snapshots", className="h4 mt-4"),
        html.Div([labelled("Earlier snapshot", COMPARE_BEFORE, dropdown(COMPARE_BEFORE, options, before)),
                  labelled("Later snapshot", COMPARE_AFTER, dropdown(COMPARE_AFTER, options, after))],
                 className="d-flex flex-wrap", role="group", **{"aria-label": "Snapshots to compare"}),
        # Only a short sentence is announced when the choice changes, not the whole table (WCAG 4.1.3).
        html.P(id=COMPARE_STATUS, role="status", className="visually-hidden"),
        html.Div(compare_table(before, after), id=COMPARE_RESULT),
        html.P(["Status words: ", *[html.Span([status_badge(s), " "]) for s in ("off_track", "on_track")],
                f"and so on ({', '.join(s.words for s in Status)})."], className="small text-muted mt-3"),
    ])


@callback(Output(COMPARE_RESULT, "children"), Output(COMPARE_STATUS, "children"),
          Input(COMPARE_BEFORE, "value"), Input(COMPARE_AFTER, "value"), prevent_initial_call=True)
def update_compare(before_id: str | None, after_id: str | None):
    if not before_id or not after_id:
        return compare_table(before_id, after_id), "Choose two snapshots to compare."
    if not (_is_snapshot_id(before_id) and _is_snapshot_id(after_id)):
        return compare_table(before_id, after_id), "Those are not snapshot ids."
    return compare_table(before_id, after_id), f"Comparing snapshot #{before_id} with snapshot #{after_id}."
