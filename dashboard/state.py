"""Where pages find the metrics service.

``app.create_app`` installs one service per process; pages and callbacks ask for it
here, so nothing is loaded at import time and tests can install their own."""

from __future__ import annotations

from metrics.service import MetricsService

_service: MetricsService | None = None
_public: bool = False


def install(service: MetricsService, public: bool = False) -> None:
    """``public``: this deployment's pages are public, so small numbers are suppressed. Set once by
    ``app.create_app`` (from OUTCOMES_PUBLIC), never from a request, so no URL can turn it off."""
    global _service, _public
    _service = service
    _public = bool(public)


def public() -> bool:
    """Are pages public (suppress values built from small counts)?"""
    return _public


def service() -> MetricsService:
    if _service is None:
        raise RuntimeError("the dashboard has no metrics service; build it with app.create_app()")
    return _service
