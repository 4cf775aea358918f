"""Where a target's elements come from, in words, for pages, hovers, footnotes and exports.

Works on the contract form (``TargetProvenance.to_contract``: element -> {source, quote, section,
reason} or None), which is what live evaluations and stored snapshots both carry, so a snapshot
signed off last year says "assumed" exactly as it did then."""

from __future__ import annotations

from typing import Any, Mapping

ELEMENT_WORDS = {"value": "target figure", "baseline": "baseline", "deadline": "deadline", "measure": "measure"}
SOURCE_WORDS = {"document": "The council's document", "assumption": "Assumed (not in the document)",
                None: "Not stated"}

Provenance = Mapping[str, Any] | None


def _elements(provenance: Provenance) -> list[tuple[str, Mapping[str, Any] | None]]:
    return [(name, (provenance or {}).get(name)) for name in ELEMENT_WORDS]


def assumed_elements(provenance: Provenance) -> list[str]:
    """The elements (value, baseline, deadline, measure) that are our assumptions, in that order."""
    return [name for name, prov in _elements(provenance) if prov and prov.get("source") == "assumption"]


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def assumed_note(provenance: Provenance) -> str:
    """One sentence for a footnote or hover, or "" when nothing is assumed."""
    assumed = [ELEMENT_WORDS[name] for name in assumed_elements(provenance)]
    if not assumed:
        return ""
    verb = "is an assumption" if len(assumed) == 1 else "are assumptions"
    return f"Assumed: the {_joined(assumed)} {verb} of ours, not the council's document."


def assumed_cell(provenance: Provenance) -> str:
    """For a table or CSV column: the assumed elements, e.g. "baseline; deadline" ("" when none)."""
    return "; ".join(ELEMENT_WORDS[name] for name in assumed_elements(provenance))


def provenance_text(element: Mapping[str, Any] | None) -> str:
    """The document's words with their section, or our reason."""
    if not element:
        return "–"
    if element.get("source") == "assumption":
        return element.get("reason") or "–"
    quote = f"\u201c{element['quote']}\u201d" if element.get("quote") else ""
    section = element.get("section") or ""
    return f"{quote} ({section})" if quote and section else quote or section


def provenance_rows(provenance: Provenance) -> list[tuple[str, str, str]]:
    """(element, source in words, the quote or the reason) for each element of the target."""
    return [(ELEMENT_WORDS[name].capitalize(), SOURCE_WORDS[prov.get("source") if prov else None],
             provenance_text(prov)) for name, prov in _elements(provenance)]


def provenance_summary(provenance: Provenance) -> str:
    """Every element on one line, for an export cell or a report's figures table."""
    if not provenance:
        return ""
    return "; ".join(f"{element}: {'assumed' if source.startswith('Assumed') else source.lower()}"
                     f"{'' if text == '–' else ' – ' + text}"
                     for element, source, text in provenance_rows(provenance))
