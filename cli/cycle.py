"""``outcomes cycle``: the monthly cycle for cron (``outcomes cycle run``), and people's
email settings for it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from cli.common import fail, service_for

if TYPE_CHECKING:  # imported where used, so `outcomes --help` loads none of them
    from cycle.contacts import set_alerts, set_email
    from cycle.mail import MailError
    from cycle.run import run
    from review.this_month import this_month
    from datasources.store import Store
    from review.errors import ReviewError
    from review.people import find_person

cycle_app = typer.Typer(no_args_is_help=True, help="The monthly cycle: data check, reminders, alerts, delivery.")

ConfigOption = typer.Option(None, "--config", help="Folder of YAML config (default: the project's config/).")


@cycle_app.command(name="run")
def run_command(framework: Optional[str] = typer.Option(None, "--framework", help="One framework (default: all)."),
                today: Optional[str] = typer.Option(None, "--today", help="YYYY-MM-DD (default: today)."),
                config: Optional[Path] = ConfigOption) -> None:
    """Do what is due today, nothing twice (safe to run every hour)."""
    from cycle.mail import MailError
    from cycle.run import run
    from datasources.store import Store
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        fail(f"--today '{today}' is not a date; write it as YYYY-MM-DD")
    service = service_for(config)
    if framework and framework not in service.config.frameworks:
        fail(f"--framework: no framework '{framework}'; use one of {', '.join(service.config.frameworks)}")
    try:
        report = run(Store.from_environment(), service, day, framework)
    except MailError as exc:
        fail(str(exc))
    typer.echo(f"cycle {day.isoformat()}: mail by {report.mail}")
    for line in report.lines:
        typer.echo(line)
    if report.failures:
        typer.echo(f"{len(report.failures)} email(s) failed; they are retried on the next run", err=True)
        raise typer.Exit(3)


def _actor(as_user: str):
    from datasources.store import Store
    from review.people import find_person
    person = find_person(Store.from_environment(), as_user)
    if person is None:
        fail(f"--as: no person '{as_user}'")
    return person


@cycle_app.command(name="email")
def email_command(username: str, address: str,
                  as_user: str = typer.Option(..., "--as", help="Who is making the change (the person or an admin).")) -> None:
    """Set a person's email address (empty to remove it)."""
    from cycle.contacts import set_email
    from datasources.store import Store
    from review.errors import ReviewError
    try:
        set_email(Store.from_environment(), _actor(as_user), username, address)
    except ReviewError as exc:
        fail(str(exc))
    typer.echo(f"{username}: email {'set' if address.strip() else 'removed'}")


@cycle_app.command(name="alerts")
def alerts_command(state: str, username: str,
                   as_user: str = typer.Option(..., "--as", help="Who is making the change (the person or an admin).")) -> None:
    """Switch a person's alert emails 'on' or 'off' (reminders still come)."""
    from cycle.contacts import set_alerts
    from datasources.store import Store
    from review.errors import ReviewError
    if state not in ("on", "off"):
        fail(f"'{state}': say on or off")
    try:
        set_alerts(Store.from_environment(), _actor(as_user), username, state == "on")
    except ReviewError as exc:
        fail(str(exc))
    typer.echo(f"{username}: alert emails {state}")


@cycle_app.command(name="status")
def status_command(framework: str = typer.Option(..., "--framework", help="Framework id."),
                   period: str = typer.Option(..., "--period", help="YYYY-MM: the period under review.")) -> None:
    """What the cycle did for a framework's period: data check, reminders, alerts, delivery."""
    from review.this_month import this_month
    from datasources.store import Store
    month = this_month(Store.from_environment(), framework, period)
    typer.echo(f"{framework} {period}")
    for v in month.vintages:
        typer.echo(f"  data ({v['day']}): {v['message']}")
    for r in month.reminders:
        typer.echo(f"  reminder to {r['recipient']}: {r['status']} (attempts {r['attempts']})")
    for a in month.alerts:
        typer.echo(f"  alert {a['kind']} ({a['day']}): {a['text']}" + (" [known at first run]" if a["baseline"] else ""))
    typer.echo(f"  delivery: {month.delivery_words}")
    for d in month.deliveries:
        error = f": {d['last_error']}" if d["last_error"] else ""
        typer.echo(f"  delivery to {d['recipient']}: {d['status']} (attempts {d['attempts']}){error}")
    if not (month.vintages or month.reminders or month.alerts or month.deliveries):
        typer.echo("  the cycle has not run for this period yet ('outcomes cycle run')")
