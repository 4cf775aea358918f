"""Who the cycle may write to. Only a person in the store who holds a grant (a lead grant,
a role grant, or the performance officer / admin role) and has an email address is ever
emailed. A person may switch off alert emails; reminders about their own missing
commentary still come."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, update

from datasources.store import Store, grants, people
from review import audit
from review.access import same_lead
from review.errors import Forbidden, ReviewInputError
from review.people import Person, Role

_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True)
class Contact:
    username: str
    display_name: str
    email: str
    alerts_enabled: bool
    leads: tuple[tuple[str, str | None], ...]   # (lead text, framework id or None)


def _may_change(actor: Person | None, username: str) -> str:
    if actor is not None and (actor.username == username or actor.role == Role.admin):
        return actor.username
    raise Forbidden(f"only {username} or an admin may change {username}'s email settings")


def _entity(given) -> str:
    return f"person:{(given.get('username') or '').strip().lower()}"


@audit.refusals_recorded("person.email", _entity)
def set_email(store: Store, actor: Person | None, username: str, email: str | None) -> None:
    email = (email or "").strip() or None
    if email is not None and (len(email) > 320 or not _EMAIL.match(email)):
        raise ReviewInputError("email", f"'{email[:80]}' is not an email address; write it as name@example.org")
    _set(store, actor, username, "email", email)


@audit.refusals_recorded("person.alerts_enabled", _entity)
def set_alerts(store: Store, actor: Person | None, username: str, enabled: bool) -> None:
    _set(store, actor, username, "alerts_enabled", bool(enabled))


def _set(store: Store, actor: Person | None, username: str, column: str, value) -> None:
    name = (username or "").strip().lower()
    who = _may_change(actor, name)
    with store.engine.begin() as conn:
        row = conn.execute(select(people).where(people.c.username == name, people.c.removed_at.is_(None))).first()
        if row is None:
            raise ReviewInputError("username", f"no person '{username}'")
        conn.execute(update(people).where(people.c.id == row.id).values(**{column: value}))
        audit.record(conn, who, f"person.{column}", f"person:{name}", {column: getattr(row, column)}, {column: value})


def contacts(store: Store) -> list[Contact]:
    """Everyone the cycle may write to: with an email address and a grant (or an officer/admin role)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(people).where(people.c.email.is_not(None), people.c.removed_at.is_(None))
                            .order_by(people.c.username)).all()
        held: dict[int, list] = {}
        for g in conn.execute(select(grants)):
            held.setdefault(g.person_id, []).append(g)
    found = []
    for row in rows:
        own = held.get(row.id, [])
        if not own and row.role not in (Role.performance_officer.value, Role.admin.value):
            continue  # never email someone who was given nothing
        found.append(Contact(row.username, row.display_name, row.email, bool(row.alerts_enabled),
                             tuple((g.lead, g.framework_id) for g in own if g.lead)))
    return found


def leads_of(everyone: list[Contact], lead_text: str, framework_id: str) -> list[Contact]:
    """The people holding a lead grant matching an intention's ``lead:`` text on this framework."""
    return [c for c in everyone
            if any(same_lead(text, lead_text) and fw in (None, framework_id) for text, fw in c.leads)]


def resolve(everyone: list[Contact], entry: str) -> Contact | None:
    """A distribution-list entry (username or email address) to a contact, or None."""
    wanted = entry.strip().lower()
    return next((c for c in everyone if c.username == wanted or c.email.lower() == wanted), None)
