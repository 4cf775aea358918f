"""Page titles that name what the page is about (WCAG 2.4.2): the metric, intention or framework.

Dash calls a page's title function with the path variables only (``/metric/<metric_id>``), both
when it serves the first page and in the routing callback after a link is followed. The overview
and the review pack name their framework in the query string (``?framework=cornwall``), which
Dash does not pass on, so :func:`query_value` reads it from the request in either case."""

from __future__ import annotations

from urllib.parse import parse_qs

import flask

from dashboard import context

SUFFIX = " – Outcomes monitor"
#: The input of Dash's routing callback that holds the address's query string.
_PAGES_SEARCH = "_pages_location.search"


def query_value(name: str) -> str | None:
    """``name`` from the query string of the page being shown, or None."""
    if not flask.has_request_context():
        return None
    request = flask.request
    if request.method == "GET":  # the first page load: the address itself
        return request.args.get(name) or None
    body = request.get_json(silent=True) or {}  # the routing callback: the query is one of its inputs
    for item in body.get("inputs", []):
        if isinstance(item, dict) and f"{item.get('id')}.{item.get('property')}" == _PAGES_SEARCH:
            values = parse_qs((item.get("value") or "").lstrip("?")).get(name)
            return values[0] if values else None
    return None


def framework_title(framework_id: str | None = None, prefix: str = "") -> str:
    """``<prefix><framework title> – Outcomes monitor``; a framework that does not exist says so."""
    framework_id = framework_id or query_value("framework")
    try:
        fw = context.service().framework(framework_id)
    except KeyError:
        return "Framework not found" + SUFFIX
    return f"{prefix}{fw.title}{SUFFIX}"


def overview_title(**_: str) -> str:
    return framework_title(prefix="Overview: ")


def framework_page_title(framework_id: str | None = None, **_: str) -> str:
    return framework_title(framework_id, prefix="Overview: ")


def review_title(**_: str) -> str:
    period = query_value("period")
    return framework_title(prefix="Review pack" + (f" {period}" if period else "") + ": ")


def provenance_title(**_: str) -> str:
    return framework_title(prefix="Where the targets come from: ")


def shortened(text: str, limit: int = 80) -> str:
    """A long intention (a sentence or two) is cut at a word: a tab shows the first few words only."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def metric_title(metric_id: str | None = None, **_: str) -> str:
    metrics = context.service().config.metrics
    if not metric_id or metric_id not in metrics:
        return "Metric not found" + SUFFIX
    return f"Metric: {metrics[metric_id].display_title}{SUFFIX}"


def intention_title(intention_id: str | None = None, **_: str) -> str:
    frameworks = list(context.service().config.frameworks.values())
    named = query_value("framework")  # an id may recur in two frameworks: the link names which
    frameworks.sort(key=lambda fw: fw.id != named)
    for fw in frameworks:
        intention = fw.intention(intention_id or "")
        if intention is not None:
            return f"Intention: {shortened(intention.title)}{SUFFIX}"
    return "Intention not found" + SUFFIX
