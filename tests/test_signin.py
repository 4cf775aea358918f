"""Sign-in: built-in accounts (cookie flags, limits kept in the store for every worker, no lock-out from
everywhere, no hint, CSRF, refused start) and the trusted proxy (header believed only from configured
addresses).

These drive ``dashboard.auth`` on a bare Flask app with a route that says who is signed in, so
each mode gets an app of its own (a second Dash app in one process would not get the callbacks)."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask

from dashboard import auth
from dashboard.auth import AuthConfigError, AuthSettings

PASSWORD = "correct horse battery"


@pytest.fixture
def people(temp_store):
    from review.people import add_person

    admin = add_person(temp_store, None, "admin1", "Ada Admin", "admin", PASSWORD)
    add_person(temp_store, admin, "lead1", "Lee Lead", "lead", PASSWORD)
    return temp_store


def make_app(store, **settings) -> Flask:
    server = Flask(__name__)
    auth.install(server, store, AuthSettings(**settings))

    @server.route("/whoami")
    def whoami():
        person = auth.current_person()
        return person.username if person else "nobody"

    return server


def csrf_of(client, path: str = "/signin") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username: str, password: str, csrf: str | None = None, **environ):
    csrf = csrf if csrf is not None else csrf_of(client)
    return client.post("/signin", data={"username": username, "password": password, "csrf_token": csrf,
                                        "next": "/whoami"}, environ_base=environ)


def test_sign_in_sets_a_signed_httponly_samesite_cookie(people) -> None:
    client = make_app(people, secret_key="s" * 32).test_client()
    assert client.get("/whoami").get_data(as_text=True) == "nobody"
    response = sign_in(client, "lead1", PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/whoami"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("outcomes_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain http
    assert client.get("/whoami").get_data(as_text=True) == "lead1"


def test_production_cookie_is_secure(people) -> None:
    client = make_app(people, secret_key="0123456789abcdefghij" * 2, production=True).test_client()
    cookie = sign_in(client, "lead1", PASSWORD).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_forged_cookie_is_not_believed(people) -> None:
    """The cookie is signed with the secret: one made with another key names nobody."""
    forger = make_app(people, secret_key="another secret entirely").test_client()
    sign_in(forger, "lead1", PASSWORD)
    forged = forger.get_cookie("outcomes_session").value
    client = make_app(people, secret_key="s" * 32).test_client()
    client.set_cookie("outcomes_session", forged)
    assert client.get("/whoami").get_data(as_text=True) == "nobody"


def test_wrong_password_and_unknown_user_get_the_same_words(people) -> None:
    client = make_app(people, secret_key="s" * 32).test_client()
    wrong = sign_in(client, "lead1", "not the password")
    unknown = sign_in(client, "nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    message = "The username or password is not right. Check them and try again."
    for response in (wrong, unknown):
        page = response.get_data(as_text=True)
        assert message in page and 'role="alert"' in page
        assert "nobody-here" not in page.split("role=\"alert\"")[1].split("</div>")[0]
    assert client.get("/whoami").get_data(as_text=True) == "nobody"


def test_sign_in_attempts_are_audited(people) -> None:
    from review.audit import list_events

    client = make_app(people, secret_key="s" * 32).test_client()
    sign_in(client, "lead1", "not the password")
    sign_in(client, "lead1", PASSWORD)
    csrf = csrf_of(client)
    client.post("/signout", data={"csrf_token": csrf})
    actions = [e.action for e in list_events(people, who="lead1")]
    assert actions[:3] == ["sign_out", "sign_in", "sign_in.failed"]


def test_sign_in_is_limited_per_account_from_one_address(people) -> None:
    client = make_app(people, secret_key="s" * 32, attempts_per_account_and_address=3).test_client()
    for _ in range(3):
        assert "not right" in sign_in(client, "lead1", "guess").get_data(as_text=True)
    # Even the right password is refused until the window passes: no oracle for the guesser.
    blocked = sign_in(client, "lead1", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.get_data(as_text=True)
    assert client.get("/whoami").get_data(as_text=True) == "nobody"
    # Another account from the same address is not locked by this one's failures.
    assert sign_in(client, "admin1", PASSWORD).status_code == 303


def test_sign_in_is_rate_limited_per_address(people) -> None:
    client = make_app(people, secret_key="s" * 32, attempts_per_address=4).test_client()
    for n in range(4):
        assert "not right" in sign_in(client, f"user{n}", "guess", REMOTE_ADDR="203.0.113.9").get_data(as_text=True)
    assert sign_in(client, "lead1", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert sign_in(client, "lead1", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 303


def test_behind_a_trusted_proxy_the_limit_is_per_client(people) -> None:
    client = make_app(people, secret_key="s" * 32, attempts_per_address=2,
                      trusted_proxies=auth.parse_networks("10.0.0.5")).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.5"}

    def attempt(forwarded: str, password: str = "guess"):
        csrf = csrf_of(client)
        return client.post("/signin", data={"username": "lead1", "password": password, "csrf_token": csrf},
                           headers={"X-Forwarded-For": forwarded}, environ_base=proxy)

    attempt("198.51.100.1")
    attempt("198.51.100.1")
    assert attempt("198.51.100.1").status_code == 429
    # Another client through the same proxy is not blocked by the first one's failures
    # (the username limit, 5 here, is not reached either).
    assert attempt("203.0.113.2", PASSWORD).status_code == 303
    # X-Forwarded-For from an untrusted address is not believed: its own address counts.
    other = make_app(people, secret_key="s" * 32, attempts_per_address=1,
                     trusted_proxies=auth.parse_networks("10.0.0.5")).test_client()
    for forwarded in ("192.0.2.1", "192.0.2.2"):
        answer = other.post("/signin", data={"username": "nobody", "password": "x", "csrf_token": csrf_of(other)},
                            headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert answer.status_code == 429


def test_the_limit_window_slides(temp_store) -> None:
    from datetime import datetime, timedelta, timezone

    from review.signin_limits import SigninLimits, begin, finish

    limits = SigninLimits(per_account_and_address=2, window=timedelta(seconds=60))
    start = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    for username in ("a", "A"):  # usernames are compared without case
        finish(temp_store, begin(temp_store, limits, username, "192.0.2.1", at=start), ok=False)
    blocked = begin(temp_store, limits, "a", "192.0.2.1", at=start + timedelta(seconds=1))
    assert blocked.wait_seconds == pytest.approx(59)
    assert begin(temp_store, limits, "a", "192.0.2.1", at=start + timedelta(seconds=61)).wait_seconds == 0


# --- limits shared by every worker, and no lock-out from everywhere (issue 22, finding 8) ---------

@pytest.fixture
def shared_people(any_store):
    """People in a store on SQLite and on PostgreSQL."""
    from review.people import add_person

    admin = add_person(any_store, None, "admin1", "Ada Admin", "admin", PASSWORD)
    add_person(any_store, admin, "lead1", "Lee Lead", "lead", PASSWORD)
    return any_store


def test_sign_in_limits_are_shared_by_every_worker(shared_people) -> None:
    """Counted in each process, four gunicorn workers let 20 of 30 guesses at one account through. Two apps
    on one store stand for two workers (or two machines): the guesses on both count together."""
    workers = [make_app(shared_people, secret_key="s" * 32).test_client() for _ in range(2)]
    for n in range(5):
        assert "not right" in sign_in(workers[n % 2], "lead1", "guess").get_data(as_text=True)
    for client in workers:
        refused = sign_in(client, "lead1", PASSWORD)
        assert refused.status_code == 429, "the sixth attempt, on either worker, is refused"
        assert client.get("/whoami").get_data(as_text=True) == "nobody"


def test_a_guesser_cannot_lock_a_person_out_from_elsewhere(shared_people) -> None:
    """Five bad passwords locked any account, admin included, for 15 minutes from every address. Now the
    guesser's address is the one that waits."""
    app = make_app(shared_people, secret_key="s" * 32)
    guesser = app.test_client()
    for _ in range(8):
        sign_in(guesser, "admin1", "guess", REMOTE_ADDR="203.0.113.9")
    assert sign_in(guesser, "admin1", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    admin = app.test_client()
    assert sign_in(admin, "admin1", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 303
    assert admin.get("/whoami").get_data(as_text=True) == "admin1"


def test_a_guess_spread_over_many_addresses_stops_only_addresses_the_person_never_used(shared_people) -> None:
    app = make_app(shared_people, secret_key="s" * 32, attempts_per_account=6)
    usual = app.test_client()
    assert sign_in(usual, "lead1", PASSWORD, REMOTE_ADDR="192.0.2.10").status_code == 303  # where they work
    for n in range(6):  # a botnet: one guess from each of six addresses
        assert sign_in(app.test_client(), "lead1", "guess", REMOTE_ADDR=f"203.0.113.{n + 1}").status_code == 200
    stranger = sign_in(app.test_client(), "lead1", PASSWORD, REMOTE_ADDR="203.0.113.50")
    assert stranger.status_code == 429
    again = app.test_client()
    assert sign_in(again, "lead1", PASSWORD, REMOTE_ADDR="192.0.2.10").status_code == 303
    assert again.get("/whoami").get_data(as_text=True) == "lead1"


def test_racing_guesses_on_several_workers_are_all_counted(shared_people) -> None:
    """Twelve guesses at once (as twelve workers would send them): no more than the limit have their password
    checked, however they interleave."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from review.signin_limits import SigninLimits, begin, finish

    limits = SigninLimits(per_account_and_address=5)
    ready = threading.Barrier(12)

    def guess(_n: int) -> bool:
        ready.wait(timeout=30)
        attempt = begin(shared_people, limits, "lead1", "203.0.113.9")
        if attempt.wait_seconds:
            return False
        finish(shared_people, attempt, ok=False)  # the password was checked, and wrong
        return True

    with ThreadPoolExecutor(12) as pool:
        checked = sum(pool.map(guess, range(12)))
    assert checked <= 5
    # Two that race at the limit may both have been refused (never both checked); one at a time, the rest of
    # the five are checked, and then no more.
    while (attempt := begin(shared_people, limits, "lead1", "203.0.113.9")).wait_seconds == 0:
        finish(shared_people, attempt, ok=False)
        checked += 1
    assert checked == 5


def test_failed_and_refused_sign_ins_are_audited_with_address_and_reason(people) -> None:
    from review.audit import list_events

    client = make_app(people, secret_key="s" * 32, attempts_per_account_and_address=1).test_client()
    sign_in(client, "lead1", "guess", REMOTE_ADDR="203.0.113.9")
    assert sign_in(client, "lead1", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    refused, failed = list_events(people, who="lead1")[:2]
    assert failed.action == "sign_in.failed" and failed.after["address"] == "203.0.113.9"
    assert failed.after["reason"] == "the username or password was not right"
    assert refused.action == "sign_in.refused" and refused.after["attempted"] == {"address": "203.0.113.9"}
    assert "too many failed sign-ins" in refused.after["reason"]


def test_form_posts_need_the_csrf_token(people) -> None:
    client = make_app(people, secret_key="s" * 32).test_client()
    csrf_of(client)
    refused = sign_in(client, "lead1", PASSWORD, csrf="made-up")
    assert refused.status_code == 400
    assert client.get("/whoami").get_data(as_text=True) == "nobody"
    sign_in(client, "lead1", PASSWORD)
    assert client.post("/signout", data={}).status_code == 400  # a cross-site form cannot sign you out
    assert client.get("/whoami").get_data(as_text=True) == "lead1"
    client.post("/signout", data={"csrf_token": csrf_of(client)})
    assert client.get("/whoami").get_data(as_text=True) == "nobody"


def test_sign_in_never_redirects_off_site(people) -> None:
    client = make_app(people, secret_key="s" * 32).test_client()
    response = client.post("/signin", data={"username": "lead1", "password": PASSWORD,
                                            "csrf_token": csrf_of(client), "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_sign_in_page_shows_typed_text_as_text(people) -> None:
    client = make_app(people, secret_key="s" * 32).test_client()
    page = sign_in(client, "<script>alert(1)</script>", "x").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_a_removed_account_does_not_live_on_in_its_cookie(people) -> None:
    from sqlalchemy import delete

    from datasources.store import grants, people as people_table

    client = make_app(people, secret_key="s" * 32).test_client()
    sign_in(client, "lead1", PASSWORD)
    with people.engine.begin() as conn:
        lead_id = conn.execute(people_table.select().where(people_table.c.username == "lead1")).first().id
        conn.execute(delete(grants).where(grants.c.person_id == lead_id))
        conn.execute(delete(people_table).where(people_table.c.id == lead_id))
    assert client.get("/whoami").get_data(as_text=True) == "nobody"


# --- refusing to start ------------------------------------------------------------------------

def test_production_refuses_to_start_without_a_secret() -> None:
    with pytest.raises(AuthConfigError, match="OUTCOMES_ENV=production needs OUTCOMES_SECRET_KEY"):
        AuthSettings.from_environment({"OUTCOMES_ENV": "production"})
    assert AuthSettings.from_environment({"OUTCOMES_ENV": "production",
                                          "OUTCOMES_SECRET_KEY": "0123456789abcdefghij" * 2}).production


def test_create_app_refuses_before_serving(monkeypatch, service, temp_store) -> None:
    from app import create_app

    monkeypatch.setenv("OUTCOMES_ENV", "production")
    monkeypatch.delenv("OUTCOMES_SECRET_KEY", raising=False)
    with pytest.raises(AuthConfigError, match="OUTCOMES_SECRET_KEY"):
        create_app(service=service, store=temp_store)


def test_proxy_mode_refuses_to_start_without_trusted_proxies() -> None:
    with pytest.raises(AuthConfigError, match="OUTCOMES_TRUSTED_PROXIES"):
        AuthSettings.from_environment({"OUTCOMES_AUTH": "proxy"})
    with pytest.raises(AuthConfigError, match="'10.0.0.300' is not an IP address"):
        AuthSettings.from_environment({"OUTCOMES_AUTH": "proxy", "OUTCOMES_TRUSTED_PROXIES": "10.0.0.300"})
    with pytest.raises(AuthConfigError, match="not a sign-in mode"):
        AuthSettings.from_environment({"OUTCOMES_AUTH": "ldap"})


def test_sample_accounts_are_refused_outside_sample_mode() -> None:
    with pytest.raises(AuthConfigError, match="OUTCOMES_SAMPLE_PEOPLE"):
        AuthSettings.from_environment({"OUTCOMES_SAMPLE_PEOPLE": "1", "OUTCOMES_ENV": "production",
                                       "OUTCOMES_SECRET_KEY": "0123456789abcdefghij" * 2})
    assert not AuthSettings.from_environment({}).sample_people  # never by default


# --- trusted proxy ----------------------------------------------------------------------------

@pytest.fixture
def proxy_client(people):
    settings = AuthSettings.from_environment({
        "OUTCOMES_AUTH": "proxy", "OUTCOMES_TRUSTED_PROXIES": "10.0.0.5, 192.168.10.0/24",
        "OUTCOMES_PROXY_HEADER": "X-Forwarded-User"})
    server = Flask(__name__)
    auth.install(server, people, settings)

    @server.route("/whoami")
    def whoami():
        person = auth.current_person()
        return person.username if person else f"nobody ({auth.unknown_identity() or '-'})"

    return server.test_client()


def test_proxy_header_is_believed_from_a_trusted_address(proxy_client) -> None:
    for address in ("10.0.0.5", "192.168.10.77"):
        answer = proxy_client.get("/whoami", headers={"X-Forwarded-User": "Lead1"},
                                  environ_base={"REMOTE_ADDR": address})
        assert answer.get_data(as_text=True) == "lead1"


def test_proxy_header_from_an_untrusted_address_is_ignored_and_logged(proxy_client, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="outcomes.auth"):
        answer = proxy_client.get("/whoami", headers={"X-Forwarded-User": "admin1"},
                                  environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert answer.get_data(as_text=True) == "nobody (-)"
    assert "untrusted address 203.0.113.50" in caplog.text


def test_proxy_identity_without_an_account_reads_only(proxy_client) -> None:
    answer = proxy_client.get("/whoami", headers={"X-Forwarded-User": "stranger@council.example"},
                              environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert answer.get_data(as_text=True) == "nobody (stranger@council.example)"


def test_proxy_mode_has_no_password_sign_in(proxy_client) -> None:
    page = proxy_client.get("/signin", environ_base={"REMOTE_ADDR": "10.0.0.5"}).get_data(as_text=True)
    assert "single sign-on" in page and 'type="password"' not in page
    assert proxy_client.post("/signin", data={"username": "lead1", "password": PASSWORD}).status_code == 404


def test_serve_refuses_to_start_in_words(monkeypatch) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    monkeypatch.setenv("OUTCOMES_AUTH", "proxy")
    monkeypatch.delenv("OUTCOMES_TRUSTED_PROXIES", raising=False)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "OUTCOMES_AUTH=proxy needs OUTCOMES_TRUSTED_PROXIES" in result.output
