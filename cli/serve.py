"""``outcomes serve``: the dashboard through gunicorn (several worker processes), or Flask's
development server when asked for it.

Flask's development server answers one request at a time in one process: 50 reviewers each opening
the overview every 2 seconds waited 1.3 s at the median (issue 9). gunicorn runs ``--workers``
processes. The app is built once in the parent process (``preload``) and every framework is evaluated
there before the workers are forked, so each worker starts with the parsed config and a warm
evaluation cache (shared copy-on-write) and its first request is not a cold one. Connections opened
while warming are closed before the fork: a database connection must never be shared by processes.
"""

from __future__ import annotations

import os
import time
from typing import Any


def warm(dash_app: Any) -> float:
    """Evaluate every framework at its latest period in this process; the seconds it took."""
    from dashboard import context
    from review.judgement import framework_evaluation

    started = time.perf_counter()
    with dash_app.server.app_context():
        app_context = context.current()
    service = app_context.service
    for framework_id in service.config.frameworks:
        for public in {False, app_context.public}:  # what the pages will ask for, as they ask it: with the
            # store's SPC change points, part of the cached evaluations' key
            framework_evaluation(app_context.store, service, framework_id, None, suppress=public)
    # No connection may cross the fork: each worker opens its own.
    service.registry.dispose()
    app_context.store.dispose()
    return time.perf_counter() - started


def default_workers() -> int:
    """One worker per core, at least two, so one slow request does not hold up the rest."""
    return max(2, os.cpu_count() or 1)


def run_gunicorn(dash_app: Any, host: str, port: int, workers: int, timeout: int = 120) -> None:
    """Serve ``dash_app`` with gunicorn until stopped (blocks)."""
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):
        def load_config(self) -> None:
            settings = {"bind": f"{host}:{port}", "workers": workers, "preload_app": True, "timeout": timeout,
                        "accesslog": "-", "errorlog": "-", "worker_class": "sync",
                        # gunicorn 27's control socket sits in the user's home, shared by every
                        # instance on the machine; the dashboard needs none.
                        "control_socket_disable": True}
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return dash_app.server

    Application().run()
