"""The coverage ledger read against its framework: how each commitment of the document is monitored (by a
metric, by a milestone, or not), the counts per framework, and the references that point at nothing.

An entry that names intentions is monitored by their metrics and milestones. An entry counts as monitored by
a metric when any metric it reaches is one of the framework's, else by a milestone when any milestone it
reaches is; an entry that names only things the framework does not hold points at nothing (``outcomes
check`` warns)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from metrics.definitions.models import Commitment, Framework, Ledger, Metric

BY_METRIC = "By a metric"
BY_MILESTONE = "By a milestone"
NOT_MONITORED = "Not monitored"
POINTS_AT_NOTHING = "Points at nothing"
MONITORING = (BY_METRIC, BY_MILESTONE, NOT_MONITORED, POINTS_AT_NOTHING)

KIND_WORDS = {"aim": "Aim", "intention": "Intention", "sub_commitment": "Sub-commitment", "benefit": "Stated benefit",
              "objective": "Objective", "action": "Delivery action", "target": "Target"}


@dataclass(frozen=True)
class LedgerRow:
    words: str
    kind: str        # in words: "Intention", "Stated benefit", ...
    section: str
    how: str         # one of MONITORING
    by: str          # the metrics' or milestones' titles, or why it is not monitored
    note: str


@dataclass(frozen=True)
class Reach:
    """What one entry reaches in its framework, and what it names that the framework does not hold."""

    metric_ids: tuple[str, ...]
    milestone_titles: tuple[str, ...]
    unknown: tuple[str, ...]   # e.g. "metric 'x'", "milestone 'y'", "intention 'z' (no metrics or milestones)"


def reach(commitment: Commitment, framework: Framework) -> Reach:
    metric_ids: list[str] = []
    titles: list[str] = []
    unknown: list[str] = []
    held_metrics = set(framework.metric_ids())
    held_titles = {ms.title for intention in framework.intentions for ms in intention.milestones}
    for intention_id in commitment.intentions:
        intention = framework.intention(intention_id)
        if intention is None or not (intention.metrics or intention.milestones):
            unknown.append(f"intention '{intention_id}'" + ("" if intention is None else " (it has no metrics or "
                                                                                            "milestones)"))
            continue
        metric_ids += [m for m in intention.metrics if m not in metric_ids]
        titles += [ms.title for ms in intention.milestones if ms.title not in titles]
    for metric_id in commitment.metrics:
        if metric_id not in held_metrics:
            unknown.append(f"metric '{metric_id}'")
        elif metric_id not in metric_ids:
            metric_ids.append(metric_id)
    for title in commitment.milestones:
        if title not in held_titles:
            unknown.append(f"milestone '{title}'")
        elif title not in titles:
            titles.append(title)
    return Reach(tuple(metric_ids), tuple(titles), tuple(unknown))


def how_monitored(commitment: Commitment, framework: Framework) -> str:
    if commitment.not_monitored:
        return NOT_MONITORED
    found = reach(commitment, framework)
    return BY_METRIC if found.metric_ids else BY_MILESTONE if found.milestone_titles else POINTS_AT_NOTHING


def ledger_rows(ledger: Ledger, framework: Framework, metrics: Mapping[str, Metric]) -> list[LedgerRow]:
    rows = []
    for commitment in ledger.commitments:
        how = how_monitored(commitment, framework)
        found = reach(commitment, framework)
        if how == NOT_MONITORED:
            by = commitment.not_monitored or ""
        elif how == POINTS_AT_NOTHING:
            by = "Names " + ", ".join(found.unknown) + ", which the framework does not hold"
        else:
            by = _by(commitment, found, metrics)
        rows.append(LedgerRow(commitment.words, KIND_WORDS[commitment.kind], commitment.section, how, by,
                              commitment.note))
    return rows


def _by(commitment: Commitment, found: Reach, metrics: Mapping[str, Metric]) -> str:
    """The metrics' titles, the milestones named, and how many more milestones the named intentions hold."""
    named = [t for t in found.milestone_titles if t in commitment.milestones]
    parts = [metrics[m].display_title for m in found.metric_ids if m in metrics] + named
    more = len(found.milestone_titles) - len(named)
    if more:
        parts.append(f"{more} milestone{'s' if more > 1 else ''} of the intention")
    return "; ".join(parts)


def ledger_counts(ledger: Ledger, framework: Framework) -> dict[str, int]:
    """How many commitments each way of monitoring covers (every key of MONITORING, zero included)."""
    counts = dict.fromkeys(MONITORING, 0)
    for commitment in ledger.commitments:
        counts[how_monitored(commitment, framework)] += 1
    return counts


def commitments_of_metric(metric_id: str, ledger: Ledger | None, framework: Framework) -> list[Commitment]:
    """The commitments that name ``metric_id``, or when none does, those that reach it through an intention."""
    if ledger is None:
        return []
    direct = [c for c in ledger.commitments if metric_id in c.metrics]
    return direct or [c for c in ledger.commitments if metric_id in reach(c, framework).metric_ids]
