"""Snapshots: the immutable record of a framework's evaluations at a period.

A snapshot holds everything the exports need, so a report can be rebuilt years later
without the live data or the current config: the framework, each metric's definition
(the full declaration, its hash, and its method in words), every evaluation (the
``outcomes evaluate`` shape plus the words and formatted figures shown in reports),
the headline series behind each chart, the data vintage of each source, and the
commentary recorded at the time. Small numbers are suppressed before anything is saved.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from datasources import store
from metrics.definitions import Metric
from metrics.describe import binding_in_words, method_in_words
from metrics.formatting import STATUS_WORDS, format_value, number
from metrics.periods import month_label, parse_month
from metrics.service import MetricsService, definition_hash
from metrics.trend import recent_trend

CONTRACT_KEYS = ("metric_id", "intention_id", "title", "unit", "polarity", "period", "value", "numerator",
                 "denominator", "ci_lower", "ci_upper", "baseline", "target", "trajectory_value", "progress_pct",
                 "status", "status_reason")
TREND_METHOD = {"proportion": "proportion", "crude_rate": "rate", "count": "count", "mean": "mean",
                "published": "rate"}


class SnapshotError(Exception):
    """A snapshot cannot be made or found; the message says why in words."""


def _clean(value: Any) -> Any:
    """JSON-safe: NaN becomes null, numpy numbers become floats, tuples lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    try:
        number_ = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(number_) else number_


# ---------------------------------------------------------------- the snapshot, read back

@dataclass(frozen=True)
class Snapshot:
    """A stored snapshot with helpers for the renderers. Everything comes from the store."""

    record: store.SnapshotRecord

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def framework(self) -> dict[str, Any]:
        return self.record.payload["framework"]

    @property
    def period(self) -> str:
        return self.record.period

    @property
    def version(self) -> int:
        return self.record.version

    @property
    def created_at(self) -> datetime:
        return self.record.created_at

    @property
    def evaluations(self) -> list[dict[str, Any]]:
        return self.record.evaluations

    @property
    def definitions(self) -> dict[str, dict[str, Any]]:
        return self.record.payload["definitions"]

    @property
    def commentary(self) -> dict[str, list[dict[str, Any]]]:
        return self.record.payload.get("commentary", {})

    @property
    def milestones(self) -> list[dict[str, Any]]:
        return self.record.payload.get("milestones", [])

    @property
    def label(self) -> str:
        return f"{self.framework['title']}, {self.period_label}, version {self.version}"

    @property
    def period_label(self) -> str:
        return month_label(parse_month(self.period))

    def series(self, metric_id: str) -> list[dict[str, Any]]:
        return self.record.series.get(metric_id, [])

    def metric(self, metric_id: str) -> Metric:
        """The metric's declaration as it was when the snapshot was made."""
        return Metric.model_validate(self.definitions[metric_id]["model"])

    def for_intention(self, intention_id: str) -> list[dict[str, Any]]:
        return [e for e in self.evaluations if e["intention_id"] == intention_id]

    def status_counts(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUS_WORDS}
        for e in self.evaluations:
            counts[e["status"]] += 1
        return counts

    def off_track_intentions(self) -> list[dict[str, Any]]:
        off = {e["intention_id"] for e in self.evaluations if e["status"] == "off_track"}
        return [i for i in self.framework["intentions"] if i["id"] in off]

    def summary(self) -> dict[str, Any]:
        return self.record.summary()

    def to_contract(self) -> dict[str, Any]:
        """``outcomes snapshot show``: the snapshot's identity and, as ``outcomes evaluate``
        gives them, its framework, period and metrics."""
        return {**self.record.summary(), "framework": self.record.framework_id, "period": self.period,
                "vintages": self.record.vintages,
                "metrics": [{k: e[k] for k in CONTRACT_KEYS} for e in self.evaluations]}


# ---------------------------------------------------------------- assembly

def _trend(metric: Metric, points: list[dict[str, Any]]) -> dict[str, str]:
    usable = [p for p in points if p["value"] is not None]
    polarity = "higher" if metric.polarity == "higher_is_better" else "lower"
    try:
        result = recent_trend([p["value"] for p in usable], [p["numerator"] for p in usable],
                              [p["denominator"] for p in usable], method=TREND_METHOD[metric.method],
                              polarity=polarity, lower=[p["ci_lower"] for p in usable],
                              upper=[p["ci_upper"] for p in usable])
    except (ValueError, ZeroDivisionError, TypeError) as exc:
        return {"label": "Recent trend could not be calculated", "assessment": "not_applicable", "reason": str(exc)}
    return {"label": result.label, "assessment": result.assessment, "reason": result.reason}


def _series(service: MetricsService, metric: Metric, period: str) -> list[dict[str, Any]]:
    frame = service.series(metric.id)
    if frame.empty:
        return []
    at = parse_month(period)
    points = []
    for row in frame[frame["period_end"] <= at].to_dict("records"):
        point = _clean({k: row[k] for k in ("period", "label", "value", "ci_lower", "ci_upper", "numerator",
                                             "denominator")})
        small = point["numerator"] is not None and point["numerator"] < metric.suppress_below
        if small:
            point.update(value=None, ci_lower=None, ci_upper=None, numerator=None)
        point["suppressed"] = small
        points.append(point)
    return points


def _evaluation(evaluation: Any, metric: Metric, points: list[dict[str, Any]]) -> dict[str, Any]:
    contract = _clean(evaluation.to_contract())
    hidden = evaluation.suppressed
    value_text = ("suppressed (small numbers)" if hidden
                  else format_value(evaluation.value, metric) if evaluation.value is not None else "no value")
    ci_text = ("" if hidden or evaluation.ci_lower is None or evaluation.ci_upper is None else
               f"{format_value(evaluation.ci_lower, metric, with_unit=False)} to "
               f"{format_value(evaluation.ci_upper, metric, with_unit=False)}")
    target_text = format_value(evaluation.target_value, metric) if evaluation.target_value is not None else "none set"
    if evaluation.deadline:
        target_text += f" by {month_label(parse_month(evaluation.deadline))}"
    report = {
        "display_title": metric.display_title,
        "period_label": evaluation.period_label,
        "status_word": STATUS_WORDS[evaluation.status],
        "value_text": value_text,
        "ci_text": ci_text,
        "target_text": target_text,
        "baseline_text": (f"{format_value(evaluation.baseline_value, metric)} ({evaluation.baseline_label})"
                          if evaluation.baseline_value is not None else "none"),
        "trajectory_text": (format_value(evaluation.trajectory_value, metric)
                            if evaluation.trajectory_value is not None else "–"),
        "progress_text": "–" if contract["progress_pct"] is None else f"{number(contract['progress_pct'], 0)}%",
        "expected_progress_pct": _clean(evaluation.expected_progress_pct),
        "trend": _trend(metric, points) if not hidden else {"label": "Not shown (small numbers)",
                                                            "assessment": "not_applicable", "reason": ""},
        "suppressed": bool(hidden),
        "source_error": evaluation.source_error,
        "target_stated": _clean(evaluation.target_stated),
        "baseline_label": evaluation.baseline_label,
        "target_description": metric.target.description if metric.target else None,
    }
    return {**contract, "report": report}


def assemble(service: MetricsService, framework_id: str, period: str | None) -> dict[str, Any]:
    """Everything a snapshot holds, from the live service (suppression applied)."""
    framework = service.framework(framework_id)
    result = service.evaluate_framework(framework.id, period, suppress=True)
    definitions: dict[str, dict[str, Any]] = {}
    series: dict[str, list[dict[str, Any]]] = {}
    evaluations = []
    for evaluation in result.evaluations:
        metric = service.metric(evaluation.metric_id)
        if metric.id not in series:
            series[metric.id] = _series(service, metric, result.period)
        if metric.id not in definitions:
            definitions[metric.id] = {"hash": definition_hash(metric), "model": metric.model_dump(mode="json"),
                                      "binding_words": binding_in_words(metric),
                                      "method_words": method_in_words(metric)}
        evaluations.append(_evaluation(evaluation, metric, series[metric.id]))
    sources = sorted({service.metric(m).binding.datasource for m in definitions})
    vintages = {s: service.registry.vintage(s) for s in sources}
    framework_dump = framework.model_dump(mode="json")
    overall = hashlib.sha256(json.dumps({"framework": framework_dump,
                                         "metrics": {m: d["hash"] for m, d in sorted(definitions.items())}},
                                        sort_keys=True).encode()).hexdigest()[:16]
    milestones = [{"intention_id": m.intention_id, "title": m.milestone.title,
                   "due": f"{m.milestone.due:%Y-%m}", "status": m.milestone.status, "state": m.state,
                   "evidence": m.milestone.evidence} for m in result.milestones]
    payload = {"schema": 1, "framework": framework_dump, "definitions": definitions, "milestones": milestones,
               "sources": {s: {"title": service.config.datasources[s].title} for s in sources
                           if s in service.config.datasources},
               "status_counts": result.status_counts()}
    return {"framework_id": framework.id, "period": result.period, "definitions_hash": overall,
            "vintages": vintages, "payload": payload, "evaluations": evaluations, "series": series}


def create(service: MetricsService, framework_id: str, period: str | None, created_by: str,
           url: str | None = None, step: Callable[[str], None] | None = None) -> Snapshot:
    """Evaluate and save a new snapshot (the next version for its framework and period)."""
    say = step or (lambda _msg: None)
    try:
        service.framework(framework_id)
    except KeyError as exc:
        raise SnapshotError(str(exc.args[0])) from None
    if period is not None:
        try:
            parse_month(period)
        except ValueError as exc:
            raise SnapshotError(f"--period: {exc}") from None
    content = assemble(service, framework_id, period)
    say(f"evaluated {len(content['evaluations'])} metric(s) of {content['framework_id']} at {content['period']}")
    content["payload"]["commentary"] = store.commentary_for(content["framework_id"], content["period"], url)
    record = store.save_snapshot(content["framework_id"], content["period"], created_by,
                                 content["definitions_hash"], content["vintages"], content["payload"],
                                 content["evaluations"], content["series"], url=url, step=say)
    say(f"saved snapshot {record.id}: {record.framework_id} {record.period} version {record.version}")
    return Snapshot(record)


def load(snapshot_id: int | str, url: str | None = None) -> Snapshot:
    try:
        key = int(snapshot_id)
    except (TypeError, ValueError):
        raise SnapshotError(f"'{snapshot_id}' is not a snapshot id; ids are whole numbers "
                            f"(see 'outcomes snapshot list')") from None
    record = store.load_snapshot(key, url)
    if record is None:
        raise SnapshotError(f"no snapshot with id {key} (see 'outcomes snapshot list')")
    return Snapshot(record)


def list_all(framework_id: str | None = None, url: str | None = None) -> list[dict[str, Any]]:
    return store.list_snapshots(framework_id, url)


def previous(snapshot: Snapshot, url: str | None = None) -> Snapshot | None:
    found = store.previous_snapshot_id(snapshot.record, url)
    return load(found, url) if found is not None else None


# ---------------------------------------------------------------- comparison

@dataclass(frozen=True)
class Change:
    metric_id: str
    title: str
    status_before: str | None
    status_after: str | None
    value_before: str
    value_after: str
    period_before: str | None
    period_after: str | None
    revised_periods: list[str]
    new_periods: list[str]
    definition_changed: bool

    @property
    def status_changed(self) -> bool:
        return self.status_before != self.status_after

    @property
    def kinds(self) -> list[str]:
        kinds = []
        if self.status_changed:
            kinds.append("status changed")
        if self.revised_periods:
            kinds.append("values revised")
        if self.new_periods:
            kinds.append("new data")
        if self.definition_changed:
            kinds.append("definition changed")
        return kinds

    def sentence(self) -> str:
        parts = []
        if self.status_changed:
            before = STATUS_WORDS.get(self.status_before or "", "not reported")
            after = STATUS_WORDS.get(self.status_after or "", "not reported")
            parts.append(f"status moved from {before} to {after}")
        if self.new_periods:
            parts.append(f"{len(self.new_periods)} new period(s) of data, latest {self.new_periods[-1]}")
        if self.revised_periods:
            parts.append(f"{len(self.revised_periods)} earlier figure(s) revised ({', '.join(self.revised_periods[:3])}"
                         + (", …" if len(self.revised_periods) > 3 else "") + ")")
        if self.definition_changed:
            parts.append("its definition changed")
        return f"{self.title}: " + ("; ".join(parts) if parts else "no change") + "."


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def compare(before: Snapshot, after: Snapshot) -> list[Change]:
    """Per metric of either snapshot: status change, revised values, new periods of data."""
    old = {e["metric_id"]: e for e in before.evaluations}
    new = {e["metric_id"]: e for e in after.evaluations}
    order = [e["metric_id"] for e in after.evaluations] + [m for m in old if m not in new]
    changes = []
    for metric_id in dict.fromkeys(order):
        a, b = old.get(metric_id), new.get(metric_id)
        series_a = {p["period"]: p["value"] for p in before.series(metric_id)}
        series_b = {p["period"]: p["value"] for p in after.series(metric_id)}
        revised = sorted(p for p in series_a.keys() & series_b.keys() if not _close(series_a[p], series_b[p]))
        added = sorted(series_b.keys() - series_a.keys())
        hash_a = before.definitions.get(metric_id, {}).get("hash")
        hash_b = after.definitions.get(metric_id, {}).get("hash")
        either = b or a
        assert either is not None
        changes.append(Change(
            metric_id=metric_id, title=either["report"]["display_title"],
            status_before=a["status"] if a else None, status_after=b["status"] if b else None,
            value_before=a["report"]["value_text"] if a else "–", value_after=b["report"]["value_text"] if b else "–",
            period_before=a["period"] if a else None, period_after=b["period"] if b else None,
            revised_periods=revised, new_periods=added,
            definition_changed=bool(hash_a and hash_b and hash_a != hash_b)))
    return changes
