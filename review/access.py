"""Who may write what. Every write function calls ``require_write`` / ``require_sign_off``
itself, so a forged request is refused whatever the page showed.

- viewer: reads only;
- lead: commentary, actions and milestone updates on intentions whose ``lead:`` text in config
  matches one of their lead grants (optionally limited to a framework);
- performance_officer: all a lead may do on every intention, and sign-off; limited to the
  frameworks named in their role grants if they hold any; anyone with a
  ``role=performance_officer`` grant on a framework is one there;
- admin: people and grants, and every write."""

from __future__ import annotations


from datasources.store import Store
from metrics.definitions.models import Framework, Intention
from review.errors import Forbidden
from review.people import Grant, Person, Role, grants_of


def same_lead(a: str, b: str) -> bool:
    """Lead texts compared without regard to case, spacing or quotes."""
    def norm(text: str) -> str:
        return " ".join(text.replace('"', "").replace("'", "").lower().split())
    return bool(a.strip()) and norm(a) == norm(b)


def _officer_on(person: Person, held: list[Grant], framework_id: str) -> bool:
    role_grants = [g for g in held if g.role == Role.performance_officer]
    if any(g.framework_id == framework_id for g in role_grants):
        return True
    if person.role == Role.performance_officer:
        limited = [g for g in role_grants if g.framework_id]
        return not limited
    return False


def can_sign_off(store: Store, person: Person | None, framework_id: str) -> bool:
    if person is None:
        return False
    if person.role == Role.admin:
        return True
    return _officer_on(person, grants_of(store, person), framework_id)


def can_write(store: Store, person: Person | None, framework: Framework, intention: Intention | None) -> bool:
    if person is None or person.role == Role.viewer:
        return False
    if person.role == Role.admin:
        return True
    held = grants_of(store, person)
    if _officer_on(person, held, framework.id):
        return True
    if intention is None:
        return False
    return any(g.lead and same_lead(g.lead, intention.lead) and g.framework_id in (None, framework.id)
               for g in held)


def require_write(store: Store, person: Person | None, framework: Framework, intention: Intention | None) -> None:
    if can_write(store, person, framework, intention):
        return
    if person is None:
        raise Forbidden("sign in to write; reading needs no sign-in but writing does")
    if person.role == Role.viewer:
        raise Forbidden(f"{person.username} is a viewer and may only read")
    where = f"'{intention.title[:80]}'" if intention is not None else f"framework {framework.id}"
    lead = f" (its lead is '{intention.lead}')" if intention is not None and intention.lead else ""
    raise Forbidden(f"{person.username} may not write on {where}{lead}; ask an admin for a grant")


def require_sign_off(store: Store, person: Person | None, framework_id: str) -> None:
    if not can_sign_off(store, person, framework_id):
        who = person.username if person else "nobody signed in"
        raise Forbidden(f"only a performance officer for {framework_id} may sign off; {who} is not one")


def intentions_led_by(store: Store, person: Person, framework: Framework) -> list[Intention]:
    """The intentions this person may write on (for pages that show the controls)."""
    return [i for i in framework.intentions if can_write(store, person, framework, i)]
