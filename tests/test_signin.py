"""Sign-in: built-in accounts (cookie flags, rate limit, no hint, CSRF, refused start) and the
trusted proxy (header believed only from configured addresses).

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
    client = make_app(people, secret_key="s" * 32, production=True).test_client()
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


def test_sign_in_is_rate_limited_per_username(people) -> None:
    client = make_app(people, secret_key="s" * 32, attempts_per_user=3).test_client()
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


def test_limiter_window_slides() -> None:
    now = [1000.0]
    limiter = auth.AttemptLimiter(per_user=2, per_address=10, window=60, clock=lambda: now[0])
    limiter.failed("a", "ip")
    limiter.failed("A", "ip")  # usernames are compared without case
    assert limiter.wait_seconds("a", "ip") == pytest.approx(60)
    now[0] += 61
    assert limiter.wait_seconds("a", "ip") == 0


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
    assert AuthSettings.from_environment({"OUTCOMES_ENV": "production", "OUTCOMES_SECRET_KEY": "k" * 32}).production


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
                                       "OUTCOMES_SECRET_KEY": "k" * 32})
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
