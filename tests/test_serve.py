"""`outcomes serve` runs gunicorn with several workers, warmed before they start; the development
server only when asked for (--dev, --debug) or in sample mode; /healthz for a load balancer."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
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


def test_serve_runs_gunicorn_workers_that_start_warm(sample_db, tmp_path) -> None:
    port = _port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([OUTCOMES, "serve", "--port", str(port), "--workers", "2"],
                                  env=_environment(tmp_path), stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                status, body = _get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "server did not answer in 120 s:\n" + log.read_text()
                time.sleep(0.5)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        # The first worker may answer before the second has logged its start: wait for it (not forever).
        booted = time.monotonic() + 30
        while log.read_text().count("Booting worker with pid") < 2 and time.monotonic() < booted:
            time.sleep(0.2)
        text = log.read_text()
        assert "(gunicorn, 2 workers; every framework evaluated in" in text
        assert text.count("Booting worker with pid") == 2
        status, body = _get(f"{base}/_dash-update-component", OVERVIEW)
        assert status == 200 and b"Wigan" in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and its workers, started here
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
