"""The exceptions of a stored snapshot, for the committee variant of the report, by the one rule
(:func:`metrics.evaluation.exceptions.find_exceptions`) the review pack and the alerts use. Built only
from the snapshot (the live data and config are not consulted): its evaluations with their stored
insights, its intentions' judgement as signed off, its milestones and its actions."""

from __future__ import annotations

from typing import Any, Mapping

from metrics.evaluation.exceptions import Exceptions, IntentionSignal, find_exceptions, metric_signal
from metrics.evaluation.status import Status
from snapshots import Snapshot


def snapshot_actions(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The actions frozen in a signed-off snapshot (none in a plain ``snapshot create``)."""
    return snapshot.record.payload.get("actions", [])


def snapshot_exceptions(snapshot: Snapshot, status_before: Mapping[str, str] | None = None,
                        before_label: str = "the previous snapshot") -> Exceptions:
    """``status_before``: each metric's status in the previous snapshot, as the snapshot's stored
    comparison has it (``snapshots.Comparison.status_before``)."""
    before = status_before or {}
    actions = snapshot_actions(snapshot)
    overdue = [a for a in actions if a.get("overdue")]
    metrics = [metric_signal(e["metric_id"], e["intention_id"], e["title"], e["status"], snapshot.insights(e),
                             before.get(e["metric_id"]), before_label,
                             sum(1 for a in overdue if a.get("metric_id") == e["metric_id"]))
               for e in snapshot.evaluations]
    judged = {j["intention_id"]: j for j in snapshot.intentions}
    intentions = []
    for intention in snapshot.framework["intentions"]:
        j = judged.get(intention["id"])
        intentions.append(IntentionSignal(
            intention["id"], intention["title"], Status(j["status"]) if j else Status.NOT_ASSESSED,
            j["status_reason"] if j else "",
            tuple(m["title"] for m in snapshot.milestones if m["intention_id"] == intention["id"] and m["state"] == "late"),
            sum(1 for a in overdue if a.get("intention_id") == intention["id"] and not a.get("metric_id"))))
    return find_exceptions(metrics, intentions)
