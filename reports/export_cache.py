"""Rendered exports of a snapshot, kept on disk and rendered a few at a time.

A snapshot never changes, so neither does its export for one version of the renderers: a PDF
(about 4 s of CPU) is rendered once and then served from the cache. The key is a digest of
everything the export is made from (the stored snapshot, its comparison, the format and scope)
and of the product: its package version and the source of the renderers, so a new release, or
a changed renderer, renders afresh. Being a digest of the content, a key can never name another
snapshot's export, whichever store or machine made it.

Where: ``OUTCOMES_EXPORT_CACHE`` if set, else a folder beside a SQLite store's file
(``outcomes.db.exports``), else one in the system's temporary folder. Each entry is written in
a folder of its own and moved into place whole, so two processes rendering the same export at
once leave one complete entry, never a half-written file.

Renders are CPU-bound, and ``outcomes serve`` runs sync gunicorn workers that each serve one
request at a time: four PDF downloads at once held every worker, and the overview waited behind
them (p95 94 ms -> 910 ms). So renders take a slot, a lock on one of ``OUTCOMES_EXPORT_RENDERS``
files shared by every process and thread (default: one less than the cores, at least 1, at most
2), leaving a worker free for the pages; a download that finds no free slot within WAIT_SECONDS is
answered "try again" rather than held. The same export asked for twice at once is rendered once:
the second waits for the first and is served its file."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Iterator

from datasources import shared_exports
from datasources.store import Store
from reports import chart_images
from reports import formats
from reports.export import export
from snapshots import Comparison, Snapshot

CACHE_ENV = "OUTCOMES_EXPORT_CACHE"
RENDERS_ENV = "OUTCOMES_EXPORT_RENDERS"
#: How long a request waits for a free render slot before it is told to try again.
WAIT_SECONDS = 15
#: A command (cron) has no page waiting behind it: it waits for a slot as long as renders take.
CLI_WAIT_SECONDS = 30 * 60
_HERE = Path(__file__).resolve().parent
#: The code a rendered export's text and charts can depend on (besides the libraries, named by the package
#: version): the renderers, and every layer below them (the status words, insights, provenance words and
#: exception rules live in metrics and review; the charts in dashboard), so changing any of them renders afresh.
_RENDERERS = sorted(path for layer in ("reports", "dashboard", "review", "snapshots", "metrics", "datasources")
                    for path in (_HERE.parent / layer).rglob("*.py") if "migrations" not in path.parts)


class RenderBusy(Exception):
    """Every render slot stayed busy while the caller was willing to wait; the message says to try again."""


@lru_cache(maxsize=1)
def product_version() -> str:
    """The package version and a digest of the renderers' source."""
    digest = hashlib.sha256()
    for path in _RENDERERS:
        digest.update(str(path.relative_to(_HERE.parent)).encode() + b"\0" + path.read_bytes())
    try:
        version = metadata.version("outcomes-dashboard")
    except metadata.PackageNotFoundError:
        version = "unpackaged"
    return f"{version}+{digest.hexdigest()[:12]}"


def cache_root(store: Store) -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    if store.url.startswith("sqlite") and ":///" in store.url:
        database = store.url.split(":///", 1)[1].split("?", 1)[0]
        if database and database != ":memory:":
            return Path(database).with_name(Path(database).name + ".exports")
    return Path(tempfile.gettempdir()) / "outcomes-export-cache"


def cache_key(snapshot: Snapshot, comparison: Comparison, fmt: str, scope: str) -> str:
    record = snapshot.record
    made_from = {"snapshot": record.summary(), "vintages": record.vintages, "payload": record.payload,
                 "evaluations": record.evaluations, "series": record.series, "comparison": comparison.to_dict(),
                 "recorded": comparison.recorded, "format": fmt, "scope": scope, "product": product_version(),
                 "matches": record.matches}  # a snapshot whose hash was rewritten gets its warning, not the old file
    digest = hashlib.sha256(json.dumps(made_from, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"{record.id}-{fmt}-{scope}-{digest}"


def render_slots() -> int:
    configured = os.environ.get(RENDERS_ENV)
    if configured:
        return max(1, int(configured))
    return max(1, min(2, (os.cpu_count() or 2) - 1))


@contextmanager
def _locked(path: Path, blocking: bool = True) -> Iterator[bool]:
    """An exclusive lock on ``path`` (flock: between processes, and between threads, as each opens
    the file itself); yields False at once when ``blocking`` is off and someone holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _render_slot(root: Path, wait: float) -> Iterator[None]:
    deadline = time.monotonic() + wait
    while True:
        for slot in range(render_slots()):
            with _locked(root / ".locks" / f"render-slot-{slot}", blocking=False) as held:
                if held:
                    yield
                    return
        if time.monotonic() >= deadline:
            raise RenderBusy(f"every export slot stayed busy for {wait:g} s; try again in a minute")
        time.sleep(0.1)


def _entry_files(entry: Path) -> list[Path]:
    names = json.loads((entry / "files.json").read_text())
    return [entry / name for name in names]


def cached_export(store: Store, snapshot: Snapshot, comparison: Comparison, fmt: str,
                  scope: str = "full", wait: float = WAIT_SECONDS) -> list[Path]:
    """The export's files, from the cache, rendered first if they are not there yet (waiting up to
    ``wait`` seconds for a render slot, else RenderBusy). The paths are inside the cache: copy
    them, never change them.

    On a store several machines share (``datasources.shared_exports``), an export another instance
    rendered is copied from the store rather than rendered again; one this instance renders is kept
    there, and the same export asked for on two machines at once is rendered by one of them."""
    formats.get(fmt, scope)  # an unknown format or scope is refused before any lock or render
    root = cache_root(store)
    entry = root / cache_key(snapshot, comparison, fmt, scope)
    if not (entry / "files.json").exists():
        with _locked(root / ".locks" / entry.name):  # one render of an export; who else asks waits for it
            if not (entry / "files.json").exists():
                with shared_exports.render_lock(store, entry.name):  # and one across machines
                    if not _copy_from_store(store, root, entry):
                        # The charts drawn at sign-off (or by an earlier export) are stored with the snapshot.
                        with _render_slot(root, wait), chart_images.stored_with(store, snapshot.id):
                            _render_into(root, entry, snapshot, comparison, fmt, scope)
                        shared_exports.keep(store, entry.name,
                                            [(p.name, p.read_bytes()) for p in _entry_files(entry)])
    return _entry_files(entry)


def _place(root: Path, entry: Path, fill) -> None:
    """Make the entry in a folder of its own and move it into place whole, or not at all. ``fill(work)``
    writes the files and returns their names, in order, and where they came from (kept as origin.json)."""
    work = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=root))
    try:
        names, origin = fill(work)
        (work / "origin.json").write_text(json.dumps(origin))  # which instance rendered it (for operators)
        (work / "files.json").write_text(json.dumps(names))
        work.rename(entry)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _render_into(root: Path, entry: Path, snapshot: Snapshot, comparison: Comparison, fmt: str, scope: str) -> None:
    def render(work: Path):
        paths = export(snapshot, fmt, work, comparison, scope)
        return [p.name for p in paths], {"rendered_by": shared_exports.instance(), "copied_from_store": False}

    _place(root, entry, render)


def _copy_from_store(store: Store, root: Path, entry: Path) -> bool:
    found = shared_exports.fetch(store, entry.name)
    if found is None:
        return False
    files, rendered_by = found

    def copy(work: Path):
        for name, data in files:
            (work / name).write_bytes(data)
        return [name for name, _ in files], {"rendered_by": rendered_by, "copied_from_store": True}

    _place(root, entry, copy)
    return True
