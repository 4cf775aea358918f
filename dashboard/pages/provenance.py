"""Where the targets come from: per framework, every target element and milestone date and status,
taken from the council's document (quoted) or assumed by us (with the reason)."""

from __future__ import annotations

from collections import Counter

import dash
from dash import html

from dashboard import context
from dashboard.components import data_table
from metrics.definitions.inventory import framework_inventory

dash.register_page(__name__, path="/provenance", name="Where the targets come from",
                   title="Where the targets come from – Outcomes monitor", nav_order=91)


def _framework_section(framework, metrics) -> html.Section:
    rows = framework_inventory(framework, metrics)
    counts = Counter(row.source for row in rows)
    summary = ", ".join(f"{counts[word]} {word.lower()}" for word in ("Document", "Assumed", "To be confirmed",
                                                                      "Not stated") if counts[word])
    return html.Section([
        html.H2(framework.title, className="h4 mt-3"),
        html.P([html.Strong("Document: "), framework.source or "–"], className="small"),
        html.P(f"{len(rows)} items: {summary or 'none'}.", className="small", **{"data-framework": framework.id}),
        data_table(["Intention", "Metric or milestone", "Element", "Source", "The document's words, or why we assumed it"],
                   [(r.intention, r.item, r.element, r.source, r.words or "–") for r in rows],
                   f"{framework.title}: what is taken from the document and what is assumed"),
    ], id=f"provenance-{framework.id}")


def layout(**_: str) -> html.Div:
    service = context.service()
    return html.Div([
        html.H1("Where the targets come from", className="h3"),
        html.P("Every target figure, baseline, deadline and measure, and every milestone date and status, is "
               "either the council's own (quoted from its document, with the section) or an assumption of ours "
               "(with the reason). Pages, the status sentences and the exports say 'Assumed' wherever an "
               "assumption is used. Measures listed under 'Added context' are not in the document."),
        *[_framework_section(fw, service.config.metrics) for fw in service.config.frameworks.values()],
    ])
