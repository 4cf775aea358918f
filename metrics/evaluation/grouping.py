"""Intentions grouped under outcomes, one way for the overview, the frameworks page and the reports.

An intention sits under the outcome of its *first* outcome code (a sub-outcome's code counts for its
outcome); intentions that name no known outcome come last, under "Other intentions".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from metrics.definitions.models import Framework, Intention, Outcome

OTHER = "Other intentions"


@dataclass(frozen=True)
class OutcomeGroup:
    outcome: Outcome | None  # None for the "Other intentions" group
    intentions: tuple[Intention, ...]

    @property
    def title(self) -> str:
        """``"O1: Title"``; the title alone where the code is only the title's first word(s) in capitals
        ("Safe" and "Cared for", never "SAFE: Safe" or "CARED: Cared for"); or "Other intentions"."""
        if self.outcome is None:
            return OTHER
        code, title = self.outcome.code, self.outcome.title
        repeats = code.isalpha() and len(code) >= 3 and title.replace(" ", "").casefold().startswith(code.casefold())
        return title if repeats else f"{code}: {title}"


def outcome_groups(framework: Framework, intentions: Iterable[Intention] | None = None) -> list[OutcomeGroup]:
    """``intentions`` (default: all of the framework's, in their order) by outcome, in the outcomes' order;
    outcomes with none of them are left out."""
    chosen = list(framework.intentions if intentions is None else intentions)
    placed: set[str] = set()
    groups = []
    for outcome in framework.outcomes:
        codes = {outcome.code, *(s.code for s in outcome.sub_outcomes)}
        here = tuple(i for i in chosen if i.id not in placed and i.outcomes and i.outcomes[0] in codes)
        if here:
            placed.update(i.id for i in here)
            groups.append(OutcomeGroup(outcome, here))
    rest = tuple(i for i in chosen if i.id not in placed)
    if rest:
        groups.append(OutcomeGroup(None, rest))
    return groups
