"""One report model, four renderers (issue 21): the registry of formats, the report assembled once for the PDF
and the Word report, the workbook's and the CSV's columns chosen by name, and the Word report still on A4."""

from __future__ import annotations

import csv
import struct
import zipfile
import zlib

import pytest

import snapshots
from reports import columns, content, export_cache, formats, model, xlsx
from reports.export import export
from tests.pdf_as_html import pdf_as_html


def _png_pixel() -> bytes:
    """A valid one-pixel PNG (Word's reader parses every chunk)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff\xff")) + chunk(b"IEND", b""))


@pytest.fixture
def lewisham(service, temp_store, monkeypatch, tmp_path):
    """A snapshot, its charts drawn as one pixel each (these tests read structure, not pictures), and no report
    kept from another test."""
    from reports import chart_images

    monkeypatch.setenv(export_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(chart_images, "images", lambda figures: [_png_pixel()] * len(figures))
    monkeypatch.setattr(model, "_kept", type(model._kept)())
    snap = snapshots.create(service, temp_store, "lewisham", "2025-03", "tester")
    return temp_store, snap


def test_the_registry_has_exactly_the_four_formats_and_each_renders(lewisham, tmp_path) -> None:
    store, snap = lewisham
    assert set(formats.FORMATS) == {"pdf", "docx", "xlsx", "csv"}
    assert {f.name for f in formats.FORMATS.values() if f.scoped} == {"pdf", "docx"}
    comparison = snapshots.comparison_of(store, snap)
    for name, chosen in formats.FORMATS.items():
        # A document as the committee paper: laying out Lewisham's full 65-page PDF took 4 s of CPU to check the
        # file is there and starts as a PDF (full reports are read in tests/test_exports.py).
        paths = export(snap, name, tmp_path / name, comparison, "exceptions" if chosen.scoped else "full")
        assert paths and all(p.suffix == f".{chosen.suffix}" and p.stat().st_size for p in paths), name
        assert not list((tmp_path / name).glob(".*partial")), "no half-written file left"
    assert (tmp_path / "pdf").glob("*.pdf") and next((tmp_path / "pdf").glob("*.pdf")).read_bytes()[:5] == b"%PDF-"
    with pytest.raises(formats.ExportError, match="use one of pdf, docx, xlsx, csv"):
        export(snap, "rtf", tmp_path, comparison)
    with pytest.raises(formats.ExportError, match="always holds every metric"):
        export(snap, "xlsx", tmp_path, comparison, scope="exceptions")


def test_the_report_is_built_once_for_the_pdf_and_the_word_report(lewisham, monkeypatch, tmp_path) -> None:
    store, snap = lewisham
    comparison = snapshots.comparison_of(store, snap)
    built = []
    real = content.build

    def counted(*args, **kwargs):
        built.append(args[2] if len(args) > 2 else kwargs.get("scope", "full"))
        return real(*args, **kwargs)

    monkeypatch.setattr(content, "build", counted)
    # The PDFs keep the HTML WeasyPrint would lay out (tests/pdf_as_html.py): the report is built for that HTML,
    # and the layout (4 s of CPU for Lewisham's full report) builds nothing. The test above makes a real PDF.
    with pdf_as_html():
        for fmt in ("pdf", "docx", "xlsx", "csv"):  # as the benchmark and the monthly delivery export them
            export_cache.cached_export(store, snap, comparison, fmt)
        assert built == ["full"]
        # A snapshot read again from the store (as each download reads it) is the same report.
        export(snapshots.load(store, snap.id), "docx", tmp_path, snapshots.comparison_of(store, snap))
        assert built == ["full"]
        export(snap, "pdf", tmp_path, comparison, scope="exceptions")
        export(snap, "docx", tmp_path, comparison, scope="exceptions")
    assert built == ["full", "exceptions"]


def test_workbook_columns_follow_their_names_wherever_they_stand(lewisham, monkeypatch, tmp_path) -> None:
    from openpyxl import load_workbook

    _, snap = lewisham
    reordered = ("status_word", "value", "metric_id", "synthetic", "title")
    monkeypatch.setattr(xlsx, "WORKBOOK_SUMMARY", reordered)
    [path] = export(snap, "xlsx", tmp_path, snapshots.stored_comparison(snap))
    sheet = load_workbook(path)["Summary"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert list(header) == [columns.EVALUATION[name].heading for name in reordered]
    by_metric = {row[2]: row for row in rows}
    for e in snap.evaluations:
        row = by_metric[e["metric_id"]]
        # openpyxl writes a float to 15 significant figures
        assert row[1] == (None if e["value"] is None else pytest.approx(e["value"], rel=1e-12, abs=0))
        assert row[4] == e["title"]
        assert row[3] == ("Yes" if snap.synthetic(e) else "No")
    # The value column keeps the metric's number format, and the status its colours, in their new places.
    assert sheet.cell(row=2, column=2).number_format.startswith("#,##0")
    assert [str(r.sqref) for r in sheet.conditional_formatting] == [f"A2:A{len(rows) + 1}"]


def test_the_csv_and_the_workbook_say_the_same_from_one_column_list(lewisham, tmp_path) -> None:
    from openpyxl import load_workbook

    _, snap = lewisham
    comparison = snapshots.stored_comparison(snap)
    files = {p.name.rsplit("-", 1)[-1]: p for p in export(snap, "csv", tmp_path / "csv", comparison)}
    with files["evaluations.csv"].open() as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == list(columns.CSV_EVALUATIONS)
        from_csv = {r["metric_id"]: r for r in reader}
    [book] = export(snap, "xlsx", tmp_path / "xlsx", comparison)
    header, *rows = list(load_workbook(book)["Summary"].iter_rows(values_only=True))
    for row in rows:
        cells = dict(zip(header, row))
        written = from_csv[cells["Metric id"]]
        for name in set(columns.WORKBOOK_SUMMARY) & set(columns.CSV_EVALUATIONS):
            heading, value = columns.EVALUATION[name].heading, written[name]
            expected = {"true": "Yes", "false": "No"}.get(value, value)
            got = cells[heading]
            if isinstance(got, (int, float)):  # openpyxl writes a float to 15 significant figures, 70.0 as 70
                assert got == pytest.approx(float(expected), rel=1e-12, abs=0), (name, got, value)
            else:
                assert ("" if got is None else str(got)) == expected, (name, got, value)


def test_a_column_that_does_not_exist_is_named(lewisham) -> None:
    with pytest.raises(KeyError, match="no column called colour"):
        columns.chosen(columns.EVALUATION, ("metric_id", "colour"))


def test_the_word_report_is_a4_with_its_pictures_and_alt_text(lewisham, tmp_path) -> None:
    import docx

    store, snap = lewisham
    [path] = export(snap, "docx", tmp_path, snapshots.comparison_of(store, snap))
    document = docx.Document(str(path))
    for section in document.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # stored in twips
    shapes = document.inline_shapes
    charts = [b for b in model.report_for(snap, snapshots.comparison_of(store, snap)).blocks
              if isinstance(b, content.Chart)]
    assert len(shapes) == len(charts) > 0
    assert [s._inline.docPr.get("descr") for s in shapes] == [c.alt for c in charts]
    ids = [s._inline.docPr.get("id") for s in shapes]
    assert len(set(ids)) == len(ids), "every picture has an id of its own"
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Caption", "List Bullet"} <= styles
    assert all(t.style.name == "Table Grid" for t in document.tables)
    # The pictures are compressed already: stored as they are, the rest of the package deflated.
    members = zipfile.ZipFile(path).infolist()
    assert {m.compress_type for m in members if m.filename.startswith("word/media/")} == {zipfile.ZIP_STORED}
    assert {m.compress_type for m in members if m.filename == "word/document.xml"} == {zipfile.ZIP_DEFLATED}


def test_every_download_offered_and_delivered_is_a_registered_format_and_scope() -> None:
    """The pages sit below the reports and cannot read the registry: their links are checked against it here."""
    from cycle.delivery import _PLAN
    from dashboard.export_links import EXPORTS

    offered = {(fmt, scope) for fmt, scope, _label in EXPORTS}
    for fmt, scope in offered | set(_PLAN.values()):
        formats.get(fmt, scope)
    assert {fmt for fmt, _scope in offered} == set(formats.FORMATS)
