"""Progress toward a target, and how it is shown.

Progress is the share of the distance from baseline to target covered, in percent:
``(value - baseline) / (target - baseline) * 100``, negative when moving away (DESIGN.md contract).

Three decisions, written once here so pages, sentences and exports say the same:

* A **maintain** target (the baseline already meets the level) has no distance to cover, so it has no
  progress: ``None``, shown as "not shown (maintain target)". Its status says whether the level is kept.
* A share far outside 0-100% means the distance was small, not that the change was large (a baseline
  0.1 points short of the target makes a fall of 3.5 points read -3,533%). Shown figures are **capped**
  at -100% and 200% and say so ("below -100% (capped)"); the contract's ``progress_pct`` keeps the
  exact share for scripts.
* A value short of the target never reads "100%": a share that would round up to it is shown to one decimal,
  rounded down (99.6% is "99.6%", 99.97% is "99.9%").
"""

from __future__ import annotations

import math

from metrics.evaluation.status import TargetMode
from metrics.formatting import number

PROGRESS_FLOOR = -100.0  # moved away from the target by at least the whole distance
PROGRESS_CEILING = 200.0  # passed the target by at least the whole distance again
MAINTAIN_WORDS = "not shown (maintain target)"


def progress(value: float, baseline: float, target: float) -> float | None:
    if target == baseline:
        return None
    return (value - baseline) / (target - baseline) * 100


def progress_text(progress_pct: float | None, mode: str | None = None) -> str:
    """Progress as a person reads it, on every page and in every export."""
    if mode == TargetMode.MAINTAIN:
        return MAINTAIN_WORDS
    if progress_pct is None:
        return "–"
    if progress_pct < PROGRESS_FLOOR:
        return f"below {number(PROGRESS_FLOOR, 0)}% (capped)"
    if progress_pct > PROGRESS_CEILING:
        return f"over {number(PROGRESS_CEILING, 0)}% (capped)"
    if abs(progress_pct) < 0.5:
        return "0%"  # never "-0%"
    shown = number(progress_pct, 0)
    if progress_pct < 100 and shown == "100":  # short of the target never reads 100%: 99.6 is "99.6%"
        shown = number(math.floor(progress_pct * 10) / 10, 1)
    return f"{shown}%"


def progress_explained(mode: str | None) -> str:
    """What the progress figure means for this target, for the metric page."""
    if mode == TargetMode.MAINTAIN:
        return ("the baseline already met this level, so this is a maintain target, judged on whether the "
                "level is kept; the glide path is flat at the level.")
    return (f"the share of the distance from baseline to target covered so far (negative when moving away); "
            f"figures below {number(PROGRESS_FLOOR, 0)}% or over {number(PROGRESS_CEILING, 0)}% are shown "
            f"capped, because they mean the distance was small, not that the change was large.")
