"""CSV from a stored snapshot: tidy evaluations and series tables, and a data dictionary.

Text that a spreadsheet would read as a formula (starting =, +, -, @, tab or carriage return)
is written with a leading apostrophe, as OWASP advises against CSV injection
(``metrics.cell_text``); numbers are written as numbers."""

from __future__ import annotations

import csv
from pathlib import Path

from metrics.evaluation.provenance_words import assumed_cell, provenance_summary
from metrics.evaluation.status import Status
from metrics.cell_text import csv_safe
from reports.written import written_tables
from snapshots import Snapshot

EVALUATION_COLUMNS = [
    ("snapshot_id", "Snapshot id (outcomes snapshot list)"),
    ("framework", "Framework id"),
    ("snapshot_period", "Period the snapshot reports on, YYYY-MM (its last month)"),
    ("snapshot_version", "Version of the snapshot for that framework and period"),
    ("intention_id", "Commissioning intention id"),
    ("metric_id", "Metric id"),
    ("title", "Metric title"),
    ("unit", "Unit: count, percent, rate_per_1000, rate_per_100k, dsr_per_100k, currency, mean"),
    ("polarity", "higher_is_better or lower_is_better"),
    ("period", "Period of the latest figure, named by its last month YYYY-MM"),
    ("period_label", "Period of the latest figure in words"),
    ("value", "Latest value (empty when suppressed or unknown)"),
    ("numerator", "Numerator of the latest value (empty when suppressed)"),
    ("denominator", "Denominator of the latest value"),
    ("ci_lower", "Lower 95% confidence limit"),
    ("ci_upper", "Upper 95% confidence limit"),
    ("baseline_period", "Baseline period YYYY-MM"),
    ("baseline_value", "Baseline value"),
    ("target_kind", "relative_change, level or count"),
    ("target_value", "Target value (relative targets converted to a level)"),
    ("target_deadline", "Target deadline YYYY-MM"),
    ("trajectory_value", "Glide path value at the latest period"),
    ("progress_pct", "(value - baseline) / (target - baseline) * 100, exact; empty for a maintain target "
                     "(a level the baseline already met)"),
    ("progress_text", "Progress as pages and reports show it: capped at -100% and 200%, or 'not shown "
                      "(maintain target)'"),
    ("status", "achieved, on_track, at_risk, off_track, monitored, not_started or no_data"),
    ("status_word", "Status in words"),
    ("trend", "Recent trend (Fingertips method)"),
    ("suppressed", "true when the latest figure is withheld as a small number"),
    ("synthetic", "true when the metric's figures are synthetic: generated sample data, not real statistics "
                  "(as its source was declared when the snapshot was made)"),
    ("status_reason", "Why the status is what it is, in words"),
    ("target_assumed", "The parts of the target that are our assumptions, not the council's document "
                       "(target figure; baseline; deadline; measure), empty when none"),
    ("target_provenance", "Where each part of the target comes from: the document's words or why it was assumed"),
]
SERIES_COLUMNS = [
    ("snapshot_id", "Snapshot id"),
    ("framework", "Framework id"),
    ("metric_id", "Metric id"),
    ("period", "Period, named by its last month YYYY-MM"),
    ("label", "Period in words"),
    ("value", "Value (empty when suppressed)"),
    ("ci_lower", "Lower 95% confidence limit"),
    ("ci_upper", "Upper 95% confidence limit"),
    ("numerator", "Numerator (empty when suppressed)"),
    ("denominator", "Denominator"),
    ("suppressed", "true when the figure is withheld as a small number"),
]


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
    base = {"snapshot_id": snapshot.id, "framework": snapshot.record.framework_id}
    with evaluations.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, [c for c, _ in EVALUATION_COLUMNS])
        writer.writeheader()
        for e in snapshot.evaluations:
            r = e["report"]
            row = {**base, "snapshot_period": snapshot.period, "snapshot_version": snapshot.version,
                   **{k: e[k] for k in ("intention_id", "metric_id", "title", "unit", "polarity", "period", "value",
                                        "numerator", "denominator", "ci_lower", "ci_upper", "trajectory_value",
                                        "progress_pct", "status", "status_reason")},
                   "period_label": r["period_label"], "baseline_period": e["baseline"]["period"],
                   "baseline_value": e["baseline"]["value"], "target_kind": e["target"]["kind"],
                   "target_value": e["target"]["value"], "target_deadline": e["target"]["deadline"],
                   "status_word": Status(e["status"]).words, "progress_text": r["progress_text"], "trend": r["trend"]["label"],
                   "suppressed": r["suppressed"], "synthetic": snapshot.synthetic(e),
                   "target_assumed": assumed_cell(e.get("target_provenance")),
                   "target_provenance": provenance_summary(e.get("target_provenance"))}
            writer.writerow({k: _cell(v) for k, v in row.items()})
    with series.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, [c for c, _ in SERIES_COLUMNS])
        writer.writeheader()
        for e in snapshot.evaluations:
            for p in snapshot.series(e["metric_id"]):
                writer.writerow({k: _cell(v) for k, v in {**base, "metric_id": e["metric_id"], **p}.items()})
    described = [(evaluations.name, EVALUATION_COLUMNS), (series.name, SERIES_COLUMNS)]
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
