"""`outcomes check`'s reading of every quotation against the council's own document (issue 23).

Wherever config presents words as the document's, they must be in the document the framework names
(``framework.document``): a target element or milestone date or status quoted as ``source: document``, a
milestone title or lead marked as the document's words (or the passage a summary of ours stands for), and
every commitment of the coverage ledger. Each one that is not is a problem, reported at the file and line it
was written with the nearest passage of the document, so a paraphrase cannot pass for the council's words.
How words are compared is in :mod:`metrics.definitions.documents`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from metrics.definitions.documents import SourceDocument, read_document
from metrics.definitions.models import Framework, Provenance, Wording
from metrics.definitions.parsed import Config, ConfigIssue, PathKey, SourceFile


@dataclass(frozen=True)
class _Words:
    source: SourceFile
    loc: PathKey
    words: str
    what: str  # e.g. "the quote", "the milestone title"


def framework_document(config: Config, framework: Framework) -> SourceDocument:
    """The document ``framework`` names; raises OSError, UnicodeDecodeError or ValueError."""
    path = (config.root / framework.document).resolve()
    try:
        display = str(path.relative_to(config.root.parent))
    except ValueError:
        display = str(path)
    return read_document(path, display)


def _framework_file(config: Config, framework_id: str) -> SourceFile | None:
    for source in config.files.values():
        data = source.data.get("framework") if isinstance(source.data, dict) else None
        if isinstance(data, dict) and str(data.get("id")) == framework_id:
            return source
    return None


def _quoted(source: SourceFile, loc: PathKey, prov: Provenance | Wording | None) -> Iterator[_Words]:
    """The words ``prov`` says are the document's: its quote."""
    if prov is not None and prov.source in ("document", "summary") and prov.quote:
        yield _Words(source, (*loc, "quote"), prov.quote, "the quote")


def _framework_words(config: Config, framework: Framework) -> Iterator[_Words]:
    source = _framework_file(config, framework.id)
    if source is None:
        return
    for i, intention in enumerate(framework.intentions):
        at: PathKey = ("framework", "intentions", i)
        if intention.lead_provenance is not None and intention.lead_provenance.source == "document":
            yield _Words(source, (*at, "lead"), intention.lead, "the lead")
        else:
            yield from _quoted(source, (*at, "lead_provenance"), intention.lead_provenance)
        for j, milestone in enumerate(intention.milestones):
            here = (*at, "milestones", j)
            if milestone.title_provenance is not None and milestone.title_provenance.source == "document":
                yield _Words(source, (*here, "title"), milestone.title, "the milestone title")
            else:
                yield from _quoted(source, (*here, "title_provenance"), milestone.title_provenance)
            yield from _quoted(source, (*here, "due_provenance"), milestone.due_provenance)
            yield from _quoted(source, (*here, "status_provenance"), milestone.status_provenance)


def _metric_words(config: Config, metric_ids: set[str]) -> Iterator[_Words]:
    for source in config.files.values():
        items = source.data.get("metrics") if isinstance(source.data, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else []):
            metric = config.metrics.get(str(item.get("id"))) if isinstance(item, dict) else None
            if metric is None or metric.id not in metric_ids or metric.target is None:
                continue
            for name, prov in metric.target.provenance.elements():
                yield from _quoted(source, ("metrics", i, "target", "provenance", name), prov)


def _ledger_words(config: Config, framework_id: str) -> Iterator[_Words]:
    for source in config.files.values():
        data = source.data.get("ledger") if isinstance(source.data, dict) else None
        if not isinstance(data, dict) or str(data.get("framework")) != framework_id:
            continue
        for k, commitment in enumerate(config.ledgers[framework_id].commitments):
            yield _Words(source, ("ledger", "commitments", k, "words"), commitment.words, "the commitment")


def _problem(found: _Words, document: SourceDocument) -> ConfigIssue | None:
    missing = document.missing_parts(found.words)
    if not missing:
        return None
    part = missing[0]
    others = f" (and {len(missing) - 1} more part(s) of it)" if len(missing) > 1 else ""
    return found.source.issue(found.loc, f"{found.what} is not in the document ({document.display}): "
                                         f"\u201c{part}\u201d{others}; nearest passage: "
                                         f"\u201c{document.nearest_passage(part)}\u201d. Quote the document's "
                                         "words exactly (an ellipsis may join parts), or mark the words as ours")


def quote_problems(config: Config) -> list[ConfigIssue]:
    """Every quotation not found in its framework's document, as file:line: field: message."""
    issues: list[ConfigIssue] = []
    seen: set[tuple[Any, ...]] = set()
    for framework in config.frameworks.values():
        if not framework.document:
            continue
        try:
            document = framework_document(config, framework)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            source = _framework_file(config, framework.id)
            if source is not None:
                issues.append(source.issue(("framework", "document"), f"cannot read the document "
                                                                      f"'{framework.document}': {exc}"))
            continue
        every: list[Any] = [*_framework_words(config, framework), *_metric_words(config, set(framework.metric_ids())),
                            *_ledger_words(config, framework.id)]
        for found in every:
            # a quote written once in a template is one problem, however many metrics take it
            key = (*found.source.origin(found.loc), found.words)
            if key in seen:
                continue
            seen.add(key)
            issue = _problem(found, document)
            if issue is not None:
                issues.append(issue)
    return sorted(issues, key=lambda i: (i.file, i.line))
