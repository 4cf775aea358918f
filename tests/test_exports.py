"""Exports are made from the stored snapshot and hold what `outcomes evaluate` gives."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import snapshots
from datasources.store import Store
from metrics.evaluation.status import Status
from metrics.formatting import format_value
from reports.export import ExportError, export
from tests.pdf_text import pdf_words
from tests.report_charts import blank_charts, charts_without_figures

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def exported(service, tmp_path_factory):
    """One snapshot of Warwickshire (with an earlier one to compare), exported once in every format.

    Its charts are blank images of their shape (``tests/report_charts.py``): these tests read the files' words,
    tables, pages and pictures' alt text, never a chart's pixels, and drawing Warwickshire's ninety charts took
    some 15 s of Chromium's CPU. Nor are the charts' Plotly figures built, which a blank image never reads (some
    4 s): the alt text and captions are written from the snapshot all the same. Charts drawn by kaleido are
    checked in the PDF and Word reports of tests/test_report_insights.py (Cornwall's, made with real charts) and
    in tests/test_chart_images_kept.py."""
    root = tmp_path_factory.mktemp("exports")
    db = Store(f"sqlite:///{root / 'outcomes.db'}")
    snapshots.create(service, db, "warwickshire", "2024-03", "tester")
    started = time.perf_counter()
    snap = snapshots.create(service, db, "warwickshire", "2025-03", "tester")
    TIMINGS["create"] = time.perf_counter() - started
    files = {}
    with blank_charts(), charts_without_figures():
        for fmt in ("xlsx", "csv", "docx", "pdf"):
            started = time.perf_counter()
            files[fmt] = export(snap, fmt, root / "out")
            TIMINGS[fmt] = time.perf_counter() - started
    print("timings (s):", {k: round(v, 2) for k, v in TIMINGS.items()})
    yield snap, files, root


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pdf_read(exported):
    """The PDF's words (whitespace made single spaces), its page count and whether it has bookmarks: read once
    for the tests below. The words by poppler (``tests/pdf_text.py``: pypdf took ten seconds of CPU over the 170
    pages), the pages and bookmarks by pypdf, which reads them without extracting any text."""
    from pypdf import PdfReader

    _, files, _ = exported
    reader = PdfReader(str(files["pdf"][0]))
    return pdf_words(files["pdf"][0]), len(reader.pages), bool(reader.outline)


def test_pdf_holds_framework_metric_titles_and_values(exported, pdf_read, service):
    snap, _, _ = exported
    text, pages, bookmarks = pdf_read
    live = service.evaluate_framework("warwickshire", "2025-03").to_contract()  # what `outcomes evaluate` gives
    assert _norm(service.framework("warwickshire").title) in text
    for item in live["metrics"]:
        metric = service.metric(item["metric_id"])
        assert _norm(item["title"]) in text, item["title"]
        assert _norm(format_value(item["value"], metric)) in text, (item["metric_id"], item["value"])
    for heading in ("Executive summary", "Appendix A: methods and definitions",
                    "Appendix B: data sources and licences", "Appendix C: suppression of small numbers"):
        assert heading in text
    assert f"version {snap.version}" in text
    assert pages >= 4
    assert bookmarks, "headings become PDF bookmarks"


def _grey_page(pdf: Path, page: int, target: Path, dpi: int = 50) -> tuple[int, int, bytes]:
    """One page drawn by poppler as 8-bit grey pixels: (width, height, pixels)."""
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(target)], check=True, timeout=60)
    data = target.with_suffix(".pgm").read_bytes()
    magic, width, height, depth, pixels = data.split(maxsplit=4)
    assert (magic, depth) == (b"P5", b"255")
    return int(width), int(height), pixels[:int(width) * int(height)]


def test_pdf_first_page_is_the_cover_drawn_on_a4(exported, service):
    """What a person checks on the first page: it is A4, something is drawn on it (ink, not a blank or a
    black page), and it is the cover: the framework, the council, the period and version, who made it."""
    snap, files, root = exported
    pdf = files["pdf"][0]
    width, height, pixels = _grey_page(pdf, 1, root / "cover")
    assert abs(width - 595 / 72 * 50) <= 1 and abs(height - 842 / 72 * 50) <= 1, (width, height)  # A4 at 50 dpi
    ink = sum(1 for p in pixels if p < 128) / len(pixels)
    assert 0.005 < ink < 0.1, f"{ink:.2%} of the cover is ink"  # 2.3% when written
    cover = _norm(subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                                 text=True, check=True, timeout=60).stdout)
    framework = service.framework("warwickshire")
    for words in (framework.title, framework.organisation,
                  f"Progress report for {snap.period_label}, version {snap.version}",
                  "Prepared by tester", f"Snapshot id {snap.id}", snap.record.definitions_hash):
        assert _norm(words) in cover, words
    assert "Executive summary" not in cover, "the cover is a page of its own"


def test_xlsx_has_three_sheets_with_frozen_headers(exported):
    import openpyxl

    snap, files, _ = exported
    wb = openpyxl.load_workbook(files["xlsx"][0])
    assert wb.sheetnames == ["Summary", "Series", "Definitions", "Commentary", "Actions", "Milestone updates",
                             "Officer summary"]  # then what people wrote (none in this snapshot but the plan)
    summary = wb["Summary"]
    assert summary.freeze_panes == "A2"
    assert not summary.merged_cells.ranges
    header = [c.value for c in summary[1]]
    rows = list(summary.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(snap.evaluations)
    status = header.index("Status")
    assert {r[status] for r in rows} <= {s.words for s in Status}
    assert summary.conditional_formatting
    value_cell = summary.cell(row=2, column=header.index("Value") + 1)
    assert isinstance(value_cell.value, float) and value_cell.number_format.startswith("#,##0")
    assert wb["Series"].max_row - 1 == sum(len(snap.series(e["metric_id"])) for e in snap.evaluations)
    definitions = [c.value for c in wb["Definitions"][1]]
    assert {"Definition", "Method", "Source", "Licence"} <= set(definitions)


def test_docx_has_a_heading_per_intention(exported, service):
    import docx

    _, files, _ = exported
    document = docx.Document(str(files["docx"][0]))
    headings = [_norm(p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    for intention in service.framework("warwickshire").intentions:
        assert _norm(intention.title) in headings
    assert document.inline_shapes, "charts are pictures"
    for shape in document.inline_shapes:
        assert shape._inline.docPr.get("descr"), "every chart has alt text"
    assert len(document.tables) >= 5


def test_docx_language_is_british_english(exported):
    """Word reads the language from the default run properties and the core properties (the PDF
    is en-GB too); python-docx's own template says en-US."""
    import zipfile

    _, files, _ = exported
    with zipfile.ZipFile(files["docx"][0]) as docx_zip:
        styles = docx_zip.read("word/styles.xml").decode()
        core = docx_zip.read("docProps/core.xml").decode()
    languages = set(re.findall(r'<w:lang [^>]*w:val="([^"]+)"', styles))
    assert languages == {"en-GB"}
    defaults = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", styles, re.S).group(0)
    assert 'w:val="en-GB"' in defaults
    assert "<dc:language>en-GB</dc:language>" in core


def test_csv_tidy_tables_and_dictionary(exported):
    snap, files, _ = exported
    by_name = {re.sub(r"^.*-v\d+-", "", p.name): p for p in files["csv"]}
    assert set(by_name) == {"evaluations.csv", "series.csv", "data-dictionary.csv", "commentary.csv", "actions.csv",
                            "milestone-updates.csv", "officer-summary.csv"}
    with by_name["evaluations.csv"].open() as handle:
        evaluations = list(csv.DictReader(handle))
    assert [r["metric_id"] for r in evaluations] == [e["metric_id"] for e in snap.evaluations]
    with by_name["data-dictionary.csv"].open() as handle:
        dictionary = list(csv.DictReader(handle))
    described = {(r["file"], r["column"]) for r in dictionary}
    for name in set(by_name) - {"data-dictionary.csv"}:
        with by_name[name].open() as handle:
            columns = next(csv.reader(handle))
        assert {(by_name[name].name, c) for c in columns} <= described


def test_exports_come_from_the_snapshot_not_live_data(live_copy, tmp_path):
    """Live data change after the snapshot (half of January 2024's admissions withdrawn): the
    live figure moves, but the snapshot, loaded again, exports exactly what it exported before."""
    db = Store(f"sqlite:///{tmp_path / 'outcomes.db'}")
    snap = snapshots.create(live_copy.new_service(), db, "warwickshire", "2025-03", "tester")
    before = {fmt: [p.read_bytes() for p in export(snap, fmt, tmp_path / "before")] for fmt in ("csv", "xlsx")}
    live_copy.withdraw_half_of_month("hospital_admissions", "admission_date", "2024-01")

    def january(series):
        return next(p["value"] for p in series if p["period"] == "2024-01")

    live_after = live_copy.new_service().series("falls_admissions_65plus").to_dict("records")
    assert january(live_after) < 0.75 * january(snap.series("falls_admissions_65plus")), "live data changed"
    again = snapshots.load(db, snap.id)
    for fmt in ("csv", "xlsx"):
        after = [p.read_bytes() for p in export(again, fmt, tmp_path / "after")]
        if fmt == "xlsx":  # a workbook zips its parts with the time of writing: compare the cells
            assert _cells(tmp_path / "before", fmt) == _cells(tmp_path / "after", fmt)
        else:
            assert after == before[fmt]
    db.dispose()


def _cells(folder: Path, fmt: str) -> dict[str, list[tuple]]:
    import openpyxl

    book = openpyxl.load_workbook(next(folder.glob(f"*.{fmt}")))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


# ------------------------------------------------------------ small numbers are never exported
#: Warwickshire's Winterbourne repatriations: every quarter counts fewer than 5 people.
SMALL = "warks_winterbourne_repatriations"


@pytest.fixture(scope="module")
def small_counts(service):
    """The live, unsuppressed figures of SMALL (label -> value as the reports would print it)."""
    metric = service.metric(SMALL)
    live = service.series(SMALL)
    assert len(live) and (live["numerator"] < metric.suppress_below).all(), "the sample still has small counts"
    return {row["label"]: format_value(row["value"], metric, with_unit=False) for row in live.to_dict("records")}


def _shown_elsewhere(snap, label: str, text: str) -> bool:
    """Does another metric of the snapshot legitimately print ``text`` for period ``label``?"""
    for e in snap.evaluations:
        if e["metric_id"] != SMALL:
            metric = snap.metric(e["metric_id"])
            if any(p["label"] == label and p["value"] is not None
                   and format_value(p["value"], metric, with_unit=False) == text for p in snap.series(metric.id)):
                return True
    return False


def test_csv_hides_small_counts(exported, small_counts):
    _, files, _ = exported
    by_name = {re.sub(r"^.*-v\d+-", "", p.name): p for p in files["csv"]}
    with by_name["evaluations.csv"].open() as handle:
        row = next(r for r in csv.DictReader(handle) if r["metric_id"] == SMALL)
    assert (row["value"], row["numerator"], row["ci_lower"], row["suppressed"]) == ("", "", "", "true")
    with by_name["series.csv"].open() as handle:
        points = [r for r in csv.DictReader(handle) if r["metric_id"] == SMALL]
    assert len(points) == len(small_counts)
    assert all((p["value"], p["numerator"], p["suppressed"]) == ("", "", "true") for p in points)


def test_xlsx_hides_small_counts(exported, small_counts):
    import openpyxl

    _, files, _ = exported
    book = openpyxl.load_workbook(files["xlsx"][0])
    header, *rows = list(book["Summary"].iter_rows(values_only=True))
    row = dict(zip(header, next(r for r in rows if SMALL in r)))
    assert (row["Value"], row["95% CI lower"], row["Suppressed"]) == (None, None, "Yes")
    header, *rows = list(book["Series"].iter_rows(values_only=True))
    points = [dict(zip(header, r)) for r in rows if r[0] == SMALL]
    assert len(points) == len(small_counts)
    assert all((p["Value"], p["Numerator"], p["Suppressed"]) == (None, None, "Yes") for p in points)


def test_pdf_hides_small_counts(exported, pdf_read, small_counts):
    snap, _, _ = exported
    text, _, _ = pdf_read
    assert "Value suppressed (small numbers)" in text
    latest = snap.series(SMALL)[-1]["label"]
    assert f"{latest} suppressed" in text
    for label, value in small_counts.items():
        if not _shown_elsewhere(snap, label, value):
            assert not re.search(rf"{re.escape(label)} {re.escape(value)}(?![\d.,%])", text), (label, value)


def test_docx_hides_small_counts(exported, small_counts):
    import docx

    snap, files, _ = exported
    document = docx.Document(str(files["docx"][0]))
    rows = [[_norm(c.text) for c in r.cells] for t in document.tables for r in t.rows]
    assert ["Value", "suppressed (small numbers)"] in rows
    latest = snap.series(SMALL)[-1]["label"]
    assert any(r[:2] == [latest, "suppressed"] for r in rows)
    for label, value in small_counts.items():
        if not _shown_elsewhere(snap, label, value):
            assert not any(r[:2] == [label, value] for r in rows), (label, value)


def test_pdf_without_weasyprint_names_the_pdf_extra(exported, monkeypatch, tmp_path):
    snap, _, _ = exported
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as on an install without the extra
    with pytest.raises(ExportError, match=re.escape("pip install 'outcomes-dashboard[pdf]'")):
        export(snap, "pdf", tmp_path)
    assert not list(tmp_path.iterdir()), "no partial file is left behind"


def test_unknown_format(exported):
    snap, _, root = exported
    with pytest.raises(ExportError, match="unknown format"):
        export(snap, "rtf", root)


def test_exports_say_which_target_elements_are_assumed(exported):
    """Issue 14: every export says "assumed" wherever an assumption is used."""
    from openpyxl import load_workbook

    snap, files, _ = exported
    by_name = {re.sub(r"^.*-v\d+-", "", p.name): p for p in files["csv"]}
    with by_name["evaluations.csv"].open() as handle:
        rows = {r["metric_id"]: r for r in csv.DictReader(handle)}
    assert rows["dementia_diagnosis_rate_65plus"]["target_assumed"] == "deadline"
    assert "67% diagnosis rates" in rows["dementia_diagnosis_rate_65plus"]["target_provenance"]
    assert rows["falls_admissions_65plus"]["target_assumed"] == "baseline; deadline; measure"
    sheet = load_workbook(files["xlsx"][0])["Summary"]
    headers = [c.value for c in sheet[1]]
    column = headers.index("Target assumed (not in the document)")
    cells = {row[1].value: row[column].value for row in sheet.iter_rows(min_row=2)}
    assert cells["dementia_diagnosis_rate_65plus"] == "deadline"
    from docx import Document

    text = " ".join(cell.text for table in Document(str(files["docx"][0])).tables for row in table.rows for cell in row.cells)
    assert "Assumed: the deadline is an assumption of ours, not the council's document." in text
