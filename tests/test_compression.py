"""Callback answers gzip-compressed when the browser accepts it, each distinct answer compressed once;
nothing else compressed (the page shell carries the CSRF token)."""

from __future__ import annotations

import gzip
import json

from flask import Flask

from dashboard import compression

BIG = json.dumps({"response": [{"props": {"children": f"row {i}"}, "type": "Td"} for i in range(500)]})


def _client():
    server = Flask(__name__)
    server.add_url_rule(compression.CALLBACK_PATH, "callback", lambda: BIG, methods=["POST"])
    server.add_url_rule("/shell", "shell", lambda: BIG)
    compression.install(server)
    return server.test_client()


def test_a_callback_answer_is_gzipped_for_a_browser_that_accepts_it() -> None:
    client = _client()
    response = client.post(compression.CALLBACK_PATH, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert len(response.data) < len(BIG) / 5
    assert gzip.decompress(response.data).decode() == BIG
    again = client.post(compression.CALLBACK_PATH, headers={"Accept-Encoding": "gzip"})
    assert again.data == response.data


def test_the_same_answer_is_compressed_once() -> None:
    body = BIG.encode() + b" "  # not yet kept
    assert compression.compressed(body) is compression.compressed(body)


def test_nothing_else_is_compressed() -> None:
    client = _client()
    plain = client.post(compression.CALLBACK_PATH)  # no Accept-Encoding
    assert "Content-Encoding" not in plain.headers and plain.data.decode() == BIG
    shell = client.get("/shell", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in shell.headers
