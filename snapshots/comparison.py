"""What changed since the previous snapshot, fixed when a snapshot is made and stored with it.

The reports say "what changed since the previous snapshot" and the committee variant lists the
metrics whose status changed. Worked out at export time, that text moved whenever a newer
snapshot of an earlier period was made ("version 4" became "version 5"), so an old report could
not be re-exported as it was. Now :func:`recorded` is called by ``storage.save_snapshot`` inside
the transaction that fixes the new snapshot's version, and exports read the record.

A snapshot made before comparisons were stored has none: :func:`comparison_of` works it out
against the snapshots that existed when it was made (ids below its own: ids only grow and
nothing is deleted), which is the same answer at every later export, and says so."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from datasources.store import Store, iso
from metrics.periods import month_label, parse_month
from snapshots import storage
from snapshots.compare import Change, compare
from snapshots.record import Snapshot, load


@dataclass(frozen=True)
class PreviousSnapshot:
    """The snapshot compared with, as it was named when the comparison was made."""

    id: int
    period: str
    version: int
    created_at: str  # ISO 8601, UTC

    @property
    def period_label(self) -> str:
        return month_label(parse_month(self.period))

    @property
    def taken(self) -> str:
        return f"{datetime.fromisoformat(self.created_at):%d %B %Y}"


@dataclass(frozen=True)
class Comparison:
    previous: PreviousSnapshot | None
    changes: tuple[Change, ...]
    #: Each metric's status in the previous snapshot (the committee variant's "status changed").
    status_before: dict[str, str]
    #: False for a snapshot made before comparisons were stored: worked out at export from the
    #: snapshots that existed when it was made.
    recorded: bool = True

    @classmethod
    def between(cls, previous: Snapshot | None, current: Snapshot, recorded: bool = True) -> "Comparison":
        if previous is None:
            return cls(None, (), {}, recorded)
        return cls(PreviousSnapshot(previous.id, previous.period, previous.version, iso(previous.created_at)),
                   tuple(compare(previous, current)),
                   {e["metric_id"]: e["status"] for e in previous.evaluations}, recorded)

    def to_dict(self) -> dict[str, Any]:
        return {"previous": dataclasses.asdict(self.previous) if self.previous else None,
                "changes": [dataclasses.asdict(c) for c in self.changes], "status_before": self.status_before}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Comparison":
        previous = data.get("previous")
        return cls(PreviousSnapshot(**previous) if previous else None,
                   tuple(Change(**c) for c in data.get("changes", [])), dict(data.get("status_before", {})))


def recorded(previous: storage.SnapshotRecord | None, new: storage.SnapshotRecord) -> dict[str, Any]:
    """The ``comparison`` a new snapshot stores (``storage.save_snapshot``'s ``compared``)."""
    return Comparison.between(Snapshot(previous) if previous else None, Snapshot(new)).to_dict()


def stored_comparison(snapshot: Snapshot) -> Comparison | None:
    """The comparison the snapshot stored when it was made; None for a snapshot made before then."""
    stored = snapshot.record.payload.get("comparison")
    return Comparison.from_dict(stored) if stored is not None else None


def comparison_of(store: Store, snapshot: Snapshot) -> Comparison:
    """The snapshot's stored comparison, or for an older snapshot without one, the comparison with
    the snapshot before it among those that existed when it was made."""
    stored = stored_comparison(snapshot)
    if stored is not None:
        return stored
    found = storage.previous_snapshot_id(store, snapshot.record)
    return Comparison.between(load(store, found) if found is not None else None, snapshot, recorded=False)
