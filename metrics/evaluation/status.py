"""The vocabularies of a judgement: status and polarity, each knowing its order, words and icons.

Both are ``StrEnum``: a member *is* its contract string (``Status.ON_TRACK == "on_track"``,
``json.dumps`` writes ``"on_track"``), so the JSON of ``outcomes evaluate`` and of snapshots is
unchanged while code compares and orders members instead of spelling strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Iterable


class Status(StrEnum):
    """An evaluation's or an intention's status (DESIGN.md, contract). Declared worst first: the order of
    exception lists. ``monitored`` is a metric with a value but nothing to judge it against; ``not_assessed``
    is an intention that nothing (no judged metric, no dated milestone) can judge: metrics never have it."""

    OFF_TRACK = "off_track"
    AT_RISK = "at_risk"
    ON_TRACK = "on_track"
    ACHIEVED = "achieved"
    MONITORED = "monitored"
    NOT_STARTED = "not_started"
    NO_DATA = "no_data"
    NOT_ASSESSED = "not_assessed"

    @property
    def words(self) -> str:
        return _STATUS_WORDS[self]

    @property
    def icon(self) -> str:
        """A shape as well as a colour, so status never relies on colour alone."""
        return _STATUS_ICONS[self]

    @property
    def text(self) -> str:
        """Icon and words, for plain text (reports, tables)."""
        return f"{self.icon} {self.words}"

    @property
    def judged(self) -> bool:
        """True for the four statuses that judge a value against a target."""
        return self in (Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.ACHIEVED)

    @classmethod
    def worst_first(cls) -> tuple["Status", ...]:
        """The statuses a metric can have, worst first."""
        return tuple(s for s in cls if s is not Status.NOT_ASSESSED)

    @classmethod
    def for_intentions(cls) -> tuple["Status", ...]:
        """The statuses an intention can have (:mod:`metrics.evaluation.intentions`), worst first."""
        return tuple(s for s in cls if s is not Status.MONITORED)

    @classmethod
    def worst(cls, statuses: Iterable[str]) -> "Status | None":
        """The worst judged status among ``statuses`` (not started and no data do not judge), or None."""
        present = {cls(s) for s in statuses}
        return next((s for s in cls if s.judged and s in present), None)


_STATUS_WORDS = {
    Status.ACHIEVED: "Achieved",
    Status.ON_TRACK: "On track",
    Status.AT_RISK: "At risk",
    Status.OFF_TRACK: "Off track",
    Status.MONITORED: "Monitored",
    Status.NOT_STARTED: "Not started",
    Status.NO_DATA: "No data",
    Status.NOT_ASSESSED: "Not assessed",
}
_STATUS_ICONS = {
    Status.ACHIEVED: "★",
    Status.ON_TRACK: "✔",
    Status.AT_RISK: "▲",
    Status.OFF_TRACK: "✖",
    Status.MONITORED: "◇",
    Status.NOT_STARTED: "○",
    Status.NO_DATA: "?",
    Status.NOT_ASSESSED: "–",
}


class Polarity(StrEnum):
    """Which direction is better, as written in config and in the JSON contract."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"

    @property
    def higher_is_better(self) -> bool:
        return self is Polarity.HIGHER_IS_BETTER

    @property
    def better(self) -> str:
        """``"higher"`` or ``"lower"``: the word the statistics (Fingertips trend, benchmark,
        forecast) take, and the page's "Better when" answer."""
        return "higher" if self.higher_is_better else "lower"

    @property
    def improvement(self) -> str:
        """Making Data Count's direction of improvement: ``"increase"`` or ``"decrease"``."""
        return "increase" if self.higher_is_better else "decrease"

    def meets(self, value: float, goal: float) -> bool:
        """Is ``value`` at or better than ``goal``?"""
        return value >= goal if self.higher_is_better else value <= goal

    def shortfall(self, value: float, expected: float) -> float:
        """How far ``value`` is worse than ``expected`` (negative when better)."""
        return expected - value if self.higher_is_better else value - expected


class TargetMode(StrEnum):
    """What a target asks: to move from the baseline to it, or to keep a level the baseline already met."""

    IMPROVE = "improve"
    MAINTAIN = "maintain"

    @classmethod
    def of(cls, polarity: Polarity, baseline: float, goal: float) -> "TargetMode":
        """A target the baseline already meets (or equals) asks to keep it there, not to move toward it:
        a share of a distance that does not exist would make progress figures such as -31% or 257%."""
        return cls.MAINTAIN if polarity.meets(baseline, goal) else cls.IMPROVE


@dataclass(frozen=True)
class Facts:
    """What the status rules look at, for one metric at one period."""

    has_figure: bool  # a value for a period ending by then, from a source that answered
    has_target: bool  # a target with a baseline value to measure from
    started: bool  # that period ends after the baseline period
    met: bool  # the value is at or better than the target (for a maintain target, the level)
    past_deadline: bool  # that period ends after the target's deadline
    shortfall: float  # how far the value is worse than the glide path (negative when better)
    tolerance: float  # the amber tolerance: a percentage of the glide path's value


@dataclass(frozen=True)
class Rule:
    """One row of the decision table: the first row whose condition holds gives the status."""

    condition: str  # in words, as the About page shows it
    status: Status
    holds: Callable[[Facts], bool]


#: The status rules, in the order they are tried: the code (:func:`decide`) and the About page both read
#: this table, so what the page says is what the code does. For a maintain target the glide path is flat
#: at the level, so a value that is not "achieved" is always worse than the glide path: such a target is
#: achieved, at risk or off track, never merely "on track".
STATUS_RULES: tuple[Rule, ...] = (
    Rule("The source failed, or there is no figure for any period ending by the period asked for",
         Status.NO_DATA, lambda f: not f.has_figure),
    Rule("There is a figure but no target, or no baseline value to measure the target from: judged on trend, "
         "SPC and benchmark only", Status.MONITORED, lambda f: not f.has_target),
    Rule("The latest figure is for the baseline period or earlier", Status.NOT_STARTED, lambda f: not f.started),
    Rule("The value is at or better than the target (for a maintain target: the level)",
         Status.ACHIEVED, lambda f: f.met),
    Rule("The deadline has passed and the target is not met", Status.OFF_TRACK, lambda f: f.past_deadline),
    Rule("The value is at or better than the glide path", Status.ON_TRACK, lambda f: f.shortfall <= 0),
    Rule("The value is worse than the glide path by no more than the amber tolerance "
         "(a percentage of the glide path's value, 5% unless the target says otherwise)",
         Status.AT_RISK, lambda f: f.shortfall <= f.tolerance),
    Rule("The value is worse than the glide path by more than the amber tolerance",
         Status.OFF_TRACK, lambda f: True),
)


def decide(facts: Facts) -> Status:
    """The status the first applicable row of :data:`STATUS_RULES` gives."""
    return next(rule.status for rule in STATUS_RULES if rule.holds(facts))
