"""The report model: one format-neutral document per (snapshot, comparison, scope), assembled once and
rendered to each format from that.

:class:`Report` holds the snapshot, its comparison and scope, and builds the blocks
(:func:`reports.content.build`) and the chart images (:mod:`reports.chart_images`) the first time a renderer
asks for them. :func:`report_for` keeps the last few reports, so the PDF and the Word report of one snapshot
(a benchmark's four exports, the monthly cycle's delivery, two downloads in a row) share one assembly: building
the blocks of a 200-metric report took 7.6 s, and exporting both documents built them twice.

:class:`Renderer` is the one walk over the blocks: it keeps the page-break rule (a break is made by the next
heading), dispatches each kind of block to a method of the same name, and gives every renderer the same cover
items and table captions; a renderer (``reports.pdf``, ``reports.docx_export``) only says how each looks.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from reports import chart_images, content
from snapshots import Comparison, Snapshot

#: Reports kept by :func:`report_for`: a full and an exceptions report of the latest snapshot (each with its
#: figures; the images are shared with ``chart_images``' own memory, not copied).
KEPT = 2
_kept: "OrderedDict[tuple, Report]" = OrderedDict()
_kept_lock = threading.Lock()


class Report:
    """A snapshot's report in one scope: its blocks and chart images, each made once, when first asked for
    (the workbook and the CSV files need neither). Safe to share between threads: a second renderer asking
    while the first builds waits for it rather than building again."""

    def __init__(self, snapshot: Snapshot, comparison: Comparison | None = None, scope: str = "full") -> None:
        # comparison None: the one stored with the snapshot (``content.build`` says what to pass when there is none)
        self.snapshot, self.comparison, self.scope = snapshot, comparison, scope
        self._lock = threading.Lock()
        self._blocks: list[content.Block] | None = None
        self._images: dict[int, bytes] | None = None

    @property
    def blocks(self) -> list[content.Block]:
        with self._lock:
            if self._blocks is None:
                self._blocks = content.build(self.snapshot, self.comparison, self.scope)
            return self._blocks

    def image(self, chart: content.Chart) -> bytes:
        """The chart's image; every chart of the report is drawn in one batch the first time one is asked for."""
        blocks = self.blocks
        with self._lock:
            if self._images is None:
                charts = [b for b in blocks if isinstance(b, content.Chart)]
                self._images = dict(zip(map(id, charts), chart_images.images([c.figure for c in charts])))
            return self._images[id(chart)]


def _key(snapshot: Snapshot, comparison: Comparison | None, scope: str) -> tuple | None:
    """What a report is made from, or None when that cannot be named cheaply: the snapshot's content hash
    (made when it was stored, and still matching what is stored) names its content; the id is on the cover."""
    record = snapshot.record
    if record.content_hash is None or record.matches is not True:
        return None
    compared = "stored" if comparison is None else hashlib.sha256(json.dumps(
        [comparison.to_dict(), comparison.recorded], sort_keys=True, default=str).encode()).hexdigest()
    return record.id, record.content_hash, compared, scope


def report_for(snapshot: Snapshot, comparison: Comparison | None = None, scope: str = "full") -> Report:
    """The report of the snapshot in ``scope``, the same object for the same snapshot, comparison and scope
    while it is among the last :data:`KEPT` asked for (a snapshot made before snapshots were hashed, or whose
    content changed since, gets a report of its own each time)."""
    key = _key(snapshot, comparison, scope)
    if key is None:
        return Report(snapshot, comparison, scope)
    with _kept_lock:
        report = _kept.get(key)
        if report is None:
            report = _kept[key] = Report(snapshot, comparison, scope)
        _kept.move_to_end(key)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
        return report


# ---------------------------------------------------------------- what every document says the same way

def cover_items(cover: content.Cover) -> list[tuple[str, str]]:
    """The cover's facts, label and value, in order."""
    return [("Organisation", cover.organisation), ("Period", cover.period), ("Version", str(cover.version)),
            ("Date of snapshot", cover.date), ("Prepared by", cover.created_by),
            ("Snapshot id", str(cover.snapshot_id)), ("Definitions hash", cover.definitions_hash)]


def cover_subtitle(cover: content.Cover) -> str:
    return f"Progress report for {cover.period}, version {cover.version}"


FIGURES_CAPTION, FIGURES_HEADERS = "Figures", ("Measure", "Figure")
RECENT_HEADERS = ("Period", "Value", "95% CI")
NO_RECENT = "No published figures."


def recent_caption(block: content.Figures) -> str:
    return f"Latest {len(block.recent)} periods"


class Renderer:
    """One walk over a report's blocks. A renderer says how each kind of block looks, in a method of its own;
    a new kind of block is a new method here (which every renderer must then have), never a block silently
    left out."""

    def render_blocks(self, report: Report) -> None:
        new_page = False  # a page break is made by the heading that follows it
        for block in report.blocks:
            if isinstance(block, content.PageBreak):
                new_page = True
            elif isinstance(block, content.Cover):
                self.cover(block)
                new_page = block.full_page  # the committee variant's summary follows on the first page
            elif isinstance(block, content.Heading):
                self.heading(block, new_page)
                new_page = False
            elif isinstance(block, content.Paragraph):
                self.paragraph(block)
            elif isinstance(block, content.BulletList):
                self.bullet_list(block)
            elif isinstance(block, content.Table):
                self.table(block)
            elif isinstance(block, content.Chart):
                self.chart(block, report.image(block))
            elif isinstance(block, content.Figures):
                self.figures(block)
            else:
                raise TypeError(f"{type(self).__name__} has no case for {type(block).__name__}")

    def cover(self, block: content.Cover) -> None:
        raise NotImplementedError

    def heading(self, block: content.Heading, new_page: bool) -> None:
        raise NotImplementedError

    def paragraph(self, block: content.Paragraph) -> None:
        raise NotImplementedError

    def bullet_list(self, block: content.BulletList) -> None:
        raise NotImplementedError

    def table(self, block: content.Table) -> None:
        raise NotImplementedError

    def chart(self, block: content.Chart, image: bytes) -> None:
        raise NotImplementedError

    def figures(self, block: content.Figures) -> None:
        raise NotImplementedError
