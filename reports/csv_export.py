"""CSV from a stored snapshot: tidy evaluations and series tables (their columns chosen by name from
``reports.columns``, as the workbook's are), and a data dictionary.

Text that a spreadsheet would read as a formula (starting =, +, -, @, tab or carriage return)
is written with a leading apostrophe, as OWASP advises against CSV injection
(``metrics.cell_text``); numbers are written as numbers."""

from __future__ import annotations

import csv
from pathlib import Path

from metrics.cell_text import csv_safe
from reports.columns import CSV_EVALUATIONS, CSV_SERIES, EVALUATION, SERIES, chosen
from reports.written import written_tables
from snapshots import Snapshot


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return csv_safe(value)


def render(snapshot: Snapshot, out_dir: Path, stem: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    evaluations = out_dir / f"{stem}-evaluations.csv"
    series = out_dir / f"{stem}-series.csv"
    dictionary = out_dir / f"{stem}-data-dictionary.csv"
    tables = [(evaluations, chosen(EVALUATION, CSV_EVALUATIONS), snapshot.evaluations),
              (series, chosen(SERIES, CSV_SERIES),
               [{"metric_id": e["metric_id"], **point} for e in snapshot.evaluations
                for point in snapshot.series(e["metric_id"])])]
    for path, columns, rows in tables:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([c.name for c in columns])
            for row in rows:
                writer.writerow([_cell(c.value(row, snapshot)) for c in columns])
    described = [(path.name, [(c.name, c.description) for c in columns]) for path, columns, _rows in tables]
    written = []  # what people wrote: a file each, as the workbook has a sheet each
    for table in written_tables(snapshot):
        path = out_dir / f"{stem}-{table.name.lower().replace(' ', '-').replace(chr(39), '')}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, [key for key, _h, _d in table.columns])
            writer.writeheader()
            for row in table.rows:
                writer.writerow({key: _cell(row.get(key)) for key, _h, _d in table.columns})
        written.append(path)
        described.append((path.name, [(key, description) for key, _h, description in table.columns]))
    with dictionary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "column", "description"])
        for name, columns in described:
            for column, description in columns:
                writer.writerow([csv_safe(name), column, description])
    if snapshot.integrity_warning:  # first in the list (and in the download's zip)
        warning = out_dir / f"{stem}-WARNING-snapshot-changed.txt"
        warning.write_text(snapshot.integrity_warning + "\n", encoding="utf-8")
        return [warning, evaluations, series, *written, dictionary]
    return [evaluations, series, *written, dictionary]
