"""Every response carries the security headers: a Content-Security-Policy that allows only this
server's scripts (and Dash's own inline scripts, by hash), no framing, no MIME sniffing and no
address sent to other sites. That the pages work under the policy is proved in Chromium
(test_security_browser.py)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

ROUTES = ["/", "/metric/falls_admissions_65plus", "/signin", "/healthz", "/_dash-layout", "/_dash-dependencies",
          "/assets/outcomes.css", "/snapshots/999/download/pdf", "/no/such/page"]


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", ROUTES)
def test_every_response_has_the_security_headers(dash_app, path: str) -> None:
    response = dash_app.server.test_client().get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    script = policy["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "*" not in script
    assert all(s == "'self'" or s.startswith("'sha256-") for s in script)


def test_the_policy_allows_exactly_the_inline_scripts_of_the_index_page(dash_app) -> None:
    """Each inline <script> Dash writes (its renderer start-up, clientside callbacks) is allowed by its
    hash, and nothing else is: a script injected into a page would have no hash and not run."""
    response = dash_app.server.test_client().get("/")
    page = response.get_data(as_text=True)
    inline = [body for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
              if "src=" not in attrs and "application/json" not in attrs]
    assert inline, "the index page has Dash's inline start-up script"
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
              for body in inline}
    allowed = set(directives(response.headers["Content-Security-Policy"])["script-src"]) - {"'self'"}
    assert hashes <= allowed
    evil = "'sha256-" + base64.b64encode(hashlib.sha256(b"alert(1)").digest()).decode() + "'"
    assert evil not in allowed


def test_callback_responses_have_the_headers_too(dash_app) -> None:
    response = dash_app.server.test_client().post("/_dash-update-component", json={"output": "x"},
                                                  headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
