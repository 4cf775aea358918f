"""The outcomes an intention serves, with the document's notes on them and links to the other
intentions that serve the same coded outcome (Wigan's ECC3 "Links to ILQ3": both intentions list
IQL3, so each page links to the other)."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from metrics.definitions.models import Framework, Intention


def _note(fw: Framework, code: str) -> str:
    for outcome in fw.outcomes:
        if outcome.code == code:
            return outcome.description
        for sub in outcome.sub_outcomes:
            if sub.code == code:
                return sub.description
    return ""


def also_serving(fw: Framework, intention: Intention, code: str) -> list[Intention]:
    """Other intentions of the framework that serve the coded sub-outcome ``code``. A domain code
    (``ECC``) is served by every intention under it, so it links to none."""
    if any(outcome.code == code for outcome in fw.outcomes):
        return []
    return [other for other in fw.intentions if other.id != intention.id and code in other.outcomes]


def outcomes_list(fw: Framework, intention: Intention, period: str) -> html.Ul:
    items = []
    for code in intention.outcomes:
        parts: list = [f"{code} – {fw.outcome_title(code)}"]
        note = _note(fw, code)
        if note:
            parts += [" ", html.Span(f"({note})", className="small")]
        others = also_serving(fw, intention, code)
        if others:
            parts += [html.Br(), html.Span("Also served by: ", className="small")]
            for n, other in enumerate(others):
                href = f"/intention/{other.id}?" + urlencode({"framework": fw.id, "period": period})
                parts += ([", "] if n else []) + [dcc.Link(other.title, href=href, className="small")]
        items.append(html.Li(parts, **{"data-outcome": code}))
    return html.Ul(items)
