"""The review pack: what a framework's monthly review should look at, with what people
wrote and agreed inline. Exceptions are metrics off track or at risk, metrics whose status
changed since the last signed-off period, metrics whose latest point is an SPC
special-cause signal, intentions with late milestones, and overdue actions."""

from __future__ import annotations

from dataclasses import dataclass, field

import snapshots
from datasources.store import Store
from metrics.definitions.models import Framework, Intention
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.status import Status
from metrics.periods import parse_month
from metrics.service import MetricsService
from review.actions import Action, list_actions
from review.commentary import Comment, current_commentary
from review.milestones import MilestoneState, milestone_states
from review.signoff import SignOff, last_signed_off_before, signed_off
from review.subjects import framework_of
from review.text import period as check_period

EXCEPTION_STATUSES = (Status.OFF_TRACK, Status.AT_RISK)


@dataclass(frozen=True)
class PackItem:
    """One exception: a metric (with its evaluation) or an intention (milestones, actions)."""

    kind: str                                   # "metric" | "intention"
    intention: Intention
    evaluation: Evaluation | None
    reasons: list[str]
    commentary: Comment | None
    actions: list[Action]
    milestones: list[MilestoneState] = field(default_factory=list)
    status_before: str | None = None

    @property
    def metric_id(self) -> str | None:
        return self.evaluation.metric_id if self.evaluation else None

    @property
    def key(self) -> str:
        return f"metric:{self.metric_id}" if self.metric_id else f"intention:{self.intention.id}"


@dataclass(frozen=True)
class ReviewPack:
    framework: Framework
    period: str
    items: list[PackItem]
    status_counts: dict[str, int]
    milestones_late: int
    milestones_total: int
    actions_open: int
    actions_overdue: int
    headline: list[Evaluation]              # the metrics with targets, for the glide-path summary
    signoff: SignOff | None                 # this period's sign-off, if any
    compared_with: SignOff | None           # the last signed-off period before this one

    def summary_sentence(self) -> str:
        counts = ", ".join(f"{n} {Status(s).words.lower()}" for s, n in self.status_counts.items() if n)
        return (f"{counts or 'no metrics'}; {self.milestones_late} of {self.milestones_total} milestones late; "
                f"{self.actions_overdue} of {self.actions_open} open actions overdue.")


def _spc_signal(evaluation: Evaluation) -> str | None:
    """The latest point's SPC reading when it is a special cause (not common-cause variation)."""
    spc = evaluation.insights.spc if evaluation.insights is not None else None
    if spc is None or spc.result.variation == "common_cause":
        return None
    return f"SPC: {spc.result.variation_label} at the latest point"


def _statuses_at(store: Store, signoff: SignOff | None) -> dict[tuple[str, str | None], str]:
    if signoff is None:
        return {}
    snap = snapshots.load(store, signoff.snapshot_id)
    return {(e["metric_id"], e["intention_id"]): e["status"] for e in snap.evaluations}


def review_pack(store: Store, service: MetricsService, framework_id: str, period: str,
                suppress: bool = False) -> ReviewPack:
    framework = framework_of(service, framework_id)
    period = check_period("period", period)
    at = parse_month(period)
    result = service.evaluate_framework(framework.id, period, suppress=suppress)
    comments = current_commentary(store, framework.id, period)
    actions = list_actions(store, framework.id, period)
    open_actions = [a for a in actions if a.status == "open"]
    milestones = milestone_states(store, framework, at)
    compared_with = last_signed_off_before(store, framework.id, period)
    before = _statuses_at(store, compared_with)
    items: list[PackItem] = []
    for intention in framework.intentions:
        for evaluation in result.for_intention(intention.id):
            own_actions = [a for a in actions if a.metric_id == evaluation.metric_id]
            reasons = []
            if evaluation.status in EXCEPTION_STATUSES:
                reasons.append(Status(evaluation.status).words)
            old = before.get((evaluation.metric_id, intention.id))
            if old is not None and old != evaluation.status:
                reasons.append(f"Status changed from {Status(old).words} to "
                               f"{Status(evaluation.status).words} since {compared_with.period} was signed off")
            signal = _spc_signal(evaluation)
            if signal:
                reasons.append(signal)
            overdue = [a for a in own_actions if a.overdue(at)]
            if overdue:
                reasons.append(f"{len(overdue)} overdue action(s)")
            if reasons:
                items.append(PackItem("metric", intention, evaluation, reasons,
                                      comments.get(f"metric:{evaluation.metric_id}"), own_actions,
                                      status_before=old))
        late = [m for m in milestones if m.intention_id == intention.id and m.late]
        own_actions = [a for a in actions if a.intention_id == intention.id and a.metric_id is None]
        overdue = [a for a in own_actions if a.overdue(at)]
        if late or overdue:
            reasons = ([f"{len(late)} late milestone(s)"] if late else []) + \
                      ([f"{len(overdue)} overdue action(s)"] if overdue else [])
            items.append(PackItem("intention", intention, None, reasons, comments.get(f"intention:{intention.id}"),
                                  own_actions, [m for m in milestones if m.intention_id == intention.id]))
    counts = {s.value: 0 for s in Status}
    for evaluation in result.evaluations:
        counts[Status(evaluation.status).value] += 1
    return ReviewPack(
        framework=framework, period=period, items=items, status_counts=counts,
        milestones_late=sum(1 for m in milestones if m.late), milestones_total=len(milestones),
        actions_open=len(open_actions), actions_overdue=sum(1 for a in open_actions if a.overdue(at)),
        headline=[e for e in result.evaluations if e.target_value is not None],
        signoff=signed_off(store, framework.id, period), compared_with=compared_with)

