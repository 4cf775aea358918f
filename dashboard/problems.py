"""Bad input never gets a bare HTTP 500: a clear page for an address, a clear message for a callback.

Pages and callbacks check what they are given and say what is wrong (an unknown framework, a period
that is not a month). This module is the net under them: a callback request that is not one this app
can answer is refused with 400 and the reason; an error nobody foresaw is logged for the operator with
a reference and the reader sees a sentence with that reference, never a traceback. The reader's
words stay in their boxes: only ``children`` outputs (messages) are replaced, other outputs keep
their values (``no_update``).
"""

from __future__ import annotations

import logging
import secrets
from html import escape
from typing import Any

import dash
from dash import html, no_update
from dash.exceptions import DependencyException
from flask import Flask, Response, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from datasources.store import StoreError

log = logging.getLogger("outcomes.problems")

#: The id of the message shown when something unforeseen went wrong (tests look for it).
UNEXPECTED_ID = "unexpected-problem"
#: The id of the message shown when the app's own store cannot be used (read-only, full, unreachable).
STORE_PROBLEM_ID = "store-problem"
#: What a reader is told then: the store is the app's, so nothing they typed is at fault.
STORE_WORDS = ("The monitor's own store cannot be used just now (it may be read-only, full or unreachable), so "
               "this could not be done. Pages that only show figures still work; try again later, and if it "
               "goes on, tell the operator.")
#: Errors of the app's store: a data source's errors never reach here (each becomes its metrics' "no data").
STORE_ERRORS = (DBAPIError, StoreError)
#: The largest request body the app reads (a callback's inputs, a sign-in form): far above any the pages send
#: (a commentary is at most a few thousand characters), far below what would tie up a worker's memory.
MAX_REQUEST_BYTES = 1024 * 1024
CALLBACK_PATH = "/_dash-update-component"


def _reference() -> str:
    return secrets.token_hex(4)


def unexpected_message(reference: str) -> html.Div:
    return html.Div([html.P("Something went wrong on the server while showing this. It has been logged for the "
                            f"operator with reference {reference}."),
                     html.P("Check the address or your choice and try again; if it happens again, tell the "
                            "operator the reference.", className="mb-0")],
                    role="alert", className="alert alert-danger", id=UNEXPECTED_ID)


def store_message(reference: str) -> html.Div:
    return html.Div([html.P(STORE_WORDS), html.P(f"Reference for the operator: {reference}.", className="mb-0")],
                    role="alert", className="alert alert-warning", id=STORE_PROBLEM_ID)


def callback_error(exc: Exception) -> Any:
    """Dash's ``on_error``: the trace to the log, a message with its reference to every text output (the
    store's own words when it was the app's store that failed)."""
    reference = _reference()
    log.error("callback failed (reference %s)", reference, exc_info=exc)
    message = store_message if isinstance(exc, STORE_ERRORS) else unexpected_message
    outputs = dash.callback_context.outputs_list
    if isinstance(outputs, dict):
        return message(reference) if outputs.get("property") == "children" else no_update
    shown = [message(reference) if o.get("property") == "children" else no_update for o in outputs]
    for later in [m for m in shown if m is not no_update][1:]:
        later.id = None  # one element with the id: ids are unique on a page
    return shown


def _page(status: int, title: str, words: str) -> Response:
    body = (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)} – Outcomes '
            f'monitor</title><link rel="stylesheet" href="/assets/0-bootstrap.min.css">'
            f'<link rel="stylesheet" href="/assets/outcomes.css"></head><body><main id="main" class="container mt-4">'
            f'<h1 class="h2">{escape(title)}</h1><p>{escape(words)}</p><p><a href="/">Go to the overview</a></p>'
            "</main></body></html>")
    return Response(body, status=status, mimetype="text/html")


def callback_request_problem(body: Any, known_outputs: set[str]) -> str | None:
    """Why a callback request cannot be one of this app's, or None. Dash itself would fail on these
    with a KeyError (HTTP 500)."""
    if not isinstance(body, dict):
        return "the request body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in known_outputs:
        return "it names no callback of this app in 'output'"
    if not isinstance(body.get("outputs"), (dict, list)):
        return "'outputs' is missing"
    for part in ("inputs", "state"):
        items = body.get(part, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i and "property" in i
                                                  for i in items):
            return f"'{part}' is not a list of {{id, property, value}}"
    for item in body.get("inputs", []):
        # Dash's own page routing reads the address as text and fails on anything else.
        if item["id"] == "_pages_location" and item["property"] == "pathname" \
                and not (isinstance(item.get("value"), str) and item["value"].startswith("/")):
            return "the page address (pathname) is not text starting with /"
        if item["id"] == "_pages_location" and item["property"] == "search" \
                and not isinstance(item.get("value"), (str, type(None))):
            return "the query of the page address (search) is not text"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' is not a list of names"
    return None


def install(app: dash.Dash) -> None:
    """The 400 for requests that are not this app's callbacks, the 413 for a body over
    :data:`MAX_REQUEST_BYTES` (refused before it is read), and clear pages for HTTP errors."""
    server: Flask = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES

    def refuse_malformed_callbacks() -> Response | None:
        if request.method != "POST" or request.path != CALLBACK_PATH:
            return None
        problem = callback_request_problem(request.get_json(silent=True), set(app.callback_map))
        if problem is None:
            return None
        return Response(f"Bad callback request: {problem}. Reload the page.", status=400, mimetype="text/plain")

    server.before_request(refuse_malformed_callbacks)

    def http_error(exc: HTTPException):
        if request.path.startswith("/_dash-"):
            return Response(f"{exc.code} {exc.name}: {exc.description}", status=exc.code, mimetype="text/plain")
        words = {404: "There is no page at this address. Check the address, or start from the overview."}
        return _page(exc.code or 500, exc.name, words.get(exc.code, exc.description or exc.name))

    def unexpected(exc: Exception):
        reference = _reference()
        log.error("request %s %s failed (reference %s)", request.method, request.path, reference, exc_info=exc)
        return _page(500, "Something went wrong", "Something went wrong on the server. It has been logged for "
                     f"the operator with reference {reference}; if it happens again, tell them the reference.")

    def store_unusable(exc: Exception):
        """Signing in (or out, or anything that writes) on a read-only, full or unreachable store: 503."""
        reference = _reference()
        log.error("request %s %s: the store failed (reference %s)", request.method, request.path, reference,
                  exc_info=exc)
        return _page(503, "Not available just now", f"{STORE_WORDS} Reference for the operator: {reference}.")

    def no_such_file(_exc: Exception):
        """A component-suite address Dash does not serve (an unknown package, a ``..`` in the path)."""
        return Response("404 Not Found: no such file.", status=404, mimetype="text/plain")

    server.register_error_handler(HTTPException, http_error)
    server.register_error_handler(DependencyException, no_such_file)
    for error in STORE_ERRORS:
        server.register_error_handler(error, store_unusable)
    server.register_error_handler(Exception, unexpected)
