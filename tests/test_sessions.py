"""Sessions live in the store and are checked on every request (issue 22, finding 2: a session cookie copied
before sign-out still wrote after it; after ``outcomes user password`` the old session still wrote; the cookie
lived 10 hours with no record on the server).

Two Flask apps on one store stand for two workers or two machines; the write is a real domain write
(``review.actions.add_action``), refused or not by the person the request's session names."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from dashboard import auth
from dashboard.auth import AuthSettings
from review.errors import Forbidden
from review.sample import seed_sample_people

LEAD, LEAD_PASSWORD = "sample.lead", "sample-lead-pass"
FW, PERIOD, FALLS = "warwickshire", "2025-03", "falls_admissions_65plus"  # the sample lead's metric


def make_app(store, service, **settings) -> Flask:
    server = Flask(__name__)
    auth.install(server, store, AuthSettings(secret_key="s" * 32, **settings))

    @server.route("/whoami")
    def whoami():
        person = auth.current_person()
        return person.username if person else "nobody"

    @server.route("/act", methods=["POST"])
    def act():
        from review.actions import add_action

        try:
            add_action(store, service, auth.current_person(), FW, PERIOD, "Visit care homes", "Falls lead",
                       "2025-06-30", metric_id=FALLS)
        except Forbidden as exc:
            return str(exc), 403
        return "Action added"

    return server


@pytest.fixture
def lead_store(any_store):
    seed_sample_people(any_store)
    return any_store


def csrf_of(client) -> str:
    page = client.get("/signin").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username: str = LEAD, password: str = LEAD_PASSWORD) -> None:
    answer = client.post("/signin", data={"username": username, "password": password, "csrf_token": csrf_of(client),
                                          "next": "/whoami"})
    assert answer.status_code == 303, answer.get_data(as_text=True)


def sign_out(client) -> None:
    assert client.post("/signout", data={"csrf_token": csrf_of(client)}).status_code == 303


def with_cookie(app: Flask, cookie: str):
    client = app.test_client()
    client.set_cookie("outcomes_session", cookie)
    return client


def test_a_cookie_copied_before_sign_out_writes_nothing_after_it(dash_app, app_store) -> None:
    """The finding as the red team ran it: the dashboard's own write (a forged callback adding an action)."""
    from tests.test_review_pages import FALLS as FALLS_KEY, counts, forge_action, sign_in as page_sign_in

    browser = dash_app.server.test_client()
    page_sign_in(browser, LEAD, LEAD_PASSWORD)
    copied = browser.get_cookie("outcomes_session").value
    sign_out(browser)
    before = counts(app_store)
    thief = with_cookie(dash_app.server, copied)
    answer = forge_action(thief, dash_app, FALLS_KEY)
    assert answer.status_code == 200
    assert "Action added" not in answer.get_data(as_text=True)
    assert "sign in to write" in answer.get_data(as_text=True)
    assert counts(app_store) == before


def test_sign_out_on_one_worker_ends_the_session_on_every_worker(lead_store, service) -> None:
    one, other = make_app(lead_store, service), make_app(lead_store, service)
    browser = one.test_client()
    sign_in(browser)
    copied = browser.get_cookie("outcomes_session").value
    elsewhere = with_cookie(other, copied)
    assert elsewhere.post("/act").get_data(as_text=True) == "Action added"  # the same session on both
    sign_out(browser)
    refused = elsewhere.post("/act")
    assert refused.status_code == 403 and "sign in to write" in refused.get_data(as_text=True)
    assert with_cookie(one, copied).get("/whoami").get_data(as_text=True) == "nobody"


def test_a_new_password_ends_every_session(lead_store, service, monkeypatch) -> None:
    """``outcomes user password`` (the command itself, on the same store) ends the sessions at once."""
    from typer.testing import CliRunner

    from cli.main import app as cli

    web = make_app(lead_store, service)
    laptop, phone = web.test_client(), web.test_client()
    sign_in(laptop)
    sign_in(phone)
    monkeypatch.setenv("OUTCOMES_STORE_URL", lead_store.url)
    monkeypatch.setenv("OUTCOMES_NEW_PASSWORD", "a brand new passphrase")
    done = CliRunner().invoke(cli, ["user", "password", LEAD])
    assert done.exit_code == 0, done.output
    for client in (laptop, phone):
        assert client.post("/act").status_code == 403
        assert client.get("/whoami").get_data(as_text=True) == "nobody"
    sign_in(laptop, password="a brand new passphrase")
    assert laptop.post("/act").get_data(as_text=True) == "Action added"


def test_a_role_change_and_removal_end_sessions_at_once(lead_store, service) -> None:
    from review.people import add_person, find_person, remove_person, set_role

    admin = add_person(lead_store, None, "the.admin", "The Admin", "admin", "an admin password")
    web = make_app(lead_store, service)
    browser = web.test_client()
    sign_in(browser)
    set_role(lead_store, admin, LEAD, "viewer")
    assert browser.get("/whoami").get_data(as_text=True) == "nobody"
    set_role(lead_store, admin, LEAD, "lead")
    sign_in(browser)
    assert browser.post("/act").get_data(as_text=True) == "Action added"
    remove_person(lead_store, admin, LEAD)
    assert browser.post("/act").status_code == 403
    assert find_person(lead_store, LEAD) is None
    refused = browser.post("/signin", data={"username": LEAD, "password": LEAD_PASSWORD, "csrf_token": csrf_of(browser)})
    assert "not right" in refused.get_data(as_text=True)  # a removed person cannot sign in again


def test_sessions_time_out_when_idle_and_after_their_lifetime(lead_store) -> None:
    from datasources.store import now
    from review import sessions
    from review.people import find_person

    lead = find_person(lead_store, LEAD)
    policy = sessions.SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=2))
    start = now()
    idle = sessions.start(lead_store, lead, "192.0.2.1", policy, at=start)
    assert sessions.person_of(lead_store, idle, policy, at=start + timedelta(minutes=29)) == lead
    assert sessions.person_of(lead_store, idle, policy, at=start + timedelta(minutes=58)) == lead  # seen at 29
    assert sessions.person_of(lead_store, idle, policy, at=start + timedelta(minutes=89)) is None
    assert sessions.person_of(lead_store, idle, policy, at=start + timedelta(minutes=90)) is None  # ended for good
    busy = sessions.start(lead_store, lead, "192.0.2.1", policy, at=start)
    for minutes in range(20, 120, 20):  # a request every 20 minutes: never idle...
        assert sessions.person_of(lead_store, busy, policy, at=start + timedelta(minutes=minutes)) == lead
    assert sessions.person_of(lead_store, busy, policy, at=start + timedelta(minutes=120)) is None  # ...but 2 hours


def test_idle_time_out_through_the_app(lead_store, service) -> None:
    """The app's idle time-out (OUTCOMES_SESSION_IDLE_MINUTES) ends a session left alone that long."""
    from sqlalchemy import update

    from datasources.store import now, sessions

    settings = AuthSettings.from_environment({"OUTCOMES_SECRET_KEY": "s" * 32, "OUTCOMES_SESSION_IDLE_MINUTES": "5"})
    assert settings.session_idle == timedelta(minutes=5)
    with pytest.raises(auth.AuthConfigError, match="OUTCOMES_SESSION_HOURS"):
        AuthSettings.from_environment({"OUTCOMES_SESSION_HOURS": "0"})
    web = make_app(lead_store, service, session_idle=settings.session_idle)
    browser = web.test_client()
    sign_in(browser)
    assert browser.get("/whoami").get_data(as_text=True) == LEAD
    with lead_store.engine.begin() as conn:  # six minutes pass without a request
        conn.execute(update(sessions).values(last_seen_at=now() - timedelta(minutes=6)))
    assert browser.get("/whoami").get_data(as_text=True) == "nobody"


def test_the_cookie_holds_only_the_session_id_and_the_store_only_its_hash(lead_store, service) -> None:
    from sqlalchemy import select

    from datasources.store import sessions

    web = make_app(lead_store, service)
    browser = web.test_client()
    anonymous = browser.get("/signin") and browser.get_cookie("outcomes_session").value
    sign_in(browser)
    serializer = web.session_interface.get_signing_serializer(web)
    content = serializer.loads(browser.get_cookie("outcomes_session").value)
    assert list(content) == ["sid"]
    assert content["sid"] != serializer.loads(anonymous)["sid"]  # a new id at sign-in: no fixation
    with lead_store.engine.connect() as conn:
        stored = conn.execute(select(sessions)).all()
    assert len(stored) == 1 and stored[0].ended_at is None
    assert content["sid"] not in {stored[0].id_hash} and len(stored[0].id_hash) == 64
    sign_out(browser)
    with lead_store.engine.connect() as conn:
        ended = conn.execute(select(sessions)).one()
    assert ended.ended_reason == "signed out"


def test_a_store_that_cannot_take_writes_still_knows_who_is_signed_in(tmp_path, service, caplog) -> None:
    """A session's last-seen time is bookkeeping: on a store opened read-only (a replica, a full disk) the
    person is still recognised and reading goes on; the skipped write is logged."""
    import logging

    from sqlalchemy import update

    from datasources.store import Store, now, sessions

    writable = Store(f"sqlite:///{tmp_path / 'outcomes.db'}")
    seed_sample_people(writable)
    browser = make_app(writable, service).test_client()
    sign_in(browser)
    with writable.engine.begin() as conn:  # the last request was two minutes ago: this one would record itself
        conn.execute(update(sessions).values(last_seen_at=now() - timedelta(minutes=2)))
    read_only = Store(f"sqlite:///file:{tmp_path / 'outcomes.db'}?mode=ro&uri=true")
    reader = with_cookie(make_app(read_only, service), browser.get_cookie("outcomes_session").value)
    with caplog.at_level(logging.WARNING, logger="outcomes.sessions"):
        assert reader.get("/whoami").get_data(as_text=True) == LEAD
    assert "could not record a session's last request" in caplog.text
    read_only.dispose()
    writable.dispose()
