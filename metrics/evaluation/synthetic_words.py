"""How a synthetic figure is marked and counted, in the same words on every page, report and command.

A metric's figures are synthetic when its source declares ``synthetic: true`` (generated sample data,
``sample_data/``): each such figure carries a visible mark, and a page or report says how many of its
figures are synthetic rather than calling all of them unreal."""

from __future__ import annotations

#: The visible mark beside a synthetic figure.
SYNTHETIC_TAG = "Synthetic"
#: What the mark means, for a tooltip, a screen reader or a report's line.
SYNTHETIC_MEANING = "generated sample data for demonstration, not a real statistic"


def synthetic_count(synthetic: int, total: int, noun: str, where: str, mark: str) -> str:
    """'3 of 12 figures on this page are synthetic sample data, not real statistics; each is marked
    “Synthetic”.', or "" when none is. ``noun`` is singular ("figure", "metric"), ``where`` says where
    they are ("on this page"), ``mark`` is how each is marked."""
    if synthetic <= 0:
        return ""
    if synthetic == total == 1:
        return f"The {noun} {where} is synthetic sample data, not a real statistic; it is marked {mark}."
    if synthetic == total:
        return f"All {total} {noun}s {where} are synthetic sample data, not real statistics; each is marked {mark}."
    if synthetic == 1:
        return f"1 of {total} {noun}s {where} is synthetic sample data, not a real statistic; it is marked {mark}."
    return (f"{synthetic} of {total} {noun}s {where} are synthetic sample data, not real statistics; "
            f"each is marked {mark}.")
