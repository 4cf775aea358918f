"""Where a milestone stands at a period: its plan from config, its progress from the latest recorded update.

The one rule every reader uses (overview, intention page, review pack, sign-off, reports, alerts): the
store's latest update when there is one (``review.milestones`` reads it), else the status written in config.
A milestone is *late* when it is neither done nor dropped and its due month is before the period; one with
no date ("to be confirmed") is never late. Pure: no store, no config loading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Mapping

from datasources.store import iso
from metrics.definitions.models import Framework, Milestone

#: Who recorded the config's own status (no person has updated the milestone yet).
FROM_CONFIG = "config"
CLOSED = ("done", "dropped")


@dataclass(frozen=True)
class MilestoneProgress:
    """The latest recorded update of one milestone."""

    status: str               # not_started | in_progress | done | dropped
    done_on: date | None
    evidence: str
    recorded_by: str
    recorded_at: datetime | None


@dataclass(frozen=True)
class MilestoneState:
    intention_id: str
    title: str
    due: date | None          # None: to be confirmed
    status: str
    state: str                # the status, or "late"
    done_on: date | None
    evidence: str
    recorded_by: str
    recorded_at: datetime | None

    @property
    def late(self) -> bool:
        return self.state == "late"

    @property
    def open_and_dated(self) -> bool:
        """Still to deliver, with a date to be judged against (not late yet)."""
        return self.status not in CLOSED and self.due is not None and not self.late

    def to_dict(self) -> dict[str, Any]:
        """The shape snapshots hold (``snapshot.milestones``)."""
        return {"intention_id": self.intention_id, "title": self.title, "due": f"{self.due:%Y-%m}" if self.due else None,
                "status": self.status, "state": self.state, "evidence": self.evidence,
                "done_on": self.done_on.isoformat() if self.done_on else None, "recorded_by": self.recorded_by,
                "recorded_at": iso(self.recorded_at) if self.recorded_at else None}


def config_progress(milestone: Milestone) -> MilestoneProgress:
    """The status written in config: the first update, until a person records one."""
    return MilestoneProgress(milestone.status, None, milestone.evidence, FROM_CONFIG, None)


def milestone_state(intention_id: str, milestone: Milestone, progress: MilestoneProgress | None,
                    at: date) -> MilestoneState:
    latest = progress or config_progress(milestone)
    late = latest.status not in CLOSED and milestone.due is not None and milestone.due < at
    return MilestoneState(intention_id, milestone.title, milestone.due, latest.status,
                          "late" if late else latest.status, latest.done_on, latest.evidence,
                          latest.recorded_by, latest.recorded_at)


def framework_milestones(framework: Framework, at: date,
                         recorded: Mapping[tuple[str, str], MilestoneProgress] | None = None) -> list[MilestoneState]:
    """Every milestone of the framework at ``at`` (the first day of the period's month); ``recorded``: the
    latest update of each (intention id, milestone title) that has one."""
    found = recorded or {}
    return [milestone_state(intention.id, m, found.get((intention.id, m.title)), at)
            for intention in framework.intentions for m in intention.milestones]
