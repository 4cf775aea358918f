"""What changed between two snapshots of the same framework: status, revised values, new data, definitions."""

from __future__ import annotations

import math
from dataclasses import dataclass

from metrics.evaluation.status import Status
from snapshots.record import Snapshot

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
            before = Status(self.status_before).words if self.status_before else "not reported"
            after = Status(self.status_after).words if self.status_after else "not reported"
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
