"""A council's rank and quartile among its peers (every English council publishing the measure
that year), LG Inform style: rank 1 is the best value for the measure's polarity.

Ties share the better rank (two councils equal best are both 1st; the next is 3rd). The
quartile is by rank: 1st quartile is the best quarter of the councils ranked (ranks 1 to
ceil(n/4)), 4th the worst. Only councils with a published value for the year are ranked."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

METHOD = ("Rank among the councils with a published value for the same year, 1 = best for this measure "
          "(ties share the better rank); quartile by rank: 1st quartile = the best quarter of councils.")
QUARTILE_WORDS = {1: "1st quartile (best)", 2: "2nd quartile", 3: "3rd quartile", 4: "4th quartile (worst)"}


@dataclass(frozen=True)
class Ranking:
    peers: str                # who is ranked, e.g. "English councils with adult social care duties"
    period: str
    rank: int
    count: int
    quartile: int
    value: float
    median: float
    lower_quartile: float     # the 25th and 75th percentiles of the peers' values (not by polarity)
    upper_quartile: float
    lowest: float
    highest: float
    values: tuple[float, ...]  # every peer's value, sorted: the distribution chart

    @property
    def words(self) -> str:
        return (f"Ranked {ordinal(self.rank)} of {self.count} {self.peers} in {self.period}: "
                f"{QUARTILE_WORDS[self.quartile]}.")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["values"] = list(self.values)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Ranking":
        return cls(**{**data, "values": tuple(data["values"])})


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _percentile(ordered: Sequence[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), on sorted values."""
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def rank_among(value: float, peer_values: Sequence[float], higher_is_better: bool, peers: str,
               period: str) -> Ranking | None:
    """The rank of ``value`` among ``peer_values`` (which include the council itself); None
    when the council's value is not among them (it was not published that year)."""
    values = sorted(float(v) for v in peer_values if v is not None and not math.isnan(v))
    if not values or not any(math.isclose(v, value, rel_tol=0, abs_tol=1e-9) for v in values):
        return None
    better = sum(1 for v in values if (v > value + 1e-9 if higher_is_better else v < value - 1e-9))
    rank = better + 1
    count = len(values)
    quartile = min(4, 1 + (4 * (rank - 1)) // count)
    return Ranking(peers=peers, period=period, rank=rank, count=count, quartile=quartile, value=value,
                   median=_percentile(values, 0.5), lower_quartile=_percentile(values, 0.25),
                   upper_quartile=_percentile(values, 0.75), lowest=values[0], highest=values[-1],
                   values=tuple(values))
