"""The vocabularies of a judgement: status and polarity, each knowing its order, words and icons.

Both are ``StrEnum``: a member *is* its contract string (``Status.ON_TRACK == "on_track"``,
``json.dumps`` writes ``"on_track"``), so the JSON of ``outcomes evaluate`` and of snapshots is
unchanged while code compares and orders members instead of spelling strings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Iterable


class Status(StrEnum):
    """An evaluation's status (DESIGN.md, contract). Declared worst first: the order of exception lists."""

    OFF_TRACK = "off_track"
    AT_RISK = "at_risk"
    ON_TRACK = "on_track"
    ACHIEVED = "achieved"
    NOT_STARTED = "not_started"
    NO_DATA = "no_data"

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
        return tuple(cls)

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
    Status.NOT_STARTED: "Not started",
    Status.NO_DATA: "No data",
}
_STATUS_ICONS = {
    Status.ACHIEVED: "★",
    Status.ON_TRACK: "✔",
    Status.AT_RISK: "▲",
    Status.OFF_TRACK: "✖",
    Status.NOT_STARTED: "○",
    Status.NO_DATA: "?",
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
