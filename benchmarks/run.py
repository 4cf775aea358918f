"""Speed benchmarks: prints timings and ratios (never asserted in unit tests).

    make bench        # or: .venv/bin/python -m benchmarks.run

1. The falls metric aggregated in the database vs. reading the raw admissions into pandas
   and grouping there (what the product must never do): the ratio says how much the
   database-side aggregation saves.
2. The overview page's server-side work (evaluate the framework and build the layout):
   cold (empty cache) vs. warm (cached observations), and the HTTP response time of the
   Dash callback that renders it.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Callable

import pandas as pd
from sqlalchemy import create_engine, text

from metrics.compile import compile_metric
from metrics.service import MetricsService

PROJECT = Path(__file__).resolve().parent.parent


def median_seconds(action: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def aggregate_in_database(service: MetricsService) -> float:
    metric = service.metric("falls_admissions_65plus")
    statement = compile_metric(metric)
    return median_seconds(lambda: service.registry.execute("sample", statement))


def aggregate_in_pandas(db: Path) -> float:
    engine = create_engine(f"sqlite:///{db}")

    def run() -> None:
        with engine.connect() as conn:
            raw = pd.read_sql(text("SELECT admission_date, area_code, age, cause, admission_method "
                                   "FROM hospital_admissions"), conn)
        raw = raw[(raw["cause"] == "falls") & (raw["age"] >= 65) & (raw["admission_method"] == "emergency")]
        raw["month"] = raw["admission_date"].astype(str).str[:7]
        raw.groupby(["month", "area_code"]).size()

    return median_seconds(run)


def overview_times() -> tuple[float, float, float]:
    """Server-side time to render the overview through Dash's own page callback, as a
    browser would ask for it: first request (cold cache), then the median of warm ones."""
    from app import create_app

    app = create_app(service=MetricsService.from_config_dir(PROJECT / "config"))
    client = app.server.test_client()
    client.get("/")  # the page shell
    payload = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"},
                   {"id": "_pages_location", "property": "search", "value": "?framework=warwickshire"}],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }

    def request() -> None:
        response = client.post("/_dash-update-component", json=payload)
        if response.status_code != 200 or b"Warwickshire" not in response.data:
            raise RuntimeError(f"overview callback failed: {response.status_code} {response.data[:300]!r}")

    started = time.perf_counter()
    request()
    cold = time.perf_counter() - started
    warm = median_seconds(request, repeats=5)
    shell = median_seconds(lambda: client.get("/"), repeats=5)
    return cold, warm, shell


def main() -> None:
    db = PROJECT / "sample_data" / "sample.db"
    service = MetricsService.from_config_dir(PROJECT / "config")
    in_db = aggregate_in_database(service)
    in_pandas = aggregate_in_pandas(db)
    print(f"falls metric, aggregate in SQLite:          {in_db * 1000:8.1f} ms")
    print(f"falls metric, raw rows into pandas:         {in_pandas * 1000:8.1f} ms")
    print(f"ratio pandas / database:                    {in_pandas / in_db:8.1f} x")
    cold, warm, shell = overview_times()
    print(f"overview page shell (GET /):                {shell * 1000:8.1f} ms")
    print(f"overview content callback, cold cache:      {cold * 1000:8.1f} ms")
    print(f"overview content callback, warm cache:      {warm * 1000:8.1f} ms")
    print(f"ratio cold / warm:                          {cold / warm:8.1f} x")


if __name__ == "__main__":
    main()
