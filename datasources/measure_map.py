"""One series per national measure across a publisher's renumbering (ASCOF 2023-24).

A measure map is a CSV with one row per (stable measure id, published code, first year, last
year): ``measure_id, code, first_year, last_year, description_contains, title``. The ingest looks
up every published row's (code, year) in it and writes the stable ``measure_id`` beside the
published code, so a binding filters on the measure, not on a code whose meaning changed (1E was
learning disability employment to 2022-23 and carers' satisfaction in 2023-24).

Nothing is joined on the code alone: the row's own published description must contain the map's
``description_contains`` words, or the ingest stops with the file and row. Rows mislabelled at
source (a description belonging to another measure) are loaded only when listed, with the reason,
in the known-mislabels CSV (``code, year, published_description, note``); they are kept under
their code and reported. The first year a measure is published under a new code is a break in the
series: ``series_break`` says "renumbered 1G -> 2E from 2023-24" on those rows.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasources.ingest_spec import MeasureMapSpec

MAP_COLUMNS = ("measure_id", "code", "first_year", "last_year", "description_contains", "title")
MISLABEL_COLUMNS = ("code", "year", "published_description", "note")


def _year(text: str) -> int:
    m = re.fullmatch(r"(\d{4})\s*[-/]\s*\d{2,4}", text.strip())
    if not m:
        raise ValueError(f"'{text}' is not a financial year; expected e.g. 2023-24")
    return int(m.group(1))


def _fy(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().lower()


@dataclass(frozen=True)
class MapEntry:
    measure_id: str
    code: str
    first: int
    last: int
    contains: str
    title: str
    line: int


@dataclass
class MeasureMap:
    """The loaded map, applied row by row; collects data-quality notes as it goes."""

    spec: MeasureMapSpec
    display: str
    entries: dict[tuple[str, int], MapEntry]
    mislabels: dict[tuple[str, int], tuple[str, str]]
    breaks: dict[tuple[str, int], str]
    # (file, code, year) -> [first row, rows, measure id, (published description, note)]
    _flawed: dict[tuple[str, str, int], list[Any]] = field(default_factory=dict)

    @property
    def notes(self) -> list[str]:
        """One line per flawed (file, code, year) kept: where, how many rows, and why."""
        out = []
        for (display, code, start), (row, count, measure, (described, why)) in self._flawed.items():
            label = f"labelled '{described}'" if described else "published without a description"
            out.append(f"{display}, row {row} and {count - 1} more: {code} {_fy(start)} {label}; "
                       f"kept as {measure}: {why}")
        return out

    def apply(self, record: dict[str, Any], display: str, row: int) -> str | None:
        """Add measure_id, measure_title, series_break, quality_note to one record; a problem or None."""
        s = self.spec
        record.update({"measure_id": None, "measure_title": None, "series_break": None, "quality_note": None})
        code, year = record.get(s.code_column), record.get(s.year_column)
        if code is None or year is None:
            return None
        start = year.year if hasattr(year, "year") else _year(str(year))
        entry = self.entries.get((str(code), start))
        if entry is None:
            return None
        described = _norm(record.get(s.description_column))
        if entry.contains not in described:
            known = self.mislabels.get((str(code), start))
            if known is None or _norm(known[0]) != described:
                return (f"{code} {_fy(start)} is described '{record.get(s.description_column)}', which is not "
                        f"measure {entry.measure_id} (its description contains '{entry.contains}'; "
                        f"{self.display} line {entry.line}): the code may mean something else that year. "
                        f"Correct the map, or list the row in {s.known_mislabels or 'a known_mislabels file'} "
                        f"with the reason it is kept")
            record["quality_note"] = known[1]
            seen = self._flawed.setdefault((display, str(code), start), [row, 0, entry.measure_id, known])
            seen[1] += 1
        record["measure_id"] = entry.measure_id
        record["measure_title"] = entry.title
        record["series_break"] = self.breaks.get((str(code), start))
        return None


def _read_csv(path: Path, display: str, columns: tuple[str, ...], problems: list[str]) -> list[tuple[int, dict]]:
    if not path.is_file():
        problems.append(f"{display}: file not found")
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            problems.append(f"{display}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
            return []
        return [(reader.line_num, dict(r)) for r in reader]


def load_measure_map(spec: MeasureMapSpec, project_root: Path) -> tuple[MeasureMap | None, list[str]]:
    """Read and check the map: every (code, year) means one measure; each measure's years do not overlap."""
    problems: list[str] = []
    entries: dict[tuple[str, int], MapEntry] = {}
    by_measure: dict[str, list[MapEntry]] = {}
    for line, r in _read_csv(project_root / spec.file, spec.file, MAP_COLUMNS, problems):
        try:
            first, last = _year(r["first_year"]), _year(r["last_year"])
        except ValueError as exc:
            problems.append(f"{spec.file}, line {line}: {exc}")
            continue
        if last < first:
            problems.append(f"{spec.file}, line {line}: last_year {r['last_year']} is before first_year")
            continue
        entry = MapEntry(r["measure_id"].strip(), r["code"].strip(), first, last,
                         _norm(r["description_contains"]), r["title"].strip(), line)
        if not entry.contains:
            problems.append(f"{spec.file}, line {line}: description_contains is empty; give words the "
                            f"published description of {entry.code} must contain")
        for y in range(first, last + 1):
            other = entries.get((entry.code, y))
            if other is not None:
                problems.append(f"{spec.file}, line {line}: {entry.code} in {_fy(y)} is already mapped to "
                                f"{other.measure_id} (line {other.line}); a code means one measure in a year")
            else:
                entries[(entry.code, y)] = entry
        for prior in by_measure.get(entry.measure_id, []):
            if prior.first <= last and first <= prior.last:
                problems.append(f"{spec.file}, line {line}: {entry.measure_id} is mapped to {prior.code} "
                                f"(line {prior.line}) and {entry.code} in overlapping years")
        by_measure.setdefault(entry.measure_id, []).append(entry)
    breaks: dict[tuple[str, int], str] = {}
    for measure, items in by_measure.items():
        items.sort(key=lambda e: e.first)
        for before, after in zip(items, items[1:]):
            if before.code != after.code:
                breaks[(after.code, after.first)] = (f"renumbered {before.code} -> {after.code} from "
                                                     f"{_fy(after.first)}")
    mislabels: dict[tuple[str, int], tuple[str, str]] = {}
    if spec.known_mislabels:
        for line, r in _read_csv(project_root / spec.known_mislabels, spec.known_mislabels, MISLABEL_COLUMNS,
                                 problems):
            try:
                mislabels[(r["code"].strip(), _year(r["year"]))] = (r["published_description"], r["note"])
            except ValueError as exc:
                problems.append(f"{spec.known_mislabels}, line {line}: {exc}")
    if problems:
        return None, problems
    return MeasureMap(spec, spec.file, entries, mislabels, breaks), []
