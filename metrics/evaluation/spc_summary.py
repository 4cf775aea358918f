"""Making Data Count's summary matrix: a framework's metrics counted by variation icon x assurance icon.

NHS integrated performance reports open with this matrix (NHS England, *Making Data Count: strengthening
your decisions*, 2021): rows are the variation icons (special cause concern high or low, common cause,
special cause improvement high or low), columns the assurance icons (consistently passes, hit and miss,
consistently fails the target, no target). Each metric is counted once, by its latest point's variation and
its latest limits' assurance, as :func:`metrics.statistics.spc.xmr` gives them. Pure: evaluations in, the
metric ids of each cell out; the overview shows it and links each cell to its metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from metrics.evaluation.evaluate import Evaluation

#: (key, words), in the order the matrix shows them. A variation that takes no improvement direction
#: ("neither", for a metric with no better direction) and a metric whose latest point is not judged (no SPC
#: chart, or a change point starts new limits there) close the list: pages show those rows only when a metric
#: is in them.
VARIATIONS: tuple[tuple[str, str], ...] = (
    ("concern_high", "Special cause concern (high)"),
    ("concern_low", "Special cause concern (low)"),
    ("common_cause", "Common cause variation"),
    ("improvement_high", "Special cause improvement (high)"),
    ("improvement_low", "Special cause improvement (low)"),
    ("neither_high", "Special cause, neither improvement nor concern (high)"),
    ("neither_low", "Special cause, neither improvement nor concern (low)"),
    ("not_judged", "Not judged (no chart, or no limits yet)"),
)
#: Rows shown only when a metric is in them.
OPTIONAL_VARIATIONS = ("neither_high", "neither_low", "not_judged")
ASSURANCES: tuple[tuple[str, str], ...] = (
    ("pass", "Consistently passes"),
    ("hit_and_miss", "Hit and miss"),
    ("fail", "Consistently fails"),
    ("none", "No target"),
)
VARIATION_WORDS = dict(VARIATIONS)
ASSURANCE_WORDS = dict(ASSURANCES)


def variation_key(evaluation: Evaluation) -> str:
    """The row of one evaluation: its latest point's variation, high or low as the value moved."""
    spc = evaluation.insights.spc if evaluation.insights else None
    if spc is None or spc.result.lower_limit is None:  # no chart, or no limits to judge the latest point by
        return "not_judged"
    variation = spc.result.variation
    if variation == "common_cause":
        return "common_cause"
    if variation in ("neutral_high", "neutral_low"):
        return "neither_" + variation.removeprefix("neutral_")
    # An improvement is high when higher is better; a concern is high when lower is better.
    high = (variation == "improvement") == (spc.result.improvement == "increase")
    return f"{variation}_{'high' if high else 'low'}"


def assurance_key(evaluation: Evaluation) -> str:
    """The column of one evaluation: pass, hit and miss, fail, or none (no target, or no limits to judge it by)."""
    spc = evaluation.insights.spc if evaluation.insights else None
    return (spc.result.assurance if spc is not None else None) or "none"


@dataclass(frozen=True)
class SpcMatrix:
    """Each cell's metric ids, in the evaluations' order; each metric in exactly one cell."""

    cells: dict[tuple[str, str], tuple[str, ...]]

    def metric_ids(self, variation: str, assurance: str) -> tuple[str, ...]:
        return self.cells.get((variation, assurance), ())

    def count(self, variation: str, assurance: str) -> int:
        return len(self.metric_ids(variation, assurance))

    def rows(self) -> list[tuple[str, str]]:
        """The (key, words) of the rows to show: the five of Making Data Count, then any other in use."""
        used = {v for v, _ in self.cells}
        return [(key, words) for key, words in VARIATIONS if key not in OPTIONAL_VARIATIONS or key in used]


def spc_matrix(evaluations: Iterable[Evaluation]) -> SpcMatrix:
    """``evaluations``: one per metric (``FrameworkEvaluation.metric_evaluations``); a metric seen again is
    not counted again."""
    cells: dict[tuple[str, str], list[str]] = {}
    seen: set[str] = set()
    for e in evaluations:
        if e.metric_id in seen:
            continue
        seen.add(e.metric_id)
        cells.setdefault((variation_key(e), assurance_key(e)), []).append(e.metric_id)
    return SpcMatrix({cell: tuple(ids) for cell, ids in cells.items()})


def cell_words(variation: str, assurance: str) -> str:
    """What a cell holds, in words: "Special cause improvement (high), consistently fails"."""
    return f"{VARIATION_WORDS[variation]}, {ASSURANCE_WORDS[assurance][0].lower()}{ASSURANCE_WORDS[assurance][1:]}"
