"""The report's charts as JPEG images, exported through plotly's own engine (kaleido, headless Chromium).

The figures are the page's (:mod:`dashboard.figures`), so a chart in a report looks like the chart on the
page. Starting the browser costs seconds and each image a fraction of one, so a report's charts are exported
together in one browser session, two tabs at a time (the machines have two cores), each tab reused without a
reload (see :func:`_engine`). Kaleido finds Chromium itself; ``BROWSER_PATH`` names another. The PDF and the
Word report of a snapshot draw the same charts, so each image is kept (by its figure's content, the last
:data:`KEPT` of them) and the second report draws none.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

import plotly.graph_objects as go

from datasources import progress

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
    """Image bytes (:data:`FORMAT`) for each figure, in order: those drawn before from memory, the rest from
    one browser session."""
    digests = [_digest(f) for f in figures]
    with _kept_lock:
        known = {d: _kept[d] for d in digests if d in _kept}
    missing = list(dict.fromkeys(d for d in digests if d not in known))
    if missing:
        first = {d: f for d, f in zip(digests, figures)}
        drawn = dict(zip(missing, _draw([first[d] for d in missing])))
        with _kept_lock:
            for digest, image in drawn.items():
                _kept[digest] = image
                _kept.move_to_end(digest)
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
        known.update(drawn)
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
