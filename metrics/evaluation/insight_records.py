"""The typed insights of one evaluated metric (SPC, trend, forecast, benchmarks, rank) and their JSON form.

The records only: :mod:`metrics.evaluation.insights` computes them and puts them into words. They sit below
both that module and :mod:`metrics.evaluation.evaluate`, whose ``Evaluation`` carries them, so neither of those
two imports the other to name them (insights are computed from an evaluation; an evaluation holds its insights).
:meth:`Insights.to_dict` / :meth:`Insights.from_dict` are what snapshots store and read back.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Mapping, Sequence

import pandas as pd

from metrics.evaluation.change_points import ChangePoint, Suggestion, Sustained
from metrics.evaluation.ranking import Ranking
from metrics.periods import parse_month
from metrics.statistics.spc import SpcResult
from metrics.statistics.trend import ForecastResult, TrendResult

POINT_TYPE_WORDS = {
    "common_cause": "Common cause",
    "improvement": "Special cause – improvement",
    "concern": "Special cause – concern",
    "neutral_high": "Special cause – neither (high)",
    "neutral_low": "Special cause – neither (low)",
}

#: How a benchmark verdict is reached, in words (Fingertips, PHE Technical Guide: Confidence Intervals).
BENCHMARK_METHOD = ("Compared as Fingertips does: significantly better or worse when this area's whole 95% "
                    "confidence interval lies on one side of the comparator's value, similar when the interval "
                    "includes it, and not compared when there is no interval or no comparator figure for the "
                    "same period.")


class Verdict(StrEnum):
    BETTER = "better"
    SIMILAR = "similar"
    WORSE = "worse"
    NOT_COMPARED = "not_compared"

    @property
    def words(self) -> str:
        return {"better": "Better", "similar": "Similar", "worse": "Worse", "not_compared": "Not compared"}[self]


@dataclass(frozen=True)
class SpcSegment:
    """A stretch of the chart with limits of its own: from the first point, or from a change point."""

    start: str                     # period key of its first point
    label: str
    points: int
    mean: float | None
    lower: float | None            # None: one point has no moving range, so no limits
    upper: float | None
    change_point: ChangePoint | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "label": self.label, "points": self.points, "mean": _clean(self.mean),
                "lower": _clean(self.lower), "upper": _clean(self.upper),
                "change_point": self.change_point.to_dict() if self.change_point else None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SpcSegment":
        point = data.get("change_point")
        return cls(data["start"], data["label"], int(data["points"]), data["mean"], data["lower"], data["upper"],
                   ChangePoint.from_dict(point) if point else None)


@dataclass(frozen=True)
class SpcInsight:
    """An XmR chart of the unbroken run of points up to the evaluated period, its segments (the limits are
    recalculated at each change point applied), the sustained reading when most of the latest segment is
    special cause, the change points the product suggests (applied only when a person records one), and
    ``summary``: the chart in one phrase for exception lists ("Special cause variation – concern (lower is
    better) at the latest point", "a sustained upward trend across 156 points (Apr 2012 to Mar 2025), one
    signal rather than 156 special-cause points")."""

    result: SpcResult
    periods: tuple[str, ...]
    labels: tuple[str, ...]
    values: tuple[float, ...]
    ci_lower: tuple[float | None, ...]
    ci_upper: tuple[float | None, ...]
    segments: tuple[SpcSegment, ...] = ()
    sustained: Sustained | None = None
    suggestions: tuple[Suggestion, ...] = ()
    summary: str = ""

    @property
    def point_type_words(self) -> list[str]:
        return [POINT_TYPE_WORDS.get(t, t) for t in self.result.point_types]

    @property
    def change_points(self) -> tuple[ChangePoint, ...]:
        """The change points applied to this chart, in order."""
        return tuple(s.change_point for s in self.segments if s.change_point is not None)

    def frame(self) -> pd.DataFrame:
        """The run as a frame (period_end, value, ci_lower, ci_upper), as SPC figures draw it."""
        return pd.DataFrame({"period_end": [parse_month(p) for p in self.periods], "value": list(self.values),
                             "ci_lower": list(self.ci_lower), "ci_upper": list(self.ci_upper)}).astype(
            {"value": "float64", "ci_lower": "float64", "ci_upper": "float64"})


@dataclass(frozen=True)
class Benchmark:
    """This area against one comparator (England, region, peers) at the evaluated period."""

    comparator: str
    comparator_value: float | None
    verdict: Verdict
    words: str
    method: str = BENCHMARK_METHOD

    @property
    def compact(self) -> str:
        """``"Similar to England"`` / ``"Not compared with England"``: words, never colour alone."""
        if self.verdict is Verdict.NOT_COMPARED:
            return f"Not compared with {self.comparator}"
        if self.verdict is Verdict.SIMILAR:
            return f"Similar to {self.comparator}"
        return f"{self.verdict.words} than {self.comparator}"


@dataclass(frozen=True)
class Insights:
    """Typed results and their words for one metric at one period, as the audience may see them."""

    spc: SpcInsight | None
    spc_words: str  # the SPC summary, or why there is no chart
    trend: TrendResult | None
    trend_words: str
    forecast: ForecastResult | None
    forecast_words: str  # the sentence with its method, or why there is none
    forecast_sentence: str | None  # the sentence for status_reason, when there is a forecast
    deadline: str | None
    benchmarks: tuple[Benchmark, ...] = ()
    ranking: Ranking | None = None                 # rank and quartile among peer councils, when declared
    series_breaks: tuple[tuple[str, str, str], ...] = ()  # (period, label, words) up to the evaluated period

    @property
    def benchmark(self) -> Benchmark | None:
        """The first comparator's verdict (the binding lists England first)."""
        return self.benchmarks[0] if self.benchmarks else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: numbers or None (never NaN), strings, lists; what a snapshot stores."""
        spc = None
        if self.spc is not None:
            spc = {k: _clean(v) for k, v in dataclasses.asdict(self.spc.result).items()}
            spc.update(periods=list(self.spc.periods), labels=list(self.spc.labels),
                       values=_clean(self.spc.values), ci_lower=_clean(self.spc.ci_lower),
                       ci_upper=_clean(self.spc.ci_upper), point_type_words=self.spc.point_type_words,
                       segments=[s.to_dict() for s in self.spc.segments],
                       sustained=self.spc.sustained.to_dict() if self.spc.sustained else None,
                       suggestions=[s.to_dict() for s in self.spc.suggestions], summary=self.spc.summary)
        trend = None if self.trend is None else {k: _clean(v) for k, v in dataclasses.asdict(self.trend).items()}
        fc = None if self.forecast is None else {k: _clean(v) for k, v in dataclasses.asdict(self.forecast).items()}
        return {"spc": spc, "spc_words": self.spc_words, "trend": trend, "trend_words": self.trend_words,
                "forecast": fc, "forecast_words": self.forecast_words, "forecast_sentence": self.forecast_sentence,
                "deadline": self.deadline,
                "benchmarks": [{"comparator": b.comparator, "comparator_value": _clean(b.comparator_value),
                                "verdict": str(b.verdict), "words": b.words, "method": b.method}
                               for b in self.benchmarks],
                "ranking": None if self.ranking is None else {k: _clean(v) for k, v in self.ranking.to_dict().items()},
                "series_breaks": [list(b) for b in self.series_breaks]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Insights":
        """The typed insights back from :meth:`to_dict` (e.g. read from a snapshot)."""
        spc = None
        if data.get("spc"):
            raw = data["spc"]
            names = {f.name for f in dataclasses.fields(SpcResult)}
            result = SpcResult(**{k: v for k, v in raw.items() if k in names})
            spc = SpcInsight(result, tuple(raw["periods"]), tuple(raw["labels"]), tuple(raw["values"]),
                             tuple(raw["ci_lower"]), tuple(raw["ci_upper"]),
                             tuple(SpcSegment.from_dict(s) for s in raw.get("segments", ())),
                             Sustained.from_dict(raw["sustained"]) if raw.get("sustained") else None,
                             tuple(Suggestion.from_dict(s) for s in raw.get("suggestions", ())),
                             # a snapshot made before summaries: the latest point's reading, as it was then
                             raw.get("summary") or latest_summary(result, ()))
        trend = TrendResult(**data["trend"]) if data.get("trend") else None
        fc = ForecastResult(**data["forecast"]) if data.get("forecast") else None
        benchmarks = tuple(Benchmark(b["comparator"], b["comparator_value"], Verdict(b["verdict"]), b["words"],
                                     b.get("method", BENCHMARK_METHOD)) for b in data.get("benchmarks", ()))
        return cls(spc=spc, spc_words=data["spc_words"], trend=trend, trend_words=data["trend_words"],
                   forecast=fc, forecast_words=data["forecast_words"],
                   forecast_sentence=data.get("forecast_sentence"), deadline=data.get("deadline"),
                   benchmarks=benchmarks,
                   ranking=Ranking.from_dict(data["ranking"]) if data.get("ranking") else None,
                   series_breaks=tuple(tuple(b) for b in data.get("series_breaks", ())))


def _clean(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "__float__"):
        number_ = float(value)
        if math.isnan(number_) or math.isinf(number_):
            return None
        return int(number_) if isinstance(value, int) else number_
    return value


def latest_summary(result: SpcResult, segments: Sequence[SpcSegment]) -> str:
    """The latest point's reading in one phrase, for exception lists (whose code adds "SPC: ")."""
    latest = segments[-1] if segments else None
    if latest is not None and latest.lower is None:
        return (f"not judged: the latest point starts new limits at {latest.label} (a change point), and one "
                f"point gives none")
    since = f" (limits since {latest.label})" if latest is not None and latest.change_point is not None else ""
    return f"{result.variation_label} at the latest point{since}"
