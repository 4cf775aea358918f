"""The Typst side of the PDF engine measurement (``benchmarks/pdf_engines.py``) typesets the same report as
the product's engine, tagged for accessibility like it: PDF/UA-1, British English, the title, headings, table
headers and captions, and alt text on every chart (Typst refuses PDF/UA-1 without it)."""

from __future__ import annotations

import pytest

import snapshots
from reports import chart_images
from tests.pdf_text import pdf_words
from tests.test_chart_images_stored import _png_pixel


def test_the_typst_report_is_tagged_like_the_product_pdf(service, temp_store, tmp_path, monkeypatch) -> None:
    pytest.importorskip("typst")
    pypdf = pytest.importorskip("pypdf")
    from benchmarks import typst_report
    from tests.test_review_reports import _structure

    monkeypatch.setattr(chart_images, "images", lambda figures: [_png_pixel()] * len(figures))
    snap = snapshots.create(service, temp_store, "lewisham", "2025-03", "tester")
    path = typst_report.render(snap, tmp_path / "report.pdf", snapshots.comparison_of(temp_store, snap), "full")
    reader = pypdf.PdfReader(str(path))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB" and reader.metadata.title == snap.label and root["/MarkInfo"]["/Marked"]
    tree = _structure(root["/StructTreeRoot"], {})
    assert tree.get("H1") and tree.get("H2") and tree.get("TH") and tree.get("Table") and tree.get("Caption")
    figures = tree["Figure"]
    assert len(figures) > 3 and all(str(f.get("/Alt", "")).strip() for f in figures)
    text = pdf_words(path)  # poppler reads the words (tests/pdf_text.py); pypdf the tags above
    assert snap.evaluations[0]["report"]["display_title"].split()[0] in text
