"""The downloads of a snapshot, listed the same way on the snapshots page and on the review pack after
sign-off: the exceptions paper and the full report (PDF and Word), the workbook and the CSV tables.
The route that serves them is ``reports.downloads`` (reports sit above pages)."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import html

from dashboard import ids

#: (format, scope, label), in the order a committee reaches for them.
EXPORTS = (("pdf", "exceptions", "Exceptions report (PDF)"), ("docx", "exceptions", "Exceptions report (Word)"),
           ("pdf", "full", "Full report (PDF)"), ("docx", "full", "Full report (Word)"),
           ("xlsx", "full", "Excel workbook"), ("csv", "full", "CSV tables (zip)"))


def download_href(snapshot_id: int, fmt: str, scope: str = "full") -> str:
    href = ids.SNAPSHOT_DOWNLOAD.format(snapshot_id=snapshot_id, fmt=fmt)
    return href if scope == "full" else f"{href}?{urlencode({'scope': scope})}"


def export_links(snapshot_id: int, link_id: str | None = None) -> html.Ul:
    """Every download of the snapshot, each link saying which snapshot it is of (for a screen reader's list
    of links)."""
    return html.Ul([html.Li(html.A([label, html.Span(f" of snapshot {snapshot_id}", className="visually-hidden")],
                                   href=download_href(snapshot_id, fmt, scope), download="",
                                   **{"data-format": fmt, "data-scope": scope}))
                    for fmt, scope, label in EXPORTS],
                   className="list-inline mb-0 d-flex flex-wrap gap-3", **({"id": link_id} if link_id else {}))
