"""Warnings (not errors) for `outcomes check`: a target element or milestone date that does not say
where it comes from. Each must be the council's own words or a stated assumption, so a reader can
defend every number; a config without provenance still loads, so nobody is locked out mid-edit.
A framework that names its document must also say whose words each milestone title and lead are, and
keep a coverage ledger whose every entry points at something the framework holds, listed once."""

from __future__ import annotations

from metrics.definitions.documents import readable
from metrics.definitions.ledger import reach
from metrics.definitions.parsed import Config, ConfigIssue, SourceFile

_FIX = ('add it under the target\'s provenance: {el}: {{source: document, quote: "the document\'s words"}} '
        'or {el}: {{source: assumption, reason: "why, in one sentence"}}')


def _items(source: SourceFile, section: str) -> list[tuple[int, dict]]:
    items = (source.data or {}).get(section) if isinstance(source.data, dict) else None
    return [(i, item) for i, item in enumerate(items or []) if isinstance(item, dict)]


def _target_warnings(config: Config, source: SourceFile) -> list[ConfigIssue]:
    found = []
    for i, item in _items(source, "metrics"):
        metric = config.metrics.get(str(item.get("id")))
        if metric is None or metric.target is None:
            continue
        for element in metric.target.provenance.missing_elements():
            loc = ("metrics", i, "target", "provenance", element)
            found.append(source.issue(loc, f"warning: the target {element} of '{metric.id}' does not say where it "
                                           f"comes from; " + _FIX.format(el=element)))
    return found


def _milestone_warnings(config: Config, source: SourceFile) -> list[ConfigIssue]:
    framework_data = (source.data or {}).get("framework")
    if not isinstance(framework_data, dict):
        return []
    framework = config.frameworks.get(str(framework_data.get("id")))
    if framework is None:
        return []
    found = []
    for i, intention in enumerate(framework.intentions):
        for j, milestone in enumerate(intention.milestones):
            if milestone.due is not None and milestone.due_provenance is None:
                loc = ("framework", "intentions", i, "milestones", j, "due")
                found.append(source.issue(loc, f"warning: the due month of milestone '{milestone.title}' does not "
                                               "say where it comes from; add due_provenance (source: document with "
                                               "the quote, or source: assumption with the reason), or remove 'due' "
                                               "if the document gives no date (it then reads 'To be confirmed')"))
    return found


def _wording_warnings(config: Config, source: SourceFile) -> list[ConfigIssue]:
    """Titles and leads of a framework that names its document, with no word on whose words they are."""
    framework_data = (source.data or {}).get("framework")
    framework = config.frameworks.get(str(framework_data.get("id"))) if isinstance(framework_data, dict) else None
    if framework is None or not framework.document:
        return []
    found = []
    if framework.id not in config.ledgers:
        found.append(source.issue(("framework", "document"), f"warning: framework '{framework.id}' names its "
                                  "document but has no coverage ledger; list each of the document's commitments "
                                  "once, with how it is monitored, in a 'ledger:' section"))
    for i, intention in enumerate(framework.intentions):
        if intention.lead and intention.lead_provenance is None:
            found.append(source.issue(("framework", "intentions", i, "lead"), (
                f"warning: the lead '{intention.lead}' does not say whose words it is; add lead_provenance "
                "(source: document, where the document names it; source: not_named, with the reason, where it "
                "does not)")))
        for j, milestone in enumerate(intention.milestones):
            if milestone.title_provenance is None:
                found.append(source.issue(("framework", "intentions", i, "milestones", j, "title"), (
                    f"warning: the milestone title '{milestone.title}' does not say whose words it is; add "
                    "title_provenance (source: document, where the title is the document's words; source: "
                    "summary, with the passage it summarises in 'quote', where it is ours)")))
    return found


def _ledger_warnings(config: Config, source: SourceFile) -> list[ConfigIssue]:
    """Ledger entries that point at nothing the framework holds, and commitments listed twice."""
    data = (source.data or {}).get("ledger")
    ledger = config.ledgers.get(str(data.get("framework"))) if isinstance(data, dict) else None
    framework = config.frameworks.get(ledger.framework) if ledger is not None else None
    if ledger is None or framework is None or not isinstance(data.get("commitments"), list):
        return []
    found = []
    first: dict[str, int] = {}
    for k, commitment in enumerate(ledger.commitments):
        at = ("ledger", "commitments", k)
        unknown = reach(commitment, framework).unknown
        if unknown:
            found.append(source.issue(at, f"warning: this entry points at {', '.join(unknown)}, which framework "
                                          f"'{framework.id}' does not hold; name its metrics, milestone titles or "
                                          "intentions as written, or say why it is not monitored"))
        key = readable(commitment.words).lower().strip(" .,;:")
        if key in first:
            found.append(source.issue((*at, "words"), f"warning: this commitment is listed twice (first at line "
                                                      f"{source.origin(('ledger', 'commitments', first[key]))[1]}); "
                                                      "list each commitment once"))
        first.setdefault(key, k)
    return found


def provenance_warnings(config: Config) -> list[ConfigIssue]:
    """Every target element and milestone date with no provenance, every milestone title and lead of a framework
    with a document that does not say whose words it is, and every ledger entry pointing at nothing, as
    file:line: field: message."""
    warnings: list[ConfigIssue] = []
    for source in config.files.values():
        warnings += _target_warnings(config, source)
        warnings += _milestone_warnings(config, source)
        warnings += _wording_warnings(config, source)
        warnings += _ledger_warnings(config, source)
    return sorted(warnings, key=lambda w: (w.file, w.line))  # stable: elements keep their order
