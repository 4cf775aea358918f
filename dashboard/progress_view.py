"""What a metric's progress chart draws and says, from a live evaluation (the metric page) or a stored one
(the reports): the value over time against the baseline, the glide path, the target and the deadline.

Both read the same fields (``Evaluation`` as ``vars`` gives them, or a snapshot's evaluation record), so a
report says what the page said when the snapshot was signed off. Withheld figures stay withheld: the
evaluation has already left out a suppressed value or baseline (and the glide path and a relative target
built from it), and the series has gaps where its values are suppressed (:mod:`metrics.disclosure`).
No Dash here: the reports use it too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures import progress_figure
from metrics.definitions.models import Metric
from metrics.evaluation.evaluate import metric_glide_path
from metrics.evaluation.provenance_words import assumed_cell, assumed_note
from metrics.evaluation.status import TargetMode
from metrics.formatting import format_value, number, unit_words
from metrics.periods import month_label, months_between, parse_month

SUPPRESSED_WORDS = "suppressed (small numbers)"


def _along(corners: Sequence[tuple[date, float]], month: date) -> float | None:
    """The glide path's value at ``month`` (straight between corners); None outside baseline to deadline."""
    if not corners or month < corners[0][0] or month > corners[-1][0]:
        return None
    for (m0, v0), (m1, v1) in zip(corners, corners[1:]):
        if month <= m1:
            span = months_between(m0, m1)
            return v0 + (v1 - v0) * (months_between(m0, month) / span if span else 1.0)
    return corners[-1][1]


@dataclass(frozen=True, eq=False)
class Progress:
    metric: Metric
    name: str
    #: period, label, period_end (date), value, ci_lower, ci_upper up to the period; withheld values NaN.
    series: pd.DataFrame
    deadline: date
    glide: tuple[tuple[date, float], ...]
    baseline: tuple[date, float] | None
    baseline_label: str
    baseline_hidden: bool
    target: float | None
    #: The target as the configuration states it: ``(kind, value)``, e.g. ("relative_change", -20.0).
    stated: tuple[str | None, float | None]
    maintain: bool
    period: str | None
    period_label: str | None
    value: float | None
    suppressed: bool
    trajectory: float | None
    provenance: Mapping[str, Any] | None
    breaks: tuple[Sequence[str], ...] = ()

    def _short(self, value: float) -> str:
        return format_value(value, self.metric, with_unit=False)

    @property
    def _baseline_words(self) -> str:
        return f"{self.baseline_label} baseline" if self.baseline_label else "baseline"

    @property
    def title(self) -> str:
        return f"{self.name}: progress to the target"

    @property
    def assumed(self) -> str:
        """The target's elements that are assumptions, e.g. "baseline; deadline" ("" when none)."""
        return assumed_cell(self.provenance)

    def figure(self) -> go.Figure:
        latest = None
        if self.value is not None and self.period is not None:
            at = self.series[self.series["period"] == self.period]
            if not at.empty:
                latest = (at["period_end"].iloc[-1], self.value)
        return progress_figure(self.series, self.title, unit_words(self.metric), self.deadline, glide=self.glide,
                               baseline=self.baseline, target=self.target, latest=latest, maintain=self.maintain,
                               assumed=self.assumed, breaks=self.breaks, number_format=self._short)

    def sentence(self) -> str:
        """The chart in one sentence: "Falls admissions 65+: 150.0 ... in Mar 2025 against a baseline of 175.0
        (2013/14) and a target of 140.0 by March 2018; the deadline has passed." """
        if self.period_label is None:
            now = f"{self.name}: no figures yet"
        elif self.suppressed:
            now = f"{self.name}: {SUPPRESSED_WORDS} in {self.period_label}"
        else:
            now = f"{self.name}: {format_value(self.value, self.metric)} in {self.period_label}"
        by = month_label(self.deadline)
        past = self.period is not None and parse_month(self.period) > self.deadline
        against = []
        if self.baseline is not None:
            label = f" ({self.baseline_label})" if self.baseline_label else ""
            against.append(f"a baseline of {self._short(self.baseline[1])}{label}")
        if self.glide and self.trajectory is not None and not past and not self.maintain:
            against.append(f"a glide path of {self._short(self.trajectory)}")
        if self.target is not None:
            against.append(f"a level to keep of {self._short(self.target)} by {by} (a maintain target: the glide "
                           f"path is flat at the level)" if self.maintain
                           else f"a target of {self._short(self.target)} by {by}")
        words = now + (" against " + _joined(against) if against else "")
        if self.baseline_hidden:
            kind, stated = self.stated
            relative = kind == "relative_change" and stated is not None
            words += (f"; the {self._baseline_words} is {SUPPRESSED_WORDS}, and so "
                      + (f"are the glide path and the target set relative to it ({number(abs(stated), 0)}% "
                         f"{'below' if stated < 0 else 'above'} baseline by {by})" if relative
                         else "is the glide path from it"))
        elif self.baseline is None:
            words += f"; there is no figure for the {self._baseline_words}, so no glide path is drawn"
        if past:
            words += f"; the deadline ({by}) has passed"
        note = assumed_note(self.provenance)
        return words + "." + (f" {note}" if note else "")

    def caption(self, table_words: str = "The table gives every value.") -> str:
        """The chart's text alternative: what it shows, the sentence, and where its figures are."""
        labels = list(self.series["label"]) if "label" in self.series else []
        span = f" from {labels[0]} to {labels[-1]}" if labels else ""
        band = ("; its 95% confidence interval is a shaded band"
                if "ci_lower" in self.series and self.series["ci_lower"].notna().any() else "")
        glide = (" a dashed glide path (flat at the level to keep)," if self.maintain and self.glide
                 else " a dashed glide path," if self.glide else "")
        return (f"Line chart of {self.name}{span}: the value each period as a line with round markers{band}; the "
                f"baseline is a square,{glide} the target a star at the deadline (a dotted vertical line) and the "
                f"latest period a diamond, each labelled in words. {self.sentence()} {table_words}")

    def rows(self) -> list[tuple[str, str, str]]:
        """(period, value, glide path) for each period: "suppressed" where the value is withheld, "–" where the
        glide path does not run (before the baseline, after the deadline, or withheld)."""
        out = []
        for row in self.series.itertuples():
            along = _along(self.glide, row.period_end)
            out.append((row.label, SUPPRESSED_WORDS if pd.isna(row.value) else self._short(row.value),
                        "–" if along is None else self._short(along)))
        return out


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def from_record(metric: Metric, name: str, record: Mapping[str, Any], series: pd.DataFrame,
                glide: Sequence[tuple[date, float]] | None = None,
                breaks: Sequence[Sequence[str]] = ()) -> Progress | None:
    """The progress chart of an evaluation's fields (``vars(evaluation)`` or a snapshot's record), or None for a
    metric without a target. ``series``: up to the evaluation's period, withheld values NaN. ``glide``: the
    corners stored with the evaluation; by default drawn from the metric's target and the baseline value."""
    if metric.target is None or not record.get("deadline"):
        return None
    base = record.get("baseline_value")
    corners = tuple(metric_glide_path(metric, base) if glide is None else glide)
    return Progress(
        metric=metric, name=name, series=series, deadline=parse_month(record["deadline"]), glide=corners,
        baseline=(parse_month(record["baseline_period"]), base)
        if base is not None and record.get("baseline_period") else None,
        baseline_label=record.get("baseline_label") or "", baseline_hidden=bool(record.get("baseline_suppressed")),
        target=record.get("target_value"), stated=(record.get("target_kind"), record.get("target_stated")),
        maintain=record.get("target_mode") == TargetMode.MAINTAIN, period=record.get("period"),
        period_label=record.get("period_label"), value=None if record.get("suppressed") else record.get("value"),
        suppressed=bool(record.get("suppressed")), trajectory=record.get("trajectory_value"),
        provenance=record.get("target_provenance"), breaks=tuple(breaks))
