"""Where pages find the metrics service.

``app.create_app`` installs one service per process; pages and callbacks ask for it
here, so nothing is loaded at import time and tests can install their own."""

from __future__ import annotations

from metrics.service import MetricsService

_service: MetricsService | None = None


def install(service: MetricsService) -> None:
    global _service
    _service = service


def service() -> MetricsService:
    if _service is None:
        raise RuntimeError("the dashboard has no metrics service; build it with app.create_app()")
    return _service
