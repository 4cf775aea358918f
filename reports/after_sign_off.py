"""What follows a sign-off on the review pack, in the background: the snapshot's report charts drawn and stored
with it, then its report files rendered into the export cache, the committee paper first.

A lead who signs off usually downloads the exceptions paper next, and the committee wants the full report: laying
out Warwickshire's 160-page PDF takes some 16 s of CPU however it is done (WeasyPrint; see the README's "why
WeasyPrint"), so it is done once, here, while the person reads the confirmation, and the download that follows is
served from the cache. A download asked for while this is still at work waits for the same render (the export
cache renders an export once, whoever asks) rather than rendering it again. Renders take the export cache's render
slots like any download, so the pages stay served beside them."""

from __future__ import annotations

import contextvars
import logging
import threading

import plotly.graph_objects as go

import snapshots
from datasources.store import Store
from reports import chart_images, content, export_cache
from reports.formats import SCOPES
from reports.model import report_for
from snapshots import Comparison, Snapshot

log = logging.getLogger("outcomes.reports")

#: The files prepared, in order: the committee paper first (the review pack offers it on sign-off), then the
#: full report, then the tables.
PREPARED = (("pdf", "exceptions"), ("docx", "exceptions"), ("pdf", "full"), ("docx", "full"), ("xlsx", "full"),
            ("csv", "full"))


def report_figures(snapshot: Snapshot, comparison: Comparison) -> list[go.Figure]:
    """Every chart of the snapshot's reports (the full report and the exceptions paper), from the report model the
    renderers then use, so the blocks are built once for the drawing and the rendering."""
    return [block.figure for scope in SCOPES for block in report_for(snapshot, comparison, scope).blocks
            if isinstance(block, content.Chart)]


def draw_charts(store: Store, snapshot: Snapshot, comparison: Comparison | None = None) -> None:
    """Draw and store every chart of the snapshot's reports. An export asked for meanwhile waits on the snapshot's
    lock in ``chart_images.images`` and draws only what this has not (nothing, once this is done). Progress goes to
    whoever listens (``datasources.progress``); a failure (no Chromium) is logged, and the export that next needs
    the charts draws them and says what to install."""
    comparison = comparison or snapshots.comparison_of(store, snapshot)
    try:
        with chart_images.stored_with(store, snapshot.id):
            chart_images.images(report_figures(snapshot, comparison))
    except Exception:  # noqa: BLE001 - in the background no caller hears it: logged; the export retries
        log.warning("the charts of snapshot %s were not drawn after sign-off; the first export will draw them",
                    snapshot.id, exc_info=True)


def prepare(store: Store, snapshot: Snapshot) -> None:
    """Draw and store the snapshot's charts, then render each of :data:`PREPARED` into the export cache. A failure
    is logged and the rest go on: the download that needs the file renders it and says what went wrong."""
    comparison = snapshots.comparison_of(store, snapshot)
    draw_charts(store, snapshot, comparison)
    for fmt, scope in PREPARED:
        try:
            export_cache.cached_export(store, snapshot, comparison, fmt, scope, wait=export_cache.CLI_WAIT_SECONDS)
        except Exception:  # noqa: BLE001 - in the background no caller hears it: logged; a download retries
            log.warning("the %s %s report of snapshot %s was not prepared after sign-off; its first download will "
                        "render it", scope, fmt, snapshot.id, exc_info=True)


def prepare_in_background(store: Store, snapshot: Snapshot) -> threading.Thread:
    """:func:`prepare` in a thread of its own, so the sign-off answers at once."""
    thread = threading.Thread(target=contextvars.copy_context().run, args=(prepare, store, snapshot), daemon=True,
                              name=f"reports of snapshot {snapshot.id}")
    thread.start()
    return thread
