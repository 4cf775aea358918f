"""The report's charts as JPEG images, exported through plotly's own engine (kaleido, headless Chromium).

The figures are the page's (:mod:`dashboard.figures`), so a chart in a report looks like the chart on the
page. Starting the browser costs seconds and each image a fraction of one, so a report's charts are exported
together in one browser session, two tabs at a time (the machines have two cores), each tab reused without a
reload (see :func:`_engine`). Kaleido finds Chromium itself; ``BROWSER_PATH`` names another. The PDF and the
Word report of a snapshot draw the same charts, so each image is kept (by its figure's content, the last
:data:`KEPT` of them) and the second report draws none.

A snapshot never changes, so its charts are drawn once and stored with it (``snapshots.charts``): at sign-off,
in the background (``reports.after_sign_off``), so the first download after it only lays the report out; an
export finds them through :func:`stored_with`, and draws (and stores) any still missing rather than failing.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

import plotly.graph_objects as go

from datasources import progress
from datasources.store import Store
from snapshots import charts

#: Pixel size of a chart (and the scale for print: 2 gives about 200 dpi at the report's width).
WIDTH, HEIGHT, SCALE = 800, 380, 2
#: JPEG, not PNG: WeasyPrint puts a JPEG into the PDF as it is, but decodes and compresses every PNG again
#: (the 396 charts of a 200-metric report: 42 s to write the PDF with PNGs, 18 s with JPEGs, the same size).
#: At twice the pixels and Chromium's quality (0.92) no artefact shows beside lines or text.
FORMAT = "jpeg"
#: Tabs rendering at once in the one browser.
TABS = 2
#: Images kept in memory by figure content (a 200-metric report has about 400, of some 140 KB each).
KEPT = 400
_kept: "OrderedDict[str, bytes]" = OrderedDict()
_kept_lock = threading.Lock()
#: The store and snapshot whose stored charts :func:`images` reads and adds to (set by :func:`stored_with`).
_stored_with: contextvars.ContextVar[tuple[Store, int] | None] = contextvars.ContextVar("stored_with", default=None)
#: One lock per snapshot, held while its charts are looked up and drawn: an export that starts while sign-off's
#: drawing is still under way waits for it and finds the images stored, rather than drawing them a second time.
_snapshot_locks: dict[int, threading.Lock] = {}
_snapshot_locks_lock = threading.Lock()


class ChartExportError(Exception):
    """The charts could not be exported (for example no Chromium); the message says what to install."""


def _for_print(figure: go.Figure) -> go.Figure:
    # No hover in print; a white background like the page's plotly_white template.
    printed = go.Figure(figure)
    printed.update_layout(hovermode=False, paper_bgcolor="white")
    return printed


def _engine(tabs: int):
    """Kaleido's browser with ``tabs`` tabs, set up for many images in a row.

    Two departures from its defaults, each measured on the 396 charts of a 200-metric report: no MathJax
    (the charts have no formulae, and kaleido would fetch it from a public CDN on every page load: 80 charts
    took 32 s with it, 21 s without), and a tab goes back to the queue as it is, not reloaded (a reload parses
    plotly.js again for each image, while kaleido's own script purges the plot after each one: 21 s -> 11 s).
    The second overrides a private method; ``tests/test_chart_images_kept.py`` fails if kaleido renames it."""
    import kaleido

    class _ReusedTabs(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab) -> None:  # noqa: ANN001 (kaleido's own tab type)
            await self.tabs_ready.put(tab)

    return _ReusedTabs(n=tabs, mathjax=False)


async def _export(figures: Sequence[go.Figure], tick: Callable[[int], None]) -> list[bytes]:
    opts = {"format": FORMAT, "width": WIDTH, "height": HEIGHT, "scale": SCALE}
    async with _engine(min(TABS, len(figures))) as engine:
        async def one(figure: go.Figure) -> bytes:
            image = await engine.calc_fig(_for_print(figure), opts=opts)
            tick(1)
            return image

        return list(await asyncio.gather(*(one(f) for f in figures)))


def _digest(figure: go.Figure) -> str:
    return hashlib.sha256(f"{WIDTH}x{HEIGHT}@{SCALE}.{FORMAT}:{figure.to_json()}".encode()).hexdigest()


def mime_type(image: bytes) -> str:
    """The media type of an image from its first bytes (the renderers embed what they are given)."""
    return "image/jpeg" if image[:3] == b"\xff\xd8\xff" else "image/png"


def images(figures: Sequence[go.Figure]) -> list[bytes]:
    """Image bytes (:data:`FORMAT`) for each figure, in order: those drawn before from memory, then (inside
    :func:`stored_with`) from the snapshot's stored charts, the rest from one browser session (and stored)."""
    where = _stored_with.get()
    if where is None:
        return _images(figures, None)
    with _lock_for(where[1]):
        return _images(figures, where)


@contextmanager
def stored_with(store: Store, snapshot_id: int) -> Iterator[None]:
    """Within the block, :func:`images` reuses the snapshot's stored chart images and stores what it draws."""
    token = _stored_with.set((store, snapshot_id))
    try:
        yield
    finally:
        _stored_with.reset(token)


def _lock_for(snapshot_id: int) -> threading.Lock:
    with _snapshot_locks_lock:
        return _snapshot_locks.setdefault(snapshot_id, threading.Lock())


def _images(figures: Sequence[go.Figure], where: tuple[Store, int] | None) -> list[bytes]:
    digests = [_digest(f) for f in figures]
    with _kept_lock:
        known = {d: _kept[d] for d in digests if d in _kept}
    missing = list(dict.fromkeys(d for d in digests if d not in known))
    if missing and where is not None:
        known.update(charts.stored(where[0], where[1], missing))
        missing = [d for d in missing if d not in known]
    if missing:
        first = {d: f for d, f in zip(digests, figures)}
        drawn = dict(zip(missing, _draw([first[d] for d in missing])))
        if where is not None:
            charts.keep(where[0], where[1], drawn)
        known.update(drawn)
    with _kept_lock:
        for digest in dict.fromkeys(digests):
            _kept[digest] = known[digest]
            _kept.move_to_end(digest)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return [known[d] for d in digests]


def _draw(figures: Sequence[go.Figure]) -> list[bytes]:
    """Image bytes for each figure, in order, from one browser session."""
    try:
        # In a thread of its own: the caller's thread may already run an event loop (Playwright's sync API
        # does, and so may a server), and asyncio.run cannot start inside one.
        with progress.stage("drawing report charts", len(figures)) as tick, ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(lambda: asyncio.run(_export(figures, tick))).result()
    except ImportError as exc:
        raise ChartExportError("report charts need kaleido: pip install 'kaleido>=1.5'") from exc
    except Exception as exc:  # kaleido raises its own and choreographer's errors when no browser starts
        if type(exc).__module__.split(".")[0] in ("kaleido", "choreographer"):
            raise ChartExportError(f"report charts need Chromium or Chrome for kaleido (set BROWSER_PATH to it): "
                                   f"{exc}") from exc
        raise
