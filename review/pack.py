"""The review pack: what a framework's monthly review should look at, with what people
wrote and agreed inline. Exceptions come from the one rule (:mod:`metrics.evaluation.exceptions`):
concerns ranked (off track, getting worse, at risk, SPC concern, late milestones, overdue actions),
improvements a short list of their own."""

from __future__ import annotations

from dataclasses import dataclass, field

import snapshots
from datasources.store import Store
from metrics.definitions.models import Framework, Intention
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.exceptions import (Concern, Exceptions, Improvement, IntentionSignal, find_exceptions,
                                           metric_signal)
from metrics.evaluation.intentions import IntentionJudgement
from metrics.evaluation.milestones import MilestoneState
from metrics.evaluation.status import Status
from metrics.periods import parse_month
from metrics.service import MetricsService
from review.actions import Action, list_actions
from review.commentary import Comment, current_commentary
from review.judgement import framework_evaluation
from review.officer_summary import draft_summary
from review.signoff import SignOff, last_signed_off_before, signed_off
from review.subjects import framework_of
from review.text import period as check_period


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
    concerns: tuple[Concern, ...] = ()

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
    items: list[PackItem]                   # the concerns, ranked
    status_counts: dict[str, int]           # metrics by status, each metric once
    milestones_late: int
    milestones_total: int
    actions_open: int
    actions_overdue: int
    headline: list[Evaluation]              # the metrics with targets, for the glide-path summary
    signoff: SignOff | None                 # this period's sign-off, if any
    compared_with: SignOff | None           # the last signed-off period before this one
    intentions: list[IntentionJudgement] = field(default_factory=list)
    improvements: list[Improvement] = field(default_factory=list)
    milestones: list[MilestoneState] = field(default_factory=list)
    #: The warning of each signed-off snapshot the pack reads (this period's, the one it compares with) whose
    #: stored content no longer matches what was signed off; empty when they match.
    snapshot_warnings: tuple[str, ...] = ()

    def intention_counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status.for_intentions()}
        for j in self.intentions:
            counts[j.status.value] += 1
        return counts

    def summary_sentence(self) -> str:
        intentions = ", ".join(f"{n} {Status(s).words.lower()}" for s, n in self.intention_counts().items() if n)
        metrics = ", ".join(f"{n} {Status(s).words.lower()}" for s, n in self.status_counts.items() if n)
        return (f"intentions: {intentions or 'none'}; metrics: {metrics or 'none'}; "
                f"{self.milestones_late} of {self.milestones_total} milestones late; "
                f"{self.actions_overdue} of {self.actions_open} open actions overdue.")


def _signed_snapshot(store: Store, signoff: SignOff | None) -> snapshots.Snapshot | None:
    return snapshots.load(store, signoff.snapshot_id) if signoff is not None else None


def _statuses_at(snap: snapshots.Snapshot | None) -> dict[tuple[str, str | None], str]:
    if snap is None:
        return {}
    return {(e["metric_id"], e["intention_id"]): e["status"] for e in snap.evaluations}


def pack_exceptions(result, before: dict[tuple[str, str | None], str], before_label: str | None,
                    actions: list[Action], milestones: list[MilestoneState], at) -> Exceptions:
    """The exceptions of a live framework evaluation (the review pack, the alerts)."""
    open_overdue = [a for a in actions if a.overdue(at)]
    metrics = [metric_signal(e.metric_id, e.intention_id, e.title, e.status, e.insights,
                             before.get((e.metric_id, e.intention_id)), before_label,
                             sum(1 for a in open_overdue if a.metric_id == e.metric_id))
               for e in result.evaluations]
    intentions = [IntentionSignal(j.intention_id, j.title, j.status, j.status_reason,
                                  tuple(m.title for m in milestones if m.intention_id == j.intention_id and m.late),
                                  sum(1 for a in open_overdue if a.intention_id == j.intention_id and a.metric_id is None))
                  for j in result.intentions]
    return find_exceptions(metrics, intentions)


def review_pack(store: Store, service: MetricsService, framework_id: str, period: str,
                suppress: bool = False) -> ReviewPack:
    framework = framework_of(service, framework_id)
    period = check_period("period", period)
    at = parse_month(period)
    result = framework_evaluation(store, service, framework.id, period, suppress=suppress)
    comments = current_commentary(store, framework.id, period)
    actions = list_actions(store, framework.id, period)
    open_actions = [a for a in actions if a.status == "open"]
    milestones = result.milestones
    compared_with = last_signed_off_before(store, framework.id, period)
    this_signoff = signed_off(store, framework.id, period)
    read = [_signed_snapshot(store, this_signoff), _signed_snapshot(store, compared_with)]
    before = _statuses_at(read[1])
    label = f"the {compared_with.period} sign-off" if compared_with else None
    found = pack_exceptions(result, before, label, actions, milestones, at)
    evaluations = {(e.metric_id, e.intention_id): e for e in result.evaluations}
    items: list[PackItem] = []
    for x in found.items:
        intention = framework.intention(x.intention_id)
        if intention is None:
            continue
        if x.kind == "metric":
            evaluation = evaluations[(x.metric_id, x.intention_id)]
            items.append(PackItem("metric", intention, evaluation, list(x.reasons),
                                  comments.get(f"metric:{x.metric_id}"),
                                  [a for a in actions if a.metric_id == x.metric_id],
                                  status_before=before.get((x.metric_id, x.intention_id)), concerns=x.concerns))
        else:
            items.append(PackItem("intention", intention, None, list(x.reasons),
                                  comments.get(f"intention:{intention.id}"),
                                  [a for a in actions if a.intention_id == intention.id and a.metric_id is None],
                                  [m for m in milestones if m.intention_id == intention.id], concerns=x.concerns))
    return ReviewPack(
        framework=framework, period=period, items=items,
        status_counts={s.value: n for s, n in result.status_counts().items()},
        milestones_late=sum(1 for m in milestones if m.late), milestones_total=len(milestones),
        actions_open=len(open_actions), actions_overdue=sum(1 for a in open_actions if a.overdue(at)),
        headline=[e for e in result.metric_evaluations() if e.target_value is not None],
        signoff=this_signoff, compared_with=compared_with,
        intentions=result.intentions, improvements=found.improvements, milestones=milestones,
        snapshot_warnings=tuple(s.integrity_warning for s in read if s is not None and s.integrity_warning))


def paper_draft(store: Store, service: MetricsService, framework_id: str, period: str) -> str:
    """The officer's summary's draft from the signals. The summary opens the committee paper, which withholds
    small numbers as every snapshot does, so the draft is built from the pack as the paper will be: its counts
    are the paper's, and it gives away no small number whoever asks for it."""
    return draft_summary(review_pack(store, service, framework_id, period, suppress=True))
