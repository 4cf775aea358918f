"""An ingest never loses data: one month's file keeps every other month, a failed or killed
load changes nothing, and bad bytes, damaged workbooks and impossible numbers are file/row
messages, not tracebacks."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import datasources.ingest as ingest_module
from cli.main import app
from datasources.ingest import IngestError, ingest
from metrics.definitions.loader import load_config

PROJECT = Path(__file__).resolve().parent.parent
WORKBOOKS = PROJECT / "sample_data" / "real" / "nhs_pcdd_workbooks"
JANUARY = WORKBOOKS / "pcdd-summary-January-2024.xlsx"
FALLS = PROJECT / "sample_data" / "real" / "fingertips_falls_65plus_22401.csv"
ROWS_PER_MONTH = 594


@pytest.fixture(scope="module")
def specs():
    return {s.id: s for s in load_config(PROJECT / "config").ingest}


def _count(engine: sa.Engine, table: str, where: str = "") -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table} {where}")).scalar_one()


def _all_rows(engine: sa.Engine, table: str) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(map(str, r)) for r in conn.execute(sa.text(f"SELECT * FROM {table}")))


@pytest.fixture(scope="module")
def dementia_once(tmp_path_factory, specs):
    """``dementia_once(engine)``: a database file of that engine (sqlite, duckdb) holding all 13 published months
    of the dementia table, loaded once for the module: reading the 13 workbooks was most of each test's time,
    and every test changes (or may change) its database, so each works on a copy of the file."""
    built: dict[str, Path] = {}

    def loaded(kind: str) -> Path:
        if kind not in built:
            path = tmp_path_factory.mktemp(f"dementia-{kind}") / ("t.db" if kind == "sqlite" else "t.duckdb")
            engine = sa.create_engine(f"{kind}:///{path}")
            ingest(engine, [specs["pcdd_dementia_65plus"]], PROJECT)
            assert _count(engine, "pcdd_dementia_65plus") == 13 * ROWS_PER_MONTH
            engine.dispose()  # and with it any write-ahead log folded into the file
            assert [p.name for p in path.parent.iterdir()] == [path.name]
            built[kind] = path
        return built[kind]

    return loaded


@pytest.fixture(params=["sqlite", "duckdb"])
def loaded_dementia(request, tmp_path: Path, dementia_once):
    """A database holding all 13 published months of the dementia table (a copy of the module's)."""
    path = tmp_path / dementia_once(request.param).name
    shutil.copyfile(dementia_once(request.param), path)
    engine = sa.create_engine(f"{request.param}:///{path}")
    yield f"{request.param}:///{path}", engine
    engine.dispose()


def test_one_month_file_replaces_that_month_and_keeps_the_rest(loaded_dementia, specs) -> None:
    _, engine = loaded_dementia
    spec = specs["pcdd_dementia_65plus"]
    with engine.begin() as conn:  # mark January so its replacement is visible
        conn.execute(sa.text("UPDATE pcdd_dementia_65plus SET name = 'stale' WHERE period = '2024-01-01'"))
    report = ingest(engine, [spec], PROJECT, files={spec.id: [JANUARY]})["pcdd_dementia_65plus"]
    assert _count(engine, "pcdd_dementia_65plus") == 13 * ROWS_PER_MONTH
    assert _count(engine, "pcdd_dementia_65plus", "WHERE name = 'stale'") == 0
    assert report.replaced == ["2024-01-01"] and report.added == [] and len(report.kept) == 12
    assert report.rows_kept == 12 * ROWS_PER_MONTH
    assert "replaced 1 (2024-01-01)" in report.summary() and "kept 12" in report.summary()


def test_cli_file_adds_a_new_month_and_replace_all_needs_saying(tmp_path: Path, specs) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    months = sorted(WORKBOOKS.glob("pcdd-summary-*.xlsx"))
    first = runner.invoke(app, ["ingest", "pcdd_dementia_65plus", "--database", url,
                                *sum((["--file", str(m)] for m in months[:3]), [])])
    assert first.exit_code == 0, first.output
    added = runner.invoke(app, ["ingest", "pcdd_dementia_65plus", "--file", str(months[3]), "--database", url])
    assert added.exit_code == 0, added.output
    assert f"will write {ROWS_PER_MONTH} rows from the files, replacing 0 rows" in added.output
    assert f"keys added {ROWS_PER_MONTH}, replaced 0" in added.output
    assert f"every other row kept ({3 * ROWS_PER_MONTH:,} rows)" in added.output
    engine = sa.create_engine(url)
    assert _count(engine, "pcdd_dementia_65plus") == 4 * ROWS_PER_MONTH
    rebuilt = runner.invoke(app, ["ingest", "pcdd_dementia_65plus", "--file", str(months[0]), "--replace-all",
                                  "--database", url])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"--replace-all deletes every row now in the table ({4 * ROWS_PER_MONTH:,})" in rebuilt.output
    assert "removed by --replace-all 3" in rebuilt.output
    assert _count(engine, "pcdd_dementia_65plus") == ROWS_PER_MONTH
    engine.dispose()


# ------------------------------------------------------------------ a file replaces what it holds, no more
# (issue 22, finding 4): `outcomes ingest local_returns --file one_row.csv`, one measure for quarter
# 2014-01, took that quarter from 32 rows to 1: "replace the period" replaced every measure in it.

LOCAL = ("measure", "quarter_start", "area_code", "numerator", "denominator", "synthetic")


def _postgres_database(server_url: str) -> str:
    import uuid

    name = f"cells_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def local_returns(request, tmp_path: Path, specs):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'local.db'}"
    elif request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'local.duckdb'}"
    else:
        url = _postgres_database(request.getfixturevalue("postgres_url"))
    engine = sa.create_engine(url)
    ingest(engine, [specs["local_returns"]], PROJECT)
    one = tmp_path / "one_row.csv"
    one.write_text(",".join(LOCAL) + "\nwarks_extra_care_units,2014-01-01,E10000031,510,,true\n")
    yield url, engine, one
    engine.dispose()


def _quarter(engine: sa.Engine) -> list[tuple]:
    return _all_rows(engine, "local_returns")


def test_a_file_of_one_row_replaces_that_row_and_no_other(local_returns) -> None:
    url, engine, one = local_returns
    before = _quarter(engine)
    assert _count(engine, "local_returns", "WHERE quarter_start = '2014-01-01'") == 32
    done = CliRunner().invoke(app, ["ingest", "local_returns", "--file", str(one), "--database", url])
    assert done.exit_code == 0, done.output
    assert "will write 1 row from the files, replacing 1 row loaded before for the same keys; deletes nothing " \
           f"else ({len(before) - 1:,} rows kept)" in done.output
    assert "keys added 0, replaced 1 (in quarter_start 1 (2014-01-01))" in done.output
    after = _quarter(engine)
    changed = sorted(set(before) ^ set(after))
    assert len(after) == len(before) and len(changed) == 2, changed
    assert [r[:4] for r in changed] == [("warks_extra_care_units", "2014-01-01", "E10000031", "500.0"),
                                       ("warks_extra_care_units", "2014-01-01", "E10000031", "510.0")]


def test_replacing_whole_periods_needs_saying_and_a_dry_run_writes_nothing(local_returns) -> None:
    url, engine, one = local_returns
    before = _quarter(engine)
    runner = CliRunner()
    dry = runner.invoke(app, ["ingest", "local_returns", "--file", str(one), "--replace-periods", "--dry-run",
                              "--database", url])
    assert dry.exit_code == 0, dry.output
    assert ("dry run: local_returns: will write 1 row from the files, replacing 1 row loaded before for the same "
            "keys; and deletes 31 rows the files do not hold, replacing whole periods: quarter_start 1 "
            "(2014-01-01)") in dry.output
    assert dry.output.rstrip().endswith("dry run: nothing was written") and "wrote" not in dry.output
    assert _quarter(engine) == before
    both = runner.invoke(app, ["ingest", "local_returns", "--file", str(one), "--replace-periods", "--replace-all",
                               "--database", url])
    assert both.exit_code == 2 and "give one of them" in both.output
    done = runner.invoke(app, ["ingest", "local_returns", "--file", str(one), "--replace-periods", "--database", url])
    assert done.exit_code == 0, done.output
    assert "and deletes 31 rows the files do not hold" in done.output
    assert _count(engine, "local_returns", "WHERE quarter_start = '2014-01-01'") == 1
    assert _count(engine, "local_returns") == len(before) - 31


# ------------------------------------------------------------------ bad bytes and damaged files

def test_latin1_byte_after_the_first_4kb_names_file_and_row(tmp_path: Path, specs) -> None:
    lines = FALLS.read_bytes().split(b"\n")
    assert sum(len(line) + 1 for line in lines[:60]) > 4096
    lines[60] = lines[60].replace(b"E", b"\xe9", 1)  # a Latin-1 e-acute
    bad = tmp_path / "falls-latin1.csv"
    bad.write_bytes(b"\n".join(lines))
    with pytest.raises(IngestError) as err:
        ingest(sa.create_engine(f"sqlite:///{tmp_path / 't.db'}"), [specs["fingertips_falls_65plus"]], PROJECT,
               files={"fingertips_falls_65plus": [bad]})
    assert "falls-latin1.csv, row 61: byte 0xE9 is not UTF-8 text" in str(err.value)


def _damaged_copy(tmp_path: Path, damage) -> Path:
    out = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(JANUARY) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = damage(data)
            dst.writestr(item, data)
    return out


@pytest.mark.parametrize("damage", [lambda data: data[: len(data) // 2],  # truncated XML
                                    lambda data: b"\x00\xff" * 50])          # not XML at all
def test_damaged_workbook_member_is_a_file_message(tmp_path: Path, specs, damage) -> None:
    bad = _damaged_copy(tmp_path, damage)
    spec = specs["pcdd_dementia_65plus"]
    with pytest.raises(IngestError) as err:
        ingest(sa.create_engine(f"sqlite:///{tmp_path / 't.db'}"), [spec], PROJECT, files={spec.id: [bad]})
    assert "damaged.xlsx, sheet 'Table 4': cannot be read as an .xlsx workbook" in str(err.value)


def test_corrupt_compressed_member_is_a_file_message(tmp_path: Path, specs) -> None:
    bad = tmp_path / "crc.xlsx"
    data = bytearray(JANUARY.read_bytes())
    with zipfile.ZipFile(JANUARY) as z:
        sheets = [i for i in z.infolist() if i.filename.startswith("xl/worksheets/sheet")]
    for info in sheets:  # every sheet's compressed bytes, so the one read is damaged whichever it is
        middle = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
        data[middle:middle + 64] = b"\x00" * 64
    bad.write_bytes(bytes(data))
    spec = specs["pcdd_dementia_65plus"]
    with pytest.raises(IngestError) as err:
        ingest(sa.create_engine(f"sqlite:///{tmp_path / 't.db'}"), [spec], PROJECT, files={spec.id: [bad]})
    assert "crc.xlsx, sheet 'Table 4': cannot be read as an .xlsx workbook" in str(err.value)


@pytest.mark.parametrize(("column", "value", "words"), [
    (0, "99999999999999999999999", "too large for a whole-number column"),
    (0, "1e400", "not a finite number"),
    (6, "1e400", "not a finite number"),
    (6, "inf", "not a finite number"),
    (7, "nan", "not a finite number"),
])
def test_impossible_numbers_are_row_messages_and_change_nothing(tmp_path: Path, specs, column, value,
                                                                words) -> None:
    spec = specs["fingertips_falls_65plus"]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 't.db'}")
    ingest(engine, [spec], PROJECT)
    before = _all_rows(engine, spec.table)
    lines = FALLS.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[40].split(",")
    target = {0: "IndicatorId", 6: "Count", 7: "Denominator"}[column]
    cells[header.index(target)] = value
    lines[40] = ",".join(cells)
    bad = tmp_path / "falls-bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(IngestError) as err:
        ingest(engine, [spec], PROJECT, files={spec.id: [bad]}, replace="all")
    assert "falls-bad.csv, row 41" in str(err.value) and words in str(err.value)
    assert _all_rows(engine, spec.table) == before


# ------------------------------------------------------------------ one transaction

@pytest.mark.parametrize("replace", ["all", "periods", "cells"])
def test_failure_after_the_first_batch_rolls_everything_back(loaded_dementia, specs, monkeypatch,
                                                             replace) -> None:
    _, engine = loaded_dementia
    spec = specs["pcdd_dementia_65plus"]
    before = _all_rows(engine, spec.table)
    real = ingest_module._insert_batch
    calls = []

    def failing(conn, table, rows):
        real(conn, table, rows)
        calls.append(len(rows))
        raise sa.exc.OperationalError("INSERT", {}, OverflowError("disk full (simulated)"))

    monkeypatch.setattr(ingest_module, "_insert_batch", failing)
    with pytest.raises(IngestError, match="rolled back"):
        ingest(engine, [spec], PROJECT, files={spec.id: sorted(WORKBOOKS.glob("*.xlsx"))[:2]}, replace=replace)
    assert calls  # it failed after writing, inside the transaction
    assert _all_rows(engine, spec.table) == before


def _load_and_die(spec, url: str, replace: str, told) -> None:
    """In a forked process: load January's workbook, and be killed (SIGKILL) as soon as the first rows are
    written, after the table was dropped or its month deleted."""
    real = ingest_module._insert_batch

    def dying(conn, table, rows):
        real(conn, table, rows)
        told.send("inserted")
        os.kill(os.getpid(), signal.SIGKILL)

    ingest_module._insert_batch = dying
    ingest_module.ingest(sa.create_engine(url), [spec], PROJECT, files={spec.id: [JANUARY]}, replace=replace)


@pytest.mark.parametrize("replace", ["all", "periods", "cells"])
def test_killed_mid_load_changes_nothing(loaded_dementia, specs, replace) -> None:
    """The load runs in a process forked from this one (which has imported what it needs: a Python started
    anew spent a second or more on imports) and is killed there."""
    url, engine = loaded_dementia
    before = _all_rows(engine, "pcdd_dementia_65plus")
    engine.dispose()  # DuckDB allows one writing process
    forked = multiprocessing.get_context("fork")
    ours, theirs = forked.Pipe()
    child = forked.Process(target=_load_and_die, args=(specs["pcdd_dementia_65plus"], url, replace, theirs))
    child.start()
    child.join(120)
    assert child.exitcode == -signal.SIGKILL and ours.poll() and ours.recv() == "inserted", child.exitcode
    assert _all_rows(engine, "pcdd_dementia_65plus") == before
