"""No HTTP 500, and no traceback on the command line (issue 22, finding 9; the body limit of finding 10).

The red team's three 500s: a snapshot id too large for the store's integers (OverflowError), a ``..%2f``
path under ``/_dash-component-suites/`` (Dash's DependencyException), and signing in when the store is
read-only. Every route of the app is also asked with bad arguments; the command line on a read-only store
says what is wrong in one line. The read-only store is checked on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import sys
import uuid

import pytest
import sqlalchemy as sa

from dashboard.problems import MAX_REQUEST_BYTES, UNEXPECTED_ID

HUGE = "99999999999999999999999"
#: What a forger puts in an address: ids out of range, climbing out of folders, bytes that are no text.
BAD = [HUGE, "-1", "0", "..%2f..%2fapp.py", "%2e%2e%2f%2e%2e%2fapp.py", "..", "%00", "x" * 300, "%ff%fe",
       "dash%2f..%2f..%2fsetup.py", "snapshot.pdf", "é"]


@pytest.fixture(scope="module")
def client(dash_app):
    client = dash_app.server.test_client()
    client.get("/")
    return client


def no_500(response) -> str:
    text = response.get_data().decode("utf-8", "replace")  # a route may serve a file (the favicon)
    assert response.status_code < 500 or response.status_code == 503, (response.status_code, text[:500])
    assert UNEXPECTED_ID not in text, text[:500]
    return text


def test_a_snapshot_id_too_large_for_the_store_is_not_found(client) -> None:
    response = client.get(f"/snapshots/{HUGE}/download/csv")
    assert response.status_code == 404 and "There is no page at this address" in no_500(response)


@pytest.mark.parametrize("path", ["..%2f..%2fapp.py", "dash/..%2f..%2f..%2fapp.py", "%2e%2e/x", "..%2fsecret",
                                  "dash/deps/..%2f..%2f__init__.py", "dash/no-such-file.js", "nowhere/x.js"])
def test_a_climb_out_of_the_component_suites_is_not_found(client, path: str) -> None:
    response = client.get(f"/_dash-component-suites/{path}")
    assert response.status_code == 404, response.status_code
    no_500(response)


def test_every_route_answers_bad_arguments_without_a_500(client, dash_app) -> None:
    """Each rule of the app's URL map, each of its arguments filled with each bad value, by each method."""
    asked = 0
    for rule in dash_app.server.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for bad in BAD if rule.arguments else [None]:
                path = rule.rule
                for argument in rule.arguments:
                    path = re.sub(rf"<([a-z]+:)?{argument}>", bad, path)
                response = client.open(path, method=method, data={"x": bad or ""},
                                       headers={"Origin": "http://localhost"})
                no_500(response)
                asked += 1
    assert asked > 50  # every rule, every bad value for those that take arguments


def test_a_request_body_over_the_limit_is_refused_unread(client) -> None:
    """An anonymous 200 MB callback body took a worker from 194 to 792 MB; now anything over the limit is
    refused with 413 from its declared length, before it is read."""
    body = b'{"output": "' + b"x" * (MAX_REQUEST_BYTES + 1) + b'"}'
    response = client.post("/_dash-update-component", data=body, content_type="application/json",
                           headers={"Origin": "http://localhost"})
    assert response.status_code == 413, response.status_code
    form = client.post("/signin", data={"username": "x" * (MAX_REQUEST_BYTES + 1), "password": "y"})
    assert form.status_code == 413


# ------------------------------------------------------------------ a read-only store

def _postgres_database(server_url: str) -> str:
    name = f"readonly_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def read_only_store(request, tmp_path) -> str:
    """The URL of a store, migrated and holding the sample people, that can then only be read."""
    from datasources.store import Store
    from review.sample import seed_sample_people

    if request.param == "sqlite":
        path = tmp_path / "outcomes.db"
        url, read_only = f"sqlite:///{path}", f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        url = _postgres_database(request.getfixturevalue("postgres_url"))
        read_only = f"{url}?options=-c%20default_transaction_read_only%3Don"
    store = Store(url)
    seed_sample_people(store)
    store.dispose()
    return read_only


def test_signing_in_on_a_read_only_store_is_a_clear_page(dash_app, read_only_store) -> None:
    from app import create_app
    from dashboard.auth import AuthSettings
    from datasources.store import Store

    dash_app.server.test_client().get("/")  # the session's app keeps its callbacks (see test_public_mode)
    store = Store(read_only_store)
    app = create_app(service=dash_app.server.extensions["outcomes"].service, store=store,
                     auth_settings=AuthSettings(secret_key="read-only-store-test-secret"))
    client = app.server.test_client()
    client.get("/")
    form = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    for password in ("sample-lead-pass", "not the password"):
        response = client.post("/signin", data={"csrf_token": token, "username": "sample.lead",
                                                "password": password})
        text = no_500(response)
        assert response.status_code == 503 and "own store cannot be used just now" in text, text[:300]
    assert client.get("/").status_code == 200  # reading still works
    store.dispose()


def test_the_command_line_on_a_read_only_store_says_so_in_one_line(read_only_store, monkeypatch, capsys,
                                                                   caplog) -> None:
    """A write the person may make (the store refuses it), and one they may not (its refusal cannot be
    recorded): each one line on stderr, exit 1, no traceback.

    Run in this process through the console script's own entry point (``cli.main:main``, the last net that
    turns what a command did not catch into one line), for time: a command started anew spent two seconds or
    more importing before it did anything. A traceback it printed would be on stderr; one it logged (which a
    process with no log handler prints on stderr) is looked for among the log records."""
    import logging

    from cli.main import main

    monkeypatch.setenv("OUTCOMES_STORE_URL", read_only_store)
    monkeypatch.delenv("OUTCOMES_DEBUG", raising=False)
    for args, words in [
        (["comment", "add", "--framework", "warwickshire", "--period", "2016-03", "--metric", "falls_admissions_65plus",
          "--text", "Falls up", "--as", "sample.lead"], "OUTCOMES_STORE_URL"),
        (["user", "add", "newcomer", "--name", "New", "--role", "viewer", "--as", "sample.officer"], "only an admin"),
    ]:
        caplog.clear()
        monkeypatch.setattr(sys, "argv", ["outcomes", *args])
        with pytest.raises(SystemExit) as exited:
            main()
        stderr = capsys.readouterr().err
        assert exited.value.code == 1 and "Traceback" not in stderr, stderr
        errors = [line for line in stderr.strip().splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and words in errors[0], stderr
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.exc_info], caplog.text
