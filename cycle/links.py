"""Links into the product, from ``OUTCOMES_BASE_URL`` (e.g. https://outcomes.example.gov.uk)."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def review_pack(base_url: str, framework_id: str, period: str, metric_id: str | None = None) -> str:
    # The review pack page (dashboard/pages/review.py) takes the framework and period as query values;
    # each exception is an element with id metric-<id> (or intention-<id>).
    url = f"{base_url.rstrip('/')}/review?{urlencode({'framework': framework_id, 'period': period})}"
    return url + (f"#metric-{quote(metric_id)}" if metric_id else "")
