"""One metric whose data break the statistics leaves the rest of its framework working.

A database of the test's own feeds four metrics added to Warwickshire's falls intention: a
proportion whose numerator is above its denominator, a count that goes negative (both made the
statistics raise ValueError, which took the overview, the frameworks page, every metric page of
the framework and ``snapshot create`` down with HTTP 500 or a traceback), a rate whose denominator
is zero (once "no figures for any period") and a ``type: sql`` count without a denominator
column (once an error about a missing column, though the README calls it optional)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_serve import OVERVIEW

PROJECT = Path(__file__).resolve().parent.parent
OUTCOMES = str(Path(sys.executable).with_name("outcomes"))
PERIOD = "2016-03"
ADDED = ["broken_proportion", "negative_count", "zero_denominator_rate", "sql_count_without_denominator"]

BROKEN = """\
datasources:
  - id: figures
    title: Figures that break the statistics
    url: sqlite:///{db}
metrics:
  - id: broken_proportion
    title: Carers offered an assessment
    definition: Carers offered an assessment as a share of carers known
    unit: percent
    polarity: higher_is_better
    frequency: monthly
    method: proportion
    source: {{name: test figures, synthetic: true}}
    binding:
      type: table
      datasource: figures
      table: figures
      date_column: month
      area_column: area
      filters: [{{column: kind, op: eq, value: over}}]
      numerator: {{sum: num}}
      denominator: {{sum: den}}
  - id: negative_count
    title: Reviews completed
    definition: Reviews of care plans completed
    unit: count
    polarity: higher_is_better
    frequency: monthly
    method: count
    source: {{name: test figures, synthetic: true}}
    binding:
      type: table
      datasource: figures
      table: figures
      date_column: month
      area_column: area
      filters: [{{column: kind, op: eq, value: negative}}]
      numerator: {{sum: num}}
  - id: zero_denominator_rate
    title: Delayed discharges per 1,000 beds
    definition: Delayed discharges per 1,000 occupied beds
    unit: rate_per_1000
    polarity: lower_is_better
    frequency: monthly
    method: crude_rate
    multiplier: 1000
    source: {{name: test figures, synthetic: true}}
    binding:
      type: table
      datasource: figures
      table: figures
      date_column: month
      area_column: area
      filters: [{{column: kind, op: eq, value: zero}}]
      numerator: {{sum: num}}
      denominator: {{sum: den}}
  - id: sql_count_without_denominator
    title: Safeguarding enquiries
    definition: Section 42 safeguarding enquiries started
    unit: count
    polarity: lower_is_better
    frequency: monthly
    method: count
    source: {{name: test figures, synthetic: true}}
    binding:
      type: sql
      datasource: figures
      sql: "SELECT month AS period_date, area, num AS numerator FROM figures WHERE kind = :kind"
      params: {{kind: fine}}
    target:
      kind: level
      value: 10
      deadline: 2017-03
      baseline: {{period: 2015-04, value: 20}}
"""


def _database(path: Path) -> None:
    rows = []
    for month in range(1, 13):
        stamp = f"{2015 + (month + 2) // 12}-{(month + 2) % 12 + 1:02d}-01"  # April 2015 to March 2016
        rows += [(stamp, "E10000031", "over", 12.0 if month == 12 else 5.0, 10.0),
                 (stamp, "E10000031", "negative", -3.0 if month == 6 else 4.0, None),
                 (stamp, "E10000031", "zero", 7.0, 0.0),
                 (stamp, "E10000031", "fine", 20.0 - month, None)]
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE figures (month TEXT, area TEXT, kind TEXT, num REAL, den REAL)")
        conn.executemany("INSERT INTO figures VALUES (?, ?, ?, ?, ?)", rows)
    conn.close()


@pytest.fixture(scope="module")
def broken_config(tmp_path_factory, sample_db) -> Path:
    """The project's config with the four metrics in Warwickshire's falls intention."""
    root = tmp_path_factory.mktemp("fault-isolation")
    _database(root / "figures.db")
    config = root / "config"
    shutil.copytree(PROJECT / "config", config)
    (config / "ingest.yaml").unlink()  # its file paths are relative to the real project folder
    (config / "broken.yaml").write_text(BROKEN.format(db=root / "figures.db"))
    framework = config / "frameworks" / "warwickshire.yaml"
    text = framework.read_text()
    assert "metrics: [falls_admissions_65plus]" in text
    framework.write_text(text.replace("metrics: [falls_admissions_65plus]",
                                      f"metrics: [falls_admissions_65plus, {', '.join(ADDED)}]", 1))
    return config


@pytest.fixture(scope="module")
def broken_service(broken_config: Path, sample_db: Path, monkeypatch_module):
    from metrics.service import MetricsService

    monkeypatch_module.setenv("OUTCOMES_SAMPLE_DB_URL", f"sqlite:///{sample_db}")
    return MetricsService.from_config_dir(broken_config)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def broken_app(dash_app, broken_service, tmp_path_factory):
    """An app on the broken service. Dash hands the ``@callback`` callbacks to the next app that
    serves a request, so the session's app serves one first and this one right after it is built."""
    from app import create_app
    from datasources.store import Store

    dash_app.server.test_client().get("/")
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('fault-store') / 'outcomes.db'}")
    app = create_app(service=broken_service, store=store, public=False)
    app.server.test_client().get("/")
    yield app
    store.dispose()


def _page(app, path: str, search: str = "") -> tuple[int, str]:
    body = json.loads(OVERVIEW)
    body["inputs"] = [{"id": "_pages_location", "property": "pathname", "value": path},
                      {"id": "_pages_location", "property": "search", "value": search}]
    response = app.server.test_client().post("/_dash-update-component", json=body,
                                             headers={"Origin": "http://localhost"})
    return response.status_code, response.get_data(as_text=True)


def test_each_broken_metric_is_no_data_with_its_reason_and_the_rest_are_judged(broken_config, broken_service,
                                                                              caplog) -> None:
    from metrics.service import MetricsService

    # A service of its own: the module's may have computed (and logged) these metrics in an earlier test.
    fresh = MetricsService.from_config_dir(broken_config)
    with caplog.at_level(logging.ERROR, logger="outcomes.metrics"):
        result = fresh.evaluate_framework("warwickshire", PERIOD)
    by_id = {e.metric_id: e for e in result.evaluations}
    over = by_id["broken_proportion"]
    assert over.status == "no_data"
    assert "numerator is above the denominator" in over.status_reason
    assert "March 2016" in over.status_reason and "numerator 12, denominator 10" in over.status_reason
    negative = by_id["negative_count"]
    assert negative.status == "no_data" and "numerator is negative" in negative.status_reason
    assert "September 2015" in negative.status_reason
    zero = by_id["zero_denominator_rate"]
    assert zero.status == "no_data"
    assert "the denominator is 0 in Mar 2016 and every earlier period" in zero.status_reason
    assert "no figures for any period" not in zero.status_reason
    sql_count = by_id["sql_count_without_denominator"]
    assert sql_count.status != "no_data" and sql_count.value == 8.0  # 20 - 12 in March 2016
    # the framework's own metrics are judged as before
    assert by_id["falls_admissions_65plus"].status in {"on_track", "at_risk", "off_track", "achieved"}
    judged = [e for e in result.evaluations if e.metric_id not in ADDED and e.status != "no_data"]
    assert len(judged) >= 5
    # the operator gets a trace for each metric that failed
    traced = [r for r in caplog.records if r.exc_info is not None]
    assert {m for m in ("broken_proportion", "negative_count") if any(m in r.getMessage() for r in traced)} \
        == {"broken_proportion", "negative_count"}


def test_an_unexpected_error_in_one_metric_is_that_metric_no_data(broken_service, monkeypatch, caplog) -> None:
    """Anything else that goes wrong (here: the insights step raising) is caught for that metric alone."""
    import metrics.service as service_module

    real = service_module.enrich

    def fails_for_falls(evaluation, *args, **kwargs):
        if evaluation.metric_id == "falls_admissions_65plus":
            raise RuntimeError("simulated fault in the SPC step")
        return real(evaluation, *args, **kwargs)

    monkeypatch.setattr(service_module, "enrich", fails_for_falls)
    with caplog.at_level(logging.ERROR, logger="outcomes.metrics"):
        result = broken_service.evaluate_framework("warwickshire", "2016-02")
    by_id = {e.metric_id: e for e in result.evaluations}
    falls = by_id["falls_admissions_65plus"]
    assert falls.status == "no_data"
    assert "could not be evaluated at February 2016: simulated fault in the SPC step" in falls.status_reason
    assert by_id["dementia_diagnosis_rate_65plus"].status != "no_data"
    assert any(r.exc_info and "falls_admissions_65plus" in r.getMessage() for r in caplog.records)


def test_overview_frameworks_and_metric_pages_answer_over_http(broken_app) -> None:
    status, body = _page(broken_app, "/", f"?framework=warwickshire&period={PERIOD}")
    assert status == 200, body[:2000]
    assert "Falls admissions 65+" in body  # the falls intention's headline measure
    # Its other metrics, the failing ones among them, are on its intention's page.
    status, body = _page(broken_app, "/intention/fe-13-falls-prevention", f"?framework=warwickshire&period={PERIOD}")
    assert status == 200 and "Carers offered an assessment" in body
    status, body = _page(broken_app, "/frameworks")
    assert status == 200 and "Warwickshire" in body
    status, body = _page(broken_app, "/metric/broken_proportion", f"?period={PERIOD}")
    assert status == 200 and "numerator is above the denominator" in body
    status, body = _page(broken_app, "/metric/zero_denominator_rate", f"?period={PERIOD}")
    assert status == 200 and "the denominator is 0 in Mar 2016" in body
    status, body = _page(broken_app, "/metric/falls_admissions_65plus", f"?period={PERIOD}")
    assert status == 200 and "numerator is above" not in body and "Falls" in body


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([OUTCOMES, *args], capture_output=True, text=True, env=env, timeout=300)


def test_evaluate_and_snapshot_create_go_on_in_the_cli(broken_config, sample_db, tmp_path) -> None:
    env = {**os.environ, "OUTCOMES_SAMPLE_DB_URL": f"sqlite:///{sample_db}",
           "OUTCOMES_STORE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    done = _cli("evaluate", "--config", str(broken_config), "--framework", "warwickshire", "--period", PERIOD,
                "--format", "json", env=env)
    assert done.returncode == 0, done.stderr  # no crash: the traces on stderr are the operator's log lines
    assert "metric broken_proportion: its figures could not be computed" in done.stderr
    by_id = {m["metric_id"]: m for m in json.loads(done.stdout)["metrics"]}
    assert by_id["broken_proportion"]["status"] == "no_data"
    assert "numerator is above the denominator" in by_id["broken_proportion"]["status_reason"]
    assert by_id["falls_admissions_65plus"]["status"] != "no_data"
    # The rest in this process (the same Typer app the command runs), for time: each command started anew
    # spends a second or two importing before it does anything; the process boundary was crossed above.
    from typer.testing import CliRunner

    from cli.main import app

    def in_process(*args: str):
        return CliRunner().invoke(app, list(args), env=env)

    assert in_process("user", "add", "tester", "--name", "Tester", "--role", "performance_officer").exit_code == 0
    done = in_process("snapshot", "create", "--config", str(broken_config), "--framework", "warwickshire",
                      "--period", PERIOD, "--as", "tester")
    assert done.exit_code == 0, done.output
    snapshot_id = json.loads(done.stdout)["id"]
    shown = in_process("snapshot", "show", str(snapshot_id))
    metrics = {m["metric_id"]: m for m in json.loads(shown.stdout)["metrics"]}
    # A snapshot is published, so its reason is the public sentence (no figures from the bad rows);
    # the metric is still no_data on its own and the rest of the framework was frozen with figures.
    assert metrics["negative_count"]["status"] == "no_data"
    assert metrics["negative_count"]["status_reason"].startswith("No data:")
    assert metrics["falls_admissions_65plus"]["status"] != "no_data"
