"""Tamper evidence (issue 22, finding 5): SQLite's INSERT OR REPLACE rewrote an audit event (the delete trigger
does not fire on a replace); PostgreSQL's TRUNCATE emptied the trail (the trigger was per row); commentary,
sign-offs and snapshots had no triggers and no content hash, so commentary edited with SQL inside a signed-off
snapshot appeared in its Word report with no warning.

Now the history tables refuse UPDATE, DELETE, TRUNCATE and INSERT OR REPLACE; the audit trail is a hash chain
that ``outcomes audit verify`` walks; every snapshot carries a content hash that every page and export checks.
Where a test needs to get past the database's guards, it does what someone holding the database's keys could:
drop the triggers (SQLite) or switch them off for a session (PostgreSQL, ``session_replication_role``)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

import snapshots
from datasources.store import Store, audit_events
from review import audit
from review.commentary import save_commentary
from review.people import add_person, find_person
from review.sample import seed_sample_people
from review.signoff import sign_off

FW = "lewisham"          # small enough to export in every format
HISTORY = ("audit_events", "snapshots", "snapshot_evaluations", "snapshot_series", "signoffs", "commentary",
           "milestone_updates")
FIRST_METRIC = "lew_ld_meta_outcomes_achieved"
SAID = "Meta outcomes steady; the new provider starts in April."
FORGED = "Everything is on track and nobody needs to look at it."


@contextmanager
def unguarded(store: Store):
    """A transaction the store's triggers do not stop."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
                conn.execute(text(f'DROP TRIGGER "{name}"'))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield conn


@pytest.fixture
def signed_store(any_store, service):
    """Commentary, a milestone update... and Lewisham's latest period signed off, with its snapshot."""
    seed_sample_people(any_store)
    officer = find_person(any_store, "sample.officer")
    period = service.available_periods(FW)[0]
    save_commentary(any_store, service, officer, FW, period, SAID, metric_id=FIRST_METRIC)
    snap = sign_off(any_store, service, officer, FW, period)
    return any_store, snap, period


def verify_cli(store: Store, monkeypatch) -> tuple[int, str]:
    from cli.main import app

    monkeypatch.setenv("OUTCOMES_STORE_URL", store.url)
    done = CliRunner().invoke(app, ["audit", "verify"])
    return done.exit_code, done.output


# ------------------------------------------------------------------ the database refuses

@pytest.fixture(scope="module")
def sqlite_history(tmp_path_factory, service) -> Path:
    """A SQLite store with a row in every history table (made once; each test works on a copy)."""
    from review.milestones import update_milestone

    path = tmp_path_factory.mktemp("history") / "outcomes.db"
    store = Store(f"sqlite:///{path}")
    seed_sample_people(store)
    officer = find_person(store, "sample.officer")
    period = service.available_periods(FW)[0]
    save_commentary(store, service, officer, FW, period, SAID, metric_id=FIRST_METRIC)
    intention = next(i for i in service.framework(FW).intentions if i.milestones)
    update_milestone(store, service, officer, FW, intention.id, intention.milestones[0].title, "in_progress")
    sign_off(store, service, officer, FW, period)
    store.dispose()
    return path


@pytest.mark.parametrize("table", HISTORY)
def test_sqlite_refuses_insert_or_replace_into_history(sqlite_history, tmp_path, table) -> None:
    import shutil

    shutil.copyfile(sqlite_history, tmp_path / "outcomes.db")
    store = Store(f"sqlite:///{tmp_path / 'outcomes.db'}")
    with store.engine.connect() as conn:
        before = conn.execute(text(f"SELECT * FROM {table} ORDER BY id LIMIT 1")).mappings().one()
    columns = list(before)
    forged = {**before, **({"who": "someone else"} if table == "audit_events" else {})}
    with pytest.raises(DBAPIError, match="append-only"):
        with store.engine.begin() as conn:
            conn.execute(text(f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) "
                              f"VALUES ({', '.join(':' + c for c in columns)})"), forged)
    with store.engine.connect() as conn:
        assert conn.execute(text(f"SELECT * FROM {table} ORDER BY id LIMIT 1")).mappings().one() == before
    store.dispose()


@pytest.mark.postgres
def test_postgresql_refuses_truncate_of_history(postgres_url, service) -> None:
    from conftest import new_postgres_database

    store = Store(new_postgres_database(postgres_url, "truncate"))
    seed_sample_people(store)
    for table in HISTORY:
        with pytest.raises(DBAPIError, match="append-only"):
            with store.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {table} CASCADE"))
    assert audit.list_events(store)
    store.dispose()


def test_a_signed_off_snapshot_and_its_review_cannot_be_changed_or_deleted(signed_store) -> None:
    store, snap, _period = signed_store
    for statement in ("UPDATE snapshots SET payload = '{}'", "DELETE FROM snapshot_evaluations",
                      "UPDATE snapshot_series SET payload = '[]'", "DELETE FROM signoffs",
                      "UPDATE commentary SET text = 'rewritten'", "DELETE FROM commentary"):
        with pytest.raises(DBAPIError, match="append-only"):
            with store.engine.begin() as conn:
                conn.execute(text(statement))
    assert snapshots.load(store, snap.id).commentary[FIRST_METRIC][0]["text"] == SAID


# ------------------------------------------------------------------ outcomes audit verify

@pytest.mark.parametrize("tampering", ["edited", "replaced", "deleted", "last deleted", "inserted"])
def test_audit_verify_finds_an_event_edited_replaced_or_taken_out(signed_store, monkeypatch, tampering) -> None:
    store, _snap, _period = signed_store
    code, output = verify_cli(store, monkeypatch)
    assert code == 0 and "intact" in output, output
    with store.engine.connect() as conn:
        events = conn.execute(select(audit_events).order_by(audit_events.c.id)).mappings().all()
    middle, last = dict(events[2]), dict(events[-1])
    with unguarded(store) as conn:
        if tampering == "edited":
            conn.execute(text("UPDATE audit_events SET who = 'someone else' WHERE id = :id"), middle)
        elif tampering == "replaced":  # same id and hashes, other content, as INSERT OR REPLACE would leave it
            conn.execute(text("DELETE FROM audit_events WHERE id = :id"), middle)
            conn.execute(audit_events.insert().values({**middle, "after": json.dumps({"forged": True})}))
        elif tampering == "deleted":
            conn.execute(text("DELETE FROM audit_events WHERE id = :id"), middle)
        elif tampering == "last deleted":
            conn.execute(text("DELETE FROM audit_events WHERE id = :id"), last)
        else:  # an event slipped in at the end, written without the chain
            conn.execute(audit_events.insert().values({**last, "id": last["id"] + 1, "who": "intruder"}))
    code, output = verify_cli(store, monkeypatch)
    assert code == 1, output
    assert "NOT INTACT" in output
    expected = {"edited": f"event #{middle['id']}", "replaced": f"event #{middle['id']}",
                "deleted": f"event #{middle['id'] + 1}", "last deleted": "events at the end were taken out",
                "inserted": f"event #{last['id'] + 1}"}[tampering]
    assert expected in output, output


def test_audit_verify_finds_a_snapshot_rewritten_with_its_hash(signed_store, monkeypatch) -> None:
    """Rewriting a snapshot and its stored hash together: the page would say it matches, but its sign-off put
    the hash in the chain."""
    from snapshots.storage import content_hashes

    store, snap, _period = signed_store
    with unguarded(store) as conn:
        conn.execute(text("UPDATE snapshots SET payload = replace(payload, :said, :forged) WHERE id = :id"),
                     {"said": SAID, "forged": FORGED, "id": snap.id})
        rehashed = {i: now for i, _stored, now in content_hashes(conn)}[snap.id]
        conn.execute(text("UPDATE snapshots SET content_hash = :h WHERE id = :id"), {"h": rehashed, "id": snap.id})
    assert snapshots.load(store, snap.id).integrity_warning is None  # consistent with itself...
    code, output = verify_cli(store, monkeypatch)
    assert code == 1 and f"snapshot #{snap.id}'s stored hash is not the one its sign-off recorded" in output


def test_the_chain_holds_under_concurrent_writers(any_store) -> None:
    """Twenty writers at once (workers, machines): one chain, no fork, nothing lost."""
    add_person(any_store, None, "admin1", "Admin", "admin", "an admin password")
    ready = threading.Barrier(20)

    def write(n: int) -> None:
        ready.wait(timeout=30)
        with any_store.engine.begin() as conn:
            audit.record(conn, f"writer{n}", "test.write", f"thing:{n}", None, {"n": n})

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(write, range(20)))
    found = audit.verify(any_store)
    assert found.intact, found.problems
    assert found.events == 21 and found.head_id == 21


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_migration_chains_the_events_already_there(tmp_path, request, dialect) -> None:
    from alembic import command
    from alembic.config import Config

    from datasources.store import MIGRATIONS

    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        from conftest import new_postgres_database

        url = new_postgres_database(request.getfixturevalue("postgres_url"), "chain")
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    with engine.begin() as conn:  # events written before the chain existed
        for n in range(3):
            conn.execute(text("INSERT INTO audit_events (at, who, action, entity, before, after) "
                              "VALUES (:at, :who, 'person.add', :entity, NULL, :after)"),
                         {"at": f"2025-04-0{n + 1} 09:00:00", "who": "setup", "entity": f"person:p{n}",
                          "after": json.dumps({"n": n})})
    engine.dispose()
    store = Store(url)  # migrates to head
    found = audit.verify(store)
    assert found.intact and found.events == 3, found.problems
    add_person(store, None, "after.chain", "After", "viewer")
    found = audit.verify(store)
    assert found.intact and found.events == 4 and found.head_id == 4
    store.dispose()


# ------------------------------------------------------------------ every page and export says so

def _texts(paths: list[Path]) -> dict[str, str]:
    import docx
    from openpyxl import load_workbook

    from tests.pdf_text import pdf_words

    found = {}
    for path in paths:
        if path.suffix == ".docx":
            found["docx"] = "\n".join(p.text for p in docx.Document(str(path)).paragraphs[:3])
        elif path.suffix == ".xlsx":
            book = load_workbook(path)
            found["xlsx"] = f"{book.active.title}: {book.active['A1'].value}"
        elif path.suffix == ".pdf":
            found["pdf"] = pdf_words(path, 1, 1)
        elif path.suffix == ".txt":
            found["csv"] = path.read_text()
    return found


def test_commentary_edited_inside_a_signed_off_snapshot_is_called_out_in_every_export_and_page(
        signed_store, service, tmp_path, monkeypatch, dash_app) -> None:
    from reports.export_cache import cached_export
    from tests.report_charts import blank_charts

    store, snap, period = signed_store
    monkeypatch.setenv("OUTCOMES_EXPORT_CACHE", str(tmp_path / "exports"))
    untouched = snapshots.load(store, snap.id)
    assert untouched.record.matches is True and untouched.integrity_warning is None
    first = cached_export(store, untouched, snapshots.comparison_of(store, untouched), "xlsx")
    assert _texts(first)["xlsx"].startswith("Summary")  # no warning on a snapshot that matches
    with unguarded(store) as conn:  # the red team's edit: the commentary inside the snapshot's payload
        conn.execute(text("UPDATE snapshots SET payload = replace(payload, :said, :forged) WHERE id = :id"),
                     {"said": SAID, "forged": FORGED, "id": snap.id})
    edited = snapshots.load(store, snap.id)
    assert edited.commentary[FIRST_METRIC][0]["text"] == FORGED and edited.record.matches is False
    warning = edited.integrity_warning
    assert warning.startswith(f"Warning: this snapshot (#{snap.id}) no longer matches what was signed off.")
    formats = ("xlsx", "csv", "docx", "pdf") if store.engine.dialect.name == "sqlite" else ("xlsx", "csv")
    said = {}
    # The PDF is the committee paper: the warning is the first block of the report in every scope
    # (reports.content.build), and laying out Lewisham's full 65-page PDF took 4 s of CPU to read its first page.
    # The Word file is the full report.
    scopes = {"pdf": "exceptions"}
    with blank_charts():  # the first words of each file are read; Lewisham's charts would be drawn for nothing
        for fmt in formats:  # the cache (which held the xlsx made before the edit) never serves the old file
            said.update(_texts(cached_export(store, edited, snapshots.comparison_of(store, edited), fmt,
                                             scopes.get(fmt, "full"))))
    assert set(said) == set(formats)
    for fmt, words in said.items():
        assert "no longer matches what was signed off" in " ".join(words.split()), (fmt, words[:300])
    assert said["xlsx"].startswith("Warning: ")
    # The CLI's JSON, the review pack and the snapshots page's comparison say it too.
    assert edited.to_contract()["integrity"] == {"content_hash": snap.record.content_hash, "matches": False,
                                                 "warning": warning}
    from review.pack import review_pack

    assert review_pack(store, service, FW, period).snapshot_warnings == (warning,)
    assert warning in _page_text(store, service, "review", framework=FW, period=period)
    earlier = snapshots.create(service, store, FW, service.available_periods(FW)[1], "tester")
    assert warning in _page_text(store, service, "snapshots-compare", before=str(earlier.id), after=str(snap.id))
    code, output = verify_cli(store, monkeypatch)
    assert code == 1 and f"snapshot #{snap.id} no longer matches what was made" in output


def _page_text(store: Store, service, page: str, **args: str) -> str:
    """A page's layout for this store, rendered as it would be for a reader who is not signed in (the pages'
    modules are those the session's app loaded)."""
    import sys

    from flask import Flask

    from dashboard import auth, context

    server = Flask(__name__)
    context.install(server, context.AppContext(service=service, store=store))
    auth.install(server, store, auth.AuthSettings(secret_key="s" * 32))
    module = next(m for n, m in sys.modules.items()
                  if n.endswith("pages.review" if page == "review" else "pages.snapshots"))
    with server.test_request_context("/"):
        shown = (module.layout(**args) if page == "review" else module.compare_table(args["before"], args["after"]))
        return json.dumps(shown.to_plotly_json(), default=lambda o: o.to_plotly_json())
