"""Source health as the About page shows it: checked concurrently with a short limit, and kept for a
short while, so a source that never answers costs one page a couple of seconds, not every page its
connect timeout (it was 5 s on every load of /about)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from flask import Flask

from datasources.health import HealthMonitor
from datasources.registry import DataSourceRegistry, SourceSettings

PROJECT = Path(__file__).resolve().parent.parent


class SilentServer:
    """A TCP port that accepts connections and never says a word (a hung database, a firewall that
    swallows packets after the handshake)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def url(self) -> str:
        return f"postgresql+psycopg://nobody@127.0.0.1:{self.port}/nothing"

    def close(self) -> None:
        for conn in self.accepted:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent():
    server = SilentServer()
    yield server
    server.close()


def test_a_source_that_never_answers_is_reported_after_the_short_limit_and_not_asked_again(silent) -> None:
    # A 30 s source limit gives psycopg a 10 s connect timeout: without the short check the first
    # call would wait at least that long.
    registry = DataSourceRegistry([SourceSettings(id=f"silent{n}", url=silent.url(), timeout_seconds=30)
                                   for n in range(3)], PROJECT)
    monitor = HealthMonitor(registry, check_seconds=1.5, keep_seconds=30)
    started = time.monotonic()
    first = monitor.health(registry.ids)
    first_took = time.monotonic() - started
    assert first_took < 8, f"the first check waited {first_took:.1f} s (a source's connect timeout)"
    for answer in first.values():
        assert not answer.ok
        assert "did not answer within 1.5 s" in answer.message
    # The three were asked at once: each opened its connection within the one short wait.
    assert len(silent.accepted) == 3

    started = time.monotonic()
    second = monitor.health(registry.ids)
    second_took = time.monotonic() - started
    assert [a.message for a in second.values()] == [a.message for a in first.values()]
    assert len(silent.accepted) == 3, "the second page asked the silent sources again"
    assert second_took < first_took / 2


def test_an_answer_is_kept_for_the_short_while_then_asked_again(sample_db) -> None:
    registry = DataSourceRegistry([SourceSettings(id="sample", url=f"sqlite:///{sample_db}")], PROJECT)
    asked: list[str] = []
    real = registry.health
    registry.health = lambda source_id: (asked.append(source_id), real(source_id))[1]  # type: ignore[method-assign]
    now = [1000.0]
    monitor = HealthMonitor(registry, check_seconds=2, keep_seconds=30, clock=lambda: now[0])
    assert monitor.health(["sample"])["sample"].ok
    now[0] += 29
    assert monitor.health(["sample"])["sample"].ok
    assert asked == ["sample"]
    now[0] += 2
    assert monitor.health(["sample"])["sample"].message == "connected"
    assert asked == ["sample", "sample"]


def test_a_check_that_raises_is_that_sources_answer(sample_db) -> None:
    registry = DataSourceRegistry([SourceSettings(id="sample", url=f"sqlite:///{sample_db}")], PROJECT)

    def broken(source_id):
        raise RuntimeError("driver fell over")

    registry.health = broken  # type: ignore[method-assign]
    answer = HealthMonitor(registry, check_seconds=2).health(["sample"])["sample"]
    assert not answer.ok and answer.message == "driver fell over"


@pytest.mark.usefixtures("dash_app")  # the page modules register with the session's app
def test_about_page_says_the_source_did_not_answer_and_answers_at_once_the_second_time(
        silent, sample_db, app_store, tmp_path, monkeypatch) -> None:
    from dashboard import context
    from dashboard.pages import about
    from metrics.service import MetricsService

    config = tmp_path / "config"
    shutil.copytree(PROJECT / "config", config)
    (config / "ingest.yaml").unlink()  # its files are named relative to the project folder
    with (config / "datasources.yaml").open("a") as out:
        out.write(f"  - id: silent\n    title: A database that never answers\n    url: {silent.url()}\n"
                  "    timeout_seconds: 30\n")
    monkeypatch.setenv("OUTCOMES_SAMPLE_DB_URL", f"sqlite:///{sample_db}")
    service = MetricsService.from_config_dir(config)
    server = Flask(__name__)
    context.install(server, context.AppContext(service=service, store=app_store))
    with server.test_request_context("/about"):
        started = time.monotonic()
        first = str(about.layout())
        first_took = time.monotonic() - started
        started = time.monotonic()
        second = str(about.layout())
        second_took = time.monotonic() - started
    assert "Unavailable: did not answer within 2 s" in first
    assert "Reachable" in first  # the sample database still answers beside it
    assert first_took < 8
    assert second == first
    assert len(silent.accepted) == 1, "the second load asked the silent source again"
    assert second_took < first_took / 2
