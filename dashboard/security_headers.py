"""Security headers on every response: a Content-Security-Policy the dashboard works under, no framing,
no MIME sniffing, and no address leaking to other sites.

What the pages need, checked in Chromium (tests/test_security_browser.py):
- scripts only from this server, plus Dash's own inline scripts (the renderer start-up and its
  clientside callbacks), allowed by their hashes (``Dash.csp_hashes``), so no other inline script
  runs; the JSON config block is ``type="application/json"``, data, not a script;
- Plotly inserts ``<style>`` elements and the sign-in page has style attributes: ``'unsafe-inline'``
  for styles only (a style cannot run code);
- sparklines are ``data:`` SVG images and Bootstrap's CSS holds ``data:`` icons;
- the CSV download of a metric is a ``blob:``/``data:`` link that dcc.Download clicks.
Plotly 7 draws the charts used here without ``eval``, so ``'unsafe-eval'`` is not given.
"""

from __future__ import annotations

from typing import Callable, Sequence

from flask import Flask, Response

#: Sent alongside the policy; frame-ancestors 'none' is the modern form of DENY.
FIXED_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def content_security_policy(script_hashes: Sequence[str]) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install(server: Flask, script_hashes: Callable[[], Sequence[str]]) -> None:
    """``script_hashes`` is asked at every response (a few small hashes): Dash adds the inline scripts
    of clientside callbacks when it first writes its index page, after the app is built."""

    def add_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = content_security_policy(script_hashes())
        for name, value in FIXED_HEADERS.items():
            response.headers[name] = value
        return response

    server.after_request(add_headers)
