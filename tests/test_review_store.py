"""The store's review migration keeps existing commentary; a killed sign-off leaves no snapshot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, func, select, text

from datasources import store as tables
from datasources.store import MIGRATIONS, Store
from review.commentary import commentary_history, current_commentary
from review.sample import seed_sample_people

PROJECT = Path(__file__).resolve().parent.parent


def _upgrade(url: str, revision: str) -> None:
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def _old_rows(url: str) -> None:
    engine = create_engine(url)
    stamp = datetime(2025, 4, 2, 9, 0, tzinfo=timezone.utc)
    with engine.begin() as conn:
        for i, (metric, words) in enumerate([("falls_admissions_65plus", "Written before the review domain"),
                                             ("falls_admissions_65plus", "A second old note"),
                                             ("dementia_diagnosis_rate_65plus", "Dementia note")]):
            conn.execute(text("INSERT INTO commentary (metric_id, framework_id, period, author, text, created_at) "
                              "VALUES (:m, 'warwickshire', '2025-03', 'old author', :t, :c)"),
                         {"m": metric, "t": words, "c": stamp.replace(minute=i)})
    engine.dispose()


def _check_migrated(url: str) -> list[str]:
    """Checks the old rows became versions; returns the falls commentary texts, oldest first."""
    db = Store(url)
    try:
        history = commentary_history(db, "warwickshire", "2025-03", metric_id="falls_admissions_65plus")
        assert [(c.version, c.text, c.author, c.addendum) for c in history] == [
            (1, "Written before the review domain", "old author", False), (2, "A second old note", "old author", False)]
        assert history[1].based_on == history[0].id
        assert current_commentary(db, "warwickshire", "2025-03")["metric:dementia_diagnosis_rate_65plus"].text == \
            "Dementia note"
        seed_sample_people(db)  # the new tables work on the migrated store
        return [c.text for c in history]
    finally:
        db.dispose()


def test_migration_keeps_existing_commentary_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _upgrade(url, "0001")
    _old_rows(url)
    assert _check_migrated(url) == ["Written before the review domain", "A second old note"]


@pytest.mark.postgres
def test_migration_keeps_existing_commentary_postgresql(postgres_url):
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS review_migration"))
        conn.execute(text("CREATE DATABASE review_migration"))
    admin.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/review_migration"
    _upgrade(url, "0001")
    _old_rows(url)
    assert _check_migrated(url) == ["Written before the review domain", "A second old note"]


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                 for t in (tables.snapshots, tables.snapshot_evaluations, tables.snapshot_series, tables.signoffs,
                           tables.audit_events)}
    engine.dispose()
    return found


def test_killed_signoff_leaves_no_snapshot_and_no_signoff(service, tmp_path):
    from snapshots import storage

    url = f"sqlite:///{tmp_path / 'outcomes.db'}"
    db = Store(url)
    seed_sample_people(db)
    db.dispose()
    before = _counts(url)
    env = {**os.environ, tables.STORE_ENV: url, storage.PAUSE_ENV: "60"}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "signoff", "--framework", "warwickshire",
                             "--period", "2025-03", "--as", "sample.officer"], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait until every row is written inside the open transaction, then kill it.
    seen = ""
    deadline = time.monotonic() + 120
    while "paused before commit" not in seen and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
    assert "paused before commit" in seen, seen
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert _counts(url) == before


def test_the_head_revision_named_by_the_files_is_alembics(tmp_path):
    """The store skips Alembic when it is at the newest file's revision: that must be Alembic's own head, and a
    store one revision behind must still be migrated."""
    from alembic.script import ScriptDirectory

    from datasources.store import _at_head, _head_revision

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert heads == [_head_revision()]
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    previous = ScriptDirectory.from_config(cfg).get_revision(heads[0]).down_revision
    _upgrade(url, previous)
    engine = create_engine(url)
    try:
        assert not _at_head(engine)
        db = Store(url)
        db.engine  # migrates to head
        db.dispose()
        assert _at_head(engine)
    finally:
        engine.dispose()
