"""Signed-in sessions, kept in the store and checked on every request.

Signing in with a password starts a session: a random id (32 bytes) that the cookie carries, and a row
in the store holding only its SHA-256, the person, and its times. Every request looks the id up, so a
session ends everywhere at once, on every worker and every machine sharing the store, when the person
signs out, when their password or role changes or they are removed (``review.people``), after
``idle`` without a request, and ``absolute`` after it began whatever happens. An ended session is kept
(when and why it ended) and never starts again.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from datasources.store import Store, now, people, sessions
from review.people import Person, Role

log = logging.getLogger("outcomes.sessions")


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=60)
    absolute: timedelta = timedelta(hours=10)
    #: A request refreshes the session's last-seen time at most this often (a write per request would be waste).
    touch_every: timedelta = timedelta(seconds=60)
    #: Sessions that could not be open any more are deleted this long after (the audit trail keeps every
    #: sign-in and sign-out).
    kept_for: timedelta = timedelta(days=30)


def new_id() -> str:
    return secrets.token_urlsafe(32)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def start(store: Store, person: Person, address: str | None, policy: SessionPolicy,
          at: datetime | None = None) -> str:
    """A new session for a person whose password was just checked; returns the id for the cookie."""
    session_id, at = new_id(), at or now()
    with store.engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < at - policy.kept_for))
        conn.execute(insert(sessions).values(id_hash=_digest(session_id), person_id=person.id, created_at=at,
                                             last_seen_at=at, expires_at=at + policy.absolute,
                                             address=(address or "")[:64] or None))
    return session_id


def _write(store: Store, statement) -> None:
    """A session's bookkeeping (last seen, timed out). On a store that cannot take writes just now it is
    logged and skipped: the check itself was made on what the store holds, and reading goes on."""
    try:
        with store.engine.begin() as conn:
            conn.execute(statement)
    except DBAPIError:
        log.warning("could not record a session's last request or end in the store", exc_info=True)


def _end(store: Store, id_hash: str, reason: str, at: datetime) -> None:
    _write(store, update(sessions).where(sessions.c.id_hash == id_hash, sessions.c.ended_at.is_(None))
           .values(ended_at=at, ended_reason=reason))


def person_of(store: Store, session_id: str | None, policy: SessionPolicy, at: datetime | None = None) -> Person | None:
    """The person whose open session this is, or None (no such session, ended, timed out, person removed)."""
    if not session_id:
        return None
    at, id_hash = at or now(), _digest(session_id)
    with store.engine.connect() as conn:
        row = conn.execute(select(sessions, people.c.username, people.c.display_name, people.c.role,
                                  people.c.removed_at)
                           .join(people, people.c.id == sessions.c.person_id)
                           .where(sessions.c.id_hash == id_hash)).first()
    if row is None or row.ended_at is not None or row.removed_at is not None:
        return None
    if at >= _utc(row.expires_at):
        _end(store, id_hash, f"timed out: {policy.absolute} after sign-in", at)
        return None
    if at - _utc(row.last_seen_at) >= policy.idle:
        _end(store, id_hash, f"timed out: {policy.idle} without a request", at)
        return None
    if at - _utc(row.last_seen_at) >= policy.touch_every:
        _write(store, update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen_at=at))
    return Person(row.person_id, row.username, row.display_name, Role(row.role))


def end(store: Store, session_id: str | None, reason: str) -> None:
    """End one session (signing out). Ending one already ended, or none, does nothing. Unlike a time-out,
    a sign-out the store could not record raises: the person must not believe a copied cookie is dead."""
    if session_id:
        with store.engine.begin() as conn:
            conn.execute(update(sessions).where(sessions.c.id_hash == _digest(session_id),
                                                sessions.c.ended_at.is_(None))
                         .values(ended_at=now(), ended_reason=reason))
