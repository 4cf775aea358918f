"""A framework's queries batched (metrics.batch): each distinct question asked once, a few at a time
per source, with the same observations as one metric at a time, and a failing source failing only its own."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from datasources.registry import DataSourceRegistry, SourceSettings
from metrics import batch
from metrics.service import MetricsService


def _database(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE falls (day TEXT, area TEXT, age INTEGER)")
        con.executemany("INSERT INTO falls VALUES (?, ?, ?)",
                        [(f"2024-{m:02d}-{d:02d}", area, 60 + (m * d) % 30)
                         for m in range(1, 13) for d in range(1, 1 + m) for area in ("E1", "E2")])


def _metric(metric_id: str, source: str, age: int, target: int) -> dict:
    return {"id": metric_id, "title": f"Falls aged {age}+ ({metric_id})", "definition": "Falls", "unit": "count",
            "polarity": "lower_is_better", "frequency": "monthly", "method": "count", "source": {"name": "test"},
            "binding": {"type": "table", "datasource": source, "table": "falls", "date_column": "day",
                        "area_column": "area", "filters": [{"column": "age", "op": "ge", "value": age}],
                        "numerator": {"count": "rows"}},
            "target": {"kind": "relative_change", "value": target, "deadline": "2024-12",
                       "baseline": {"period": "2024-01"}}}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    _database(tmp_path / "falls.db")
    metrics = [_metric("falls_65", "local", 65, -5), _metric("falls_65_again", "local", 65, -20),
               _metric("falls_75", "local", 75, -5), _metric("falls_elsewhere", "missing", 65, -5)]
    framework = {"id": "test", "title": "Test", "organisation": "Test",
                 "outcomes": [{"code": "T", "title": "Test", "sub_outcomes": [{"code": "T1", "title": "All"}]}],
                 "intentions": [{"id": "t-1", "title": "Fewer falls", "outcomes": ["T1"],
                                 "metrics": [m["id"] for m in metrics]}]}
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "datasources.yaml").write_text(json.dumps({"datasources": [
        {"id": "local", "title": "Local", "url": f"sqlite:///{tmp_path / 'falls.db'}"},
        {"id": "missing", "title": "Missing", "url": f"sqlite:///{tmp_path / 'no-such.db'}"}]}))
    (tmp_path / "config" / "framework.yaml").write_text(json.dumps({"framework": framework, "metrics": metrics}))
    return tmp_path / "config"


def _counting(service: MetricsService) -> list[str]:
    """Every query the service's registry runs, by source: one metric's, or several questions' together."""
    asked: list[str] = []
    execute, execute_parts = service.registry.execute, service.registry.execute_parts

    def counted(source_id, statement):
        asked.append(source_id)
        return execute(source_id, statement)

    def counted_parts(source_id, statement, parts):
        asked.append(source_id)
        return execute_parts(source_id, statement, parts)

    service.registry.execute = counted  # type: ignore[method-assign]
    service.registry.execute_parts = counted_parts  # type: ignore[method-assign]
    return asked


def test_prefetch_asks_each_question_once_and_gives_the_same_observations(config: Path) -> None:
    batched = MetricsService.from_config_dir(config)
    asked = _counting(batched)
    batched.prefetch(batched.framework("test").metric_ids())
    # falls_65 and falls_65_again differ only by their target: one question, asked with falls_75's (the same
    # table by the same columns) in one query; the missing source is never queried.
    assert asked == ["local"]
    one_at_a_time = MetricsService.from_config_dir(config)
    for metric_id in ("falls_65", "falls_65_again", "falls_75"):
        got, expected = batched.observations(metric_id), one_at_a_time.observations(metric_id)
        assert got.error is None and not got.frame.empty
        pd.testing.assert_frame_equal(got.frame, expected.frame)
    assert len(asked) == 1, "prefetched observations are served from the cache"
    failed = batched.observations("falls_elsewhere")
    assert failed.frame.empty and "does not exist" in failed.error
    result = batched.evaluate_framework("test")
    assert [e.status for e in result.evaluations] == [e.status for e in one_at_a_time.evaluate_framework("test").evaluations]


def test_questions_on_one_source_run_at_most_its_limit_at_a_time(tmp_path: Path, monkeypatch) -> None:
    """Every question is held inside the source until the test lets it go, one at a time: the limit's
    worth (two) are inside together, never more, and as one is let go the next comes in. No sleeps: each
    step waits for the questions to arrive (with a deadline), so a busy machine cannot change the result."""
    registry = DataSourceRegistry([SourceSettings("s", f"sqlite:///{tmp_path / 'x.db'}")], project_root=tmp_path)
    sqlite3.connect(tmp_path / "x.db").close()
    limit, distinct = 2, 8
    state = threading.Condition()
    inside: list[str] = []      # questions inside the source now, in the order they came
    let_go: set[str] = set()
    most = 0
    execute = registry.execute

    def held(source_id, statement):
        nonlocal most
        question = str(statement)
        with state:
            inside.append(question)
            most = max(most, len(inside))
            state.notify_all()
            assert state.wait_for(lambda: question in let_go, timeout=60), f"{question} was never let go"
            inside.remove(question)
            state.notify_all()
        return execute(source_id, statement)

    monkeypatch.setattr(registry, "execute", held)
    monkeypatch.setitem(batch.PER_SOURCE, "sqlite", limit)
    jobs = {f"q{i}": ("s", text(f"SELECT {i} AS n")) for i in range(distinct)}
    jobs["same_as_q0"] = ("s", text("SELECT 0 AS n"))
    outcomes: dict = {}
    asking = threading.Thread(target=lambda: outcomes.update(batch.run_questions(registry, jobs)))
    asking.start()
    try:
        for step in range(distinct):
            waiting = lambda: [q for q in inside if q not in let_go]  # noqa: E731
            with state:
                expected = min(limit, distinct - step)
                assert state.wait_for(lambda: len(waiting()) >= expected, timeout=60), \
                    f"step {step}: {len(waiting())} questions inside, expected {expected}"
                assert most <= limit, f"{most} questions inside the source at once; its limit is {limit}"
                let_go.add(waiting()[0])
                state.notify_all()
    finally:
        with state:  # on a failure, let every question go so the pool's threads end
            let_go.update(str(statement) for _, statement in jobs.values())
            state.notify_all()
        asking.join(timeout=60)
    assert most == limit
    assert [int(outcomes[f"q{i}"].frame["n"].iloc[0]) for i in range(distinct)] == list(range(distinct))
    assert outcomes["same_as_q0"] is outcomes["q0"]
