"""Warnings (not errors) for `outcomes check`: a target element or milestone date that does not say
where it comes from. Each must be the council's own words or a stated assumption, so a reader can
defend every number; a config without provenance still loads, so nobody is locked out mid-edit."""

from __future__ import annotations

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


def provenance_warnings(config: Config) -> list[ConfigIssue]:
    """Every target element and milestone date with no provenance, as file:line: field: message."""
    warnings: list[ConfigIssue] = []
    for source in config.files.values():
        warnings += _target_warnings(config, source)
        warnings += _milestone_warnings(config, source)
    return sorted(warnings, key=lambda w: (w.file, w.line))  # stable: elements keep their order
