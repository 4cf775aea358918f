"""Exports are made from the stored snapshot and hold what `outcomes evaluate` gives."""

from __future__ import annotations

import csv
import re
import subprocess
import time
from pathlib import Path

import pytest

import snapshots
from datasources.store import Store
from metrics.formatting import format_value
from reports.export import ExportError, export

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def exported(service, tmp_path_factory):
    """One snapshot of Warwickshire (with an earlier one to compare), exported once in every format."""
    root = tmp_path_factory.mktemp("exports")
    db = Store(f"sqlite:///{root / 'outcomes.db'}")
    snapshots.create(service, db, "warwickshire", "2024-03", "tester")
    started = time.perf_counter()
    snap = snapshots.create(service, db, "warwickshire", "2025-03", "tester")
    TIMINGS["create"] = time.perf_counter() - started
    previous = snapshots.previous(db, snap)
    files = {}
    for fmt in ("xlsx", "csv", "docx", "pdf"):
        started = time.perf_counter()
        files[fmt] = export(snap, fmt, root / "out", previous)
        TIMINGS[fmt] = time.perf_counter() - started
    print("timings (s):", {k: round(v, 2) for k, v in TIMINGS.items()})
    yield snap, files, root


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_pdf_holds_framework_metric_titles_and_values(exported, service):
    from pypdf import PdfReader

    snap, files, _ = exported
    reader = PdfReader(str(files["pdf"][0]))
    text = _norm(" ".join(page.extract_text() for page in reader.pages))
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
    assert len(reader.pages) >= 4
    assert reader.outline, "headings become PDF bookmarks"


def test_pdf_first_page_renders(exported):
    _, files, root = exported
    target = root / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(files["pdf"][0]), str(target)],
                   check=True, timeout=60)
    pngs = list(root.glob("page*.png"))
    assert pngs and pngs[0].stat().st_size > 1000


def test_xlsx_has_three_sheets_with_frozen_headers(exported):
    import openpyxl

    snap, files, _ = exported
    wb = openpyxl.load_workbook(files["xlsx"][0])
    assert wb.sheetnames == ["Summary", "Series", "Definitions"]
    summary = wb["Summary"]
    assert summary.freeze_panes == "A2"
    assert not summary.merged_cells.ranges
    header = [c.value for c in summary[1]]
    rows = list(summary.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(snap.evaluations)
    status = header.index("Status")
    assert {r[status] for r in rows} <= {"Achieved", "On track", "At risk", "Off track", "Not started", "No data"}
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


def test_csv_tidy_tables_and_dictionary(exported):
    snap, files, _ = exported
    by_name = {re.sub(r"^.*-v\d+-", "", p.name): p for p in files["csv"]}
    assert set(by_name) == {"evaluations.csv", "series.csv", "data-dictionary.csv"}
    with by_name["evaluations.csv"].open() as handle:
        evaluations = list(csv.DictReader(handle))
    assert [r["metric_id"] for r in evaluations] == [e["metric_id"] for e in snap.evaluations]
    with by_name["data-dictionary.csv"].open() as handle:
        dictionary = list(csv.DictReader(handle))
    described = {(r["file"], r["column"]) for r in dictionary}
    for name in ("evaluations.csv", "series.csv"):
        with by_name[name].open() as handle:
            columns = next(csv.reader(handle))
        assert {(by_name[name].name, c) for c in columns} <= described


def test_exports_come_from_the_snapshot_not_live_data(exported, service):
    """Change nothing live, but prove the renderer reads only the record: a snapshot
    loaded again renders the same evaluation rows."""
    snap, files, root = exported
    again = snapshots.load(Store(f"sqlite:///{root / 'outcomes.db'}"), snap.id)
    again_files = export(again, "csv", root / "again")
    assert again_files[0].read_text() == files["csv"][0].read_text()


def test_unknown_format(exported):
    snap, _, root = exported
    with pytest.raises(ExportError, match="unknown format"):
        export(snap, "rtf", root)
