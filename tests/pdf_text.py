"""A PDF's words as the tests read them: poppler's ``pdftotext`` (Debian's poppler-utils, installed in CI).

pypdf's ``extract_text`` took about ten seconds of CPU for a report of 170 pages; pdftotext reads the same in
under half a second, in a process of its own. With ``-raw`` it gives the words in the order they are drawn, as
pypdf does (Warwickshire's full report: the same words in the same order), except text drawn off the page, which
pypdf reads and a reader cannot see. pypdf stays where a test reads a PDF's structure (tags, bookmarks)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def pdf_pages(pdf: Path | bytes, first: int | None = None, last: int | None = None) -> list[str]:
    """The text of each page (from page ``first`` to ``last``, counted from 1), its whitespace made single spaces."""
    pages = ["-f", str(first)] if first else []
    pages += ["-l", str(last)] if last else []
    source, given = (str(pdf), None) if isinstance(pdf, (str, Path)) else ("-", pdf)
    done = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", *pages, source, "-"], input=given,
                          capture_output=True, check=True, timeout=120)
    # pdftotext ends every page with a form feed.
    return [" ".join(page.split()) for page in done.stdout.decode().split("\f")[:-1]]


def pdf_words(pdf: Path | bytes, first: int | None = None, last: int | None = None) -> str:
    """The words of the PDF (or of pages ``first`` to ``last``), separated by single spaces."""
    return " ".join(pdf_pages(pdf, first, last))
