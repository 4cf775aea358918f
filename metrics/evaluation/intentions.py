"""An intention's status: one rule over its metrics and its milestones (DESIGN.md, "Status").

A council commits to intentions, so an intention is judged, not only its metrics. The decision table
:data:`INTENTION_RULES` is read by the code (:func:`decide_intention`) and shown as it is on the About page,
beside the metrics' table. Metrics with a target judge first; milestones judge by their dates; metrics
without a target (monitored) never make an intention on or off track. Pure: evaluations and milestone
states in, a judgement with its reason in words and the ids it was judged from out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from metrics.definitions.models import Intention
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.milestones import MilestoneState
from metrics.evaluation.status import Status
from metrics.periods import month_label

_JUDGED = (Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.ACHIEVED)


@dataclass(frozen=True)
class IntentionFacts:
    """What the intention rules look at."""

    targeted: tuple[Status, ...]   # the status of each metric with a target
    monitored: int                 # metrics with a value but nothing to judge it against
    milestones_late: int
    milestones_due: int            # dated, still to deliver, not late yet
    milestones_done: int
    milestones_open: int           # neither done nor dropped (dated or not)

    @property
    def judged(self) -> tuple[Status, ...]:
        return tuple(s for s in self.targeted if s in _JUDGED)

    @property
    def milestones_counted(self) -> int:
        return self.milestones_done + self.milestones_open


@dataclass(frozen=True)
class IntentionRule:
    condition: str  # in words, as the About page shows it
    status: Status
    holds: Callable[[IntentionFacts], bool]


#: Tried in order; the first row whose condition holds gives the intention's status.
INTENTION_RULES: tuple[IntentionRule, ...] = (
    IntentionRule("A metric with a target is off track", Status.OFF_TRACK,
                  lambda f: Status.OFF_TRACK in f.targeted),
    IntentionRule("No metric with a target can be judged yet and a dated milestone is late", Status.OFF_TRACK,
                  lambda f: not f.judged and f.milestones_late > 0),
    IntentionRule("A metric with a target is at risk, or a milestone is late", Status.AT_RISK,
                  lambda f: Status.AT_RISK in f.targeted or f.milestones_late > 0),
    IntentionRule("Every metric with a target is achieved and every milestone is done (at least one of either)",
                  Status.ACHIEVED,
                  lambda f: (bool(f.targeted) or f.milestones_counted > 0)
                  and all(s is Status.ACHIEVED for s in f.targeted) and f.milestones_open == 0),
    IntentionRule("A metric with a target is on track or achieved, or a dated milestone is not yet due",
                  Status.ON_TRACK, lambda f: bool(f.judged) or f.milestones_due > 0),
    IntentionRule("A metric with a target has no figures after its baseline yet", Status.NOT_STARTED,
                  lambda f: Status.NOT_STARTED in f.targeted),
    IntentionRule("Its metrics with a target have no figures (the source failed or has none)", Status.NO_DATA,
                  lambda f: bool(f.targeted)),
    IntentionRule("Nothing can judge it: no metric with a target and no dated milestone (metrics monitored "
                  "without a target, or milestones with no date, are listed but do not judge)",
                  Status.NOT_ASSESSED, lambda f: True),
)


def decide_intention(facts: IntentionFacts) -> Status:
    return next(rule.status for rule in INTENTION_RULES if rule.holds(facts))


@dataclass(frozen=True)
class IntentionJudgement:
    intention_id: str
    title: str
    status: Status
    status_reason: str
    metric_ids: tuple[str, ...]           # every metric it was judged from (targeted first)
    milestone_titles: tuple[str, ...]
    headline_metric_id: str | None        # the first metric with a target, else the first metric
    milestones_late: int
    milestones_total: int

    def to_contract(self) -> dict[str, Any]:
        """The ``intentions`` list of ``outcomes evaluate``'s JSON, and what snapshots store."""
        return {"intention_id": self.intention_id, "title": self.title, "status": self.status,
                "status_reason": self.status_reason, "metric_ids": list(self.metric_ids),
                "milestones": list(self.milestone_titles), "headline_metric_id": self.headline_metric_id,
                "milestones_late": self.milestones_late, "milestones_total": self.milestones_total}


def _has_target(evaluation: Evaluation) -> bool:
    # target_kind is kept even without figures (no_data keeps what the definition says)
    return evaluation.target_kind is not None and evaluation.status is not Status.MONITORED


_STATUS_TAIL = re.compile(r":\s*(" + "|".join(re.escape(s.words.lower()) for s in Status) + r")\.")


def _without_status(reason: str) -> str:
    """A metric's sentence up to its closing ": off track." (the intention's own status says it; what follows,
    a forecast or the age of the figures, is on the metric's own line)."""
    found = _STATUS_TAIL.search(reason)
    return (reason[:found.start()] if found else reason).strip()


def _metric_words(targeted: Sequence[Evaluation], monitored: Sequence[Evaluation]) -> list[str]:
    parts: list[str] = []
    if targeted:
        worst = min(targeted, key=lambda e: Status.worst_first().index(e.status))
        if worst.status in _JUDGED:
            sentence = _without_status(worst.status_reason).rstrip(".")
            parts.append(f"{sentence} ({worst.status.words.lower()})")
        if len(targeted) > 1 or worst.status not in _JUDGED:
            counts: dict[Status, int] = {}
            for e in targeted:
                counts[e.status] = counts.get(e.status, 0) + 1
            listed = ", ".join(f"{n} {s.words.lower()}" for s, n in sorted(
                counts.items(), key=lambda kv: Status.worst_first().index(kv[0])))
            parts.append(f"{len(targeted)} metric{'s' if len(targeted) != 1 else ''} with a target: {listed}")
    if monitored:
        parts.append(f"{len(monitored)} metric{'s' if len(monitored) != 1 else ''} monitored without a target")
    return parts


def _milestone_words(milestones: Sequence[MilestoneState]) -> list[str]:
    counted = [m for m in milestones if m.status != "dropped"]
    if not counted:
        return []
    n = len(counted)
    noun = "milestone" if n == 1 else "milestones"
    late = [m for m in counted if m.late]
    if late:
        first = late[0]
        named = f"“{first.title}”, due {month_label(first.due)}" if first.due else f"“{first.title}”"
        more = f" and {len(late) - 1} more" if len(late) > 1 else ""
        return [f"{len(late)} of {n} {noun} late ({named}{more})"]
    done = sum(1 for m in counted if m.status == "done")
    if done == n:
        return [f"{'the' if n == 1 else 'all ' + str(n)} {noun} done"]
    due = sorted((m for m in counted if m.open_and_dated), key=lambda m: m.due)
    undated = sum(1 for m in counted if m.status != "done" and m.due is None)
    words = f"{done} of {n} {noun} done" if done else f"{n} {noun}, none done yet"
    if due:
        words += f"; the next is due {month_label(due[0].due)}"
    if undated:
        words += "; its date is to be confirmed" if n == 1 else f"; {undated} with no date yet"
    return [words]


def judge_intention(intention: Intention, evaluations: Iterable[Evaluation],
                    milestones: Iterable[MilestoneState]) -> IntentionJudgement:
    """``evaluations``: this intention's metric evaluations; ``milestones``: its milestones' states."""
    own = list(evaluations)
    states = list(milestones)
    targeted = [e for e in own if _has_target(e)]
    monitored = [e for e in own if e.status is Status.MONITORED]
    counted = [m for m in states if m.status != "dropped"]
    facts = IntentionFacts(
        targeted=tuple(e.status for e in targeted), monitored=len(monitored),
        milestones_late=sum(1 for m in counted if m.late),
        milestones_due=sum(1 for m in counted if m.open_and_dated),
        milestones_done=sum(1 for m in counted if m.status == "done"),
        milestones_open=sum(1 for m in counted if m.status != "done"))
    status = decide_intention(facts)
    parts = _metric_words(targeted, monitored) + _milestone_words(states)
    if status is Status.NOT_ASSESSED:
        opening = "Not assessed: no metric with a target and no dated milestone"
        reason = f"{opening} ({'; '.join(parts)})." if parts else f"{opening}."
    else:
        reason = f"{status.words}: {'; '.join(parts)}." if parts else f"{status.words}."
    ordered = [e.metric_id for e in targeted] + [e.metric_id for e in own if e not in targeted]
    headline = targeted[0].metric_id if targeted else (own[0].metric_id if own else None)
    return IntentionJudgement(intention.id, intention.title, status, reason, tuple(dict.fromkeys(ordered)),
                              tuple(m.title for m in states), headline, facts.milestones_late, len(counted))
