"""A stored snapshot read back, with the helpers the renderers use, and finding snapshots in the store."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from datasources.store import LARGEST_ID, Store
from snapshots import storage
from metrics.definitions.models import Framework, Metric
from metrics.evaluation.insights import Insights
from metrics.evaluation.status import Status
from metrics.periods import month_label, parse_month

CONTRACT_KEYS = ("metric_id", "intention_id", "title", "unit", "polarity", "period", "value", "numerator",
                 "denominator", "ci_lower", "ci_upper", "baseline", "target", "trajectory_value", "progress_pct",
                 "status", "status_reason", "target_provenance", "synthetic")

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


@dataclass(frozen=True)
class Snapshot:
    """A stored snapshot with helpers for the renderers. Everything comes from the store."""

    record: storage.SnapshotRecord

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
        return Metric.from_stored(self.definitions[metric_id]["model"])

    def for_intention(self, intention_id: str) -> list[dict[str, Any]]:
        return [e for e in self.evaluations if e["intention_id"] == intention_id]

    def status_counts(self) -> dict[Status, int]:
        """Every metric status (worst first), with how many metrics have it: a metric that evidences two
        intentions is counted once."""
        counts = {s: 0 for s in Status.worst_first()}
        for status in {e["metric_id"]: e["status"] for e in self.evaluations}.values():
            counts[Status(status)] += 1
        return counts

    @property
    def intentions(self) -> list[dict[str, Any]]:
        """Each intention's judgement as it was signed off (``IntentionJudgement.to_contract``); empty for
        snapshots made before intentions were judged."""
        return list(self.record.payload.get("intentions") or [])

    def intention_counts(self) -> dict[Status, int]:
        counts = {s: 0 for s in Status.for_intentions()}
        for judgement in self.intentions:
            counts[Status(judgement["status"])] += 1
        return counts

    def synthetic(self, evaluation: dict[str, Any]) -> bool:
        """The metric's figures are synthetic sample data: as the stored evaluation says or, in a snapshot made
        before evaluations carried the flag, as the metric's stored definition declared its source."""
        if "synthetic" in evaluation:
            return bool(evaluation["synthetic"])
        return bool(self.definitions[evaluation["metric_id"]]["model"]["source"].get("synthetic"))

    def insights(self, evaluation: dict[str, Any]) -> Insights | None:
        """The stored evaluation's SPC, trend, forecast and benchmarks, typed; None for snapshots made
        before evaluations were stored whole."""
        data = evaluation.get("insights")
        return Insights.from_dict(data) if data else None

    @property
    def framework_model(self) -> Framework:
        """The framework's declaration as it was when the snapshot was made."""
        return Framework.model_validate(self.framework)

    def off_track_intentions(self) -> list[dict[str, Any]]:
        off = {e["intention_id"] for e in self.evaluations if e["status"] == "off_track"}
        return [i for i in self.framework["intentions"] if i["id"] in off]

    def summary(self) -> dict[str, Any]:
        return self.record.summary()

    @property
    def integrity_warning(self) -> str | None:
        """A plain sentence when what is stored no longer hashes to what was stored when the snapshot was made
        (someone changed its rows with SQL); None when it matches, or was made before snapshots were hashed.
        Every page and export of a snapshot shows it first."""
        if self.record.matches is not False:
            return None
        made = "signed off" if self.record.payload.get("signoff") else "made"
        return (f"Warning: this snapshot (#{self.id}) no longer matches what was {made}. Its stored content was "
                f"changed afterwards, outside the monitor, so what follows may not be what was reported. Do not "
                f"rely on it; ask the performance team to check the store ('outcomes audit verify').")

    def to_contract(self) -> dict[str, Any]:
        """``outcomes snapshot show``: the snapshot's identity and, as ``outcomes evaluate``
        gives them, its framework, period and metrics."""
        return {**self.record.summary(), "framework": self.record.framework_id, "period": self.period,
                "vintages": self.record.vintages,
                "integrity": {"content_hash": self.record.content_hash, "matches": self.record.matches,
                              "warning": self.integrity_warning},
                "metrics": [{**{k: e.get(k) for k in CONTRACT_KEYS}, "synthetic": self.synthetic(e)}
                            for e in self.evaluations]}  # older: no provenance



def load(store: Store, snapshot_id: int | str) -> Snapshot:
    try:
        key = int(snapshot_id)
    except (TypeError, ValueError):
        raise SnapshotError(f"'{snapshot_id}' is not a snapshot id; ids are whole numbers "
                            f"(see 'outcomes snapshot list')") from None
    if not 0 < key <= LARGEST_ID:  # no row has it, and the database could not even be asked (OverflowError)
        raise SnapshotError(f"no snapshot with id {key} (see 'outcomes snapshot list')")
    record = storage.load_snapshot(store, key)
    if record is None:
        raise SnapshotError(f"no snapshot with id {key} (see 'outcomes snapshot list')")
    return Snapshot(record)


def list_all(store: Store, framework_id: str | None = None) -> list[dict[str, Any]]:
    return storage.list_snapshots(store, framework_id)


def previous(store: Store, snapshot: Snapshot) -> Snapshot | None:
    found = storage.previous_snapshot_id(store, snapshot.record)
    return load(store, found) if found is not None else None
