"""The PDF engine's narrow fixes (reasons in ``reports/pdf.py``)."""

from __future__ import annotations

import pytest


def test_page_references_are_built_once_per_page_count_and_stay_right() -> None:
    pydyf = pytest.importorskip("pydyf")
    from reports import pdf

    pdf._page_references_kept()
    pdf._page_references_kept()  # a second call leaves the kept property as it is
    assert getattr(pydyf.PDF.page_references.fget, "kept", False)
    document = pydyf.PDF()
    for count in range(1, 4):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
        references = document.page_references
        assert references is document.page_references  # not rebuilt on the next read
        assert references == tuple(f"{n} 0 R".encode() for n in document.pages["Kids"][::3])
        assert len(references) == count  # a new page is seen
