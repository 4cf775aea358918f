"""Per framework, what is taken from the council's document and what is assumed: every target element
and every milestone date and status, one row each, for the provenance page and its tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from metrics.definitions.models import Framework, Metric, Provenance

ADDED_CONTEXT = "Added context (not in the document)"  # the theme of intentions the documents do not hold

SOURCE_WORDS = {"document": "Document", "assumption": "Assumed", None: "Not stated"}
ELEMENT_WORDS = {"value": "Target figure", "baseline": "Baseline", "deadline": "Deadline", "measure": "Measure"}


@dataclass(frozen=True)
class ProvenanceRow:
    intention_id: str
    intention: str
    item: str            # the metric's or the milestone's title
    element: str         # "Target figure", "Baseline", "Deadline", "Measure", "Milestone date", "Milestone status"
    source: str          # "Document", "Assumed", "Not stated", "To be confirmed"
    words: str           # the document's words (with section) or the reason


def _words(prov: Provenance) -> str:
    if prov.assumed:
        return prov.reason or ""
    quote = f"\u201c{prov.quote}\u201d" if prov.quote else ""
    return f"{quote} ({prov.section})" if quote and prov.section else quote or prov.section or ""


def _row(intention, item: str, element: str, prov: Provenance | None) -> ProvenanceRow:
    return ProvenanceRow(intention.id, intention.title, item, element,
                         SOURCE_WORDS[prov.source if prov else None], _words(prov) if prov else "")


def framework_inventory(framework: Framework, metrics: Mapping[str, Metric]) -> list[ProvenanceRow]:
    """Each metric's target elements under the intention that first lists it, then each milestone."""
    rows: list[ProvenanceRow] = []
    seen: set[str] = set()
    for intention in framework.intentions:
        added = intention.theme == ADDED_CONTEXT
        for metric_id in intention.metrics:
            metric = metrics.get(metric_id)
            if metric is None or metric_id in seen:
                continue
            seen.add(metric_id)
            if added:
                rows.append(ProvenanceRow(intention.id, intention.title, metric.display_title, "Binding",
                                          "Assumed", "Added context, not in the document: " + intention.rationale))
            if metric.target is None:
                continue
            for name, prov in metric.target.provenance.elements():
                rows.append(_row(intention, metric.display_title, ELEMENT_WORDS[name], prov))
        for milestone in intention.milestones:
            if milestone.due is None:
                rows.append(ProvenanceRow(intention.id, intention.title, milestone.title, "Milestone date",
                                          "To be confirmed", "The document gives no date; never shown as late."))
            else:
                rows.append(_row(intention, milestone.title, "Milestone date", milestone.due_provenance))
            if milestone.status != "not_started":
                rows.append(_row(intention, milestone.title, "Milestone status", milestone.status_provenance))
    return rows
