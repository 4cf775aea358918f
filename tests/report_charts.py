"""Report charts as blank images of the real charts' shape, for tests that read a report's words and pages
(and, for tests that compare a report's words only, charts without figures: ``charts_without_figures``).

Drawing a framework's charts starts Chromium (kaleido) and takes tens of seconds of CPU for a full report; a test
that reads only the words, pages and headings of a PDF or Word file needs none of it. The stand-in keeps the
charts' width to height (800 x 380, as 40 x 19 pixels), so a page holds what it holds with the real charts and
page counts and where a section starts are unchanged. Real chart images are made and checked in
tests/test_report_insights.py (in a PDF and a Word report) and tests/test_chart_images_kept.py."""

from __future__ import annotations

import math
import struct
import zlib
from contextlib import contextmanager
from typing import Iterator

import pytest


def blank_png(width: int, height: int) -> bytes:
    """A valid white PNG of this size (Word's reader parses every chunk)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = (b"\x00" + b"\xff" * (4 * width)) * height  # each row: filter 0, then RGBA pixels
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@contextmanager
def blank_charts() -> Iterator[None]:
    """Within the block, every report chart is a blank image of the charts' shape (none drawn, kept or stored)."""
    from reports import chart_images

    common = math.gcd(chart_images.WIDTH, chart_images.HEIGHT)
    blank = blank_png(chart_images.WIDTH // common, chart_images.HEIGHT // common)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chart_images, "images", lambda figures: [blank] * len(figures))
        yield


@contextmanager
def charts_without_figures() -> Iterator[None]:
    """Within the block, every chart of a report built (``reports.content``) holds an empty figure, for a test that
    compares a report's words: a chart's alt text and caption are still written from the snapshot's figures, but
    Plotly builds no figure (some 4 s of CPU for Warwickshire's ninety charts)."""
    import plotly.graph_objects as go

    from dashboard import progress_view
    from reports import content

    def empty(*args, **kwargs) -> go.Figure:
        return go.Figure()

    with pytest.MonkeyPatch.context() as patch:
        for module, name in ((content, "metric_trajectory_figure"), (content, "spc_figure"),
                             (content, "status_figure"), (progress_view, "progress_figure")):
            patch.setattr(module, name, empty)
        yield
