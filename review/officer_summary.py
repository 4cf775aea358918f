"""The officer's summary: the narrative a performance officer writes for a framework's period, first in the
committee paper (after the cover).

Versioned like commentary (``review.commentary``): every save is a new version, never overwritten; an editor
says which version they started from (``based_on``) and a save on top of someone else's is refused with a
:class:`Conflict`, its text kept in the audit trail. Only a performance officer on the framework (or an admin)
may write it, checked here, whoever calls. After sign-off a new version is an addendum; sign-off freezes the
current version into the snapshot (``summary_for``).

The product offers a draft built from the signals (intention counts, the top exceptions and why), which a
person edits: a draft is never stored or published until a person saves it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from datasources.store import Store, iso, now, officer_summaries, signoffs
from metrics.evaluation.status import Status
from metrics.periods import month_label, parse_month
from metrics.service import MetricsService
from review import audit
from review.access import require_sign_off
from review.errors import Conflict, ReviewInputError
from review.people import Person
from review.subjects import framework_of
from review.text import period as check_period, plain_text

if TYPE_CHECKING:
    from review.pack import ReviewPack

#: A summary is a page of a committee paper, not a report of its own.
SUMMARY_LIMIT = 6000
#: How many exceptions the draft names.
DRAFT_EXCEPTIONS = 3


@dataclass(frozen=True)
class Summary:
    id: int
    framework_id: str
    period: str
    version: int
    text: str
    author: str
    created_at: datetime
    addendum: bool
    based_on: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["created_at"] = iso(self.created_at)
        return out


def _summary(row: Any) -> Summary:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
    return Summary(row.id, row.framework_id, row.period, row.version, row.text, row.author, created,
                   bool(row.addendum), row.based_on)


def summary_history(store: Store, framework_id: str, period: str) -> list[Summary]:
    """Every version, oldest first."""
    with store.engine.connect() as conn:
        return [_summary(r) for r in conn.execute(select(officer_summaries).where(
            officer_summaries.c.framework_id == framework_id, officer_summaries.c.period == period)
            .order_by(officer_summaries.c.version))]


def current_summary(store: Store, framework_id: str, period: str) -> Summary | None:
    history = summary_history(store, framework_id, period)
    return history[-1] if history else None


@audit.refusals_recorded("officer_summary.save",
                         lambda given: f"officer_summary:{given['framework_id']}/{given['period']}")
def save_summary(store: Store, service: MetricsService, person: Person, framework_id: str, period: str,
                 text: str, based_on: int | None = None) -> Summary:
    """Save a new version; refused (Forbidden) unless ``person`` is a performance officer on the framework or
    an admin, and (Conflict) when someone saved since ``based_on``."""
    period = check_period("period", period)
    text = plain_text("summary", text, SUMMARY_LIMIT)
    framework = framework_of(service, framework_id)
    require_sign_off(store, person, framework.id)  # who may sign a period off may write its summary
    entity = f"officer_summary:{framework.id}/{period}"
    try:
        with store.engine.begin() as conn:
            row = conn.execute(select(officer_summaries).where(
                officer_summaries.c.framework_id == framework.id, officer_summaries.c.period == period)
                .order_by(officer_summaries.c.version.desc()).limit(1)).first()
            current = _summary(row) if row is not None else None
            if (current.id if current else None) != based_on:
                if current is None:
                    raise ReviewInputError("based_on", f"there is no version {based_on} of this summary; "
                                                       "start from the current (empty) summary")
                raise _Taken(current)
            addendum = conn.execute(select(signoffs.c.id).where(
                signoffs.c.framework_id == framework.id, signoffs.c.period == period).limit(1)).first() is not None
            new_id = conn.execute(insert(officer_summaries).values(
                framework_id=framework.id, period=period, version=(current.version if current else 0) + 1,
                based_on=based_on, text=text, author=person.username, author_id=person.id, created_at=now(),
                addendum=addendum).returning(officer_summaries.c.id)).scalar_one()
            saved = _summary(conn.execute(select(officer_summaries).where(officer_summaries.c.id == new_id)).one())
            audit.record(conn, person.username, "officer_summary.addendum" if addendum else "officer_summary.save",
                         entity, current.to_dict() if current else None, saved.to_dict())
    except _Taken as taken:
        raise _refused(store, person, entity, taken.current, text) from None
    except IntegrityError:  # a racing save took the same version number
        raise _refused(store, person, entity, current_summary(store, framework.id, period), text) from None
    return saved


class _Taken(Exception):
    def __init__(self, current: Summary):
        self.current = current


def _refused(store: Store, person: Person, entity: str, current: Summary | None, text: str) -> Conflict:
    with store.engine.begin() as conn:
        audit.record(conn, person.username, "officer_summary.conflict", entity,
                     current.to_dict() if current else None, {"refused_text": text})
    who = f"{current.author} saved version {current.version} at {iso(current.created_at)}" if current else \
        "the version you started from is not the current one"
    return Conflict(f"someone else saved the summary first ({who}); your text was not saved but is kept: compare "
                    "the two and save again", current, text)


def summary_for(store: Store, framework_id: str, period: str) -> dict[str, Any] | None:
    """The shape a snapshot's payload holds (``officer_summary``): the current version, or None."""
    current = current_summary(store, framework_id, period)
    if current is None:
        return None
    return {"text": current.text, "author": current.author, "version": current.version,
            "created_at": iso(current.created_at), "addendum": current.addendum}


def draft_summary(pack: ReviewPack) -> str:
    """A starting point built from the signals, for a person to edit: never saved by itself."""
    counts = ", ".join(f"{n} {Status(s).words.lower()}" for s, n in pack.intention_counts().items() if n)
    lines = [f"In {month_label(parse_month(pack.period))}, {len(pack.intentions)} commissioning intentions were assessed: {counts or 'none'}."]
    top = pack.items[:DRAFT_EXCEPTIONS]
    if top:
        lines.append(f"The {len(top)} most pressing of {len(pack.items)} exceptions:")
        for item in top:
            name = item.evaluation.title if item.evaluation is not None else " ".join(item.intention.title.split())
            lines.append(f"- {name}: {'; '.join(item.reasons)}.")
    else:
        lines.append("Nothing needs the committee's attention this period.")
    lines.append(f"{pack.milestones_late} of {pack.milestones_total} milestones are late; "
                 f"{pack.actions_overdue} of {pack.actions_open} open actions are overdue.")
    lines.append("[Say here what the figures mean, what is being done, and what the committee is asked to note.]")
    return "\n".join(lines)
