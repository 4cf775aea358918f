"""Where the words come from, one framework a page (``?framework=<id>``; without one, the default framework, as
on the overview): every lead, metric, target element and milestone title, date and status, taken from the
council's document (quoted) or ours (with the passage it summarises, or the reason), and the coverage ledger:
every commitment of the document, listed once with how it is monitored. The ledger counts of every framework head
the page, each framework's name a link to its own page.

One framework a page: all five together were some 8,000 elements, a very long page to read and to check."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import context, titles
from dashboard.components import data_table
from metrics.definitions.document_check import framework_document
from metrics.definitions.inventory import SOURCE_WORDS, framework_inventory
from metrics.definitions.ledger import BY_METRIC, BY_MILESTONE, NOT_MONITORED, POINTS_AT_NOTHING, ledger_counts, \
    ledger_rows

dash.register_page(__name__, path="/provenance", name="Where the targets come from",
                   title=titles.provenance_title, nav_order=91)

#: The order the summary names the sources in.
SOURCES = ("Document", SOURCE_WORDS["summary"], "Assumed", SOURCE_WORDS["not_named"], "To be confirmed", "Not stated")


def provenance_href(framework_id: str) -> str:
    return "/provenance?" + urlencode({"framework": framework_id})


def _coverage_table(frameworks, ledgers) -> html.Div:
    """The ledger counts of every framework, one row each, its name a link to its own page."""
    columns = ["Framework", "Commitments", BY_METRIC, BY_MILESTONE, NOT_MONITORED]
    rows, nothing = [], False
    for fw in frameworks:
        ledger = ledgers.get(fw.id)
        name = dcc.Link(fw.title, href=provenance_href(fw.id))
        if ledger is None:
            rows.append([name, "No ledger", "–", "–", "–", "–"])
            continue
        counts = ledger_counts(ledger, fw)
        nothing = nothing or counts[POINTS_AT_NOTHING] > 0
        rows.append([name, len(ledger.commitments), counts[BY_METRIC], counts[BY_MILESTONE], counts[NOT_MONITORED],
                     counts[POINTS_AT_NOTHING]])
    if nothing:  # the column only when some entry names what its framework does not hold
        columns.append(POINTS_AT_NOTHING)
    else:
        rows = [row[:len(columns)] for row in rows]
    return html.Div(data_table(columns, rows, "Each document's commitments and how they are monitored"),
                    id="coverage-counts")


def _ledger_section(framework, ledger, metrics) -> list:
    if ledger is None:
        return [html.P("No coverage ledger lists this document's commitments yet.", className="small")]
    counts = ledger_counts(ledger, framework)
    said = ", ".join(f"{counts[how]} {how.lower()}" for how in (BY_METRIC, BY_MILESTONE, NOT_MONITORED, POINTS_AT_NOTHING)
                     if counts[how])
    rows = ledger_rows(ledger, framework, metrics)
    return [
        html.H3("Every commitment of the document", className="h5 mt-3"),
        html.P(f"{len(rows)} commitments, each listed once: {said}.", className="small",
               **{"data-ledger": framework.id}),
        html.Details([
            html.Summary(f"The coverage ledger of {framework.organisation}'s document ({len(rows)} commitments)"),
            data_table(["The document's words", "Kind", "Where in the document", "How it is monitored",
                        "By what, or why not"],
                       [(f"\u201c{r.words}\u201d", r.kind, r.section, r.how, f"{r.by}. {r.note}" if r.note else r.by)
                        for r in rows],
                       f"{framework.title}: the coverage ledger"),
        ]),
    ]


def _framework_section(framework, metrics, ledger, document) -> html.Section:
    rows = framework_inventory(framework, metrics, ledger)
    counts = Counter(row.source for row in rows)
    summary = ", ".join(f"{counts[word]} {word.lower()}" for word in SOURCES if counts[word])
    kept = ([html.P([html.Strong("Kept in the product as: "), document.display, ". ",
                     html.Strong("Licence: "), document.header.get("licence", "not recorded")], className="small")]
            if document is not None else [])
    return html.Section([
        html.H2(framework.title, className="h4 mt-3"),
        html.P([html.Strong("Document: "), framework.source or "–"], className="small"),
        *kept,
        html.P(f"{len(rows)} items: {summary or 'none'}.", className="small", **{"data-framework": framework.id}),
        data_table(["Intention", "Lead, metric or milestone", "Element", "Source",
                    "The document's words, or why we assumed it"],
                   [(r.intention, r.item, r.element, r.source, r.words or "–") for r in rows],
                   f"{framework.title}: what is taken from the document and what is assumed"),
        *_ledger_section(framework, ledger, metrics),
    ], id=f"provenance-{framework.id}")


def _document(config, framework):
    """The document the framework names, for its file name and licence; None when it names none or it is
    unreadable (`outcomes check` reports that)."""
    if not framework.document:
        return None
    try:
        return framework_document(config, framework)
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _chooser(frameworks, shown) -> html.Form:
    """The framework to show, applied by its button (a plain form, as the review pack's period: the choice
    loads another page, so an arrow key on the select only moves the choice, WCAG 3.2.2)."""
    return html.Form([
        html.Label("Framework", htmlFor="provenance-framework", className="form-label fw-semibold me-2"),
        dbc.Select(id="provenance-framework", name="framework",
                   options=[{"label": fw.title, "value": fw.id} for fw in frameworks], value=shown.id,
                   className="w-auto mw-100 d-inline-block me-2"),  # a long title fits a phone
        html.Button("Show", type="submit", className="btn btn-outline-dark btn-sm"),
    ], method="get", action="/provenance", className="no-print mt-3 mb-2")


def layout(framework: str | None = None, **_: str) -> html.Div:
    service = context.service()
    config = service.config
    try:
        shown = service.framework(framework)
    except KeyError as exc:
        return html.Div([html.H1("Framework not found"), html.P(str(exc.args[0]))])
    frameworks = list(config.frameworks.values())
    return html.Div([
        html.H1("Where the targets come from", className="h3"),
        html.P("Every target figure, baseline, deadline and measure, every milestone date and status, every "
               "milestone title and every lead is either the council's own (quoted from its document, with the "
               "section), ours (with the passage of the document it summarises), or an assumption of ours (with "
               "the reason). A lead the document does not name is shown everywhere as \u201cnot named in the "
               "document\u201d. Every metric is listed, with or without a target; one without a target says which "
               "of the document's commitments it monitors. Pages, the status sentences and the exports say "
               "'Assumed' wherever an assumption is used. Measures listed under 'Added context' are not in the "
               "document."),
        html.P(["Each council's document is kept in the product, and ", html.Code("outcomes check"),
                " finds every quotation in it. The coverage ledger lists every commitment the document makes (its "
                "intentions, sub-commitments, stated benefits, objectives, delivery actions and targets) once, with "
                "how it is monitored: by a metric, by a milestone, or not monitored, with the reason."]),
        html.H2("How each document's commitments are monitored", className="h4 mt-3"),
        _coverage_table(frameworks, config.ledgers),
        _chooser(frameworks, shown),
        _framework_section(shown, config.metrics, config.ledgers.get(shown.id), _document(config, shown)),
    ])
