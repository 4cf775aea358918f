"""Ingestion of published files: all or nothing, with file, sheet, row and column on any problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app
from datasources.ingest import IngestError, ingest, read_file
from metrics.definitions.loader import load_config

PROJECT = Path(__file__).resolve().parent.parent
WORKBOOK = PROJECT / "sample_data" / "real" / "nhs_pcdd_workbooks" / "pcdd-summary-January-2024.xlsx"
ASCOF = PROJECT / "sample_data" / "real" / "ascof_care_home_admissions_per100k_2017-18_to_2023-24.csv"


@pytest.fixture(scope="module")
def specs():
    return {s.id: s for s in load_config(PROJECT / "config").ingest}


def _db(tmp_path: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{tmp_path / 'target.db'}")


def _rows(engine: sa.Engine, table: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4"))]


def _broken_workbook(tmp_path: Path, cell: str, value: object, name: str = "pcdd-summary-broken.xlsx") -> Path:
    book = openpyxl.load_workbook(WORKBOOK)
    book["Table 4"][cell] = value
    path = tmp_path / name
    book.save(path)
    return path


def test_workbook_reads_as_published(specs):
    rows, problems = read_file(WORKBOOK, WORKBOOK.name, specs["pcdd_dementia_65plus"])
    assert not problems
    wigan = [r for r in rows if r["ons_code"] == "E08000010" and r["org_type"] == "Upper Tier Local Authority"]
    assert len(wigan) == 1
    assert wigan[0]["recorded_65plus"] == 2871 and wigan[0]["estimated_65plus"] == pytest.approx(3993.1)
    assert wigan[0]["diagnosis_rate_pct"] == pytest.approx(71.9) and str(wigan[0]["period"]) == "2024-01-01"
    assert not any(r["org_type"].startswith(("Source", "Copyright")) for r in rows)  # stops at the blank row


def test_malformed_workbook_names_file_sheet_row_column_and_changes_nothing(tmp_path, specs):
    engine = _db(tmp_path)
    spec = specs["pcdd_dementia_65plus"]
    ingest(engine, [spec], PROJECT, files={spec.id: [WORKBOOK]})
    before = _rows(engine, "pcdd_dementia_65plus")
    assert len(before) > 500
    bad = _broken_workbook(tmp_path, "E20", "about 12,000")
    with pytest.raises(IngestError) as err:
        ingest(engine, [spec], PROJECT, files={spec.id: [WORKBOOK, bad]})
    message = str(err.value)
    assert "pcdd-summary-broken.xlsx" in message and "sheet 'Table 4'" in message
    assert "row 20" in message and "column E" in message and "not a number" in message
    assert "Nothing was loaded" in message
    assert _rows(engine, "pcdd_dementia_65plus") == before


def test_unexpected_header_is_rejected_with_header_row(tmp_path, specs):
    spec = specs["pcdd_dementia_65plus"]
    bad = _broken_workbook(tmp_path, "F10", "Expected")
    with pytest.raises(IngestError) as err:
        ingest(_db(tmp_path), [spec], PROJECT, files={spec.id: [bad]})
    assert "row 10" in str(err.value) and "'Estimated'" in str(err.value)


def test_missing_sheet_and_unknown_org_type(tmp_path, specs):
    spec = specs["pcdd_dementia_65plus"]
    book = openpyxl.load_workbook(WORKBOOK)
    book["Table 4"].title = "Table 4 (revised)"
    renamed = tmp_path / "renamed.xlsx"
    book.save(renamed)
    odd = _broken_workbook(tmp_path, "A25", "Clinical Commissioning Group", "odd.xlsx")
    with pytest.raises(IngestError) as err:
        ingest(_db(tmp_path), [spec], PROJECT, files={spec.id: [renamed, odd]})
    text = str(err.value)
    assert "renamed.xlsx" in text and "has no sheet 'Table 4'" in text
    assert "odd.xlsx, sheet 'Table 4', row 25, column A (Type)" in text


def test_bad_csv_cell_is_rejected_and_other_specs_are_not_loaded_either(tmp_path, specs):
    engine = _db(tmp_path)
    lines = ASCOF.read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",n/a"
    bad = tmp_path / "ascof_bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    chosen = [specs["fingertips_falls_65plus"], specs["ascof_care_home_admissions"]]
    with pytest.raises(IngestError) as err:
        ingest(engine, chosen, PROJECT, files={"ascof_care_home_admissions": [bad]})
    assert "ascof_bad.csv, row 6, column 8 (rate_per_100k)" in str(err.value)
    assert not sa.inspect(engine).has_table("fingertips_falls_65plus")  # all or nothing across specs


def test_cli_rejects_malformed_workbook_and_leaves_database_unchanged(tmp_path):
    db = tmp_path / "cli.db"
    url = f"sqlite:///{db}"
    runner = CliRunner()
    ok = runner.invoke(app, ["ingest", "pcdd_dementia_65plus", "--file", str(WORKBOOK), "--database", url])
    assert ok.exit_code == 0, ok.output
    engine = sa.create_engine(url)
    before = _rows(engine, "pcdd_dementia_65plus")
    bad = _broken_workbook(tmp_path, "G30", "*%")
    result = runner.invoke(app, ["ingest", "pcdd_dementia_65plus", "--file", str(bad), "--database", url])
    assert result.exit_code == 1
    assert "sheet 'Table 4', row 30, column G" in result.output
    assert _rows(engine, "pcdd_dementia_65plus") == before


def test_suppressed_markers_load_as_null(tmp_path, specs):
    spec = specs["pcdd_dementia_65plus"]
    marked = _broken_workbook(tmp_path, "G30", ":", "marked.xlsx")
    rows, problems = read_file(marked, marked.name, spec)
    assert not problems
    assert any(r["diagnosis_rate_pct"] is None for r in rows)


def test_whole_repository_ingest_matches_copied_files(tmp_path, specs):
    engine = _db(tmp_path)
    loads = ingest(engine, list(specs.values()), PROJECT)
    assert loads["pcdd_dementia_65plus"].rows_written == 13 * 594
    assert len(loads["pcdd_dementia_65plus"].added) == 13
    assert loads["ascof_care_home_admissions"].rows_written == len(ASCOF.read_text().splitlines()) - 1
