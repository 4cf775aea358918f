"""Assembling a snapshot from the live evaluations and saving it."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Mapping

from datasources.store import Store
from snapshots import comparison, storage
from metrics.definitions.models import Metric
from metrics.describe import binding_in_words, method_in_words
from metrics.disclosure import suppress_frame
from metrics.evaluation.evaluate import Evaluation, metric_glide_path
from metrics.evaluation.milestones import MilestoneProgress
from metrics.evaluation.progress import progress_text
from metrics.evaluation.status import Status
from metrics.formatting import format_value
from metrics.periods import month_key, month_label, parse_month
from metrics.service import ChangePoints, MetricsService, definition_hash
from snapshots.record import Snapshot, SnapshotError, _clean

def _series(service: MetricsService, metric: Metric, period: str) -> list[dict[str, Any]]:
    """The headline series up to ``period``, small numbers withheld (metrics.disclosure)."""
    frame = service.series(metric.id)
    if frame.empty:
        return []
    shown = suppress_frame(frame[frame["period_end"] <= parse_month(period)], metric)
    return [{**_clean({k: row[k] for k in ("period", "label", "value", "ci_lower", "ci_upper", "numerator",
                                           "denominator")}), "suppressed": bool(row["suppressed"])}
            for row in shown.to_dict("records")]


def _evaluation(evaluation: Evaluation, metric: Metric) -> dict[str, Any]:
    """The whole evaluation (contract keys, every other field, insights) plus the report's words."""
    record = _clean(evaluation.to_record())
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
        "status_word": Status(evaluation.status).words,
        "value_text": value_text,
        "ci_text": ci_text,
        "target_text": target_text,
        "baseline_text": (f"suppressed (small numbers) ({evaluation.baseline_label})" if evaluation.baseline_suppressed
                          else f"{format_value(evaluation.baseline_value, metric)} ({evaluation.baseline_label})"
                          if evaluation.baseline_value is not None else "none"),
        "trajectory_text": (format_value(evaluation.trajectory_value, metric)
                            if evaluation.trajectory_value is not None else "–"),
        "progress_text": progress_text(record["progress_pct"], evaluation.target_mode),
        "expected_progress_pct": _clean(evaluation.expected_progress_pct),
        "trend": _trend(evaluation),
        "suppressed": bool(hidden),
        "source_error": evaluation.source_error,
        "target_stated": _clean(evaluation.target_stated),
        "baseline_label": evaluation.baseline_label,
        "target_description": metric.target.description if metric.target else None,
    }
    # The glide path's corners as drawn when the snapshot was made (none with a withheld or unknown baseline): a
    # report made again after the rule that draws them has changed still draws what was signed off.
    glide = [[month_key(month), value] for month, value in metric_glide_path(metric, evaluation.baseline_value)]
    return {**record, "glide_path": _clean(glide), "report": report}


def _trend(evaluation: Evaluation) -> dict[str, str]:
    """The recent trend as the service computed it (small numbers already withheld)."""
    insights = evaluation.insights
    if insights is None or insights.trend is None:
        words = insights.trend_words if insights is not None else "Recent trend could not be calculated: no data."
        return {"label": "Recent trend could not be calculated", "assessment": "not_applicable", "reason": words}
    return {"label": insights.trend.label, "assessment": insights.trend.assessment, "reason": insights.trend.reason}


def assemble(service: MetricsService, framework_id: str, period: str | None,
             milestone_progress: Mapping[tuple[str, str], MilestoneProgress] | None = None,
             change_points: ChangePoints | None = None) -> dict[str, Any]:
    """Everything a snapshot holds, from the live service (suppression applied). ``milestone_progress`` and
    ``change_points``: what people recorded in the store (the review domain passes them), so the snapshot
    holds the intentions' judgement as it was signed off."""
    framework = service.framework(framework_id)
    result = service.evaluate_framework(framework.id, period, suppress=True, milestone_progress=milestone_progress,
                                        change_points=change_points)
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
        evaluations.append(_evaluation(evaluation, metric))
    sources = sorted({service.metric(m).binding.datasource for m in definitions})
    vintages = {s: service.registry.vintage(s) for s in sources}
    framework_dump = framework.model_dump(mode="json")
    overall = hashlib.sha256(json.dumps({"framework": framework_dump,
                                         "metrics": {m: d["hash"] for m, d in sorted(definitions.items())}},
                                        sort_keys=True).encode()).hexdigest()[:16]
    milestones = [m.to_dict() for m in result.milestones]
    # The change points each SPC chart applied (config's and people's), as they were: the evaluations hold the
    # rebased limits themselves, so a frozen snapshot re-exports the same whatever is recorded or withdrawn later.
    applied = {e.metric_id: [p.to_dict() for p in e.insights.spc.change_points] for e in result.evaluations
               if e.insights is not None and e.insights.spc is not None and e.insights.spc.change_points}
    payload = {"schema": 1, "framework": framework_dump, "definitions": definitions, "milestones": milestones,
               "change_points": applied, "intentions": [j.to_contract() for j in result.intentions],
               "sources": {s: {"title": service.config.datasources[s].title} for s in sources
                           if s in service.config.datasources},
               "status_counts": result.status_counts()}
    return {"framework_id": framework.id, "period": result.period, "definitions_hash": overall,
            "vintages": vintages, "payload": payload, "evaluations": evaluations, "series": series}


def create(service: MetricsService, store: Store, framework_id: str, period: str | None, created_by: str,
           step: Callable[[str], None] | None = None,
           commentary: Callable[[str, str], dict[str, list[dict[str, Any]]]] | None = None,
           change_points: ChangePoints | None = None) -> Snapshot:
    """Evaluate and save a new snapshot (the next version for its framework and period).

    ``commentary(framework_id, period)`` gives the words people wrote for that period, and ``change_points``
    the SPC change points they recorded; both are passed in by the caller (the review domain sits above
    snapshots, not below)."""
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
    content = assemble(service, framework_id, period, change_points=change_points)
    say(f"evaluated {len(content['evaluations'])} metric(s) of {content['framework_id']} at {content['period']}")
    content["payload"]["commentary"] = commentary(content["framework_id"], content["period"]) if commentary else {}
    record = storage.save_snapshot(store, content["framework_id"], content["period"], created_by,
                                 content["definitions_hash"], content["vintages"], content["payload"],
                                 content["evaluations"], content["series"], compared=comparison.recorded,
                                 step=say)
    say(f"saved snapshot {record.id}: {record.framework_id} {record.period} version {record.version}")
    return Snapshot(record)
