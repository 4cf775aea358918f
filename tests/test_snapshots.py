"""Snapshots are immutable, versioned, atomic; the store migrates itself (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

import snapshots
from datasources import store
from datasources.store import Store
from review.commentary import commentary_for, commentary_history, save_commentary
from review.people import Role, add_person
from snapshots import storage

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_db(tmp_path):
    """A store of this test's own: no test reads snapshots another test made."""
    db = Store(f"sqlite:///{tmp_path / 'outcomes.db'}")
    yield db
    db.dispose()


def test_second_create_is_next_version_and_first_is_unchanged(service, app_db):
    first = snapshots.create(service, app_db, "warwickshire", "2024-03", "tester")
    shown_before = json.dumps(snapshots.load(app_db, first.id).to_contract(), sort_keys=True)
    second = snapshots.create(service, app_db, "warwickshire", "2024-03", "tester")
    assert (first.version, second.version) == (1, 2)
    assert second.id != first.id
    assert json.dumps(snapshots.load(app_db, first.id).to_contract(), sort_keys=True) == shown_before
    rows = [r for r in snapshots.list_all(app_db, "warwickshire") if r["period"] == "2024-03"]
    assert [r["version"] for r in rows] == [2, 1]
    assert {"id", "framework", "period", "version", "created_at"} <= set(rows[0])


def test_snapshot_holds_evaluations_like_evaluate(service, app_db):
    snap = snapshots.create(service, app_db, "warwickshire", "2025-03", "tester")
    live = service.evaluate_framework("warwickshire", "2025-03", suppress=True).to_contract()
    shown = snap.to_contract()
    assert shown["framework"] == live["framework"] and shown["period"] == live["period"]
    assert shown["metrics"] == json.loads(json.dumps(live["metrics"]))
    assert set(snap.record.vintages) == {"sample"}
    for e in snap.evaluations:
        assert snap.series(e["metric_id"]), e["metric_id"]
        assert snap.definitions[e["metric_id"]]["hash"]
        assert snap.metric(e["metric_id"]).id == e["metric_id"]


def test_previous_is_the_latest_version_of_the_period_before(service, app_db):
    snapshots.create(service, app_db, "warwickshire", "2024-03", "tester")
    wanted = snapshots.create(service, app_db, "warwickshire", "2024-03", "tester")
    snapshots.create(service, app_db, "lewisham", "2024-06", "tester")  # another framework, later
    latest = snapshots.create(service, app_db, "warwickshire", "2025-03", "tester")
    before = snapshots.previous(app_db, latest)
    assert (before.id, before.period, before.version) == (wanted.id, "2024-03", 2)
    assert snapshots.previous(app_db, snapshots.load(app_db, wanted.id)) is not None  # version 1
    assert snapshots.previous(app_db, snapshots.load(app_db, wanted.id - 1)) is None


def test_compare_a_year_later_finds_twelve_new_months(service, app_db):
    march_2024 = snapshots.create(service, app_db, "warwickshire", "2024-03", "tester")
    march_2025 = snapshots.create(service, app_db, "warwickshire", "2025-03", "tester")
    falls = next(c for c in snapshots.compare(march_2024, march_2025) if c.metric_id == "falls_admissions_65plus")
    months = [f"{2024 + (m > 12)}-{(m - 1) % 12 + 1:02d}" for m in range(4, 16)]  # Apr 2024 .. Mar 2025
    assert falls.new_periods == months
    assert falls.revised_periods == [] and not falls.definition_changed
    assert (falls.period_before, falls.period_after) == ("2024-03", "2025-03")


def test_compare_finds_the_revised_month_after_live_data_change(live_copy, tmp_path):
    """Half of a month's admissions withdrawn from the source between two snapshots: the falls
    metric shows that month revised; metrics that never read admissions show nothing changed."""
    db = Store(f"sqlite:///{tmp_path / 'compare.db'}")
    first = snapshots.create(live_copy.new_service(), db, "warwickshire", "2025-03", "tester")
    live_copy.withdraw_half_of_month("hospital_admissions", "admission_date", "2024-01")
    second_service = live_copy.new_service()
    second = snapshots.create(second_service, db, "warwickshire", "2025-03", "tester")
    changes = {c.metric_id: c for c in snapshots.compare(first, second)}
    falls = changes["falls_admissions_65plus"]
    assert falls.revised_periods == ["2024-01"] and falls.new_periods == []
    assert "1 earlier figure(s) revised (2024-01)" in falls.sentence()
    untouched = [m for m in changes
                 if "hospital_admissions" not in json.dumps(second_service.metric(m).binding.model_dump())]
    assert untouched, "the framework has metrics on other tables"
    for metric_id in untouched:
        change = changes[metric_id]
        assert (change.revised_periods, change.new_periods, change.kinds) == ([], [], []), metric_id
    db.dispose()


def test_commentary_keeps_every_version(service, app_db):
    lead = add_person(app_db, None, "falls.officer", "Falls officer", Role.performance_officer)
    first = save_commentary(app_db, service, lead, "warwickshire", "2025-03", "First note",
                            metric_id="falls_admissions_65plus")
    save_commentary(app_db, service, lead, "warwickshire", "2025-03", "Second note",
                    metric_id="falls_admissions_65plus", based_on=first.id)
    history = commentary_history(app_db, "warwickshire", "2025-03", metric_id="falls_admissions_65plus")
    assert [n.text for n in history] == ["First note", "Second note"]
    assert commentary_for(app_db, "warwickshire", "2025-03")["falls_admissions_65plus"][0]["text"] == "Second note"


def _count(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in (store.snapshots, store.snapshot_evaluations, store.snapshot_series)}
    engine.dispose()
    return counts


def test_killed_create_leaves_no_partial_snapshot(service, app_db):
    snapshots.create(service, app_db, "warwickshire", "2024-03", "tester")  # a store with a snapshot in it
    before = _count(app_db.url)
    env = {**os.environ, store.STORE_ENV: app_db.url, storage.PAUSE_ENV: "60"}
    from review.people import add_person

    add_person(app_db, None, "cron", "Scheduled run", "performance_officer")  # a snapshot is made as someone
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "snapshot", "create", "--framework", "warwickshire",
                             "--period", "2023-03", "--as", "cron"], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        seen = []
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            seen.append(line)
            if "paused before commit" in line or not line:
                break
        assert any("paused before commit" in line for line in seen), seen
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert _count(app_db.url) == before
    assert not [r for r in snapshots.list_all(app_db, "warwickshire") if r["period"] == "2023-03"]
    # the store is still usable, and the next create is version 1
    assert snapshots.create(service, app_db, "warwickshire", "2023-03", "tester").version == 1


def test_unknown_framework_and_bad_period(service, app_db):
    with pytest.raises(snapshots.SnapshotError, match="no framework"):
        snapshots.create(service, app_db, "nowhere", "2024-03", "tester")
    with pytest.raises(snapshots.SnapshotError, match="YYYY-MM"):
        snapshots.create(service, app_db, "warwickshire", "March", "tester")
    with pytest.raises(snapshots.SnapshotError, match="no snapshot"):
        snapshots.load(app_db, 99999)


@pytest.mark.postgres
def test_store_on_postgresql(service, postgres_url):
    app_db = Store(postgres_url)
    first = snapshots.create(service, app_db, "warwickshire", "2025-03", "pg")
    second = snapshots.create(service, app_db, "warwickshire", "2025-03", "pg")
    assert second.version == first.version + 1
    loaded = snapshots.load(app_db, first.id)
    assert loaded.to_contract() == first.to_contract()
    assert loaded.created_at.tzinfo is not None
    assert any(r["id"] == second.id for r in snapshots.list_all(app_db, "warwickshire"))
