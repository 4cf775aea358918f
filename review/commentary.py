"""Commentary per metric (or per intention tracked by milestones only) per period.

Every save is a new version; old versions stay readable. An editor says which version
they started from (``based_on``); if someone saved since, the save is refused with a
:class:`Conflict` carrying the other person's version, and the refused text is kept in the
audit trail, so neither text is lost. Text is plain text, stored exactly as typed.
After the period is signed off, new versions are kept as addenda."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from datasources.store import Store, commentary, iso, now, signoffs
from metrics.service import MetricsService
from review import audit
from review.access import require_write
from review.errors import Conflict, ReviewInputError
from review.people import Person
from review.subjects import locate
from review.text import COMMENT_LIMIT, begun_period, plain_text


@dataclass(frozen=True)
class Comment:
    id: int
    framework_id: str
    period: str
    metric_id: str | None
    intention_id: str | None
    text: str
    author: str
    created_at: datetime
    version: int
    addendum: bool
    based_on: int | None = None

    @property
    def key(self) -> str:
        """``metric:<id>`` or ``intention:<id>``."""
        return f"metric:{self.metric_id}" if self.metric_id else f"intention:{self.intention_id}"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["created_at"] = iso(self.created_at)
        return out


def _comment(row: Any) -> Comment:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
    intention_id = row.intention_id
    if intention_id is None and row.subject.startswith("intention:"):
        intention_id = row.subject.split(":", 1)[1]
    return Comment(row.id, row.framework_id, row.period, row.metric_id, intention_id, row.text, row.author,
                   created, row.version, bool(row.addendum), row.based_on)


def _latest(conn: Connection, framework_id: str, period: str, subject: str) -> Comment | None:
    row = conn.execute(select(commentary).where(
        commentary.c.framework_id == framework_id, commentary.c.period == period, commentary.c.subject == subject)
        .order_by(commentary.c.version.desc()).limit(1)).first()
    return _comment(row) if row is not None else None


def _is_signed_off(conn: Connection, framework_id: str, period: str) -> bool:
    return conn.execute(select(signoffs.c.id).where(signoffs.c.framework_id == framework_id,
                                                    signoffs.c.period == period).limit(1)).first() is not None


def _refused(store: Store, person: Person, entity: str, current: Comment | None, text: str) -> Conflict:
    """Keep the refused text (in the audit trail) before telling the editor."""
    with store.engine.begin() as conn:
        audit.record(conn, person.username, "commentary.conflict", entity,
                     current.to_dict() if current else None, {"refused_text": text})
    who = f"{current.author} saved version {current.version} at {iso(current.created_at)}" if current else \
        "the version you started from is not the current one"
    return Conflict(f"someone else saved this commentary first ({who}); your text was not saved but is kept: "
                    f"compare the two and save again", current, text)


def _entity(given) -> str:
    subject = f"metric:{given['metric_id']}" if given.get("metric_id") else f"intention:{given.get('intention_id')}"
    return f"commentary:{given['framework_id']}/{given['period']}/{subject}"


@audit.refusals_recorded("commentary.save", _entity)
def save_commentary(store: Store, service: MetricsService, person: Person, framework_id: str, period: str,
                    text: str, metric_id: str | None = None, intention_id: str | None = None,
                    based_on: int | None = None) -> Comment:
    period = begun_period("period", period)
    text = plain_text("commentary", text, COMMENT_LIMIT)
    subject = locate(service, framework_id, metric_id, intention_id)
    require_write(store, person, subject.framework, subject.intention)
    entity = f"commentary:{subject.framework.id}/{period}/{subject.key}"
    try:
        with store.engine.begin() as conn:
            current = _latest(conn, subject.framework.id, period, subject.key)
            if (current.id if current else None) != based_on:
                if current is None:
                    raise ReviewInputError("based_on", f"there is no version {based_on} of this commentary; "
                                                       "start from the current (empty) commentary")
                raise _ConflictPending(current)
            addendum = _is_signed_off(conn, subject.framework.id, period)
            values = dict(framework_id=subject.framework.id, period=period, metric_id=subject.metric_id,
                          intention_id=subject.intention.id, subject=subject.key,
                          version=(current.version if current else 0) + 1, based_on=based_on, addendum=addendum,
                          author=person.username, author_id=person.id, text=text, created_at=now())
            new_id = conn.execute(insert(commentary).values(**values).returning(commentary.c.id)).scalar_one()
            saved = _comment(conn.execute(select(commentary).where(commentary.c.id == new_id)).one())
            audit.record(conn, person.username, "commentary.addendum" if addendum else "commentary.save", entity,
                         current.to_dict() if current else None, saved.to_dict())
    except _ConflictPending as pending:
        raise _refused(store, person, entity, pending.current, text) from None
    except IntegrityError:  # a racing save took the same version number
        with store.engine.connect() as conn:
            now_current = _latest(conn, subject.framework.id, period, subject.key)
        raise _refused(store, person, entity, now_current, text) from None
    return saved


class _ConflictPending(Exception):
    def __init__(self, current: Comment):
        self.current = current


def current_commentary(store: Store, framework_id: str, period: str) -> dict[str, Comment]:
    """The latest version of each subject's commentary, keyed ``metric:<id>`` / ``intention:<id>``."""
    rows: dict[str, Comment] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(select(commentary).where(
                commentary.c.framework_id == framework_id, commentary.c.period == period)
                .order_by(commentary.c.subject, commentary.c.version)):
            rows[row.subject] = _comment(row)
    return rows


def commentary_history(store: Store, framework_id: str, period: str, metric_id: str | None = None,
                       intention_id: str | None = None) -> list[Comment]:
    """Every version, oldest first (of one subject when a metric or intention is named)."""
    query = select(commentary).where(commentary.c.framework_id == framework_id, commentary.c.period == period)
    if metric_id:
        query = query.where(commentary.c.subject == f"metric:{metric_id}")
    elif intention_id:
        query = query.where(commentary.c.subject == f"intention:{intention_id}")
    with store.engine.connect() as conn:
        return [_comment(r) for r in conn.execute(query.order_by(commentary.c.subject, commentary.c.version))]


def commentary_for(store: Store, framework_id: str, period: str) -> dict[str, list[dict[str, Any]]]:
    """The shape snapshots hold: by metric id (or ``intention:<id>``), the current version as a
    one-item list ``[{author, text, created_at, version, addendum}]``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for key, c in current_commentary(store, framework_id, period).items():
        name = c.metric_id if c.metric_id else key
        out[name] = [{"author": c.author, "text": c.text, "created_at": iso(c.created_at), "version": c.version,
                      "addendum": c.addendum, "intention_id": c.intention_id}]
    return out
