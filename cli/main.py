"""The ``outcomes`` command: an entry point with no logic of its own.

Every command exits non-zero with a clear message on bad input (1 for the user's
mistake, 2 for a usage error from typer); messages go to stderr, results to stdout.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from cli.common import fail, one_command_per_process, service_for, settling
from cli.ingest import ingest
from cli.snapshot import snapshot_app
from cli.cycle import cycle_app
from cli.review import action_app, audit_app, comment_app, milestone_app, signoff, user_app
from cli.change_points import change_point_app
from cli.summary import summary_app

if TYPE_CHECKING:  # imported where used, so `outcomes --help` loads none of them
    from metrics.service import MetricsService

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Outcomes-framework performance monitoring for commissioners.")

ConfigOption = typer.Option(None, "--config", help="Folder of YAML config (default: the project's config/).")


@app.command()
def check(config: Optional[Path] = ConfigOption) -> None:
    """Validate all config; print every problem as file:line: field: message. Warns of milestone progress
    recorded in the store (OUTCOMES_STORE_URL) that no milestone reads, e.g. after a retitling."""
    from metrics.definitions.loader import DEFAULT_CONFIG_DIR, ConfigError, load_config
    try:
        loaded = load_config(config or DEFAULT_CONFIG_DIR)
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue))
        typer.echo(f"{len(exc.issues)} problem(s) found", err=True)
        raise typer.Exit(1)
    from metrics.definitions.document_check import quote_problems
    refused = _sql_refused_by_sources(loaded) + [str(issue) for issue in quote_problems(loaded)]
    for line in refused:
        typer.echo(line)
    if refused:
        typer.echo(f"{len(refused)} problem(s) found", err=True)
        raise typer.Exit(1)
    from metrics.definitions.provenance_check import provenance_warnings
    warnings = provenance_warnings(loaded)
    for warning in warnings:
        typer.echo(str(warning))
    # Recorded progress no milestone reads is a warning, not a failure: an intention or milestone dropped from
    # config on purpose leaves its updates in the store (nothing a user wrote is deleted), and that must not
    # fail the check for ever; a retitling without `formerly` is named here with its fix, so it is not silent.
    from cli.milestone_links import unlinked_progress_warnings
    unlinked = unlinked_progress_warnings(loaded)
    for line in unlinked:
        typer.echo(line)
    typer.echo(f"config OK: {len(loaded.frameworks)} framework(s), {len(loaded.metrics)} metric(s), "
               f"{len(loaded.datasources)} data source(s)"
               + (f"; {len(warnings)} warning(s) about provenance" if warnings else "")
               + (f"; {len(unlinked)} warning(s) about recorded milestone progress" if unlinked else ""))


def _sql_refused_by_sources(loaded: Any) -> list[str]:
    """Each ``type: sql`` binding planned (EXPLAIN, nothing run) by its source where the source is
    reachable, so a misspelt table or column is reported with file and line, not at run time."""
    from datasources.engines import DataSourceError
    from datasources.registry import DataSourceRegistry, SourceSettings
    from metrics.compile import compile_metric
    from metrics.definitions.models import SqlBinding

    sources = [SourceSettings(d.id, d.url, d.title, min(d.timeout_seconds, 10)) for d in loaded.datasources.values()]
    registry = DataSourceRegistry(sources, project_root=loaded.root.parent)
    where = {m.get("id"): (source, i) for source in loaded.files.values()
             for i, m in enumerate((source.data or {}).get("metrics") or []) if isinstance(m, dict)}
    lines: list[str] = []
    try:
        for metric in loaded.metrics.values():
            if not isinstance(metric.binding, SqlBinding) or metric.id not in where:
                continue
            try:
                problem = registry.explain(metric.binding.datasource, compile_metric(metric))
            except DataSourceError:
                continue  # not reachable from here: the SQL was checked as text only
            if problem:
                source, i = where[metric.id]
                lines.append(str(source.issue(("metrics", i, "binding", "sql"), f"the data source "
                                              f"'{metric.binding.datasource}' refuses this SQL: {problem}")))
    finally:
        registry.dispose()
    return lines


@app.command()
def frameworks(config: Optional[Path] = ConfigOption,
               format: str = typer.Option("table", "--format", help="json or table")) -> None:
    """List the frameworks with their intention and metric counts."""
    service = service_for(config)
    rows = [{"id": fw.id, "title": fw.title, "organisation": fw.organisation,
             "intentions": len(fw.intentions), "metrics": len(fw.metric_ids())}
            for fw in service.config.frameworks.values()]
    if format == "json":
        typer.echo(json.dumps(rows, indent=2))
    elif format == "table":
        for row in rows:
            typer.echo(f"{row['id']:<20} {row['intentions']:>3} intentions {row['metrics']:>3} metrics  {row['title']}")
    else:
        fail(f"unknown --format '{format}'; use json or table")


def _table_lines(payload: dict[str, Any], service: MetricsService) -> list[str]:
    from metrics.evaluation.status import Status
    from metrics.formatting import format_value
    from metrics.evaluation.synthetic_words import SYNTHETIC_TAG, synthetic_count

    lines = [f"{payload['framework']} at {payload['period']}", "Intentions:"]
    for judged in payload["intentions"]:
        lines.append(f"  [{Status(judged['status']).words:<12}] {judged['title'][:100]}")
        lines.append(f"      {judged['status_reason']}")
    lines.append("Metrics:")
    for item in payload["metrics"]:
        metric = service.metric(item["metric_id"])
        value = format_value(item["value"], metric) if item["value"] is not None else "–"
        mark = f"  [{SYNTHETIC_TAG}]" if item["synthetic"] else ""
        lines.append(f"  [{Status(item['status']).words:<11}] {metric.display_title:<40} {value:<36} "
                     f"{item['period'] or ''}{mark}")
        lines.append(f"      {item['status_reason']}")
    flags = {item["metric_id"]: item["synthetic"] for item in payload["metrics"]}
    told = synthetic_count(sum(flags.values()), len(flags), "metric", "in this list", f"[{SYNTHETIC_TAG}]")
    return lines + ([told] if told else [])


def _csv_text(payload: dict[str, Any]) -> str:
    """The evaluations as CSV: the framework and period, then the columns the snapshot exports share
    (``reports.columns``, by name; the metric's own period as ``metric_period``), then the synthetic flag."""
    from metrics.cell_text import csv_safe
    from reports.columns import COMMAND_LINE, EVALUATION, chosen

    columns = chosen(EVALUATION, COMMAND_LINE)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["framework", "period", *("metric_period" if c.name == "period" else c.name for c in columns),
                     "synthetic"])
    for item in payload["metrics"]:
        # A title (or the sentence that starts with it) written as "=HYPERLINK(...)" stays text in a spreadsheet.
        writer.writerow([csv_safe(value) for value in (
            payload["framework"], payload["period"], *(c.value(item, None) for c in columns),
            "true" if item["synthetic"] else "false")])
    return out.getvalue()


@app.command()
def evaluate(framework: Optional[str] = typer.Option(None, "--framework", help="Framework id (default: the first)."),
             period: Optional[str] = typer.Option(None, "--period", help="YYYY-MM (default: latest with data)."),
             format: str = typer.Option("table", "--format", help="json, table or csv"),
             config: Optional[Path] = ConfigOption) -> None:
    """Evaluate every metric of a framework at a period (small numbers withheld when OUTCOMES_PUBLIC=1)."""
    if format not in ("json", "table", "csv"):
        fail(f"unknown --format '{format}'; use json, table or csv")
    with settling():
        from metrics.disclosure import public_from_env

        from datasources.store import Store, StoreError
        from review.judgement import framework_evaluation

        try:
            public = public_from_env()  # a public deployment's command line tells no more than its pages
        except ValueError as exc:
            fail(str(exc))
        service = service_for(config)
    store: Store | None = Store.from_environment()
    try:
        store.engine  # milestone progress and change points are read from the store, as the pages read them
    except StoreError as exc:
        typer.echo(f"warning: {exc}; milestones are judged from config alone", err=True)
        store = None
    try:
        # The contract carries the judgement and its sentence; SPC, trend, benchmark and ranking are the pages'.
        result = framework_evaluation(store, service, framework, period, suppress=public, insights=False)
    except KeyError as exc:
        fail(str(exc.args[0]))
    except ValueError as exc:
        fail(f"--period: {exc}")
    payload = result.to_contract()
    if format == "json":
        typer.echo(json.dumps(payload, indent=2))
    elif format == "csv":
        sys.stdout.write(_csv_text(payload))
    else:
        typer.echo("\n".join(_table_lines(payload, service)))


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8050, "--port"),
          workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                                help="gunicorn worker processes (default: one per core, "
                                                     "at least 2)."),
          dev: bool = typer.Option(False, "--dev", help="Flask's development server (one process) instead of "
                                                        "gunicorn; also in sample mode (OUTCOMES_SAMPLE_PEOPLE=1)."),
          debug: bool = typer.Option(False, "--debug", help="The development server with Dash's debug tools."),
          config: Optional[Path] = ConfigOption) -> None:
    """Serve the dashboard: gunicorn with several workers, warmed before they start."""
    from app import create_app
    from cli.serve import default_workers, run_gunicorn, warm
    from dashboard.auth import AuthConfigError, AuthSettings

    # Loaded here so bad config fails with file and line before the server starts.
    try:
        settings = AuthSettings.from_environment()
        dash_app = create_app(service=service_for(config), auth_settings=settings)
    except AuthConfigError as exc:  # sign-in settings that would be unsafe: refuse to start
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)
    if dev or debug or settings.sample_people:
        if workers is not None:
            fail("--workers needs the production server; leave out --dev/--debug (and OUTCOMES_SAMPLE_PEOPLE)")
        typer.echo(f"Serving the dashboard at http://{host}:{port} (development server, one process)", err=True)
        dash_app.run(host=host, port=port, debug=debug)
        return
    seconds = warm(dash_app)
    count = workers or default_workers()
    typer.echo(f"Serving the dashboard at http://{host}:{port} (gunicorn, {count} workers; every framework "
               f"evaluated in {seconds:.1f} s before they started)", err=True)
    run_gunicorn(dash_app, host, port, count)


app.add_typer(snapshot_app, name="snapshot")
app.add_typer(user_app, name="user")
app.add_typer(comment_app, name="comment")
app.add_typer(summary_app, name="summary")
app.add_typer(action_app, name="action")
app.add_typer(milestone_app, name="milestone")
app.add_typer(change_point_app, name="change-point")
app.add_typer(cycle_app, name="cycle")
app.command(name="signoff")(signoff)
app.add_typer(audit_app, name="audit")


app.command(name="ingest")(ingest)


def main() -> None:
    """The console script. Each command says what is wrong in one line; so does anything a command did not
    catch (the store read-only, full or unreachable; a setting refused; a bug), with exit status 1, never a
    traceback: OUTCOMES_DEBUG=1 shows the trace for whoever looks after the product."""
    one_command_per_process()
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - the last net: one line for the person at the terminal
        if os.environ.get("OUTCOMES_DEBUG", "").strip() not in ("", "0"):
            raise
        typer.echo(f"error: {one_line(exc)}", err=True)
        sys.exit(1)


def one_line(exc: BaseException) -> str:
    """An error in one line: a database's own words (SQLAlchemy adds the statement and a link), else the
    message, else the kind of error; a store that refused a write is named as such."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    words = detail[0] if detail else type(exc).__name__
    if type(exc).__module__.startswith("sqlalchemy"):
        return (f"the database refused ({words}); if it is the monitor's store (OUTCOMES_STORE_URL), check that "
                "it can be written and reached (OUTCOMES_DEBUG=1 shows the trace)")
    return f"{words} (OUTCOMES_DEBUG=1 shows the trace)"


if __name__ == "__main__":
    main()
