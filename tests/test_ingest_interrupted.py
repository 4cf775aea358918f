"""An interrupted load never takes its data source offline (issue 22, finding 3).

`kill -9` during `outcomes ingest` (or a full disk) left SQLite's rollback journal behind; the dashboard
opens the file read-only, cannot roll it back, and every metric of the source read "attempt to write a
readonly database" (Lewisham: 19 of 19 no data) until something wrote to the file. Here a load is killed
with SIGKILL at several points, on SQLite, DuckDB and PostgreSQL, and the dashboard's service (a new one,
as after a restart) then reads every metric of the source: every one that read before reads the same
figures. A load stopped by a full disk, or by a limit on file size, says what it left, and is right."""

from __future__ import annotations

import functools
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from cli.main import main as outcomes
from datasources.ingest import ingest
from datasources.registry import DataSourceRegistry, SourceSettings
from metrics.definitions.loader import load_config
from metrics.definitions.parsed import Config
from metrics.service import MetricsService
from sample_data.generate import build

PROJECT = Path(__file__).resolve().parent.parent
#: Small tables of their own (the generator makes the rest): loaded before, then loaded again and killed.
LOADED = ("local_returns", "lewisham_ld_outcomes")

def load_until(url: str, point: str, told) -> None:
    """In a forked process: load the small tables again, and at ``point`` say so and wait to be killed.
    SQLite gets a page cache of a few pages, so even this small load spills into the file before it commits."""
    import datasources.ingest as m

    def stop(name: str) -> None:
        if name == point:
            told.send(name)
            signal.pause()  # killed here

    real_insert, real_write = m._insert_batch, m._write_table

    def insert(conn, table, rows):
        stop("deleted")
        real_insert(conn, table, rows)

    def write(*args, **kwargs):
        done = real_write(*args, **kwargs)
        stop("written")
        return done

    m._insert_batch, m._write_table = insert, write
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA cache_size = 5"))
    sa.event.listen(engine, "commit", lambda conn: stop("committing"))
    m.ingest(engine, [s for s in config().ingest if s.id in LOADED], PROJECT)
    stop("committed")


@functools.cache
def config() -> Config:
    """The project's config, read once for the module (nothing changes it): each reading is a new service,
    as after a restart, and the config is not what these tests are about."""
    return load_config(PROJECT / "config")


def readings(url: str) -> dict[str, object]:
    """Every metric of the source as the dashboard's service reads it: its figures, or its error."""
    service = MetricsService(config(), DataSourceRegistry([SourceSettings("sample", url)], project_root=PROJECT))
    ids = [m for m, metric in config().metrics.items() if metric.binding.datasource == "sample"]
    service.prefetch(ids)
    found = {}
    for metric_id in ids:
        obs = service.observations(metric_id)
        found[metric_id] = obs.error if obs.error else obs.frame.reset_index(drop=True)
    service.registry.dispose()
    return found


def assert_same(before: dict[str, object], after: dict[str, object], where: str) -> None:
    assert after.keys() == before.keys()
    for metric_id, was in before.items():
        now = after[metric_id]
        if isinstance(was, str):
            continue  # read nothing before (its table is not in this small source): nothing to lose
        assert not isinstance(now, str), f"{where}: {metric_id} no longer reads: {now}"
        pd.testing.assert_frame_equal(was, now, obj=f"{where}: {metric_id}")


def new_postgres_database(server_url: str) -> str:
    name = f"killed_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def source(request, tmp_path) -> str:
    """A small sample source on each engine: the generated tables and the two local files loaded."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'source.db'}"
    elif request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'source.duckdb'}"
    else:
        url = new_postgres_database(request.getfixturevalue("postgres_url"))
    build(url, scale=0.01)
    engine = sa.create_engine(url)
    ingest(engine, [s for s in config().ingest if s.id in LOADED], PROJECT)
    engine.dispose()
    return url


def test_a_load_killed_at_any_point_leaves_every_metric_of_the_source_readable(source) -> None:
    before = readings(source)
    readable = [m for m, r in before.items() if not isinstance(r, str)]
    assert any(m.startswith("lew_ld_") for m in readable) and len(readable) > 50
    forked = multiprocessing.get_context("fork")
    for point in ("deleted", "committing", "committed"):
        ours, theirs = forked.Pipe()
        child = forked.Process(target=load_until, args=(source, point, theirs))
        child.start()
        assert ours.poll(120) and ours.recv() == point  # the load has reached the point and waits there
        os.kill(child.pid, signal.SIGKILL)
        child.join(60)
        assert child.exitcode == -signal.SIGKILL
        assert_same(before, readings(source), f"killed {point}")


def small_source(path: Path) -> str:
    url = f"sqlite:///{path}"
    build(url, scale=0.01)
    engine = sa.create_engine(url)
    ingest(engine, [s for s in config().ingest if s.id in LOADED], PROJECT)
    engine.dispose()
    return url


def _ingest_command(url: str, file_size_limit: int | None, out: Path, err: Path) -> None:
    """In a forked process: ``outcomes ingest`` of the small tables, through the console script's own entry
    point, its output in ``out`` and ``err``; with a limit, a write past ``file_size_limit`` bytes fails (EFBIG)
    instead of killing the process."""
    if file_size_limit is not None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))
    os.chdir(PROJECT)
    sys.stdout, sys.stderr = open(out, "w"), open(err, "w")  # flushed as the process ends
    sys.argv = ["outcomes", "ingest", *LOADED, "--database", url]
    outcomes()


def load_again(url: str, file_size_limit: int | None = None) -> subprocess.CompletedProcess:
    """The load run again as a process of its own, forked from this one: a limit on file size is a process's,
    and a command started anew spent seconds importing what this process has imported already."""
    with tempfile.TemporaryDirectory(prefix="ingest-again-") as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        child = multiprocessing.get_context("fork").Process(target=_ingest_command,
                                                            args=(url, file_size_limit, out, err))
        child.start()
        child.join(300)
        assert child.exitcode is not None, "the load did not end in 300 s"
        return subprocess.CompletedProcess(["outcomes", "ingest"], child.exitcode, out.read_text(), err.read_text())


def assert_told_truly(done: subprocess.CompletedProcess, before: dict[str, object], url: str) -> None:
    """Loaded, or refused and rolled back, as the command says; either way every metric reads as before
    (the files hold the very rows that were loaded)."""
    said = done.stdout + done.stderr
    if done.returncode == 0:
        assert "wrote" in done.stdout, said
    else:
        refused = next(line for line in done.stderr.splitlines() if "the database refused the load" in line)
        assert "it was rolled back: reading the database again finds every table as it was" in refused, said
    assert_same(before, readings(url), said[-300:])


def test_a_load_stopped_by_a_file_size_limit_says_what_it_left_and_the_source_reads(tmp_path) -> None:
    """Writes refused half-way (a file-size limit below the database's size: as a quota or a failing disk
    would): SQLite's rollback cannot finish either. Before, the command said "it was rolled back", left a
    journal, and every read-only reader failed until something wrote to the file."""
    url = small_source(tmp_path / "source.db")
    before = readings(url)
    done = load_again(url, file_size_limit=(tmp_path / "source.db").stat().st_size // 2)
    assert_told_truly(done, before, url)
    assert not (tmp_path / "source.db-journal").exists()


def test_a_full_disk_is_reported_truly_and_the_source_reads(tmp_path) -> None:
    """A real full disk (a tmpfs just larger than the database): the command's words match what a reader
    then finds."""
    built = tmp_path / "built.db"
    small_source(built)
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={built.stat().st_size + 64 * 1024}", "tmpfs",
                              str(mount)], capture_output=True, text=True)
    if mounted.returncode != 0:
        from conftest import unavailable

        unavailable(f"cannot mount a small tmpfs to fill: {mounted.stderr.strip()}")
    try:
        (mount / "source.db").write_bytes(built.read_bytes())
        url = f"sqlite:///{mount / 'source.db'}"
        before = readings(url)
        done = load_again(url)
        assert done.returncode == 1 and "full" in done.stderr, done.stdout + done.stderr
        assert_told_truly(done, before, url)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
