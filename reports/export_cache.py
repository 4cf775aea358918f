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

Renders are CPU-bound and hold Python's GIL: at most ``OUTCOMES_EXPORT_RENDERS`` (default 2) run
at once in a process, and the same export asked for twice at once is rendered once, so a burst of
downloads cannot starve the pages served beside it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from datasources.store import Store
from reports.export import export
from snapshots import Comparison, Snapshot

CACHE_ENV = "OUTCOMES_EXPORT_CACHE"
RENDERS_ENV = "OUTCOMES_EXPORT_RENDERS"
#: How long a request waits for a free render slot before it is told to try again.
WAIT_SECONDS = 120
_HERE = Path(__file__).resolve().parent
#: The code a rendered export depends on (besides the libraries, named by the package version).
_RENDERERS = [*sorted(_HERE.glob("*.py")), _HERE.parent / "dashboard" / "figures.py",
              _HERE.parent / "metrics" / "formatting.py"]


class RenderBusy(Exception):
    """Every render slot stayed busy for WAIT_SECONDS; the message says to try again."""


@lru_cache(maxsize=1)
def product_version() -> str:
    """The package version and a digest of the renderers' source."""
    digest = hashlib.sha256()
    for path in _RENDERERS:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
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
                 "recorded": comparison.recorded, "format": fmt, "scope": scope, "product": product_version()}
    digest = hashlib.sha256(json.dumps(made_from, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"{record.id}-{fmt}-{scope}-{digest}"


_slots_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None
_rendering: dict[str, threading.Lock] = {}


def _render_slots() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, int(os.environ.get(RENDERS_ENV, "2"))))
        return _slots


def _lock_for(key: str) -> threading.Lock:
    with _slots_lock:
        return _rendering.setdefault(key, threading.Lock())


def _entry_files(entry: Path) -> list[Path]:
    names = json.loads((entry / "files.json").read_text())
    return [entry / name for name in names]


def cached_export(store: Store, snapshot: Snapshot, comparison: Comparison, fmt: str,
                  scope: str = "full") -> list[Path]:
    """The export's files, from the cache, rendered first if they are not there yet. The paths are
    inside the cache: copy them, never change them."""
    root = cache_root(store)
    key = cache_key(snapshot, comparison, fmt, scope)
    entry = root / key
    if (entry / "files.json").exists():
        return _entry_files(entry)
    try:
        with _lock_for(key):  # the same export asked for twice at once is rendered once
            if not (entry / "files.json").exists():
                _render_into(root, entry, snapshot, comparison, fmt, scope)
    finally:
        with _slots_lock:
            _rendering.pop(key, None)
    return _entry_files(entry)


def _render_into(root: Path, entry: Path, snapshot: Snapshot, comparison: Comparison, fmt: str, scope: str) -> None:
    slots = _render_slots()
    if not slots.acquire(timeout=WAIT_SECONDS):
        raise RenderBusy(f"every export slot stayed busy for {WAIT_SECONDS} s; try again in a minute")
    try:
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=root))
        try:
            paths = export(snapshot, fmt, work, comparison, scope)
            (work / "files.json").write_text(json.dumps([p.name for p in paths]))
            work.rename(entry)
        except OSError:
            shutil.rmtree(work, ignore_errors=True)
            if not (entry / "files.json").exists():
                raise
            # else another process put the same entry in place first: theirs is the same export
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    finally:
        slots.release()
