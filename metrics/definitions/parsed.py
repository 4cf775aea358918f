"""What loading config produces: the problems found (with file and line), each parsed file, and the
validated whole. Shared by the loader and the cross-reference rules, so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

from datasources.ingest_spec import IngestSpec
from metrics.definitions.models import DataSource, Framework, Ledger, Metric

PathKey = tuple[Any, ...]
Origin = tuple[str, int]  # (file as displayed, 1-based line)


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ConfigError(Exception):
    """The user's config has problems: carries all of them."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass
class SourceFile:
    """One parsed YAML file: its plain data and where each path sits.

    ``lines`` are the file's own lines. Once templates are applied, ``origins`` holds
    the file and line each path of the merged data was written at (a key taken from a
    template points into the template), and ``skipped`` the items left out of
    validation because a template they name could not be resolved."""

    path: Path
    display: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    origins: dict[PathKey, Origin] = field(default_factory=dict)
    skipped: set[PathKey] = field(default_factory=set)
    positions: dict[str, list[int]] = field(default_factory=dict)  # index as written of each valid item

    def origin(self, loc: Iterable[Any]) -> Origin:
        """File and line of the deepest prefix of ``loc`` that was written somewhere (a
        missing key is reported at the line of the mapping that should hold it)."""
        best: Origin = (self.display, self.lines.get((), 1))
        current: PathKey = ()
        for part in loc:
            current = current + (part,)
            if current in self.origins:
                best = self.origins[current]
            elif current in self.lines:
                best = (self.display, self.lines[current])
            else:
                break
        return best

    def issue(self, loc: Iterable[Any], message: str) -> ConfigIssue:
        """A problem at ``loc``, reported where that key was written."""
        loc = tuple(loc)
        file, line = self.origin(loc)
        if file != self.display and loc:
            # written in a template in another file: say which item took it from there
            item = loc[:2] if len(loc) > 1 and isinstance(loc[1], int) else loc[:1]
            message += f" (in {self.field_name(item)} of {self.display}:{self.lines.get(item, 1)})"
        return ConfigIssue(file, line, self.field_name(loc), message)

    def field_name(self, loc: Iterable[Any]) -> str:
        words: list[str] = []
        for part in loc:
            if isinstance(part, int):
                words.append(f"[{part}]")
            else:
                words.append(("." if words else "") + str(part))
        return "".join(words) or "(file)"


@dataclass
class Config:
    """The whole validated config."""

    root: Path
    datasources: dict[str, DataSource]
    frameworks: dict[str, Framework]
    metrics: dict[str, Metric]
    files: dict[str, SourceFile]
    ingest: list[IngestSpec] = field(default_factory=list)
    ledgers: dict[str, Ledger] = field(default_factory=dict)  # framework id -> its coverage ledger

    @cached_property
    def disclosure_groups(self) -> dict[str, tuple[str, ...]]:
        """Each metric that is a whole or a part of one (``part_of``) -> its group: the whole first, then its
        parts in config order. Small numbers are withheld over a group together (``metrics.disclosure``)."""
        parts: dict[str, list[str]] = {}
        for metric in self.metrics.values():
            if metric.part_of is not None and metric.part_of in self.metrics:
                parts.setdefault(metric.part_of, []).append(metric.id)
        groups = {whole: (whole, *members) for whole, members in parts.items()}
        return {member: group for group in groups.values() for member in group}

    def framework(self, framework_id: str | None) -> Framework:
        if framework_id is None:
            marked = [fw for fw in self.frameworks.values() if fw.default]
            return marked[0] if marked else next(iter(self.frameworks.values()))
        try:
            return self.frameworks[framework_id]
        except KeyError:
            known = ", ".join(sorted(self.frameworks)) or "none"
            raise KeyError(f"no framework '{framework_id}'; known frameworks: {known}") from None
