"""Per framework, what is taken from the council's document and what is assumed: every intention's lead,
every metric (its target elements, or what it monitors when it has no target), every milestone's title, date
and status, one row each, for the provenance page and its tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from metrics.definitions.ledger import commitments_of_metric
from metrics.definitions.models import Framework, Ledger, Metric, Provenance, Wording
from metrics.definitions.wording import NOT_NAMED

ADDED_CONTEXT = "Added context (not in the document)"  # the theme of intentions the documents do not hold

SOURCE_WORDS = {"document": "Document", "assumption": "Assumed", "summary": "Our wording",
                "not_named": NOT_NAMED.capitalize(), None: "Not stated"}
ELEMENT_WORDS = {"value": "Target figure", "baseline": "Baseline", "deadline": "Deadline", "measure": "Measure"}


@dataclass(frozen=True)
class ProvenanceRow:
    intention_id: str
    intention: str
    item: str            # the metric's or the milestone's title
    element: str         # "Lead", "Target figure", "Baseline", "Deadline", "Measure", "Measure (no target)",
                         # "Milestone title", "Milestone date", "Milestone status"
    source: str          # "Document", "Our wording", "Assumed", "Not named in the document", "Not stated",
                         # "To be confirmed"
    words: str           # the document's words (with section), the passage ours summarises, or the reason


def _words(prov: Provenance | Wording) -> str:
    if prov.source in ("assumption", "not_named"):
        return prov.reason or ""
    quote = f"\u201c{prov.quote}\u201d" if prov.quote else ""
    return f"{quote} ({prov.section})" if quote and prov.section else quote or prov.section or ""


def _row(intention, item: str, element: str, prov: Provenance | Wording | None) -> ProvenanceRow:
    return ProvenanceRow(intention.id, intention.title, item, element,
                         SOURCE_WORDS[prov.source if prov else None], _words(prov) if prov else "")


def _monitors(metric: Metric, framework: Framework, ledger: Ledger | None, added: bool) -> tuple[str, str]:
    """The source and words of a metric with no target: the commitments of the ledger it monitors."""
    figures = f" Figures: {metric.source.name}" + (f" ({metric.source.publisher})." if metric.source.publisher else ".")
    found = commitments_of_metric(metric.id, ledger, framework)
    if found:
        said = "; ".join(f"\u201c{c.words}\u201d ({c.section})" for c in found[:3])
        more = f"; and {len(found) - 3} more commitment(s) of the ledger" if len(found) > 3 else ""
        return "Document", f"No target; it monitors {said}{more}.{figures}"
    if added:
        return "Assumed", f"No target; added context, not in the document.{figures}"
    return "Not stated", f"No target, and no commitment of the coverage ledger names it.{figures}"


def framework_inventory(framework: Framework, metrics: Mapping[str, Metric],
                        ledger: Ledger | None = None) -> list[ProvenanceRow]:
    """Each intention's lead; each metric under the intention that first lists it, with its target's elements
    or, without a target, the commitments it monitors (from ``ledger``); then each milestone."""
    rows: list[ProvenanceRow] = []
    seen: set[str] = set()
    for intention in framework.intentions:
        added = intention.theme == ADDED_CONTEXT
        if intention.lead or intention.lead_provenance is not None:
            rows.append(_row(intention, intention.lead or "\u2013", "Lead", intention.lead_provenance))
        for metric_id in intention.metrics:
            metric = metrics.get(metric_id)
            if metric is None or metric_id in seen:
                continue
            seen.add(metric_id)
            if added:
                rows.append(ProvenanceRow(intention.id, intention.title, metric.display_title, "Binding",
                                          "Assumed", "Added context, not in the document: " + intention.rationale))
            if metric.target is None:
                source, words = _monitors(metric, framework, ledger, added)
                rows.append(ProvenanceRow(intention.id, intention.title, metric.display_title, "Measure (no target)",
                                          source, words))
                continue
            for name, prov in metric.target.provenance.elements():
                rows.append(_row(intention, metric.display_title, ELEMENT_WORDS[name], prov))
        for milestone in intention.milestones:
            rows.append(_row(intention, milestone.title, "Milestone title", milestone.title_provenance))
            if milestone.due is None:
                rows.append(ProvenanceRow(intention.id, intention.title, milestone.title, "Milestone date",
                                          "To be confirmed", "The document gives no date; never shown as late."))
            else:
                rows.append(_row(intention, milestone.title, "Milestone date", milestone.due_provenance))
            if milestone.status != "not_started":
                rows.append(_row(intention, milestone.title, "Milestone status", milestone.status_provenance))
    return rows
