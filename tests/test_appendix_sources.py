"""Appendix B's table of sources fits the page, and each source's web address is a link under its name, in the PDF
and in the Word report.

The bug: the table had a sixth column of web addresses, and with the long file names in the source's name it was
784 pt wide on a page whose margin ends at 550 pt (Warwickshire's full report, pages 165-169): the licence, kind and
link of every source were cut off at the page's edge. Only Appendix B is laid out here (the whole report is 170
pages for WeasyPrint), from the same blocks and by the same renderers as the report."""

from __future__ import annotations

import re
import subprocess

import pytest

import snapshots
from datasources.store import Store
from reports import content, docx_export, pdf
from reports.model import Report
from tests.pdf_text import pdf_words

#: Where the text of a page may reach: A4's width less the right margin of ``reports.pdf``'s ``@page`` (16 mm),
#: in points, and what poppler's rounding of a word's box may add.
RIGHT_EDGE = 595.276 - 16 / 25.4 * 72
ROUNDING = 0.5


class AppendixB(Report):
    """A snapshot's report holding only Appendix B (its heading, its tables and the note under them)."""

    @property
    def blocks(self) -> list[content.Block]:
        blocks = content.appendix_blocks(self.snapshot, synthetic=True)
        starts = [i for i, b in enumerate(blocks) if isinstance(b, content.Heading) and b.text.startswith("Appendix")]
        start = next(i for i in starts if blocks[i].text.startswith("Appendix B"))
        return blocks[start:min(i for i in starts if i > start)]


@pytest.fixture(scope="module")
def appendix(service, tmp_path_factory):
    """Warwickshire's March 2025 Appendix B as a PDF (tagged, as the report is written) and a Word report, with the
    rows of its table of sources."""
    from weasyprint import HTML

    root = tmp_path_factory.mktemp("appendix-b")
    store = Store(f"sqlite:///{root / 'outcomes.db'}")
    report = AppendixB(snapshots.create(service, store, "warwickshire", "2025-03", "tester"))
    table = next(b for b in report.blocks if isinstance(b, content.Table) and b.caption == "Source of each metric")
    HTML(string=pdf.report_html(report)).write_pdf(str(root / "b.pdf"), pdf_variant="pdf/ua-1")
    docx_export.render(report, root / "b.docx")
    yield root / "b.pdf", root / "b.docx", table
    store.dispose()


def _cited(table: content.Table) -> list[content.Cited]:
    cited = [cell for row in table.rows for cell in row if isinstance(cell, content.Cited)]
    assert len(cited) == len(table.rows), "every row names its source in a cell of its own kind"
    return cited


def test_the_sources_are_warwickshires_with_web_addresses(appendix) -> None:
    _, _, table = appendix
    assert table.headers == ("Metric", "Source", "Publisher", "Licence", "Kind")
    urls = {c.url for c in _cited(table)}
    statistical = "https://digital.nhs.uk/data-and-information/publications/statistical/"
    assert urls == {"", statistical + "primary-care-dementia-data",
                    statistical + "adult-social-care-outcomes-framework-ascof"}


def test_no_word_of_the_appendix_goes_past_the_right_margin(appendix) -> None:
    path, _, _ = appendix
    boxes = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True,
                           check=True, timeout=60).stdout
    words = re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', boxes)
    assert len(words) > 500, "the appendix's words are read"  # 773 when written
    beyond = [(word, float(right)) for right, word in words if float(right) > RIGHT_EDGE + ROUNDING]
    assert not beyond, f"words past the right margin at {RIGHT_EDGE:.1f} pt: {beyond[:5]}"


def test_each_source_name_and_web_address_is_read_whole(appendix) -> None:
    """A name or an address broken over lines reads whole when its lines are joined: nothing is cut off or lost."""
    path, _, table = appendix
    joined = "".join(pdf_words(path).split())
    for cited in _cited(table):
        assert "".join(cited.name.split()) in joined, cited.name
        assert cited.url in joined, cited.url


def _structure(node, found: dict[str, int]) -> dict[str, int]:
    """How many of each kind of tag a tagged PDF's structure tree holds under ``node``."""
    from pypdf.generic import ArrayObject, DictionaryObject

    node = node.get_object()
    if isinstance(node, ArrayObject):
        for kid in node:
            _structure(kid, found)
    elif isinstance(node, DictionaryObject):
        if "/S" in node:
            found[str(node["/S"])[1:]] = found.get(str(node["/S"])[1:], 0) + 1
        if "/K" in node:
            _structure(node["/K"], found)
    return found


def test_each_web_address_is_a_link_in_the_pdf_in_a_table_with_header_cells_and_a_caption(appendix) -> None:
    from pypdf import PdfReader

    path, _, table = appendix
    reader = PdfReader(str(path))
    targets = {annotation.get_object()["/A"]["/URI"] for page in reader.pages
               for annotation in page.get("/Annots", []) if annotation.get_object()["/Subtype"] == "/Link"}
    assert targets == {c.url for c in _cited(table) if c.url}
    tags = _structure(reader.trailer["/Root"]["/StructTreeRoot"], {})
    assert tags.get("Link", 0) >= len(targets), tags
    assert tags.get("Caption") == 2 and tags.get("TH", 0) >= len(table.headers) + 2, tags  # and the vintages'


def test_each_web_address_is_a_link_under_the_sources_name_in_the_word_report(appendix) -> None:
    import docx

    _, path, table = appendix
    document = docx.Document(str(path))
    sources = next(t for t in document.tables if [c.text for c in t.rows[0].cells] == list(table.headers))
    assert len(sources.rows) == len(table.rows) + 1
    for row, cited in zip(sources.rows[1:], _cited(table)):
        name, *link = row.cells[1].paragraphs
        assert name.text == cited.name
        if cited.url:
            assert [(h.address, h.text) for h in link[0].hyperlinks] == [(cited.url, cited.url)]
        else:
            assert not link
