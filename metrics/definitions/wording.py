"""Whose words a lead is, as every page and report shows it: a lead the council's document does not name is
shown as "not named in the document" beside the lead given here, so it is never taken for the council's."""

from __future__ import annotations

from metrics.definitions.models import Intention

NOT_NAMED = "not named in the document"


def lead_text(intention: Intention) -> str:
    """The intention's lead for a page or report: the lead, marked when the document does not name it, or "–"."""
    prov = intention.lead_provenance
    if prov is not None and prov.source == "not_named":
        return f"{intention.lead} ({NOT_NAMED})" if intention.lead else NOT_NAMED.capitalize()
    return intention.lead or "–"
