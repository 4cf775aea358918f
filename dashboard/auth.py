"""Who is signed in, and how they sign in.

Two modes, chosen by ``OUTCOMES_AUTH`` when the app is built:

- ``accounts`` (the default): built-in accounts. A sign-in page checks the password through
  ``review.people.verify_password`` (argon2) within the sign-in limits the store keeps for every
  worker and machine (``review.signin_limits``), and starts a session in the store
  (``review.sessions``); the cookie, signed with ``OUTCOMES_SECRET_KEY``, holds only the session's
  random id, looked up on every request, so signing out (or a new password, a new role, removal, a
  time-out) ends it everywhere at once. HttpOnly, SameSite=Lax, and Secure in production
  (``OUTCOMES_ENV=production``), where the app refuses to start without a secret.
- ``proxy``: the council's single sign-on runs in a reverse proxy (oauth2-proxy, Azure App
  Service authentication) that passes the signed-in identity in a header. The header is believed
  only when the request comes from an address in ``OUTCOMES_TRUSTED_PROXIES``; the app refuses to
  start in this mode without that list. From anywhere else the header is ignored and logged.

Pages and callbacks ask :func:`current_person`; it is worked out from the request on the server
(the session cookie or the proxy's header), never from anything a page component sends, and the
domain functions in ``review/`` decide what that person may write.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Mapping
from urllib.parse import urlencode, urlparse

from flask import Flask, abort, current_app, g, redirect, render_template_string, request, session
from flask.sessions import SecureCookieSessionInterface

from review import audit, sessions, signin_limits
from review.people import Person, find_person, verify_password

log = logging.getLogger("outcomes.auth")

MODE_ENV = "OUTCOMES_AUTH"
SECRET_ENV = "OUTCOMES_SECRET_KEY"
ENVIRONMENT_ENV = "OUTCOMES_ENV"
TRUSTED_ENV = "OUTCOMES_TRUSTED_PROXIES"
HEADER_ENV = "OUTCOMES_PROXY_HEADER"
SIGNOUT_URL_ENV = "OUTCOMES_PROXY_SIGNOUT_URL"
SAMPLE_PEOPLE_ENV = "OUTCOMES_SAMPLE_PEOPLE"
IDLE_ENV = "OUTCOMES_SESSION_IDLE_MINUTES"
LIFETIME_ENV = "OUTCOMES_SESSION_HOURS"
MODES = ("accounts", "proxy")
#: What OUTCOMES_ENV may say (unset: development). Anything else is refused at start: a typo such as "prod"
#: would otherwise quietly run without production's protections.
ENVIRONMENTS = ("development", "production")
#: A production secret is at least this long and this varied (``secrets.token_hex(32)`` gives 64 characters).
SECRET_MIN_LENGTH = 32
SECRET_MIN_DISTINCT = 10
EXTENSION_KEY = "outcomes_auth"
CSRF_FIELD = "csrf_token"
#: The only thing the session cookie holds: the session's id (signed in) or a random one (not signed in,
#: for the sign-in form's CSRF token).
SESSION_KEY = "sid"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AuthConfigError(Exception):
    """The sign-in settings cannot be used; the message names the variable and the fix."""


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def weak_secret(secret: str) -> str | None:
    """Why a production secret is too weak to sign sessions with (None when it is strong enough): short,
    padded with spaces, or made of few different characters ("kkkk...", "        ")."""
    if secret != secret.strip() or any(c.isspace() for c in secret):
        return "it holds spaces"
    if len(secret) < SECRET_MIN_LENGTH:
        return f"it has {len(secret)} characters, fewer than {SECRET_MIN_LENGTH}"
    if len(set(secret)) < SECRET_MIN_DISTINCT:
        return f"it uses only {len(set(secret))} different characters"
    return None


def environment(env: Mapping[str, str]) -> str:
    """OUTCOMES_ENV, checked: one of :data:`ENVIRONMENTS` (unset: development)."""
    given = (env.get(ENVIRONMENT_ENV) or "").strip().lower()
    if not given:
        return "development"
    if given not in ENVIRONMENTS:
        close = difflib.get_close_matches(given, ENVIRONMENTS, n=1, cutoff=0.3)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise AuthConfigError(f"{ENVIRONMENT_ENV}: {given!r} is not an environment (use one of: "
                              f"{', '.join(ENVIRONMENTS)}){hint}")
    return given


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise AuthConfigError(f"{name}: {text!r} is not a whole number above 0")
    return int(text)


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"10.0.0.5, 192.168.0.0/24"`` -> networks; a bad entry is named in the error."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise AuthConfigError(f"{TRUSTED_ENV}: {part!r} is not an IP address or CIDR range "
                                  "(write e.g. 10.0.0.5 or 10.0.0.0/24, comma-separated)") from None
    return tuple(networks)


@dataclass(frozen=True)
class AuthSettings:
    mode: str = "accounts"
    production: bool = False
    #: Signs the session cookie. Outside production a random one is made per process when none is
    #: given (sessions then end when the server restarts); production refuses to start without it.
    secret_key: str | None = None
    #: Proxy mode: the only addresses whose identity header is believed. Accounts mode behind a
    #: reverse proxy: the addresses whose X-Forwarded-For is believed for the per-address limit.
    trusted_proxies: tuple[Network, ...] = ()
    identity_header: str = "X-Forwarded-Email"
    proxy_signout_url: str | None = None
    #: Sample mode: seed the sample people so a newcomer can sign in and try writing.
    sample_people: bool = False
    #: Sign-in limits (``review.signin_limits``): failures within ``attempt_window`` seconds at one account
    #: from one address, from one address at any accounts, and at one account from everywhere (which stops
    #: only addresses the person has not signed in from).
    attempts_per_account_and_address: int = 5
    attempts_per_address: int = 20
    attempts_per_account: int = 50
    attempt_window: float = 15 * 60
    #: A session ends after this long without a request, and this long after sign-in whatever happens.
    session_idle: timedelta = timedelta(minutes=60)
    session_lifetime: timedelta = timedelta(hours=10)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise AuthConfigError(f"{MODE_ENV}: {self.mode!r} is not a sign-in mode (use one of: {', '.join(MODES)})")
        if self.mode == "proxy" and not self.trusted_proxies:
            raise AuthConfigError(
                f"{MODE_ENV}=proxy needs {TRUSTED_ENV}: the addresses of the reverse proxy that signs people in "
                "(comma-separated IPs or CIDR ranges). Without it anyone could claim to be anyone.")
        if self.production and not self.secret_key:
            raise AuthConfigError(
                f"{ENVIRONMENT_ENV}=production needs {SECRET_ENV}: a long random secret that signs session "
                "cookies (e.g. python -c 'import secrets; print(secrets.token_hex(32))').")
        weak = weak_secret(self.secret_key) if self.production and self.secret_key else None
        if weak:
            raise AuthConfigError(
                f"{SECRET_ENV} is too weak for production ({weak}): use at least {SECRET_MIN_LENGTH} random "
                "characters, e.g. python -c 'import secrets; print(secrets.token_hex(32))'.")
        if self.sample_people and (self.production or self.mode != "accounts"):
            raise AuthConfigError(
                f"{SAMPLE_PEOPLE_ENV}=1 makes sample accounts with published passwords: it is for the bundled sample "
                f"data only, never with {ENVIRONMENT_ENV}=production or {MODE_ENV}=proxy. Unset it.")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "AuthSettings":
        env = os.environ if environ is None else environ
        mode = (env.get(MODE_ENV) or "accounts").strip().lower()
        production = environment(env) == "production"
        # Sample accounts have published passwords: only when asked for (``make run`` asks), never by default.
        sample = _truthy(env.get(SAMPLE_PEOPLE_ENV))
        return cls(mode=mode, production=production, secret_key=env.get(SECRET_ENV) or None,
                   trusted_proxies=parse_networks(env.get(TRUSTED_ENV, "")),
                   identity_header=(env.get(HEADER_ENV) or "X-Forwarded-Email").strip(),
                   proxy_signout_url=env.get(SIGNOUT_URL_ENV) or None, sample_people=sample,
                   session_idle=timedelta(minutes=_whole(env, IDLE_ENV, 60)),
                   session_lifetime=timedelta(hours=_whole(env, LIFETIME_ENV, 10)))


@dataclass
class Auth:
    """The sign-in machinery of one app (kept on its Flask server). Nothing about who is signed in, or how
    often a sign-in failed, is kept in the process: both live in the store every worker shares."""
    settings: AuthSettings
    store: object
    limits: signin_limits.SigninLimits = field(init=False)
    policy: sessions.SessionPolicy = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.limits = signin_limits.SigninLimits(
            s.attempts_per_account_and_address, s.attempts_per_address, s.attempts_per_account,
            timedelta(seconds=s.attempt_window))
        self.policy = sessions.SessionPolicy(idle=s.session_idle, absolute=s.session_lifetime)


class IdOnlyCookie(SecureCookieSessionInterface):
    """The signed cookie holds the session's id and nothing else (not even Flask's ``_permanent`` flag): it
    lasts as long as a session may, and the store says whether the session is still open."""

    def get_expiration_time(self, app: Flask, session) -> datetime:
        return datetime.now(timezone.utc) + app.permanent_session_lifetime


def _auth() -> Auth:
    return current_app.extensions[EXTENSION_KEY]


def settings() -> AuthSettings:
    return _auth().settings


def trusted_address(address: str | None, networks: tuple[Network, ...]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(auth: Auth) -> str:
    """The address a sign-in came from, for the per-address limit. Behind a trusted proxy that is
    the nearest untrusted address in X-Forwarded-For (the proxy's own would lump everyone together);
    the header is not believed from anyone else."""
    remote = request.remote_addr or "unknown"
    networks = auth.settings.trusted_proxies
    if not trusted_address(remote, networks):
        return remote
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not trusted_address(hop, networks):
            return hop
    return remote


def _person_from_proxy(auth: Auth) -> Person | None:
    header = auth.settings.identity_header
    claimed = (request.headers.get(header) or "").strip()
    if not claimed:
        return None
    if not trusted_address(request.remote_addr, auth.settings.trusted_proxies):
        log.warning("ignored %s header (%r) from untrusted address %s", header, claimed, request.remote_addr)
        return None
    person = find_person(auth.store, claimed)
    if person is None:
        g.outcomes_unknown = claimed  # signed in at the proxy, but no one here: read only
    return person


def _person_from_session(auth: Auth) -> Person | None:
    """The person of the session the cookie names, if the store has it open (checked on every request: an
    ended session, on whichever worker or machine it was ended, names nobody)."""
    return sessions.person_of(auth.store, session.get(SESSION_KEY), auth.policy)


def current_person() -> Person | None:
    """The signed-in person of this request, or None (reading only). Looked up afresh per
    request, so a changed role counts at once."""
    if "outcomes_person" not in g:
        if EXTENSION_KEY not in current_app.extensions:
            return None  # an app built without sign-in (a page rendered on its own): nobody is signed in
        auth = _auth()
        g.outcomes_person = (_person_from_proxy(auth) if auth.settings.mode == "proxy"
                             else _person_from_session(auth))
    return g.outcomes_person


def unknown_identity() -> str | None:
    """Proxy mode: the identity the proxy vouched for when no person here has it."""
    current_person()
    return g.outcomes_unknown if "outcomes_unknown" in g else None


def _token_for(session_id: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()


def csrf_token() -> str:
    """The token for plain HTML form posts (sign-in, sign-out): derived from the cookie's id with the secret,
    so the cookie holds nothing else and every instance sharing the secret accepts it."""
    session_id = session.get(SESSION_KEY)
    if not session_id:
        session_id = session[SESSION_KEY] = sessions.new_id()
    return _token_for(session_id)


def _check_csrf() -> None:
    session_id = session.get(SESSION_KEY)
    sent = request.form.get(CSRF_FIELD, "")
    if not session_id or not hmac.compare_digest(sent, _token_for(session_id)):
        abort(400, description="The form had expired or did not come from this site. Go back, reload and try again.")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _audit_sign_out(who: str, address: str) -> None:
    """Sign-in attempts are audited by ``verify_password``; sign-out is recorded here. A failure to
    record it is logged, never shown: the person is signed out either way."""
    try:
        with _auth().store.engine.begin() as conn:
            audit.record(conn, who, "sign_out", f"person:{who}", None, {"address": address})
    except Exception:
        log.exception("could not record the sign-out of %s in the audit trail", who)


SIGNIN_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ 'Error: ' if error else '' }}Sign in – Outcomes monitor</title>
<link rel="stylesheet" href="/assets/0-bootstrap.min.css"><link rel="stylesheet" href="/assets/outcomes.css"></head>
<body>
<a href="#main" class="skip-link">Skip to main content</a>
<header><nav class="navbar navbar-dark mb-3" style="background:#0b0c0c" aria-label="Main"><div class="container">
<a class="navbar-brand text-white fw-bold" href="/">Outcomes monitor</a></div></nav></header>
<main id="main" tabindex="-1"><div class="container" style="max-width:32rem">
<h1 class="h2">Sign in</h1>
{% if proxy %}
<p>Sign-in here is handled by your organisation's single sign-on. If you are not signed in, open the
monitor through your organisation's link.</p>
{% else %}
{% if error %}<div class="alert alert-danger" role="alert" id="signin-error"><h2 class="h5">There is a problem</h2>
<p class="mb-0">{{ error }}</p></div>{% endif %}
{% if person %}<p>You are signed in as {{ person.display_name }} ({{ person.username }}).</p>{% endif %}
<p>Reading needs no sign-in{% if production %} once you are given access{% endif %}; sign in to write commentary, actions and
milestone updates on the intentions you lead.</p>
<form method="post" action="/signin" novalidate>
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<input type="hidden" name="next" value="{{ next }}">
<div class="mb-3"><label class="form-label fw-semibold" for="username">Username</label>
<input class="form-control" id="username" name="username" type="text" autocomplete="username"
 value="{{ username }}" required {% if error %}aria-describedby="signin-error" aria-invalid="true"{% endif %}></div>
<div class="mb-3"><label class="form-label fw-semibold" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password" autocomplete="current-password" required
 {% if error %}aria-describedby="signin-error" aria-invalid="true"{% endif %}></div>
<button class="btn btn-dark" type="submit">Sign in</button>
</form>
{% if sample %}<div class="small mt-4 synthetic-banner" role="note"><p class="mb-1"><strong>Sample data only.</strong>
These accounts exist only because the monitor runs on its bundled sample data (OUTCOMES_SAMPLE_PEOPLE=1); never in
production:</p><ul class="mb-0">{% for name, role, password in sample_accounts %}<li><strong>{{ name }}</strong>
({{ role }}), password <strong>{{ password }}</strong></li>{% endfor %}</ul></div>{% endif %}
{% endif %}
<p class="mt-3"><a href="{{ next }}">Back to the monitor</a></p>
</div></main></body></html>"""


def _signin_page(error: str | None = None, username: str = "", status: int = 200):
    s = settings()
    return render_template_string(
        SIGNIN_PAGE, error=error, username=username, csrf=csrf_token(), proxy=s.mode == "proxy",
        next=_safe_next(request.values.get("next")), sample=s.sample_people, production=s.production,
        sample_accounts=_sample_accounts() if s.sample_people else [], person=current_person()), status


def _sample_accounts() -> list[tuple[str, str, str]]:
    from review.sample import SAMPLE_PEOPLE

    return [(name, str(role).replace("_", " "), password) for name, _display, role, password, _leads in SAMPLE_PEOPLE]


def signin_href(next_path: str | None = None) -> str:
    return "/signin" + ("?" + urlencode({"next": _safe_next(next_path)}) if next_path else "")


def install(server: Flask, store, settings: AuthSettings) -> None:
    """Cookie settings, the sign-in and sign-out routes, and the per-request identity."""
    if not settings.secret_key:
        log.warning("%s is not set: using a random secret for this process (sign-ins end at restart)", SECRET_ENV)
    server.secret_key = settings.secret_key or secrets.token_hex(32)
    server.config.update(
        SESSION_COOKIE_NAME="outcomes_session", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production, PERMANENT_SESSION_LIFETIME=settings.session_lifetime)
    server.session_interface = IdOnlyCookie()
    server.extensions[EXTENSION_KEY] = Auth(settings, store)

    def refuse_cross_site_callbacks():
        """Dash's callback posts are JSON from this site's own pages; a browser sending one from
        another site says so in Origin, and it is refused (SameSite=Lax already withholds the cookie)."""
        if request.method == "POST" and request.path.startswith("/_dash-"):
            origin = request.headers.get("Origin")
            if origin and urlparse(origin).netloc != request.host:
                abort(403, description="Cross-site request refused.")

    server.before_request(refuse_cross_site_callbacks)

    @server.route("/signin", methods=["GET"])
    def signin_form():
        return _signin_page()

    @server.route("/signin", methods=["POST"])
    def signin_submit():
        if settings.mode == "proxy":
            abort(404)
        _check_csrf()
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        auth = _auth()
        address = client_address(auth)
        if not username or not password:
            return _signin_page("Enter your username and your password.", username)
        attempt = signin_limits.begin(store, auth.limits, username, address)
        if attempt.wait_seconds > 0:
            minutes = max(1, round(attempt.wait_seconds / 60))
            log.warning("sign-in refused for %r from %s: %s", username, address, attempt.reason)
            name = username.lower()[:80]
            audit.record_refusal(store, name, "sign_in", f"person:{name}",
                                 f"too many failed sign-ins: {attempt.reason}", {"address": address})
            return _signin_page(f"Too many failed sign-in attempts. Wait {minutes} minute"
                                f"{'s' if minutes != 1 else ''} and try again.", username, 429)
        person = verify_password(store, username, password, address)  # audits the attempt either way
        signin_limits.finish(store, attempt, person is not None)
        if person is None:
            # The same words whether or not the account exists: no hint for someone guessing names.
            # 200, as for any form shown again with its errors (401 would ask for HTTP authentication).
            return _signin_page("The username or password is not right. Check them and try again.", username)
        session_id = sessions.start(store, person, address, auth.policy)
        session.clear()  # a fresh id at sign-in: nothing from before carries over (no session fixation)
        session[SESSION_KEY] = session_id
        return redirect(_safe_next(request.form.get("next")), 303)

    @server.route("/signout", methods=["POST"])
    def signout():
        if settings.mode == "proxy":
            return redirect(settings.proxy_signout_url or "/", 303)
        _check_csrf()
        person = current_person()
        sessions.end(store, session.get(SESSION_KEY), "signed out")
        session.clear()
        if person is not None:
            _audit_sign_out(person.username, client_address(_auth()))
        return redirect("/", 303)
