"""Several machines (issue 22): two real ``outcomes serve`` instances, on different ports, sharing one
PostgreSQL store, as two machines behind a load balancer would. They keep one truth: a session ended on
one is ended on the other, the sign-in limits count across both (and across their gunicorn workers), a
sign-off on one is seen on the other's next request, and an export rendered by one is not rendered
again by the other.

Each instance has its own export folder (as each machine has its own disk); a person's browser sends its
cookie to whichever instance the load balancer picks. Writes go through the pages' own callbacks."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import free_port, new_postgres_database
from tests.test_review_pages import FALLS, forge_action, forge_signoff
from tests.test_serve import OUTCOMES, Output

pytestmark = pytest.mark.postgres

SECRET = "several-machines-share-this-secret-" + "k" * 16
SIGNOFF_FRAMEWORK, SIGNOFF_PERIOD = "warwickshire", "2024-03"  # as forge_signoff sends it


class Instance:
    def __init__(self, name: str, port: int, exports: Path, process: subprocess.Popen, output: Output):
        self.name, self.port, self.exports, self.process, self.output = name, port, exports, process, output

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Answer:
    """What the forge helpers read from a response (as from Flask's test client)."""

    def __init__(self, status: int, body: bytes):
        self.status_code, self.body = status, body

    def get_data(self, as_text: bool = False):
        return self.body.decode() if as_text else self.body


class Browser:
    """One person's browser: one cookie, sent to whichever instance a request goes to."""

    def __init__(self) -> None:
        self.cookie: str | None = None
        self.at: Instance | None = None

    def on(self, instance: Instance) -> "Browser":
        self.at = instance
        return self

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.at.port, timeout=180)
        sent = dict(headers or {})
        if self.cookie:
            sent["Cookie"] = f"outcomes_session={self.cookie}"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            if name == "outcomes_session":
                self.cookie = rest.split(";", 1)[0] or None
        connection.close()
        return Answer(response.status, data)

    def post(self, path: str, json: dict, headers: dict[str, str]) -> Answer:  # as forge() calls a test client
        return self.request("POST", path, __import__("json").dumps(json).encode(),
                            {**headers, "Origin": self.at.origin, "Content-Type": "application/json"})

    def csrf(self) -> str:
        page = self.request("GET", "/signin").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def sign_in(self, username: str, password: str) -> Answer:
        form = f"username={username}&password={password}&csrf_token={self.csrf()}".encode()
        return self.request("POST", "/signin", form, {"Content-Type": "application/x-www-form-urlencoded"})

    def sign_out(self) -> Answer:
        return self.request("POST", "/signout", f"csrf_token={self.csrf()}".encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def signed_in_as(self) -> str | None:
        """What the page's header says, as the instance works it out for this request."""
        layout = self.request("GET", "/_dash-layout").get_data(as_text=True)
        found = re.search(r'"Signed in as ([^"(]+) \(', layout)
        return found.group(1) if found else None

    def page(self, path: str, search: str = "") -> str:
        body = json.dumps({
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}).encode()
        answer = self.request("POST", "/_dash-update-component", body,
                              {"Content-Type": "application/json", "Origin": self.at.origin})
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        return answer.get_data(as_text=True)


class Callbacks:
    """The app's callbacks as an instance lists them (what the forge helpers read from a Dash app)."""

    def __init__(self, instance: Instance):
        self.callback_map = {c["output"]: c for c in json.loads(Browser().on(instance).request(
            "GET", "/_dash-dependencies").get_data(as_text=True))}


@pytest.fixture(scope="module")
def machines(postgres_url, sample_db, tmp_path_factory):
    """Two instances of `outcomes serve` (two gunicorn workers each) on one PostgreSQL store."""
    from datasources.store import Store
    from review.people import add_person
    from review.sample import seed_sample_people

    url = new_postgres_database(postgres_url, "machines")
    store = Store(url)
    seed_sample_people(store)
    for username in ("guessed.one", "guessed.two"):
        add_person(store, None, username, username, "viewer", "a password never guessed")
    store.dispose()
    folder = tmp_path_factory.mktemp("machines")
    base = {k: v for k, v in os.environ.items() if k not in ("OUTCOMES_SAMPLE_PEOPLE", "OUTCOMES_EXPORT_CACHE")}
    started = []
    for name in ("a", "b"):
        port, exports = free_port(), folder / f"exports-{name}"
        env = {**base, "OUTCOMES_STORE_URL": url, "OUTCOMES_SECRET_KEY": SECRET, "OUTCOMES_EXPORT_CACHE": str(exports)}
        process = subprocess.Popen([OUTCOMES, "serve", "--port", str(port), "--workers", "2"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        started.append(Instance(name, port, exports, process, Output(process.stdout)))
    try:
        for instance in started:
            instance.output.wait_until(lambda t: "Listening at" in t and t.count("Booting worker with pid") == 2,
                                       300, f"instance {instance.name} did not start with two workers")
        yield started, url
    finally:
        # Killed, not asked to stop: nothing here is about stopping, and a graceful stop took each instance
        # seconds (its workers, then the server, letting go of a warmed heap), 27 s of the module's 60 one after
        # the other. Both are killed before either is waited for.
        for instance in started:
            os.killpg(instance.process.pid, signal.SIGKILL)  # the server and its workers, started here
        for instance in started:
            instance.process.wait(timeout=60)


def test_a_session_ended_on_one_machine_is_ended_on_the_other(machines) -> None:
    (a, b), _url = machines
    browser = Browser()
    assert browser.on(a).sign_in("sample.lead", "sample-lead-pass").status_code == 303
    assert browser.on(b).signed_in_as() == "Sam Lead"  # the load balancer sent the next request to b
    copied = browser.cookie
    assert browser.on(a).sign_out().status_code == 303
    thief = Browser()
    thief.cookie = copied
    assert thief.on(b).signed_in_as() is None
    refused = forge_action(thief.on(b), Callbacks(b), FALLS).get_data(as_text=True)
    assert "sign in to write" in refused and "Action added" not in refused


def test_sign_in_limits_count_across_both_machines(machines) -> None:
    (a, b), _url = machines
    for n in range(5):
        answer = Browser().on((a, b)[n % 2]).sign_in("guessed.one", "a wrong guess")
        assert answer.status_code == 200 and "not right" in answer.get_data(as_text=True)
    for instance in (a, b):
        refused = Browser().on(instance).sign_in("guessed.one", "a password never guessed")
        assert refused.status_code == 429, instance.name


def test_guesses_racing_on_every_worker_of_both_machines_are_all_counted(machines) -> None:
    """Four gunicorn workers let 20 of 30 guesses through when each counted its own."""
    (a, b), _url = machines

    def guess(n: int) -> int:
        return Browser().on((a, b)[n % 2]).sign_in("guessed.two", f"guess {n}").status_code

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(guess, range(12)))
    assert answers.count(200) <= 5 and answers.count(200) + answers.count(429) == 12, answers


def test_a_sign_off_on_one_machine_is_seen_on_the_others_next_request(machines) -> None:
    (a, b), _url = machines
    reader = Browser()
    search = f"?framework={SIGNOFF_FRAMEWORK}&period={SIGNOFF_PERIOD}"
    assert f"{SIGNOFF_PERIOD} is not signed off yet." in reader.on(b).page("/review", search)
    officer = Browser()
    assert officer.on(a).sign_in("sample.officer", "sample-officer-pass").status_code == 303
    done = forge_signoff(officer.on(a), Callbacks(a)).get_data(as_text=True)
    assert f"Signed off {SIGNOFF_FRAMEWORK} {SIGNOFF_PERIOD}" in done, done[:500]
    assert "Signed off by sample.officer" in reader.on(b).page("/review", search)


def test_an_export_rendered_by_one_machine_is_not_rendered_again_by_the_other(machines, service) -> None:
    import snapshots
    from datasources.store import Store

    (a, b), url = machines
    store = Store(url)
    try:
        snap = snapshots.create(service, store, "lewisham", None, "several-machines-test")
    finally:
        store.dispose()
    path = f"/snapshots/{snap.id}/download/xlsx"
    first = Browser().on(a).request("GET", path)
    second = Browser().on(b).request("GET", path)
    assert first.status_code == second.status_code == 200
    assert second.body == first.body  # the very file a rendered, byte for byte

    def origin(instance: Instance) -> dict:
        entries = [e for e in instance.exports.iterdir() if e.name.startswith(f"{snap.id}-xlsx-")]
        assert len(entries) == 1, entries
        return json.loads((entries[0] / "origin.json").read_text())

    rendered, copied = origin(a), origin(b)
    assert rendered["copied_from_store"] is False
    assert copied == {"rendered_by": rendered["rendered_by"], "copied_from_store": True}
