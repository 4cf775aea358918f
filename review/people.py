"""People, their roles and grants, and built-in passwords (argon2id; only the hash is stored).

A grant ties a person to the ``lead:`` text of intentions in config (a person may hold
several), optionally limited to one framework, or gives a role on one framework (e.g.
performance officer for Warwickshire only). People and grants are managed by admins;
``actor=None`` is allowed only while the store has no admin (the first set-up).

A new password, a new role and removal end every session the person has (``review.sessions``), in
the same transaction, so a cookie copied before the change writes nothing after it. A removed
person is kept (their name stays on what they wrote) but is never found again: no sign-in, no
proxy identity, no email. Refused changes are recorded in the audit trail with who tried and why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from datasources.store import Store, grants, now, people, sessions
from review import audit
from review.errors import Forbidden, ReviewInputError
from review.text import SHORT_LIMIT, plain_text

PASSWORD_MIN = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")
_hasher = PasswordHasher()  # argon2id with the library's recommended cost


@cache
def _dummy_hash() -> str:
    """A hash to verify against when there is no account, made on the first sign-in rather than at import:
    hashing costs a fifth of a second, and every command that reads the store imports this module."""
    return _hasher.hash("not a real password, used to even out timing")


class Role(StrEnum):
    viewer = "viewer"
    lead = "lead"
    performance_officer = "performance_officer"
    admin = "admin"


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    display_name: str
    role: Role


@dataclass(frozen=True)
class Grant:
    id: int
    username: str
    lead: str | None
    framework_id: str | None
    role: Role | None

    def describe(self) -> str:
        what = f"lead '{self.lead}'" if self.lead else f"role {self.role}"
        return f"{what} on {self.framework_id or 'every framework'}"


def _person(row) -> Person:
    return Person(row.id, row.username, row.display_name, Role(row.role))


def role_of(field: str, value: str | Role) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ReviewInputError(field, f"'{value}' is not a role; use one of "
                                      f"{', '.join(r.value for r in Role)}") from None


_PRESENT = people.c.removed_at.is_(None)


def _admins(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(people)
                        .where(people.c.role == Role.admin.value, _PRESENT)).scalar_one()


def _has_admin(conn: Connection) -> bool:
    return _admins(conn) > 0


def end_sessions(conn: Connection, person_id: int, reason: str) -> int:
    """End every open session of a person, in the caller's transaction; how many there were."""
    return conn.execute(update(sessions).where(sessions.c.person_id == person_id, sessions.c.ended_at.is_(None))
                        .values(ended_at=now(), ended_reason=reason)).rowcount


def _require_admin(conn: Connection, actor: Person | None, doing: str) -> str:
    """The name written in the audit trail; refuses anyone but an admin once an admin exists."""
    if actor is None:
        if _has_admin(conn):
            raise Forbidden(f"only an admin may {doing}; act as one: --as ADMIN_USERNAME on the command line "
                            f"(see 'outcomes user list'), or sign in as an admin on the pages")
        return "setup"
    if actor.role != Role.admin:
        raise Forbidden(f"only an admin may {doing}; {actor.username} is a {actor.role.value}")
    return actor.username


def _check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise ReviewInputError("password", f"is too short; use at least {PASSWORD_MIN} characters")
    if len(password) > 200:
        raise ReviewInputError("password", "is longer than 200 characters; use a shorter one")


def _person_entity(given) -> str:
    return f"person:{(given.get('username') or '').strip().lower()}"


@audit.refusals_recorded("person.add", _person_entity)
def add_person(store: Store, actor: Person | None, username: str, display_name: str, role: str | Role,
               password: str | None = None) -> Person:
    username = (username or "").strip().lower()
    if not _USERNAME.match(username):
        raise ReviewInputError("username", f"'{username}' is not usable; use 2-80 lower-case letters, digits "
                                           "or . _ @ -, starting with a letter or digit")
    display_name = plain_text("display name", display_name, SHORT_LIMIT)
    role = role_of("role", role)
    if password is not None:
        _check_password(password)
    hashed = _hasher.hash(password) if password is not None else None
    try:
        with store.engine.begin() as conn:
            who = _require_admin(conn, actor, "add people")
            person_id = conn.execute(insert(people).values(
                username=username, display_name=display_name, role=role.value, password_hash=hashed,
                created_at=now()).returning(people.c.id)).scalar_one()
            after = {"username": username, "display_name": display_name, "role": role.value,
                     "password": "set" if hashed else "none"}
            audit.record(conn, who, "person.add", f"person:{username}", None, after)
    except IntegrityError:
        raise ReviewInputError("username", f"'{username}' is taken; choose another") from None
    return Person(person_id, username, display_name, role)


def find_person(store: Store, username: str) -> Person | None:
    """The person with that username; None for no one, or someone removed."""
    with store.engine.connect() as conn:
        row = conn.execute(select(people).where(people.c.username == (username or "").strip().lower(),
                                                _PRESENT)).first()
    return _person(row) if row is not None else None


def list_people(store: Store) -> list[Person]:
    with store.engine.connect() as conn:
        return [_person(r) for r in conn.execute(select(people).where(_PRESENT).order_by(people.c.username))]


@audit.refusals_recorded("grant.add", _person_entity)
def grant(store: Store, actor: Person | None, username: str, lead: str | None = None,
          framework_id: str | None = None, role: str | Role | None = None) -> Grant:
    """Give a person a lead (the intention's ``lead:`` text) or a role on a framework."""
    lead = plain_text("lead", lead, SHORT_LIMIT) if lead is not None else None
    role = role_of("role", role) if role is not None else None
    if lead is None and role is None:
        raise ReviewInputError("grant", "give a lead (the intention's 'lead:' text in config) or a role")
    if role is not None and framework_id is None:
        raise ReviewInputError("framework", "a role grant is for one framework; name it (or change the "
                                            "person's role instead)")
    with store.engine.begin() as conn:
        who = _require_admin(conn, actor, "grant access")
        row = conn.execute(select(people).where(people.c.username == (username or "").strip().lower(),
                                                _PRESENT)).first()
        if row is None:
            raise ReviewInputError("username", f"no person '{username}'; add them first ('outcomes user add')")
        grant_id = conn.execute(insert(grants).values(
            person_id=row.id, lead=lead, framework_id=framework_id, role=role.value if role else None,
            granted_by=who, created_at=now()).returning(grants.c.id)).scalar_one()
        after = {"username": row.username, "lead": lead, "framework_id": framework_id,
                 "role": role.value if role else None}
        audit.record(conn, who, "grant.add", f"grant:{grant_id}", None, after)
    return Grant(grant_id, row.username, lead, framework_id, role)


def grants_of(store: Store, person: Person) -> list[Grant]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(grants).where(grants.c.person_id == person.id).order_by(grants.c.id)).all()
    return [Grant(r.id, person.username, r.lead, r.framework_id, Role(r.role) if r.role else None) for r in rows]


def verify_password(store: Store, username: str, password: str, address: str | None = None) -> Person | None:
    """The person if the password is theirs, else None. The same work is done whether or not
    the account exists (or was removed), and the caller's message must not say which; both outcomes
    are audited, with the address the attempt came from."""
    name = (username or "").strip().lower()[:80]
    with store.engine.connect() as conn:
        row = conn.execute(select(people).where(people.c.username == name, _PRESENT)).first()
    stored = row.password_hash if row is not None and row.password_hash else _dummy_hash()
    try:
        ok = _hasher.verify(stored, password or "") and row is not None and bool(row.password_hash)
    except (VerificationError, InvalidHashError):
        ok = False
    with store.engine.begin() as conn:
        audit.record(conn, name or "(blank)", "sign_in" if ok else "sign_in.failed", f"person:{name}", None,
                     {"method": "password", "ok": ok, **({"address": address} if address else {}),
                      **({} if ok else {"reason": "the username or password was not right"})})
        if ok and _hasher.check_needs_rehash(stored):
            conn.execute(update(people).where(people.c.id == row.id).values(password_hash=_hasher.hash(password)))
    return _person(row) if ok else None


@audit.refusals_recorded("person.password", _person_entity)
def set_password(store: Store, actor: Person | None, username: str, password: str) -> None:
    """An admin sets anyone's password; a person may set their own. Every session the person has ends."""
    _check_password(password or "")
    name = (username or "").strip().lower()
    with store.engine.begin() as conn:
        if actor is None or actor.username != name:
            who = _require_admin(conn, actor, "set another person's password")
        else:
            who = actor.username
        row = conn.execute(select(people).where(people.c.username == name, _PRESENT)).first()
        if row is None:
            raise ReviewInputError("username", f"no person '{username}'")
        conn.execute(update(people).where(people.c.id == row.id).values(password_hash=_hasher.hash(password)))
        ended = end_sessions(conn, row.id, f"password changed by {who}")
        audit.record(conn, who, "person.password", f"person:{name}", {"password": "old"},
                     {"password": "new", "sessions_ended": ended})


def _keeps_an_admin(conn: Connection, row, doing: str) -> None:
    if row.role == Role.admin.value and _admins(conn) <= 1:
        raise ReviewInputError("username", f"{row.username} is the only admin; make someone else an admin before "
                                           f"you {doing}")


@audit.refusals_recorded("person.role", _person_entity)
def set_role(store: Store, actor: Person | None, username: str, role: str | Role) -> Person:
    """An admin changes a person's role; every session the person has ends (they sign in again as it is now)."""
    role = role_of("role", role)
    name = (username or "").strip().lower()
    with store.engine.begin() as conn:
        who = _require_admin(conn, actor, "change a person's role")
        row = conn.execute(select(people).where(people.c.username == name, _PRESENT)).first()
        if row is None:
            raise ReviewInputError("username", f"no person '{username}'")
        if role != Role.admin:
            _keeps_an_admin(conn, row, "change their role")
        conn.execute(update(people).where(people.c.id == row.id).values(role=role.value))
        ended = end_sessions(conn, row.id, f"role changed by {who}")
        audit.record(conn, who, "person.role", f"person:{name}", {"role": row.role},
                     {"role": role.value, "sessions_ended": ended})
    return Person(row.id, row.username, row.display_name, role)


@audit.refusals_recorded("person.remove", _person_entity)
def remove_person(store: Store, actor: Person | None, username: str) -> None:
    """An admin removes a person: their sessions end, their grants and password and email go, and they are
    never found again. The row stays, so what they wrote still names them."""
    name = (username or "").strip().lower()
    with store.engine.begin() as conn:
        who = _require_admin(conn, actor, "remove people")
        row = conn.execute(select(people).where(people.c.username == name, _PRESENT)).first()
        if row is None:
            raise ReviewInputError("username", f"no person '{username}'")
        _keeps_an_admin(conn, row, "remove them")
        held = [Grant(g.id, row.username, g.lead, g.framework_id, Role(g.role) if g.role else None).describe()
                for g in conn.execute(select(grants).where(grants.c.person_id == row.id).order_by(grants.c.id))]
        conn.execute(delete(grants).where(grants.c.person_id == row.id))
        conn.execute(update(people).where(people.c.id == row.id)
                     .values(removed_at=now(), password_hash=None, email=None))
        ended = end_sessions(conn, row.id, f"removed by {who}")
        audit.record(conn, who, "person.remove", f"person:{name}",
                     {"username": row.username, "display_name": row.display_name, "role": row.role, "grants": held},
                     {"removed": True, "sessions_ended": ended})
