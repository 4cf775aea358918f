"""Many metrics' queries at once: a framework's cold evaluation without 200 queries in a row.

Two things make a cold framework fast:

* **One query per distinct question.** Metrics that ask the very same question of the same source
  (councils keep near-duplicate measures that differ only by a target or a title) compile to the same
  SQL with the same parameters; that SQL runs once and every such metric builds from its rows.
* **Queries side by side, a few per source.** A database answers several queries at once (SQLite and
  DuckDB release the interpreter while they work), so distinct questions run in a small thread pool,
  never more at a time on one source than :data:`PER_SOURCE` allows for its kind, so a council's
  warehouse is not flooded by one page.

The rows of each question are returned as the registry gives them (a :class:`QueryResult`) or the
:class:`DataSourceError` it raised, for :class:`metrics.service.MetricsService` to judge as one
metric's query would be.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Hashable, Mapping

from sqlalchemy.sql import Executable

from datasources.engines import DataSourceError, QueryResult
from datasources.registry import DataSourceRegistry

#: At most this many queries at a time on one source, by its dialect (others: the default). Files
#: on the same two cores gain little past two; a server database is shared with other users.
PER_SOURCE = {"sqlite": 2, "duckdb": 1, "postgresql": 4}
DEFAULT_PER_SOURCE = 2

Outcome = QueryResult | DataSourceError


def question_key(registry: DataSourceRegistry, source_id: str, statement: Executable) -> Hashable:
    """The same SQL text with the same parameters on the same source is the same question."""
    compiled = statement.compile(registry.engine(source_id))
    params = compiled.construct_params()
    return source_id, str(compiled), tuple(sorted((k, repr(v)) for k, v in params.items()))


def run_questions(registry: DataSourceRegistry, jobs: Mapping[str, tuple[str, Executable]]) -> dict[str, Outcome]:
    """``{name: (source_id, statement)}`` -> ``{name: result or error}``, each distinct question
    asked once, a few at a time per source."""
    outcomes: dict[str, Outcome] = {}
    askers: dict[Hashable, list[str]] = defaultdict(list)
    limits: dict[str, int] = {}
    for name, (source_id, statement) in jobs.items():
        try:
            askers[question_key(registry, source_id, statement)].append(name)
            limits.setdefault(source_id, PER_SOURCE.get(registry.engine(source_id).dialect.name, DEFAULT_PER_SOURCE))
        except DataSourceError as exc:  # the source cannot even be named or connected
            outcomes[name] = exc
    gates = {source_id: threading.Semaphore(limit) for source_id, limit in limits.items()}

    def ask(key: Hashable) -> Outcome:
        source_id = key[0]  # type: ignore[index]
        statement = jobs[askers[key][0]][1]
        with gates[source_id]:
            try:
                return registry.execute(source_id, statement)
            except DataSourceError as exc:
                return exc

    workers = max(1, min(len(askers), sum(limits.values())))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outcomes-query") as pool:
        for key, outcome in zip(askers, pool.map(ask, askers)):
            for name in askers[key]:
                outcomes[name] = outcome
    return outcomes
