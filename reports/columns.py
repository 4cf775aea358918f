"""The columns of the tables a snapshot is exported as: one definition of each (its name, the workbook's heading,
the CSV data dictionary's description, how its value is read), which the workbook (``reports.xlsx``), the CSV
files (``reports.csv_export``) and the command line's CSV (``outcomes evaluate --format csv``) choose from by
name. A column's value is the same in each; only how a flag or an empty cell is written differs by format.

Values are read from a stored evaluation (or, for the command line, the same shape from ``outcomes evaluate``)
and the snapshot it belongs to; columns that need the snapshot are not offered to the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from metrics.evaluation.provenance_words import assumed_cell, provenance_summary
from metrics.evaluation.status import Status


@dataclass(frozen=True)
class Column:
    name: str           # the CSV header, and how every table finds the column
    heading: str        # the workbook's header
    description: str    # the CSV data dictionary's
    #: ``value(row, snapshot)``: ``row`` is an evaluation (or a series point), ``snapshot`` the snapshot it is in.
    value: Callable[[dict[str, Any], Any], Any]
    #: The workbook's number format: "metric" (the metric's decimals), "count" (whole numbers), "" (as it is).
    number: str = ""
    width: int = 12
    wrap: bool = False


def _key(name: str) -> Callable[[dict[str, Any], Any], Any]:
    return lambda row, _snapshot: row[name]


def _intention_title(e: dict[str, Any], snapshot: Any) -> str:
    return next((i["title"] for i in snapshot.framework["intentions"] if i["id"] == e["intention_id"]),
                e["intention_id"])


_EVALUATION = (
    Column("snapshot_id", "Snapshot id", "Snapshot id (outcomes snapshot list)", lambda _e, s: s.id),
    Column("framework", "Framework id", "Framework id", lambda _e, s: s.record.framework_id),
    Column("snapshot_period", "Snapshot period", "Period the snapshot reports on, YYYY-MM (its last month)",
           lambda _e, s: s.period),
    Column("snapshot_version", "Snapshot version", "Version of the snapshot for that framework and period",
           lambda _e, s: s.version),
    Column("intention_id", "Intention id", "Commissioning intention id", _key("intention_id")),
    Column("intention", "Intention", "Commissioning intention", _intention_title, width=40, wrap=True),
    Column("metric_id", "Metric id", "Metric id", _key("metric_id"), width=26),
    Column("title", "Metric", "Metric title", _key("title"), width=40, wrap=True),
    Column("unit", "Unit code",
           "Unit: count, percent, rate_per_1000, rate_per_100k, dsr_per_100k, currency, mean", _key("unit")),
    Column("unit_label", "Unit", "Unit in words", lambda e, s: s.metric(e["metric_id"]).unit_label or e["unit"],
           width=22),
    Column("polarity", "Polarity", "higher_is_better or lower_is_better", _key("polarity")),
    Column("period", "Period of the figure", "Period of the latest figure, named by its last month YYYY-MM",
           _key("period")),
    Column("period_label", "Period", "Period of the latest figure in words", lambda e, _s: e["report"]["period_label"]),
    Column("value", "Value", "Latest value (empty when suppressed or unknown)", _key("value"), number="metric"),
    Column("numerator", "Numerator", "Numerator of the latest value (empty when suppressed)", _key("numerator"),
           number="count"),
    Column("denominator", "Denominator", "Denominator of the latest value", _key("denominator"), number="count"),
    Column("ci_lower", "95% CI lower", "Lower 95% confidence limit", _key("ci_lower"), number="metric"),
    Column("ci_upper", "95% CI upper", "Upper 95% confidence limit", _key("ci_upper"), number="metric"),
    Column("baseline_period", "Baseline period", "Baseline period YYYY-MM", lambda e, _s: e["baseline"]["period"]),
    Column("baseline_value", "Baseline", "Baseline value", lambda e, _s: e["baseline"]["value"], number="metric"),
    Column("target_kind", "Target kind", "relative_change, level or count", lambda e, _s: e["target"]["kind"]),
    Column("target_value", "Target", "Target value (relative targets converted to a level)",
           lambda e, _s: e["target"]["value"], number="metric"),
    Column("target_deadline", "Target deadline", "Target deadline YYYY-MM", lambda e, _s: e["target"]["deadline"]),
    Column("trajectory_value", "Glide path value", "Glide path value at the latest period", _key("trajectory_value"),
           number="metric"),
    Column("progress_pct", "Progress (%)", "(value - baseline) / (target - baseline) * 100, exact; empty for a "
           "maintain target (a level the baseline already met)", _key("progress_pct")),
    Column("progress_text", "Progress to target", "Progress as pages and reports show it: capped at -100% and "
           "200%, or 'not shown (maintain target)'", lambda e, _s: e["report"]["progress_text"]),
    Column("status", "Status code", "achieved, on_track, at_risk, off_track, monitored, not_started or no_data",
           _key("status")),
    Column("status_word", "Status", "Status in words", lambda e, _s: Status(e["status"]).words),
    Column("trend", "Recent trend", "Recent trend (Fingertips method)", lambda e, _s: e["report"]["trend"]["label"],
           width=22),
    Column("suppressed", "Suppressed", "true when the latest figure is withheld as a small number",
           lambda e, _s: e["report"]["suppressed"], width=11),
    Column("synthetic", "Synthetic (sample data, not real)", "true when the metric's figures are synthetic: "
           "generated sample data, not real statistics (as its source was declared when the snapshot was made)",
           lambda e, s: s.synthetic(e), width=14),
    Column("status_reason", "Status reason", "Why the status is what it is, in words", _key("status_reason"),
           width=80, wrap=True),
    Column("target_assumed", "Target assumed (not in the document)", "The parts of the target that are our "
           "assumptions, not the council's document (target figure; baseline; deadline; measure), empty when none",
           lambda e, _s: assumed_cell(e.get("target_provenance")), width=24),
    Column("target_provenance", "Where the target comes from", "Where each part of the target comes from: the "
           "document's words or why it was assumed", lambda e, _s: provenance_summary(e.get("target_provenance")),
           width=80, wrap=True),
)
#: Every column of an evaluation, by name.
EVALUATION: dict[str, Column] = {c.name: c for c in _EVALUATION}

_SERIES = (
    Column("snapshot_id", "Snapshot id", "Snapshot id", lambda _p, s: s.id),
    Column("framework", "Framework id", "Framework id", lambda _p, s: s.record.framework_id),
    Column("metric_id", "Metric id", "Metric id", _key("metric_id"), width=26),
    Column("period", "Period", "Period, named by its last month YYYY-MM", _key("period"), width=10),
    Column("label", "Period label", "Period in words", _key("label"), width=14),
    Column("value", "Value", "Value (empty when suppressed)", _key("value"), number="metric"),
    Column("ci_lower", "95% CI lower", "Lower 95% confidence limit", _key("ci_lower"), number="metric"),
    Column("ci_upper", "95% CI upper", "Upper 95% confidence limit", _key("ci_upper"), number="metric"),
    Column("numerator", "Numerator", "Numerator (empty when suppressed)", _key("numerator"), number="count"),
    Column("denominator", "Denominator", "Denominator", _key("denominator"), number="count", width=14),
    Column("suppressed", "Suppressed", "true when the figure is withheld as a small number", _key("suppressed"),
           width=11),
)
#: Every column of a series point (with its ``metric_id``), by name.
SERIES: dict[str, Column] = {c.name: c for c in _SERIES}

#: Each table's columns, by name, in order.
CSV_EVALUATIONS = tuple(name for name in EVALUATION if name not in ("intention", "unit_label"))
CSV_SERIES = tuple(SERIES)
WORKBOOK_SUMMARY = ("intention", "metric_id", "title", "period_label", "value", "unit_label", "ci_lower", "ci_upper",
                    "baseline_value", "target_value", "target_deadline", "trajectory_value", "status_word",
                    "progress_text", "trend", "suppressed", "synthetic", "status_reason", "target_assumed",
                    "target_provenance")
WORKBOOK_SERIES = ("metric_id", "period", "label", "value", "ci_lower", "ci_upper", "numerator", "denominator",
                   "suppressed")
#: What ``outcomes evaluate --format csv`` writes of each evaluation (after the framework and period it is for),
#: read from its JSON shape: no column here needs a snapshot.
COMMAND_LINE = ("metric_id", "intention_id", "title", "unit", "polarity", "period", "value", "numerator",
                "denominator", "ci_lower", "ci_upper", "baseline_period", "baseline_value", "target_kind",
                "target_value", "target_deadline", "trajectory_value", "progress_pct", "status", "status_reason")


def chosen(columns: dict[str, Column], names: Sequence[str]) -> list[Column]:
    """The columns called ``names``, in that order; a name no column has is an error naming it."""
    missing = [n for n in names if n not in columns]
    if missing:
        raise KeyError(f"no column called {', '.join(missing)}; the columns are {', '.join(columns)}")
    return [columns[n] for n in names]
