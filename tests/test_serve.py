"""`outcomes serve` runs gunicorn with several workers, warmed before they start; the development
server only when asked for (--dev, --debug) or in sample mode; /healthz for a load balancer."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

OUTCOMES = str(Path(sys.executable).with_name("outcomes"))
OVERVIEW = json.dumps({
    "output": ".._pages_content.children..._pages_store.data..",
    "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
    "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"},
               {"id": "_pages_location", "property": "search", "value": "?framework=wigan"}],
    "changedPropIds": ["_pages_location.pathname"], "state": [],
}).encode()


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OUTCOMES_SAMPLE_PEOPLE"}
    return {**env, "OUTCOMES_STORE_URL": f"sqlite:///{tmp_path / 'store.db'}"}


def _get(url: str, data: bytes | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "Origin": url.split("/_dash")[0]} if data else {}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


class Output:
    """A process's output, read line by line as it comes (a thread drains the pipe), so a test waits for
    the line it needs rather than for time."""

    def __init__(self, stream) -> None:
        self._lines: list[str] = []
        self._closed = False
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def text(self) -> str:
        with self._changed:
            return "".join(self._lines)

    def wait_until(self, seen, timeout: float, what: str) -> str:
        """The output once ``seen(output)`` holds; fails at once if the process closes its output first,
        or after ``timeout`` seconds, with the output in the message."""
        with self._changed:
            self._changed.wait_for(lambda: seen("".join(self._lines)) or self._closed, timeout)
            text = "".join(self._lines)
        assert seen(text), f"{what}; the server said:\n{text}"
        return text


def test_serve_runs_gunicorn_workers_that_start_warm(sample_db, tmp_path) -> None:
    port = _port()
    server = subprocess.Popen([OUTCOMES, "serve", "--port", str(port), "--workers", "2"],
                              env=_environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, start_new_session=True)
    output = Output(server.stdout)
    try:
        # The master listens before it forks the workers, and each worker logs its start as it boots.
        text = output.wait_until(lambda t: "Listening at" in t and t.count("Booting worker with pid") == 2, 120,
                                 "the server did not listen with two workers booted in 120 s")
        assert "(gunicorn, 2 workers; every framework evaluated in" in text
        base = f"http://127.0.0.1:{port}"
        status, body = _get(f"{base}/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, body = _get(f"{base}/_dash-update-component", OVERVIEW)
        assert status == 200 and b"Wigan" in body
        assert output.text().count("Booting worker with pid") == 2
    finally:
        # Killed, not asked to stop: this test is not about stopping, and a graceful stop took seconds (the
        # workers, then the server, letting go of a warmed heap).
        os.killpg(server.pid, signal.SIGKILL)  # the server and its workers, started here
        server.wait(timeout=30)


def test_warming_evaluates_every_framework_and_closes_its_connections(sample_db, app_store) -> None:
    from types import SimpleNamespace

    from flask import Flask

    from cli.serve import warm
    from dashboard import context
    from metrics.service import MetricsService

    service = MetricsService.from_config_dir(Path(__file__).resolve().parent.parent / "config")
    server = Flask(__name__)  # not a second Dash app: Dash keeps one per test session
    context.install(server, context.AppContext(service=service, store=app_store))
    warm(SimpleNamespace(server=server))
    assert {key[0] for key in service._evaluations} == set(service.config.frameworks)
    assert service.registry._engines == {}  # nothing open to be shared by forked workers
    queries = []
    execute = service.registry.execute
    service.registry.execute = lambda *args: queries.append(args) or execute(*args)
    service.evaluate_framework("wigan")  # what a worker's first overview asks for
    assert queries == []


def test_workers_need_the_production_server(tmp_path) -> None:
    done = subprocess.run([OUTCOMES, "serve", "--dev", "--workers", "3"], env=_environment(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "--workers needs the production server" in done.stderr


def test_health_endpoint_needs_no_sign_in_and_queries_nothing(dash_app) -> None:
    response = dash_app.server.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
