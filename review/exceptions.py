"""The exceptions of a stored snapshot, for the committee variant of the report: metrics off
track or at risk, whose status changed since the previous snapshot, whose latest point is an
SPC special cause, or with an overdue action; intentions with late milestones or overdue
actions. Built only from the snapshots (the live data and config are not consulted)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from metrics.evaluation.status import Status
from snapshots import Snapshot

EXCEPTION_STATUSES = (Status.OFF_TRACK, Status.AT_RISK)


@dataclass(frozen=True)
class SnapshotExceptions:
    metrics: dict[tuple[str, str | None], list[str]] = field(default_factory=dict)  # (metric, intention): reasons
    intentions: dict[str, list[str]] = field(default_factory=dict)                 # intention id: reasons

    def has_metric(self, evaluation: dict[str, Any]) -> bool:
        return (evaluation["metric_id"], evaluation["intention_id"]) in self.metrics

    def has_intention(self, intention_id: str) -> bool:
        """The intention is shown: it has an exception itself or one of its metrics has."""
        return intention_id in self.intentions or any(i == intention_id for _m, i in self.metrics)


def snapshot_actions(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The actions frozen in a signed-off snapshot (none in a plain ``snapshot create``)."""
    return snapshot.record.payload.get("actions", [])


def _spc_special(evaluation: dict[str, Any]) -> str | None:
    spc = (evaluation.get("insights") or {}).get("spc") or {}
    variation = spc.get("variation")
    if not variation or variation == "common_cause":
        return None
    return f"SPC: {spc.get('variation_label') or variation.replace('_', ' ')} at the latest point"


def snapshot_exceptions(snapshot: Snapshot, status_before: Mapping[str, str] | None = None) -> SnapshotExceptions:
    """``status_before``: each metric's status in the previous snapshot, as the snapshot's stored
    comparison has it (``snapshots.Comparison.status_before``)."""
    before = status_before or {}
    actions = snapshot_actions(snapshot)
    metrics: dict[tuple[str, str | None], list[str]] = {}
    for e in snapshot.evaluations:
        key = (e["metric_id"], e["intention_id"])
        reasons = []
        if e["status"] in EXCEPTION_STATUSES:
            reasons.append(Status(e["status"]).words)
        old = before.get(e["metric_id"])
        if old is not None and old != e["status"]:
            reasons.append(f"Status changed from {Status(old).words} to {Status(e['status']).words}")
        special = _spc_special(e)
        if special:
            reasons.append(special)
        overdue = sum(1 for a in actions if a.get("metric_id") == e["metric_id"] and a.get("overdue"))
        if overdue:
            reasons.append(f"{overdue} overdue action(s)")
        if reasons:
            metrics[key] = reasons
    intentions: dict[str, list[str]] = {}
    for intention in snapshot.framework["intentions"]:
        late = sum(1 for m in snapshot.milestones if m["intention_id"] == intention["id"] and m["state"] == "late")
        overdue = sum(1 for a in actions if a.get("intention_id") == intention["id"] and not a.get("metric_id")
                      and a.get("overdue"))
        reasons = ([f"{late} late milestone(s)"] if late else []) + ([f"{overdue} overdue action(s)"] if overdue else [])
        if reasons:
            intentions[intention["id"]] = reasons
    return SnapshotExceptions(metrics, intentions)
