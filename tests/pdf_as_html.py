"""PDF exports that keep the HTML they would give WeasyPrint, for tests about what happens before the layout.

``reports.pdf`` builds the report's HTML from the report model (the blocks, and the chart images, asked for
there) and gives it to WeasyPrint, whose layout of a report is seconds of CPU (some 4 s for Lewisham's 65 pages,
14 s for Warwickshire's 170). A test that counts what the report model builds or which charts are drawn reads
nothing of that layout: within :func:`pdf_as_html` the "PDF" file holds the HTML. Tests that read a PDF's words,
pages and tags use WeasyPrint itself (tests/test_exports.py, tests/test_report_insights.py and others)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest


class _HtmlKept:
    """In place of ``weasyprint.HTML``: ``write_pdf`` writes the HTML given."""

    def __init__(self, string: str, base_url: str | None = None) -> None:
        self.string = string

    def write_pdf(self, target: str, **options: object) -> None:
        Path(target).write_text(self.string, encoding="utf-8")


@contextmanager
def pdf_as_html() -> Iterator[None]:
    """Within the block, a PDF export writes the HTML WeasyPrint would lay out."""
    import weasyprint

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(weasyprint, "HTML", _HtmlKept)
        yield
