"""A metric page runs its own metric's query, not every query of its framework (issue 9: a metric page
of a 200-metric framework took 20 s cold because finding "the latest period" evaluated them all)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from dashboard import context

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


@pytest.mark.usefixtures("dash_app")  # the page modules register with the session's app
def test_metric_page_without_a_period_queries_only_its_metric(sample_db, app_store, monkeypatch) -> None:
    from dashboard.pages import metric as metric_page
    from metrics.service import MetricsService

    service = MetricsService.from_config_dir(CONFIG_DIR)  # cold: nothing cached
    asked: list[str] = []
    execute = service.registry.execute

    def counting(source_id, statement):
        asked.append(str(statement))
        return execute(source_id, statement)

    monkeypatch.setattr(service.registry, "execute", counting)
    server = Flask(__name__)
    context.install(server, context.AppContext(service=service, store=app_store))
    with server.test_request_context("/"):
        page = str(metric_page.layout(metric_id="falls_admissions_65plus"))
    assert "Falls" in page and "Bad period" not in page
    assert len(asked) == 1, f"{len(asked)} queries for one metric's page"
