"""Links into the product, from ``OUTCOMES_BASE_URL`` (e.g. https://outcomes.example.gov.uk)."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def review_pack(base_url: str, framework_id: str, period: str, metric_id: str | None = None) -> str:
    url = f"{base_url.rstrip('/')}/review/{quote(framework_id)}?{urlencode({'period': period})}"
    return url + (f"#metric-{quote(metric_id)}" if metric_id else "")
