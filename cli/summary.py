"""``outcomes summary add|show``: the officer's summary of a framework's period (``review.officer_summary``).

``add`` saves a new version as a named person (a performance officer on the framework, or an admin);
``show`` prints the current version and its history, or with ``--draft`` the product's draft built from the
signals, for a person to edit and save with ``add`` (a draft is never saved by itself)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cli.common import service_for
from cli.review import AsOption, ConfigOption, FrameworkOption, PeriodOption, _acting, _emit, _run, _store

summary_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                          help="The officer's summary of a framework's period, first in the committee paper.")


@summary_app.command("add")
def summary_add(framework: str = FrameworkOption, period: str = PeriodOption,
                text: str = typer.Option(..., "--text", help="Plain text ('-' reads stdin)."),
                based_on: Optional[int] = typer.Option(None, "--based-on", help="The version id you edited; "
                                                       "refused if someone saved since. Default: the current one."),
                as_: str = AsOption, config: Optional[Path] = ConfigOption) -> None:
    """Save a new version of the summary (prints it as JSON)."""
    from review.officer_summary import current_summary, save_summary
    service = service_for(config)
    store = _store()
    person = _acting(store, as_)
    if text == "-":
        text = typer.get_text_stream("stdin").read()
    if based_on is None:  # a script writes on top of whatever is current
        current = _run(current_summary, store, framework, period)
        based_on = current.id if current else None
    _emit(_run(save_summary, store, service, person, framework, period, text, based_on=based_on).to_dict())


@summary_app.command("show")
def summary_show(framework: str = FrameworkOption, period: str = PeriodOption,
                 draft: bool = typer.Option(False, "--draft", help="Print the product's draft from the signals "
                                                                   "instead (not saved)."),
                 config: Optional[Path] = ConfigOption) -> None:
    """The current summary and every earlier version (JSON), or the draft to start from."""
    from review.officer_summary import summary_history
    from review.pack import paper_draft
    store = _store()
    if draft:
        typer.echo(_run(paper_draft, store, service_for(config), framework, period))
        return
    history = _run(summary_history, store, framework, period)
    _emit({"framework": framework, "period": period,
           "current": history[-1].to_dict() if history else None, "history": [s.to_dict() for s in history]})
