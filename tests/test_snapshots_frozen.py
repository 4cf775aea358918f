"""A snapshot is frozen whole: re-exported after newer snapshots exist, it gives the same text.

"What changed since the previous snapshot" was worked out at export time, so a report of March
2025 compared with March 2024's version 1 said "version 2" once a second version of March 2024
was made. Now the comparison is stored when the snapshot is made (``snapshots.comparison``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text, update

import snapshots
from metrics.evaluation.status import Status
from datasources.store import Store, snapshots as snapshots_table
from reports import pdf
from reports.export import export
from tests.report_charts import blank_charts, charts_without_figures

FW = "lewisham"  # small enough to render every format twice
CHANGING = "warwickshire"  # statuses move between March 2024 and March 2025


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(paragraphs + cells)


def _xlsx_cells(path: Path) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book.worksheets}


def _texts(snapshot: snapshots.Snapshot, folder: Path, read_pdf: bool = True) -> dict[str, object]:
    """Everything a reader sees in each export of the snapshot, rendered afresh (no cache). For the PDF, the
    HTML the report code gives WeasyPrint (its only input) and, when ``read_pdf``, the words read back from
    the PDF made of it: a later reading compares the HTML rather than have WeasyPrint lay out the same again."""
    loaded = snapshots.load(snapshot_store(folder), snapshot.id)  # read back from the store, as a later export is
    comparison = snapshots.comparison_of(snapshot_store(folder), loaded)
    out = folder / f"out-{len(list(folder.glob('out-*')))}"
    [docx] = export(loaded, "docx", out, comparison)
    [xlsx] = export(loaded, "xlsx", out, comparison)
    csvs = export(loaded, "csv", out, comparison)
    texts = {"pdf html": pdf.html(loaded, comparison), "docx": _docx_text(docx), "xlsx": _xlsx_cells(xlsx),
             "csv": {p.name: p.read_bytes() for p in csvs}}
    if read_pdf:
        [made] = export(loaded, "pdf", out, comparison)
        texts["pdf"] = _pdf_text(made)
    return texts


_stores: dict[Path, Store] = {}


def snapshot_store(folder: Path) -> Store:
    if folder not in _stores:
        _stores[folder] = Store(f"sqlite:///{folder / 'outcomes.db'}")
    return _stores[folder]


@pytest.fixture(autouse=True)
def charts_as_blank_images():
    """The reports' charts as blank images of their shape (``tests/report_charts.py``): these tests compare words
    and cells (the images in the HTML compared were the very images kept from the first drawing, so equal either
    way), and Chromium drew Lewisham's charts for nothing. Nor are their Plotly figures built: a blank image
    reads nothing of them, and a chart's alt text and caption are written from the snapshot all the same
    (a snapshot made before content hashes, as the second test's is, has its report built again for each
    export)."""
    with blank_charts(), charts_without_figures():
        yield


@pytest.fixture
def folder(tmp_path):
    yield tmp_path
    store = _stores.pop(tmp_path, None)
    if store is not None:
        store.dispose()


def test_an_old_snapshot_re_exported_after_newer_versions_is_the_same_text(service, folder) -> None:
    store = snapshot_store(folder)
    snapshots.create(service, store, FW, "2024-03", "tester")                 # March 2024, version 1
    march_2025 = snapshots.create(service, store, FW, "2025-03", "tester")    # compared with it
    before = _texts(march_2025, folder)
    assert "Compared with the previous snapshot (March 2024, version 1" in " ".join(before["pdf"].split())
    # Newer snapshots: a second version of March 2024 (once "the previous snapshot" of March 2025)
    # and a second version of March 2025.
    assert snapshots.create(service, store, FW, "2024-03", "tester").version == 2
    newer = snapshots.create(service, store, FW, "2025-03", "tester")
    after = _texts(march_2025, folder, read_pdf=False)
    for fmt in ("pdf html", "docx", "xlsx", "csv"):
        assert after[fmt] == before[fmt], fmt
    # The newest compares with the version before it, as stored when it was made.
    stored = snapshots.stored_comparison(snapshots.load(store, newer.id))
    assert stored.previous.id == march_2025.id and stored.previous.version == 1 and stored.recorded


def test_a_snapshot_made_before_comparisons_were_stored_says_so_and_stays_the_same(service, folder) -> None:
    store = snapshot_store(folder)
    first = snapshots.create(service, store, FW, "2024-03", "tester")
    old = snapshots.create(service, store, FW, "2025-03", "tester")
    payload = dict(old.record.payload)
    payload.pop("comparison")  # as a snapshot made before this change was stored (and before content hashes)
    with store.engine.begin() as conn:
        # The store refuses to change a snapshot: the guard is lifted to make one as old snapshots were.
        conn.execute(text("DROP TRIGGER snapshots_no_update"))
        conn.execute(update(snapshots_table).where(snapshots_table.c.id == old.id)
                     .values(payload=json.dumps(payload, sort_keys=True), content_hash=None))
    legacy = snapshots.load(store, old.id)
    assert snapshots.stored_comparison(legacy) is None
    before = _texts(legacy, folder)
    words = " ".join(before["pdf"].split())
    assert "worked out from the snapshots that existed when this one was made" in words
    assert "(March 2024, version 1" in words
    snapshots.create(service, store, FW, "2024-03", "tester")  # made after it: never its previous
    assert snapshots.comparison_of(store, legacy).previous.id == first.id
    after = _texts(legacy, folder, read_pdf=False)
    assert after["pdf html"] == before["pdf html"] and after["docx"] == before["docx"]


def test_the_committee_variant_takes_status_changes_from_the_stored_comparison(service, folder) -> None:
    store = snapshot_store(folder)
    snapshots.create(service, store, CHANGING, "2024-03", "tester")
    snap = snapshots.create(service, store, CHANGING, "2025-03", "tester")
    comparison = snapshots.stored_comparison(snap)
    changed = [c for c in comparison.changes if c.status_changed and c.status_before
               and Status(c.status_before).judged and Status(c.status_after).judged]
    assert changed, "some status moved between March 2024 and March 2025"
    assert comparison.status_before[changed[0].metric_id] == changed[0].status_before
    from reports import content

    blocks = content.build(snap, scope="exceptions")
    text = " ".join(b.text for b in blocks if isinstance(b, content.Paragraph))
    text += " ".join(" ".join(row) for b in blocks if isinstance(b, content.Table) for row in b.rows)
    # a status worse than before is an exception ("Worse than at ..."), a better one an improvement ("Better than at
    # ..."): either way read from the stored comparison, naming both statuses
    before, after = Status(changed[0].status_before).words, Status(changed[0].status_after).words
    assert f"than at the previous snapshot: {before} then, {after} now" in text


def test_previous_is_among_the_snapshots_that_existed_when_it_was_made(service, folder) -> None:
    store = snapshot_store(folder)
    later = snapshots.create(service, store, FW, "2025-03", "tester")
    earlier = snapshots.create(service, store, FW, "2024-03", "tester")  # made after, for an earlier period
    assert snapshots.previous(store, snapshots.load(store, later.id)) is None
    assert snapshots.stored_comparison(later).previous is None
    assert snapshots.previous(store, earlier) is None
