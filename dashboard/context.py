"""The application context: what every page and route of one app works with.

``app.create_app`` builds one :class:`AppContext` (the metrics service, the app's store and
the audience) and keeps it on the Flask server. Pages and callbacks run inside a Flask
request, so they ask for it through ``flask.current_app``; nothing is a module global, and
two apps in one process (as in tests) never see each other's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app

from datasources.health import HealthMonitor
from datasources.store import Store
from metrics.service import MetricsService
from snapshots import Snapshot

EXTENSION_KEY = "outcomes"


@dataclass(frozen=True)
class AppContext:
    service: MetricsService
    store: Store
    #: Public deployment: values built from small counts are suppressed on every page. Set when
    #: the app is built (from OUTCOMES_PUBLIC), never from a request, so no URL can turn it off.
    public: bool = False
    #: Source health as the About page shows it: checked with a short limit and kept briefly.
    health: HealthMonitor = field(default=None)  # type: ignore[assignment]
    #: Called with the store and the new snapshot once a period is signed off on the review pack: the work that
    #: follows belongs to a layer above this one (``app.create_app`` passes the drawing of the snapshot's report
    #: charts and the rendering of its report files in the background, ``reports.after_sign_off``).
    after_sign_off: Callable[[Store, Snapshot], object] | None = None

    def __post_init__(self) -> None:
        if self.health is None:
            object.__setattr__(self, "health", HealthMonitor(self.service.registry))


def install(server: Flask, context: AppContext) -> None:
    server.extensions[EXTENSION_KEY] = context


def current() -> AppContext:
    try:
        return current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError("this app has no outcomes context; build it with app.create_app()") from None


def service() -> MetricsService:
    return current().service


def store() -> Store:
    return current().store


def public() -> bool:
    return current().public


def health() -> HealthMonitor:
    return current().health
