"""Exceptions: what a review should look at, ranked, each with why. One rule for every reader.

The review pack (live), the committee report's exceptions (from a stored snapshot) and the monthly alerts
all ask :func:`find_exceptions`. They differ only in where the facts come from, so each builds the small
signal records below from what it holds and none re-derives the rules.

Concerns rank before anything else and in this order: off track, getting worse (status worse than at the
last sign-off, or a significant worsening trend), at risk, an SPC special cause of concern at the latest
point, late milestones, overdue actions. Improvements (a special cause of improvement, a status better than
at the last sign-off) are not exceptions: they are a short list of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Iterable

from metrics.evaluation.status import Status

if TYPE_CHECKING:  # typed insights are only read here, never built
    from metrics.evaluation.insights import Insights, SpcInsight

_ORDER = {s: i for i, s in enumerate(Status.worst_first())}


class Concern(StrEnum):
    """Why something is an exception; declared in rank order (most pressing first)."""

    OFF_TRACK = "off_track"
    WORSENING = "worsening"
    AT_RISK = "at_risk"
    SPC_CONCERN = "spc_concern"
    MILESTONE_LATE = "milestone_late"
    ACTION_OVERDUE = "action_overdue"

    @property
    def words(self) -> str:
        return _CONCERN_WORDS[self]

    @property
    def rank(self) -> int:
        return list(Concern).index(self)


_CONCERN_WORDS = {
    Concern.OFF_TRACK: "Off track",
    Concern.WORSENING: "Getting worse",
    Concern.AT_RISK: "At risk",
    Concern.SPC_CONCERN: "Special cause of concern",
    Concern.MILESTONE_LATE: "Milestone late",
    Concern.ACTION_OVERDUE: "Action overdue",
}


@dataclass(frozen=True)
class MetricSignal:
    """What the rules need of one metric row (a metric under one intention)."""

    metric_id: str
    intention_id: str | None
    title: str
    status: Status
    status_before: Status | None = None      # at the last sign-off (None: none, or the metric was not there)
    before_label: str | None = None          # e.g. "the 2025-02 sign-off"
    spc_variation: str | None = None         # the latest point's: concern | improvement | common_cause | neutral_*
    spc_words: str | None = None             # what the SPC says, in words (a sustained trend said once)
    trend_worsening: str | None = None       # the trend's label when it is a significant worsening
    overdue_actions: int = 0


@dataclass(frozen=True)
class IntentionSignal:
    intention_id: str
    title: str
    status: Status
    status_reason: str = ""
    late_milestones: tuple[str, ...] = ()
    overdue_actions: int = 0                 # actions on the intention itself (not on one of its metrics)


@dataclass(frozen=True)
class ExceptionItem:
    kind: str                                # "metric" | "intention"
    intention_id: str | None
    metric_id: str | None
    title: str
    concerns: tuple[Concern, ...]
    reasons: tuple[str, ...]                 # one sentence per concern, in the same order

    @property
    def rank(self) -> int:
        return min(c.rank for c in self.concerns)

    @property
    def key(self) -> str:
        return f"metric:{self.metric_id}" if self.metric_id else f"intention:{self.intention_id}"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "intention_id": self.intention_id, "metric_id": self.metric_id,
                "title": self.title, "concerns": [str(c) for c in self.concerns], "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Improvement:
    intention_id: str | None
    metric_id: str
    title: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"intention_id": self.intention_id, "metric_id": self.metric_id, "title": self.title,
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Exceptions:
    items: list[ExceptionItem] = field(default_factory=list)          # concerns, ranked
    improvements: list[Improvement] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The shape snapshots store (``payload["exceptions"]``)."""
        return {"items": [i.to_dict() for i in self.items],
                "improvements": [i.to_dict() for i in self.improvements]}

    def has_metric(self, metric_id: str, intention_id: str | None) -> bool:
        return any(i.metric_id == metric_id and i.intention_id == intention_id for i in self.items)


def worse(old: Status, new: Status) -> bool:
    """Both judged against a target and the new one is worse."""
    return old.judged and new.judged and _ORDER[new] < _ORDER[old]


def _metric_item(m: MetricSignal) -> tuple[ExceptionItem | None, Improvement | None]:
    concerns: list[tuple[Concern, str]] = []
    better: list[str] = []
    if m.status is Status.OFF_TRACK:
        concerns.append((Concern.OFF_TRACK, "Off track against its target"))
    if m.status_before is not None and worse(m.status_before, m.status):
        concerns.append((Concern.WORSENING, f"Worse than at {m.before_label or 'the last sign-off'}: "
                                            f"{m.status_before.words} then, {m.status.words} now"))
    elif m.trend_worsening:
        concerns.append((Concern.WORSENING, f"Recent trend: {m.trend_worsening}"))
    if m.status is Status.AT_RISK:
        concerns.append((Concern.AT_RISK, "At risk: worse than its glide path, within the tolerance"))
    if m.spc_variation == "concern":
        concerns.append((Concern.SPC_CONCERN, f"SPC: {m.spc_words or 'special cause of concern at the latest point'}"))
    if m.overdue_actions:
        n = m.overdue_actions
        concerns.append((Concern.ACTION_OVERDUE, f"{n} overdue action{'s' if n != 1 else ''}"))
    if m.status_before is not None and worse(m.status, m.status_before):
        better.append(f"Better than at {m.before_label or 'the last sign-off'}: {m.status_before.words} then, "
                      f"{m.status.words} now")
    if m.spc_variation == "improvement":
        better.append(f"SPC: {m.spc_words or 'special cause of improvement at the latest point'}")
    item = (ExceptionItem("metric", m.intention_id, m.metric_id, m.title, tuple(c for c, _ in concerns),
                          tuple(r for _, r in concerns)) if concerns else None)
    gain = Improvement(m.intention_id, m.metric_id, m.title, tuple(better)) if better and not concerns else None
    return item, gain


def _intention_item(i: IntentionSignal, metrics_listed: bool) -> ExceptionItem | None:
    concerns: list[tuple[Concern, str]] = []
    if not metrics_listed and i.status in (Status.OFF_TRACK, Status.AT_RISK):
        # judged on its milestones (no metric of it is listed): its own status is the concern
        concern = Concern.OFF_TRACK if i.status is Status.OFF_TRACK else Concern.AT_RISK
        concerns.append((concern, i.status_reason or i.status.words))
    if i.late_milestones:
        n = len(i.late_milestones)
        named = "; ".join(f"“{t}”" for t in i.late_milestones[:3]) + (" and more" if n > 3 else "")
        concerns.append((Concern.MILESTONE_LATE, f"{n} late milestone{'s' if n != 1 else ''}: {named}"))
    if i.overdue_actions:
        n = i.overdue_actions
        concerns.append((Concern.ACTION_OVERDUE, f"{n} overdue action{'s' if n != 1 else ''}"))
    if not concerns:
        return None
    return ExceptionItem("intention", i.intention_id, None, i.title, tuple(c for c, _ in concerns),
                         tuple(r for _, r in concerns))


def find_exceptions(metrics: Iterable[MetricSignal], intentions: Iterable[IntentionSignal]) -> Exceptions:
    """Concerns ranked by their most pressing reason (then in the framework's order, which the inputs
    keep); improvements listed apart, only for rows with no concern."""
    items: list[ExceptionItem] = []
    gains: list[Improvement] = []
    for signal in metrics:
        item, gain = _metric_item(signal)
        if item is not None:
            items.append(item)
        if gain is not None:
            gains.append(gain)
    listed = {i.intention_id for i in items}
    for signal in intentions:
        item = _intention_item(signal, signal.intention_id in listed)
        if item is not None:
            items.append(item)
    order = {id(item): n for n, item in enumerate(items)}
    items.sort(key=lambda item: (item.rank, order[id(item)]))
    return Exceptions(items, gains)


def metric_signal(metric_id: str, intention_id: str | None, title: str, status: str, insights: "Insights | None",
                  status_before: str | None = None, before_label: str | None = None,
                  overdue_actions: int = 0) -> MetricSignal:
    """A metric's signal from its status and typed insights: the live evaluation's, or a snapshot's
    (``Insights.from_dict``), so the live pack and the stored report read SPC and trend the same way."""
    spc = insights.spc if insights is not None else None
    trend = insights.trend if insights is not None else None
    return MetricSignal(
        metric_id=metric_id, intention_id=intention_id, title=title, status=Status(status),
        status_before=Status(status_before) if status_before else None, before_label=before_label,
        spc_variation=_spc_reading(spc),
        spc_words=_spc_words(spc) if spc is not None else None,
        trend_worsening=trend.label if trend is not None and trend.assessment == "worsening" else None,
        overdue_actions=overdue_actions)


def _spc_reading(spc: "SpcInsight | None") -> str | None:
    """``concern``, ``improvement`` or another variation: a sustained run read once as a whole, else the latest
    point's; None when there is no chart or the latest point starts new limits (one point is not judged)."""
    if spc is None or (spc.segments and spc.segments[-1].lower is None):
        return None
    return spc.sustained.reading if spc.sustained is not None else spc.result.variation


def _spc_words(spc: "SpcInsight") -> str:
    """The chart in one phrase: the latest point's variation, or a sustained run said once (never one reason per
    special-cause point)."""
    return spc.summary or f"{spc.result.variation_label} at the latest point"
