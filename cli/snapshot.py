"""``outcomes snapshot create|list|show|export``: fit for cron.

Non-interactive; one log line per step on stderr (``<UTC time> snapshot <step>``);
results on stdout; exit 0 on success, 1 with ``error: ...`` on bad input or failure.
A create runs in one transaction: interrupted, it leaves no snapshot behind."""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from cli.common import fail, service_for

if TYPE_CHECKING:  # imported where used, so `outcomes --help` loads none of them
    import snapshots
    from datasources.store import Store, StoreError

snapshot_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                           help="Immutable monthly snapshots and their exports (xlsx, csv, pdf, docx).")


def step(message: str) -> None:
    stamp = datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    typer.echo(f"{stamp} snapshot {message}", err=True)


def _load(snapshot_id: str) -> snapshots.Snapshot:
    from datasources.store import Store, StoreError
    import snapshots
    try:
        return snapshots.load(Store.from_environment(), snapshot_id)
    except snapshots.SnapshotError as exc:
        fail(str(exc))
    except StoreError as exc:
        fail(str(exc))
    raise AssertionError("unreachable")


@snapshot_app.command()
def create(framework: str = typer.Option(..., "--framework", help="Framework id."),
           period: str = typer.Option(..., "--period", help="YYYY-MM."),
           as_: str = typer.Option(..., "--as", help="The username you act as: a performance officer for the "
                                                    "framework, or an admin (see 'outcomes user list')."),
           reason: Optional[str] = typer.Option(None, "--reason", help="Why: needed for a new version of a period "
                                                                       "already signed off."),
           config: Optional[Path] = typer.Option(None, "--config", help="Folder of YAML config.")) -> None:
    """Evaluate a framework at a period and store it as the next version (prints the snapshot as JSON).

    Made under the sign-off's rules (the same checks as the review pack): by a person who may sign off the
    framework, with a reason for a new version of a signed-off period, recorded in the audit trail."""
    from datasources.store import Store
    from cli.review import _acting, _run
    from review.signoff import make_snapshot
    started = time.monotonic()
    service = service_for(config)
    store = Store.from_environment()
    person = _acting(store, as_)
    step(f"create framework={framework} period={period} as={as_}")
    snap = _run(make_snapshot, store, service, person, framework, period, reason, step=step)
    step(f"done in {time.monotonic() - started:.1f} s")
    typer.echo(json.dumps(snap.summary(), indent=2))


@snapshot_app.command("list")
def list_(framework: Optional[str] = typer.Option(None, "--framework", help="Only this framework."),
          format: str = typer.Option("table", "--format", help="json or table")) -> None:
    """List snapshots, newest first."""
    from datasources.store import Store, StoreError
    import snapshots
    if format not in ("json", "table"):
        fail(f"unknown --format '{format}'; use json or table")
    try:
        rows = snapshots.list_all(Store.from_environment(), framework)
    except StoreError as exc:
        fail(str(exc))
    if format == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['id']:>5}  {r['framework']:<20} {r['period']}  v{r['version']:<3} {r['created_at']}  "
                   f"{r['created_by']}")


@snapshot_app.command()
def show(snapshot_id: str = typer.Argument(..., help="Snapshot id (see 'outcomes snapshot list')."),
         format: str = typer.Option("json", "--format", help="json")) -> None:
    """The snapshot with its evaluations, in the shape of 'outcomes evaluate --format json', and what people
    wrote as sign-off froze it ("written": the officer's summary, commentary, actions, milestone updates)."""
    if format != "json":
        fail(f"unknown --format '{format}'; use json")
    snap = _load(snapshot_id)
    payload = snap.record.payload
    written = {"officer_summary": payload.get("officer_summary"), "commentary": payload.get("commentary", {}),
               "actions": payload.get("actions", []), "milestone_updates": payload.get("milestones", [])}
    typer.echo(json.dumps({**snap.to_contract(), "written": written}, indent=2))


@snapshot_app.command()
def export(snapshot_id: str = typer.Argument(..., help="Snapshot id."),
           format: str = typer.Option(..., "--format", help="xlsx, csv, pdf or docx"),
           out: Path = typer.Option(..., "--out", help="Folder to write into (created if missing)."),
           scope: str = typer.Option("full", "--scope", help="full, or exceptions: the committee variant (pdf, "
                                                             "docx) with the summary and the exceptions only.")
           ) -> None:
    """Export a snapshot; prints the paths written, one per line."""
    from datasources.store import Store
    import snapshots
    from reports.formats import FORMATS, SCOPES  # the registry's, as the downloads' are

    if format not in FORMATS:
        fail(f"unknown --format '{format}'; use one of {', '.join(FORMATS)}")
    if scope not in SCOPES:
        fail(f"unknown --scope '{scope}'; use {' or '.join(SCOPES)}")
    if scope != "full" and not FORMATS[format].scoped:
        fail(f"--scope {scope} is for --format {' or '.join(f.name for f in FORMATS.values() if f.scoped)}; "
             f"{format} always holds every metric")
    started = time.monotonic()
    snap = _load(snapshot_id)
    store = Store.from_environment()
    step(f"export id={snap.id} format={format} scope={scope} out={out}")
    from cli.progress import shown
    from reports.errors import ExportError
    from reports.export_cache import CLI_WAIT_SECONDS, RenderBusy, cached_export

    try:
        with shown("snapshot"):
            cached = cached_export(store, snap, snapshots.comparison_of(store, snap), format, scope,
                                   wait=CLI_WAIT_SECONDS)
        out.mkdir(parents=True, exist_ok=True)
        paths = [Path(shutil.copyfile(path, out / path.name)) for path in cached]
    except (ExportError, RenderBusy) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write to {out}: {exc}")
    step(f"wrote {len(paths)} file(s) in {time.monotonic() - started:.1f} s")
    for path in paths:
        typer.echo(str(path))
