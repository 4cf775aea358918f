"""Shared fixtures.

Browser and PostgreSQL tests must run in CI: when ``CI`` or ``OUTCOMES_REQUIRE_ALL``
is set, a missing Chromium or PostgreSQL fails the test instead of skipping it.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_DB = PROJECT / "sample_data" / "sample.db"
CONFIG_DIR = PROJECT / "config"
# Parsed config kept in the checkout's own folder (ignored by git), never in the user's cache
# (metrics.definitions.parse_cache). Entries are keyed by the files' bytes and the parser's version, so a
# changed file is parsed again; kept between runs, as parsing the config is seconds of every worker's start.
# Set before pytest-xdist starts its workers, so they share it (entries are written whole, then renamed).
os.environ.setdefault("OUTCOMES_CACHE_DIR", str(PROJECT / ".test-cache"))
# Debian's chromium-headless-shell (Chromium's old headless mode, which Playwright itself uses when it runs
# headless) where installed: the browser tests cost a quarter less CPU than with the full browser's headless
# mode (measured on the WCAG and overview browser tests: 182 -> 138 s of the machine's CPU), and Chromium is
# nearly half of the suite's CPU. The full browser otherwise; OUTCOMES_CHROMIUM names another.
CHROMIUM = os.environ.get("OUTCOMES_CHROMIUM") or next(
    (path for path in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium") if Path(path).exists()),
    "/usr/bin/chromium")
PG_BIN = Path(os.environ.get("OUTCOMES_PG_BIN", "/usr/lib/postgresql/15/bin"))
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session", autouse=True)
def default_store_elsewhere(tmp_path_factory) -> Iterator[None]:
    """Commands a test runs without naming a store (``outcomes ingest`` records data vintages)
    write to a store of the session's own, never to the checkout's ``data/outcomes.db``."""
    if "OUTCOMES_STORE_URL" in os.environ:
        yield
        return
    os.environ["OUTCOMES_STORE_URL"] = f"sqlite:///{tmp_path_factory.mktemp('default-store') / 'outcomes.db'}"
    yield
    os.environ.pop("OUTCOMES_STORE_URL", None)


#: The product's own password hasher, kept for tests/test_review.py to check its cost (the tests use a cheap one).
PRODUCT_HASHER = None


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Passwords hashed and checked in this process at argon2id's lowest cost. The product's cost (the library's
    recommended: a fifth of a second of CPU for each hash and each sign-in) is there to slow a guesser, and the
    tests seed the sample people and sign in hundreds of times (the sign-in limits alone try 50 passwords). The
    hashes are still argon2id, checked as before; commands and servers a test starts as processes keep the real
    cost, and tests/test_review.py checks the product's cost itself."""
    global PRODUCT_HASHER
    from argon2 import PasswordHasher

    from review import people

    PRODUCT_HASHER = people._hasher
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(people, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


def must_run() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("OUTCOMES_REQUIRE_ALL"))


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where everything must run."""
    if must_run():
        pytest.fail(f"{reason} (required in CI: browser and PostgreSQL tests may not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sample_db() -> Path:
    """The sample database, built once: by `make test` before pytest starts, or here when a run finds none,
    by one process while the others (pytest-xdist's workers) wait on a lock for it. Tests only read it; a
    test that changes data works on a copy (``live_copy``)."""
    if not SAMPLE_DB.exists():
        folder = os.open(SAMPLE_DB.parent, os.O_RDONLY)
        try:
            fcntl.flock(folder, fcntl.LOCK_EX)
            if not SAMPLE_DB.exists():
                _build_sample_db()
        finally:
            os.close(folder)  # and with it the lock
    return SAMPLE_DB


def _build_sample_db() -> None:
    """As `make sample` builds it: generated, the published files ingested, moved into place only when whole."""
    partial = SAMPLE_DB.with_name(SAMPLE_DB.name + ".tmp")
    partial.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "sample_data.generate", "--out", str(partial)], cwd=PROJECT, check=True)
    subprocess.run([sys.executable, "-m", "cli.main", "ingest", "--database", f"sqlite:///{partial}"],
                   cwd=PROJECT, check=True)
    partial.replace(SAMPLE_DB)


@pytest.fixture(scope="session")
def service(sample_db: Path):
    from metrics.service import MetricsService

    return MetricsService.from_config_dir(CONFIG_DIR)


class LiveCopy:
    """A copy of the sample database that a test may change, as live data change."""

    def __init__(self, path: Path):
        self.path = path

    def new_service(self):
        """A service reading the copy; a new one after a change, so nothing cached before it is read."""
        from metrics.service import MetricsService

        return MetricsService.from_config_dir(CONFIG_DIR)

    def withdraw_half_of_month(self, table: str, date_column: str, month: str) -> int:
        """Delete every other row of one month (``month`` as YYYY-MM), as a source revises its
        figures: the month keeps data, with different values. Returns how many rows went."""
        import sqlite3

        conn = sqlite3.connect(self.path)
        try:
            with conn:  # commits
                deleted = conn.execute(f"DELETE FROM {table} WHERE substr({date_column}, 1, 7) = ? "
                                       "AND rowid % 2 = 0", (month,)).rowcount
        finally:
            conn.close()
        assert deleted, f"no rows of {table} in {month} to delete"
        return deleted


@pytest.fixture
def live_copy(tmp_path, monkeypatch, sample_db) -> LiveCopy:
    """The sample database copied for this test, read through OUTCOMES_SAMPLE_DB_URL."""
    path = tmp_path / "live.db"
    shutil.copyfile(sample_db, path)
    monkeypatch.setenv("OUTCOMES_SAMPLE_DB_URL", f"sqlite:///{path}")
    return LiveCopy(path)


def free_port() -> int:
    """A port free now, for a server that must be told its port before it starts (a server this process
    starts itself binds port 0 instead, so no other process can take the port in between)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def app_store(tmp_path_factory):
    """The store of the session's app (a fresh SQLite file), given to the app when it is built."""
    from datasources.store import Store

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('app-store') / 'outcomes.db'}")
    yield store
    store.dispose()


@pytest.fixture
def temp_store(tmp_path):
    """A store of this test's own."""
    from datasources.store import Store

    store = Store(f"sqlite:///{tmp_path / 'outcomes.db'}")
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def dash_app(service, app_store):
    """One app per test session (per pytest-xdist worker), with built-in accounts and the sample people
    (``review.sample``), as ``make run`` has them.

    It serves a request as soon as it is built: Dash hands the callbacks declared while an app is built to the
    next app that serves a request, so an app a test builds for itself later (a public one, a broken one)
    cannot take this one's, whichever order the tests run in."""
    from app import create_app
    from dashboard.auth import AuthSettings

    app = create_app(service=service, store=app_store, public=False,
                     auth_settings=AuthSettings(secret_key="test-session-secret", sample_people=True))
    # No report charts drawn in the background after a sign-off on this app: each would start Chromium for a
    # framework's ninety charts while the session's other tests run beside it. The drawing after sign-off is
    # tested on an app of its own (tests/test_chart_images_stored.py).
    from dashboard import context

    context.install(app.server, dataclasses.replace(app.server.extensions[context.EXTENSION_KEY], after_sign_off=None))
    app.server.test_client().get("/")
    return app


@pytest.fixture(scope="session")
def live_server(dash_app) -> Iterator[str]:
    """The session's app served on a port of its own (one server per pytest-xdist worker): the socket is
    bound and listening before the address is given out, so the first request never finds it closed."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        unavailable("playwright is not installed; pip install -e '.[test]'")
    expect.set_options(timeout=BROWSER_TIMEOUT_MS)  # its assertions wait up to 5 s by default
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield _ContextsBypassCsp(chromium)
        chromium.close()


#: How long a browser action or wait may take before it fails (Playwright's default is 30 s). Every wait is for
#: an event; this is only the deadline. With the suite on both cores of a busy two-core machine, a screenshot of
#: the review pack that takes 5 s on a quiet one took over 30 s. The browser tests set no shorter deadline of their
#: own: the 15-30 s ones they had failed on a loaded machine while the page was still on its way.
BROWSER_TIMEOUT_MS = 90_000


class _ContextsBypassCsp:
    """The browser, whose new contexts let Playwright's own string predicates run (``wait_for_function``
    evaluates them, which the app's Content-Security-Policy refuses). The policy itself is tested with
    ``bypass_csp=False`` in tests/test_security_browser.py. Their actions and waits have BROWSER_TIMEOUT_MS."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("bypass_csp", True)
        context = self._browser.new_context(**options)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        return context

    def new_page(self, **options):
        options.setdefault("bypass_csp", True)
        page = self._browser.new_page(**options)
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        return page

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and failed requests; the test fails on any."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    pg.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
    yield pg
    context.close()
    assert not errors, "browser reported errors:\n" + "\n".join(errors)


def _record_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url} ({req.failure})"))
    return errors


def _sign_in_by_post(context, live_server: str, username: str, password: str) -> None:
    """Sign ``context`` in with the sign-in form's own POST (its CSRF token read from the form), without
    drawing a page: the form itself is driven in a browser by tests/test_review_pages_browser.py."""
    import re

    form = context.request.get(f"{live_server}/signin").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = context.request.post(f"{live_server}/signin", max_redirects=0, form={
        "csrf_token": token, "next": "/about", "username": username, "password": password})
    assert answer.status == 303, f"{username} was not signed in: {answer.status} {answer.text()[:300]}"


@pytest.fixture(scope="session")
def browser_contexts(browser, live_server):
    """Browser contexts kept for the worker's session, one per person signed in (and one for nobody).

    A page opened in a kept context reuses the scripts already fetched and compiled (Dash, React, Plotly,
    AG Grid: megabytes that a new context fetches and parses again), and a person signs in once per worker,
    not once per page. Nothing the app keeps in the browser outlives a page but the session cookie (it uses
    no local or session storage), and ``open_page`` clears the cookies of nobody's context after each test."""
    kept: dict[str, object] = {}

    def context_of(person: tuple[str, str] | None):
        key = person[0] if person else ""
        if key not in kept:
            context = browser.new_context()
            if person is not None:
                _sign_in_by_post(context, live_server, *person)
            kept[key] = context
        return kept[key]

    yield context_of
    for context in kept.values():
        context.close()


@pytest.fixture
def open_page(browser_contexts, live_server):
    """``open_page(path, ready, width=1280, person=None)``: a new page, ``width`` px wide, in the kept context of
    ``person`` (username, password) or of nobody, at ``path`` once ``ready`` (a selector) is there. The test
    fails on any console error, page error or failed request (as with ``page``); its pages close after it.
    A test that signs in or out through the pages uses ``page`` (a context of its own) instead."""
    opened: list[tuple[object, list[str]]] = []

    def open_(path: str, ready: str, *, width: int = 1280, height: int = 900, person: tuple[str, str] | None = None):
        pg = browser_contexts(person).new_page()
        pg.set_viewport_size({"width": width, "height": height})
        opened.append((pg, _record_errors(pg)))
        pg.goto(live_server + path)
        pg.wait_for_selector(ready)
        return pg

    yield open_
    errors = [e for _, found in opened for e in found]
    for pg, _ in opened:
        pg.close()
    browser_contexts(None).clear_cookies()  # a form posted as nobody (sign-in refused) leaves no cookie behind
    assert not errors, "browser reported errors:\n" + "\n".join(errors)


@pytest.fixture
def reader_page(browser_contexts):
    """As ``page`` (1280 x 900; the test fails on any browser error), but a page in the worker's kept context of
    nobody, whose scripts are already fetched and compiled: for a test that does not sign in. Its cookies are
    cleared after the test (a refused sign-in leaves one)."""
    context = browser_contexts(None)
    pg = context.new_page()
    pg.set_viewport_size({"width": 1280, "height": 900})
    errors = _record_errors(pg)
    yield pg
    found = list(errors)
    pg.close()
    context.clear_cookies()
    assert not found, "browser reported errors:\n" + "\n".join(found)


def _start_postgres() -> tuple[str, callable]:
    """A throwaway PostgreSQL cluster from the installed server binaries (initdb refuses root)."""
    if not (PG_BIN / "initdb").exists():
        unavailable(f"PostgreSQL server binaries not found in {PG_BIN}")
    base = Path(tempfile.mkdtemp(prefix="outcomes-pg-"))
    port = free_port()
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    subprocess.run(as_postgres + [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                  "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
    subprocess.run(as_postgres + [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w",
                                  "-o", f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -c fsync=off", "start"],
                   check=True, capture_output=True)

    def stop() -> None:
        subprocess.run(as_postgres + [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)

    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop


def _distributed() -> bool:
    """Is this process one of several pytest-xdist workers?"""
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server the tests may create databases and roles on: OUTCOMES_TEST_PG_URL for a run in
    one process, else a throwaway cluster started here (about a second), one for each pytest-xdist worker.
    Workers never share a server: the tests create databases and roles by fixed names (``guard_owner``,
    ``review_migration``), and a role belongs to the whole server, so two workers on one would collide."""
    url = os.environ.get("OUTCOMES_TEST_PG_URL")
    if url and not _distributed():
        yield url
        return
    try:
        url, stop = _start_postgres()
    except (subprocess.CalledProcessError, OSError) as exc:
        unavailable(f"could not start PostgreSQL: {exc}")
        return
    try:
        yield url
    finally:
        stop()


def pytest_sessionstart(session) -> None:
    session.config.stash[_RUN_STARTED] = (time.time(), os.getloadavg()[0])


_RUN_STARTED = pytest.StashKey[tuple]()


@pytest.hookimpl(trylast=True)  # after the slowest tests and the failures: just above the line of counts
def pytest_terminal_summary(terminalreporter, config) -> None:
    """Say which random order ran (`make test` runs quietly, which hides pytest-randomly's header), and
    record a whole-suite run for the benchmark table (benchmarks/suite_runs.py)."""
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.hasplugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(f"tests ran in random order; repeat it with: pytest --randomly-seed={seed}")
        if _whole_suite(config):
            _record_run(terminalreporter, config, seed)


def _whole_suite(config) -> bool:
    """Every test, as `make test` runs them: no files named, no -k or -m, in pytest's controller process."""
    return (config.args_source == pytest.Config.ArgsSource.TESTPATHS and not config.option.keyword
            and not config.option.markexpr and not hasattr(config, "workerinput"))


def _record_run(terminalreporter, config, seed: int) -> None:
    import datetime

    from benchmarks import suite_runs

    started, load_before = config.stash.get(_RUN_STARTED, (time.time(), 0.0))
    # `make test` passes the moment make read the Makefile, so its checks before pytest count too.
    started = float(os.environ.get("OUTCOMES_MAKE_TEST_STARTED") or started)
    counts = {kind: len(terminalreporter.stats.get(kind, [])) for kind in ("passed", "failed", "error", "skipped")}
    suite_runs.append({
        "finished": datetime.datetime.now().isoformat(timespec="seconds"), "seconds": round(time.time() - started, 1),
        "by": "make test" if os.environ.get("OUTCOMES_MAKE_TEST_STARTED") else "pytest", "seed": seed,
        "workers": getattr(config.option, "numprocesses", None) or 0, "cores": os.cpu_count(), "counts": counts,
        "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2),
    })


def new_postgres_database(server_url: str, prefix: str) -> str:
    """A fresh, empty database on the test server; its URL."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store(request, tmp_path):
    """A fresh store of this test's own, on SQLite and on PostgreSQL."""
    from datasources.store import Store

    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'outcomes.db'}")
    else:
        store = Store(new_postgres_database(request.getfixturevalue("postgres_url"), "store"))
    yield store
    store.dispose()
