"""``outcomes ingest``: load the published files declared in config into their database.

    outcomes ingest                          # every spec in config/ingest.yaml
    outcomes ingest pcdd_dementia_65plus     # one spec
    outcomes ingest local_returns --file corrections.csv         # replace the rows the file holds, no more
    outcomes ingest pcdd_dementia_65plus --file new-month.xlsx --replace-periods   # every row of its month
    outcomes ingest pcdd_dementia_65plus --replace-all           # rebuild the table from its files
    outcomes ingest local_returns --file corrections.csv --dry-run   # say what it would delete, write nothing

The spec's own files (the publication) replace the periods they hold and keep every other
period. A --file load replaces only the rows whose whole key (measure, period, area...) the
file holds; --replace-periods makes it replace every row of its periods, and --replace-all
rebuilds each table from the files alone. Before writing, the command says what it will
delete; --dry-run says it and writes nothing. Each load then prints what it added, replaced
and kept. All or nothing: every cell is checked before anything is written, and the
writing is one transaction; a problem is reported with file, sheet, row and column and
the database is left unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

if TYPE_CHECKING:  # imported where used, so `outcomes --help` loads none of them
    from datasources.engines import MissingDriverError, open_engine
    from datasources.ingest import IngestError, plan, read_all, write_all
    from datasources.registry import DataSourceRegistry, SourceSettings
    from datasources.store import Store, StoreError
    from metrics.definitions.loader import DEFAULT_CONFIG_DIR, ConfigError, load_config


def ingest(spec_ids: Optional[List[str]] = typer.Argument(None, help="Ingest spec ids (default: all)."),
           file: Optional[List[Path]] = typer.Option(None, "--file", help="Load these files instead of the "
                                                     "spec's own (needs exactly one spec id)."),
           replace_periods: bool = typer.Option(False, "--replace-periods", help="With --file: replace every "
                                                "row of the periods in the file, not only the rows it holds."),
           replace_all: bool = typer.Option(False, "--replace-all", help="Rebuild each table from the files "
                                            "alone: periods not in the files are removed."),
           dry_run: bool = typer.Option(False, "--dry-run", help="Check the files and say what the load would "
                                        "delete and write; write nothing."),
           database: Optional[str] = typer.Option(None, "--database", help="SQLAlchemy URL to load into "
                                                  "(default: the spec's data source)."),
           config: Optional[Path] = typer.Option(None, "--config", help="Folder of YAML config.")) -> None:
    """Load published CSV/XLSX files into the database, all or nothing, keeping what the files do not hold."""
    from datasources.engines import MissingDriverError, open_engine
    from datasources.ingest import IngestError, plan, read_all, write_all
    from datasources.registry import DataSourceRegistry, SourceSettings
    from metrics.definitions.loader import DEFAULT_CONFIG_DIR, ConfigError, load_config
    from cli.progress import shown
    try:
        loaded = load_config(config or DEFAULT_CONFIG_DIR)
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        typer.echo(f"error: {len(exc.issues)} problem(s) in config; run 'outcomes check'", err=True)
        raise typer.Exit(1)
    specs = list(loaded.ingest)
    known = [s.id for s in specs]
    if spec_ids:
        unknown = [s for s in spec_ids if s not in known]
        if unknown:
            typer.echo(f"error: unknown ingest spec(s) {', '.join(unknown)}; known: {', '.join(known)}", err=True)
            raise typer.Exit(1)
        specs = [s for s in specs if s.id in spec_ids]
    if not specs:
        typer.echo("error: no ingest specs declared in config", err=True)
        raise typer.Exit(1)
    files = None
    if file:
        if len(specs) != 1:
            typer.echo("error: --file needs exactly one spec id", err=True)
            raise typer.Exit(2)
        files = {specs[0].id: [p.resolve() for p in file]}
    if replace_all and replace_periods:
        typer.echo("error: --replace-all rebuilds the whole table; --replace-periods is for replacing the periods "
                   "a --file holds: give one of them", err=True)
        raise typer.Exit(2)
    # A file given by hand replaces the rows it holds; the spec's own files are the publication of their periods.
    mode = "all" if replace_all else "periods" if replace_periods or not file else "cells"
    project = loaded.root.parent
    reports = {}
    notes: list[str] = []
    for source_id in sorted({s.datasource for s in specs}):
        group = [s for s in specs if s.datasource == source_id]
        try:
            if database:
                engine = open_engine(database)
            else:
                ds = loaded.datasources[source_id]
                registry = DataSourceRegistry([SourceSettings(ds.id, ds.url)], project_root=project)
                engine = open_engine(registry.url(source_id))
        except MissingDriverError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1)
        try:
            with shown("ingest"):
                tables = read_all(group, project, files)
            for table in tables:
                notes.extend(table.notes or ())
            for planned in plan(engine, group, tables, mode):
                typer.echo(("dry run: " if dry_run else "") + planned.words())
            if not dry_run:
                with shown("ingest"):
                    reports.update(write_all(engine, group, tables, mode))
        except IngestError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1)
        finally:
            engine.dispose()
    for report in reports.values():
        typer.echo(report.summary())
    for note in notes:
        typer.echo(f"note: {note}")
    if dry_run:
        typer.echo("dry run: nothing was written")
        return
    if database:
        typer.echo("note: data vintages not recorded: --database loads outside the configured data sources")
    else:
        _record_vintages(loaded, [s for s in specs if s.publication is not None], project)


def _record_vintages(loaded, specs, project: Path) -> None:
    """The data check for each source just loaded, recorded for today so the review pack's
    "This month" panel and the cycle see the new vintage at once. The load has already
    succeeded: a store that cannot be written is reported, not an ingest failure."""
    if not specs:
        return
    from cycle import vintages
    from datasources.registry import DataSourceRegistry, SourceSettings
    from datasources.store import Store, StoreError

    registry = DataSourceRegistry([SourceSettings(ds.id, ds.url) for ds in loaded.datasources.values()],
                                  project_root=project)
    today = date.today()
    found = [replace(v, message=f"{v.message} (checked after outcomes ingest)")
             for v in (vintages.check_source(registry, spec, today) for spec in specs)]
    registry.dispose()
    try:
        store = Store.from_environment()
        vintages.record(store, found, today, replace=True)
        store.dispose()
    except StoreError as exc:
        typer.echo(f"warning: data loaded, but its vintage could not be recorded: {exc}", err=True)
        return
    for v in found:
        typer.echo(f"vintage: {v.message}")
