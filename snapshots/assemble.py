"""Assembling a snapshot from the live evaluations and saving it."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

from datasources.store import Store
from snapshots import storage
from metrics.definitions.models import Metric
from metrics.describe import binding_in_words, method_in_words
from metrics.formatting import STATUS_WORDS, format_value, number
from metrics.periods import month_label, parse_month
from metrics.service import MetricsService, definition_hash
from metrics.statistics.trend import recent_trend
from snapshots.record import Snapshot, SnapshotError, _clean

TREND_METHOD = {"proportion": "proportion", "crude_rate": "rate", "count": "count", "mean": "mean",
                "published": "rate"}



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


def create(service: MetricsService, store: Store, framework_id: str, period: str | None, created_by: str,
           step: Callable[[str], None] | None = None,
           commentary: Callable[[str, str], dict[str, list[dict[str, Any]]]] | None = None) -> Snapshot:
    """Evaluate and save a new snapshot (the next version for its framework and period).

    ``commentary(framework_id, period)`` gives the words people wrote for that period; it is
    passed in by the caller (the review domain sits above snapshots, not below)."""
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
    content["payload"]["commentary"] = commentary(content["framework_id"], content["period"]) if commentary else {}
    record = storage.save_snapshot(store, content["framework_id"], content["period"], created_by,
                                 content["definitions_hash"], content["vintages"], content["payload"],
                                 content["evaluations"], content["series"], step=say)
    say(f"saved snapshot {record.id}: {record.framework_id} {record.period} version {record.version}")
    return Snapshot(record)
