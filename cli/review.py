"""The monthly review from the command line: ``outcomes user|comment|action|milestone|signoff|audit``.

Each write acts as a named person (``--as USERNAME``) and goes through the same checks as
the dashboard (role, grant, input). Results on stdout (JSON where useful); exit 0 on
success, 1 with ``error: ...`` on bad input, refusal or conflict. ``user add`` and
``user grant`` may run without ``--as`` only while the store has no admin (first set-up)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from cli.common import fail, service_for

if TYPE_CHECKING:  # imported where used, so `outcomes --help` loads none of them
    from datasources.store import Store, StoreError
    from review import audit
    from review.actions import add_action, list_actions, update_action
    from review.commentary import current_commentary, save_commentary
    from review.errors import Conflict, ReviewError
    from review.milestones import milestone_history, update_milestone
    from review.people import Person, add_person, find_person, grant, grants_of, list_people, set_password
    from review.signoff import sign_off

PASSWORD_ENV = "OUTCOMES_NEW_PASSWORD"

ConfigOption = typer.Option(None, "--config", help="Folder of YAML config (default: the project's config/).")
AsOption = typer.Option(..., "--as", help="The username you act as (see 'outcomes user list').")
FrameworkOption = typer.Option(..., "--framework", help="Framework id.")
PeriodOption = typer.Option(..., "--period", help="YYYY-MM.")

user_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                       help="People, roles and grants (admins).")
comment_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                          help="Commentary on a metric (or an intention) for a period.")
action_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                         help="Actions: raised in a period, carried forward until done or dropped.")
milestone_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                            help="Milestone progress (the plan stays in config).")
audit_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, invoke_without_command=True,
                        help="The audit trail: list it (the options), or check it has not been tampered with "
                             "('outcomes audit verify').")


def _store() -> Store:
    from datasources.store import Store
    return Store.from_environment()


def _acting(store: Store, username: str | None) -> Person | None:
    from datasources.store import StoreError
    from review.people import find_person
    if username is None:
        return None
    try:
        person = find_person(store, username)
    except StoreError as exc:
        fail(str(exc))
    if person is None:
        fail(f"--as: no person '{username}' (see 'outcomes user list')")
    return person


def _emit(value: dict[str, Any] | list[Any]) -> None:
    typer.echo(json.dumps(value, indent=2))


def _run(call, *args, **kwargs):
    """The domain call, with its refusal or bad input turned into ``error: ...`` and exit 1."""
    from datasources.store import StoreError
    from review.errors import Conflict, ReviewError
    try:
        return call(*args, **kwargs)
    except Conflict as exc:
        current = exc.current
        fail(f"{exc}\n--- current text (version {current.version} by {current.author}) ---\n{current.text}"
             if current is not None else str(exc))
    except (ReviewError, StoreError) as exc:
        fail(str(exc))


# ------------------------------------------------------------------ people

@user_app.command("add")
def user_add(username: str = typer.Argument(..., help="Sign-in name, lower case."),
             name: str = typer.Option(..., "--name", help="Display name."),
             role: str = typer.Option("viewer", "--role", help="viewer, lead, performance_officer or admin."),
             password_env: bool = typer.Option(False, "--password-from-env",
                                               help=f"Set a built-in password from ${PASSWORD_ENV}."),
             as_: Optional[str] = typer.Option(None, "--as", help="Acting admin (not needed before any admin).")
             ) -> None:
    """Add a person (no password: signs in only through the council's single sign-on)."""
    from review.people import add_person
    store = _store()
    password = None
    if password_env:
        password = os.environ.get(PASSWORD_ENV)
        if not password:
            fail(f"--password-from-env: ${PASSWORD_ENV} is not set; export it first")
    person = _run(add_person, store, _acting(store, as_), username, name, role, password)
    _emit({"id": person.id, "username": person.username, "display_name": person.display_name,
           "role": person.role.value})


@user_app.command("list")
def user_list(format: str = typer.Option("table", "--format", help="json or table")) -> None:
    """Everyone with their role and grants."""
    from review.people import grants_of, list_people
    if format not in ("json", "table"):
        fail(f"unknown --format '{format}'; use json or table")
    store = _store()
    rows = [{"username": p.username, "display_name": p.display_name, "role": p.role.value,
             "grants": [g.describe() for g in grants_of(store, p)]} for p in _run(list_people, store)]
    if format == "json":
        _emit(rows)
        return
    for r in rows:
        typer.echo(f"{r['username']:<24} {r['role']:<20} {r['display_name']}")
        for g in r["grants"]:
            typer.echo(f"{'':<24} grant: {g}")


@user_app.command("grant")
def user_grant(username: str = typer.Argument(...),
               lead: Optional[str] = typer.Option(None, "--lead", help="The intention's 'lead:' text in config."),
               framework: Optional[str] = typer.Option(None, "--framework", help="Limit to this framework."),
               role: Optional[str] = typer.Option(None, "--role", help="A role on --framework, e.g. "
                                                                        "performance_officer."),
               as_: Optional[str] = typer.Option(None, "--as", help="Acting admin (not needed before any admin)."),
               config: Optional[Path] = ConfigOption) -> None:
    """Give a person a lead (they may then write on the intentions it leads) or a role on a framework."""
    from review.people import grant
    store = _store()
    given = _run(grant, store, _acting(store, as_), username, lead=lead, framework_id=framework, role=role)
    if lead:
        unmatched = _lead_matches_nothing(lead, framework, config)
        if unmatched:
            typer.echo(f"warning: {unmatched}; the grant is kept, but {username} may write on nothing with it",
                       err=True)
    _emit({"id": given.id, "username": given.username, "grant": given.describe()})


def _lead_matches_nothing(lead: str, framework_id: str | None, config: Optional[Path]) -> str | None:
    """Why a lead grant lets its holder write nothing: no intention (of the framework, if named) has that
    ``lead:`` text in config (a misspelling, say); the nearest lead that does, if any. None when one matches."""
    import difflib

    from metrics.definitions.loader import DEFAULT_CONFIG_DIR, ConfigError, load_config
    from review.access import same_lead
    try:
        loaded = load_config(config or DEFAULT_CONFIG_DIR)
    except ConfigError:
        return None  # 'outcomes check' reports the config; the grant itself does not depend on it
    frameworks = [loaded.frameworks[framework_id]] if framework_id in loaded.frameworks else loaded.frameworks.values()
    leads = sorted({i.lead for fw in frameworks for i in fw.intentions if i.lead})
    if any(same_lead(lead, known) for known in leads):
        return None
    where = f" of {framework_id}" if framework_id in loaded.frameworks else ""
    close = difflib.get_close_matches(lead, leads, n=1, cutoff=0.5)
    return (f"no intention{where} has the lead '{lead}'"
            + (f"; did you mean '{close[0]}'?" if close else f" (the leads{where} are: {'; '.join(leads)})"))


@user_app.command("role")
def user_role(username: str = typer.Argument(...),
              role: str = typer.Argument(..., help="viewer, lead, performance_officer or admin."),
              as_: Optional[str] = typer.Option(None, "--as", help="Acting admin.")) -> None:
    """Change a person's role; every session they have ends (they sign in again)."""
    from review.people import set_role
    store = _store()
    person = _run(set_role, store, _acting(store, as_), username, role)
    _emit({"username": person.username, "role": person.role.value})


@user_app.command("remove")
def user_remove(username: str = typer.Argument(...),
                as_: Optional[str] = typer.Option(None, "--as", help="Acting admin.")) -> None:
    """Remove a person: their sessions end, their grants, password and email go; what they wrote keeps their name."""
    from review.people import remove_person
    store = _store()
    _run(remove_person, store, _acting(store, as_), username)
    typer.echo(f"removed {username}")


@user_app.command("password")
def user_password(username: str = typer.Argument(...),
                  as_: Optional[str] = typer.Option(None, "--as", help="Yourself, or an admin (not needed before "
                                                                        "any admin).")) -> None:
    """Set a built-in password from $OUTCOMES_NEW_PASSWORD (never on the command line, where others see it)."""
    from review.people import set_password
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        fail(f"${PASSWORD_ENV} is not set; export the new password in it first")
    store = _store()
    _run(set_password, store, _acting(store, as_), username, password)
    typer.echo(f"password set for {username}")


# ------------------------------------------------------------------ commentary

@comment_app.command("add")
def comment_add(framework: str = FrameworkOption, period: str = PeriodOption,
                text: str = typer.Option(..., "--text", help="Plain text ('-' reads stdin)."),
                metric: Optional[str] = typer.Option(None, "--metric", help="Metric id."),
                intention: Optional[str] = typer.Option(None, "--intention", help="Intention id (for "
                                                                                  "milestone-only intentions)."),
                based_on: Optional[int] = typer.Option(None, "--based-on", help="The version id you edited; "
                                                       "refused if someone saved since. Default: the current one."),
                as_: str = AsOption, config: Optional[Path] = ConfigOption) -> None:
    """Save a new version of the commentary (prints it as JSON)."""
    from review.commentary import current_commentary, save_commentary
    service = service_for(config)
    store = _store()
    person = _acting(store, as_)
    if text == "-":
        text = typer.get_text_stream("stdin").read()
    if based_on is None:  # a script appends to whatever is current
        key = f"metric:{metric}" if metric else f"intention:{intention}"
        current = _run(current_commentary, store, framework, period).get(key)
        based_on = current.id if current else None
    saved = _run(save_commentary, store, service, person, framework, period, text, metric_id=metric,
                 intention_id=intention, based_on=based_on)
    _emit(saved.to_dict())


# ------------------------------------------------------------------ actions

@action_app.command("add")
def action_add(framework: str = FrameworkOption, period: str = PeriodOption,
               text: str = typer.Option(..., "--text", help="What will be done."),
               owner: str = typer.Option(..., "--owner", help="Who will do it."),
               due: str = typer.Option(..., "--due", help="YYYY-MM-DD."),
               metric: Optional[str] = typer.Option(None, "--metric"),
               intention: Optional[str] = typer.Option(None, "--intention"),
               as_: str = AsOption, config: Optional[Path] = ConfigOption) -> None:
    """Raise an action (prints it as JSON)."""
    from review.actions import add_action
    service = service_for(config)
    store = _store()
    saved = _run(add_action, store, service, _acting(store, as_), framework, period, text, owner, due,
                 metric_id=metric, intention_id=intention)
    _emit(saved.to_dict())


@action_app.command("update")
def action_update(action_id: int = typer.Argument(..., help="Action id (see 'outcomes action list')."),
                  status: Optional[str] = typer.Option(None, "--status", help="open, done or dropped."),
                  due: Optional[str] = typer.Option(None, "--due", help="YYYY-MM-DD."),
                  text: Optional[str] = typer.Option(None, "--text"),
                  owner: Optional[str] = typer.Option(None, "--owner"),
                  as_: str = AsOption, config: Optional[Path] = ConfigOption) -> None:
    """Change an action's status, due date, text or owner (prints it as JSON)."""
    from review.actions import update_action
    service = service_for(config)
    store = _store()
    saved = _run(update_action, store, service, _acting(store, as_), action_id, status=status, due=due,
                 text=text, owner=owner)
    _emit(saved.to_dict())


@action_app.command("list")
def action_list(framework: str = FrameworkOption,
                period: Optional[str] = typer.Option(None, "--period", help="Those in this period's review "
                                                     "(carried forward included)."),
                open_only: bool = typer.Option(False, "--open", help="Open actions only."),
                format: str = typer.Option("table", "--format", help="json or table")) -> None:
    """Actions of a framework; overdue ones are marked."""
    from review.actions import list_actions
    if format not in ("json", "table"):
        fail(f"unknown --format '{format}'; use json or table")
    found = _run(list_actions, _store(), framework, period, open_only)
    today = datetime.now(tz=timezone.utc).date()
    rows = [{**a.to_dict(), "overdue": a.overdue(today)} for a in found]
    if format == "json":
        _emit(rows)
        return
    for r in rows:
        flag = "OVERDUE" if r["overdue"] else ""
        typer.echo(f"{r['id']:>5}  {r['status']:<8} due {r['due']} {flag:<8} {r['owner']}: {r['text'][:60]}")


# ------------------------------------------------------------------ milestones

@milestone_app.command("update")
def milestone_update(framework: str = FrameworkOption,
                     intention: str = typer.Option(..., "--intention", help="Intention id."),
                     title: str = typer.Option(..., "--title", help="The milestone's title as in config."),
                     status: str = typer.Option(..., "--status", help="not_started, in_progress, done or dropped."),
                     done_on: Optional[str] = typer.Option(None, "--done-on", help="YYYY-MM-DD (with done)."),
                     evidence: Optional[str] = typer.Option(None, "--evidence", help="Text or a link."),
                     as_: str = AsOption, config: Optional[Path] = ConfigOption) -> None:
    """Record a milestone's progress (prints the update as JSON)."""
    from review.milestones import update_milestone
    service = service_for(config)
    store = _store()
    saved = _run(update_milestone, store, service, _acting(store, as_), framework, intention, title, status,
                 done_on, evidence)
    _emit(saved.to_dict())


@milestone_app.command("history")
def milestone_history_(framework: str = FrameworkOption,
                       intention: str = typer.Option(..., "--intention", help="Intention id."),
                       title: str = typer.Option(..., "--title", help="The milestone's title as in config."),
                       config: Optional[Path] = ConfigOption) -> None:
    """Every recorded update of a milestone, oldest first (the config's status first)."""
    from review.milestones import milestone_history
    service = service_for(config)
    _emit([u.to_dict() for u in _run(milestone_history, _store(), service, framework, intention, title)])


# ------------------------------------------------------------------ sign-off and audit

def signoff(framework: str = FrameworkOption, period: str = PeriodOption,
            reason: Optional[str] = typer.Option(None, "--reason", help="Needed to sign off a period again."),
            as_: str = AsOption, config: Optional[Path] = ConfigOption) -> None:
    """Sign off a framework's period: creates its snapshot with commentary, actions and milestones."""
    from review.signoff import sign_off
    service = service_for(config)
    store = _store()
    from cli.snapshot import step

    snap = _run(sign_off, store, service, _acting(store, as_), framework, period, reason, step=step)
    _emit(snap.summary())


@audit_app.callback()
def audit_list(ctx: typer.Context,
               who: Optional[str] = typer.Option(None, "--who", help="Only this username."),
               action: Optional[str] = typer.Option(None, "--action", help="e.g. commentary.save, signoff."),
               entity: Optional[str] = typer.Option(None, "--entity", help="Prefix, e.g. action:12 or commentary."),
               since: Optional[str] = typer.Option(None, "--since", help="YYYY-MM-DD (UTC)."),
               limit: int = typer.Option(200, "--limit", min=1, max=10000),
               format: str = typer.Option("table", "--format", help="json or table")) -> None:
    """The audit trail, newest first: who, when, what, before and after."""
    from review import audit
    if ctx.invoked_subcommand is not None:
        return
    if format not in ("json", "table"):
        fail(f"unknown --format '{format}'; use json or table")
    start = None
    if since:
        try:
            start = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            fail(f"--since: '{since}' is not a date; write it as YYYY-MM-DD")
    events = _run(audit.list_events, _store(), who=who, action=action, since=start, limit=limit, entity=entity)
    if format == "json":
        _emit([e.to_dict() for e in events])
        return
    for e in events:
        typer.echo(f"{e.to_dict()['at']}  {e.who:<20} {e.action:<22} {e.entity}")


@audit_app.command("verify")
def audit_verify(format: str = typer.Option("table", "--format", help="json or table")) -> None:
    """Check the audit trail's hash chain from its first event to its head, and every snapshot against the hash
    stored when it was made (and the one its sign-off recorded). Exit 1, naming each, if anything was changed,
    replaced or taken out. Keep the head it prints somewhere else: a rewrite of the whole chain from an event
    onwards shows as a different head."""
    from review import audit
    if format not in ("json", "table"):
        fail(f"unknown --format '{format}'; use json or table")
    found = _run(audit.verify, _store())
    if format == "json":
        _emit(found.to_dict())
    else:
        typer.echo(f"audit trail: {found.events} event(s); head #{found.head_id} {found.head_hash}")
        typer.echo(f"snapshots: {found.snapshots_checked} checked"
                   + (f", {found.snapshots_unhashed} made before snapshots were hashed (not checked)"
                      if found.snapshots_unhashed else ""))
        for problem in found.problems:
            typer.echo(f"TAMPERED: {problem}")
        typer.echo("intact: nothing was changed, replaced or taken out" if found.intact else
                   f"NOT INTACT: {len(found.problems)} problem(s)")
    if not found.intact:
        raise typer.Exit(1)
