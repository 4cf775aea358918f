"""Pieces of page that say where a target comes from: a footnote under the status sentence (the whole
note also as a hover) and a table of the target's elements with the document's words or our reason."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.components import data_table
from metrics.definitions.models import Metric, Milestone, Provenance
from metrics.evaluation.provenance_words import assumed_cell, assumed_note, provenance_rows, provenance_text
from review.milestones import FROM_CONFIG


def assumed_footnote(provenance: Any, anchor: str | None = None) -> html.P | None:
    """ "Assumed: the baseline and deadline are assumptions..." in words (never by a mark alone), or None."""
    note = assumed_note(provenance)
    if not note:
        return None
    parts: list = [html.Span("Assumed", className="assumed-mark fw-semibold"), note[len("Assumed"):]]
    if anchor:
        parts += [" ", html.A("Where the target comes from", href=f"#{anchor}")]
    return html.P(parts, className="small assumed-note", title=note, **{"data-assumed": "true"})


def assumed_line(provenance: Any) -> list:
    """For a table cell: "Assumed: baseline; deadline" in words (the full note as a hover), or nothing."""
    cell = assumed_cell(provenance)
    if not cell:
        return []
    return [html.Div(f"Assumed: {cell}", className="small assumed-note", title=assumed_note(provenance))]


def target_section(metric: Metric, provenance: Any, section_id: str = "target-provenance") -> html.Section | None:
    """The target's description (written in config, shown nowhere before) and each element's source."""
    target = metric.target
    if target is None:
        return None
    parts: list = [html.H2("Target: where it comes from", className="h4")]
    if target.description:
        parts.append(html.P(target.description, className="target-description"))
    parts.append(data_table(["Element", "Source", "The document's words, or why we assumed it"],
                            provenance_rows(provenance), f"{metric.display_title}: where each part of the target "
                                                         "comes from"))
    return html.Section(parts, id=section_id)


def _words(prov: Provenance) -> str:
    text = provenance_text(prov.model_dump(exclude_none=True))
    return f"assumed: {text}" if prov.assumed else f"the document: {text}"


def _title_words(milestone: Milestone) -> str:
    prov = milestone.title_provenance
    where = f" ({prov.section})" if prov is not None and prov.section else ""
    if prov is None:
        return "Title: not stated whose words it is."
    if prov.source == "document":
        return f"Title: the document's words{where}."
    return f"Title: our wording of the document's \u201c{prov.quote}\u201d{where}."


def milestone_sources(milestone: Milestone, state: Any) -> str:
    """Whose words a milestone's title is, and where its date and its status come from, in words: the
    document (quoted), an assumption (with its reason), or a recorded update in the store."""
    if milestone.due is None:
        date_words = "Date to be confirmed: the document gives none."
    elif milestone.due_provenance is not None:
        date_words = f"Date from {_words(milestone.due_provenance)}."
    else:
        date_words = "Date: not stated where it comes from."
    if state.recorded_by != FROM_CONFIG:
        status_words = f"Status recorded by {state.recorded_by}."
    elif milestone.status_provenance is not None:
        status_words = f"Status from {_words(milestone.status_provenance)}."
    else:
        status_words = "Status: no progress recorded yet."
    return f"{_title_words(milestone)} {date_words} {status_words}"
