"""Limits on password sign-in, counted in the store, so every worker and every machine that shares it counts
the same attempts (per-process counters let 20 of 30 guesses through four gunicorn workers).

The policy (the README says it in words):

- **one account from one address**: ``per_account_and_address`` failures within ``window`` and that address
  may not try that account again until the oldest of them is ``window`` old (the right password included:
  no oracle for the guesser). Nobody else is affected: the person signs in from anywhere else.
- **one address, any accounts**: ``per_address`` failures within ``window`` stop that address trying any
  account (password spraying).
- **one account, from everywhere**: ``per_account`` failures within ``window`` from all addresses together
  (a guess spread over many addresses) stop that account being tried from addresses it has not signed in
  from within ``known_for``; the addresses the person has signed in from still work. So no attacker can
  lock a person out from everywhere: from one address they only lock themselves out; from many, they
  lock out only the addresses the person has never used.

Each attempt is written (``pending``) before its password is checked and counted after, so attempts that
race on several workers all count: of N at once, no more than the limit are checked. An attempt refused
by a limit is recorded as ``refused`` and does not count again (the password was never tried)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, or_, select, update

from datasources.store import Store, now, signin_attempts

COUNTED = ("pending", "failed")


@dataclass(frozen=True)
class SigninLimits:
    per_account_and_address: int = 5
    per_address: int = 20
    per_account: int = 50
    window: timedelta = timedelta(minutes=15)
    #: An address the person signed in from within this long still works when the account is under attack.
    known_for: timedelta = timedelta(days=90)


@dataclass(frozen=True)
class Attempt:
    id: int
    #: 0 when the password may be checked; else the seconds until this address may try this account again.
    wait_seconds: float
    #: Why it was refused, in words (for the audit trail), else None.
    reason: str | None


def _name(username: str) -> str:
    return (username or "").strip().lower()[:80]


def _wait(times: list[datetime], limit: int, window: timedelta, at: datetime) -> float:
    """Seconds until fewer than ``limit`` of ``times`` (the other counted attempts) are within the window."""
    if len(times) < limit:
        return 0.0
    times = sorted(t if t.tzinfo else t.replace(tzinfo=at.tzinfo) for t in times)
    frees = times[len(times) - limit] + window
    return max(1.0, (frees - at).total_seconds())


def begin(store: Store, limits: SigninLimits, username: str, address: str, at: datetime | None = None) -> Attempt:
    """Record an attempt and say whether its password may be checked. Call :func:`finish` after checking."""
    at, name, address = at or now(), _name(username), (address or "unknown")[:64]
    since = at - limits.window
    with store.engine.begin() as conn:
        # What no limit reads any more: attempts older than the window, successes older than known_for.
        conn.execute(delete(signin_attempts).where(or_(
            signin_attempts.c.at < at - limits.known_for,
            and_(signin_attempts.c.at < since, signin_attempts.c.outcome != "ok"))))
        attempt_id = conn.execute(insert(signin_attempts).values(at=at, username=name, address=address,
                                                                 outcome="pending")
                                  .returning(signin_attempts.c.id)).scalar_one()
    # Counted after the insert is committed: of attempts racing on several workers, each sees every one
    # committed before it counted, so the last of them sees them all.
    recent = (signin_attempts.c.at >= since) & signin_attempts.c.outcome.in_(COUNTED) & \
        (signin_attempts.c.id != attempt_id)
    with store.engine.connect() as conn:
        def times(*where) -> list[datetime]:
            query = select(signin_attempts.c.at).where(recent, *where).order_by(signin_attempts.c.id)
            return [r.at for r in conn.execute(query)]

        # Every other counted attempt counts, those racing this one included: two that race at the limit may
        # both be refused (the guesser waits), never both checked.
        pair = times(signin_attempts.c.username == name, signin_attempts.c.address == address)
        wait, reason = _wait(pair, limits.per_account_and_address, limits.window, at), \
            f"{limits.per_account_and_address} failed attempts at this account from this address"
        if not wait:
            wait = _wait(times(signin_attempts.c.address == address), limits.per_address, limits.window, at)
            reason = f"{limits.per_address} failed attempts from this address"
        if not wait:
            everywhere = times(signin_attempts.c.username == name)
            if len(everywhere) >= limits.per_account:
                known = conn.execute(select(func.count()).select_from(signin_attempts).where(
                    signin_attempts.c.username == name, signin_attempts.c.address == address,
                    signin_attempts.c.outcome == "ok", signin_attempts.c.at >= at - limits.known_for)).scalar_one()
                if not known:
                    wait = _wait(everywhere, limits.per_account, limits.window, at)
                    reason = (f"{limits.per_account} failed attempts at this account from many addresses; only "
                              "addresses it has signed in from may try it for now")
    if wait:
        _set(store, attempt_id, "refused")
        return Attempt(attempt_id, wait, reason)
    return Attempt(attempt_id, 0.0, None)


def _set(store: Store, attempt_id: int, outcome: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(signin_attempts).where(signin_attempts.c.id == attempt_id).values(outcome=outcome))


def finish(store: Store, attempt: Attempt, ok: bool) -> None:
    """The password was checked: a failure counts from now on; a success forgives this address's failures at
    this account and makes the address one the person is known to use."""
    if not ok:
        _set(store, attempt.id, "failed")
        return
    with store.engine.begin() as conn:
        row = conn.execute(select(signin_attempts).where(signin_attempts.c.id == attempt.id)).one()
        conn.execute(update(signin_attempts).where(
            signin_attempts.c.username == row.username, signin_attempts.c.address == row.address,
            signin_attempts.c.outcome == "failed").values(outcome="cleared"))
        conn.execute(update(signin_attempts).where(signin_attempts.c.id == attempt.id).values(outcome="ok"))
