"""Many metrics' queries at once: a framework's cold evaluation without 200 queries in a row.

Three things make a cold framework fast:

* **One query per distinct question.** Metrics that ask the very same question of the same source
  (councils keep near-duplicate measures that differ only by a target or a title) compile to the same
  SQL with the same parameters; that SQL runs once and every such metric builds from its rows.
* **One scan per table.** Distinct questions of table-bound metrics that read the same table by the same
  date and area columns and frequency (:func:`metrics.compile.combined_key`) are asked in one query, each
  question's figures aggregated over its own rows (:func:`metrics.compile.compile_combined`), and each
  question's rows come back as the frame its own query gives (:func:`datasources.engines.run_parts`). If
  that query fails or its rows are over the source's row cap, each question is asked on its own, so an
  error (a misspelt column in one metric's filter) is that metric's alone.
* **Queries side by side, a few per source.** A database answers several queries at once (SQLite and
  DuckDB release the interpreter while they work), so queries run in a small thread pool, never more at
  a time on one source than :data:`PER_SOURCE` allows for its kind, so a council's warehouse is not
  flooded by one page.

The rows of each question are returned as the registry gives them (a :class:`QueryResult`) or the
:class:`DataSourceError` it raised, for :class:`metrics.service.MetricsService` to judge as one
metric's query would be.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Hashable, Mapping

from sqlalchemy.sql import Executable

from datasources.engines import DataSourceError, Part, QueryResult
from datasources.registry import DataSourceRegistry
from metrics.compile import MAX_COMBINED, combined_key, compile_combined
from metrics.compile_extras import COLUMNS as EXTRA_COLUMNS, compile_extras_together, extras_key
from metrics.definitions.models import Metric

log = logging.getLogger("outcomes.metrics")

#: At most this many queries at a time on one source, by its dialect (others: the default). Files
#: on the same two cores gain little past two; a server database is shared with other users.
PER_SOURCE = {"sqlite": 2, "duckdb": 1, "postgresql": 4}
DEFAULT_PER_SOURCE = 2

Outcome = QueryResult | DataSourceError

_COLUMNS = ("period_start", "area", "numerator", "denominator")  # a table-bound metric's own query's
FIGURES = "figures"  # the kind of a metric's own question (its figures), beside the extras' kinds


def question_key(registry: DataSourceRegistry, source_id: str, statement: Executable) -> Hashable:
    """The same SQL text with the same parameters on the same source is the same question."""
    compiled = statement.compile(registry.engine(source_id))
    params = compiled.construct_params()
    return source_id, str(compiled), tuple(sorted((k, repr(v)) for k, v in params.items()))


def run_questions(registry: DataSourceRegistry, jobs: Mapping[str, tuple[str, Executable]],
                  metrics: Mapping[str, Metric] | None = None,
                  extras: Mapping[str, tuple[str, Metric]] | None = None) -> dict[str, Outcome]:
    """``{name: (source_id, statement)}`` -> ``{name: result or error}``, each distinct question
    asked once, a few at a time per source. ``metrics``: the metric each name's statement was compiled
    from (:func:`metrics.compile.compile_metric`); questions of table-bound metrics on one table are then
    asked together. ``extras``: the kind and the metric of each name whose statement is a published metric's
    peer values or series breaks (:mod:`metrics.compile_extras`); those of one table are asked together too."""
    outcomes: dict[str, Outcome] = {}
    askers: dict[Hashable, list[str]] = defaultdict(list)
    limits: dict[str, int] = {}
    keys: dict[tuple[str, int], Hashable] = {}  # a statement given for several names is compiled once
    for name, (source_id, statement) in jobs.items():
        try:
            if (source_id, id(statement)) not in keys:
                keys[(source_id, id(statement))] = question_key(registry, source_id, statement)
            askers[keys[(source_id, id(statement))]].append(name)
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

    def ask_together(kind: str, keys: list[Hashable]) -> dict[Hashable, QueryResult] | None:
        """The questions' results from one combined query, or None: ask each on its own."""
        source_id = keys[0][0]  # type: ignore[index]
        dialect = registry.engine(source_id).dialect.name
        try:
            # Each part named as its own query names its columns, and carrying its own SQL (the key's text).
            if kind == FIGURES:
                statement, shares = compile_combined({str(i): metrics[askers[key][0]] for i, key in enumerate(keys)},
                                                     dialect)
                parts = {n: Part(share.present, share.columns, _COLUMNS, keys[int(n)][1])  # type: ignore[index]
                         for n, share in shares.items()}
            else:
                statement, extra_shares = compile_extras_together(
                    kind, {str(i): extras[askers[key][0]][1] for i, key in enumerate(keys)}, dialect)
                parts = {n: Part(present, columns, EXTRA_COLUMNS[kind], keys[int(n)][1])  # type: ignore[index]
                         for n, (present, columns) in extra_shares.items()}
        except Exception:  # noqa: BLE001 - combining is only a saving: the questions' own queries remain
            log.exception("questions of %s could not be combined; each is asked on its own", source_id)
            return None
        with gates[source_id]:
            try:
                results = registry.execute_parts(source_id, statement, parts)
            except DataSourceError as exc:
                log.info("a combined query of %s failed (%s); each question is asked on its own", source_id, exc)
                return None
        return None if results is None else {key: results[str(i)] for i, key in enumerate(keys)}

    metrics, extras = metrics or {}, extras or {}
    together, alone = _together(askers, metrics, extras)
    workers = max(1, min(len(together) + len(alone), sum(limits.values())))
    results: dict[Hashable, Outcome] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outcomes-query") as pool:
        pending = {pool.submit(ask, key): [key] for key in alone}
        pending.update({pool.submit(ask_together, kind, keys): keys for kind, keys in together})
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                keys = pending.pop(future)
                outcome = future.result()
                if isinstance(outcome, dict):
                    results.update(outcome)
                elif outcome is None:  # the combined query did not serve: each question on its own
                    pending.update({pool.submit(ask, key): [key] for key in keys})
                else:
                    results[keys[0]] = outcome
    for key, names in askers.items():
        for name in names:
            outcomes[name] = results[key]
    return outcomes


def _together(askers: Mapping[Hashable, list[str]], metrics: Mapping[str, Metric],
              extras: Mapping[str, tuple[str, Metric]]) -> tuple[list[tuple[str, list[Hashable]]], list[Hashable]]:
    """The distinct questions in groups to ask together (two or more of one kind, at most :data:`MAX_COMBINED`),
    each with its kind (:data:`FIGURES`, or the kind of a published metric's extra question), and the rest, to
    ask alone."""
    groups: dict[Hashable, list[Hashable]] = defaultdict(list)
    alone: list[Hashable] = []
    for key, names in askers.items():
        combined: tuple | None = None
        if names[0] in metrics:
            same = combined_key(metrics[names[0]])
            combined = None if same is None else (FIGURES, same)
        elif names[0] in extras:
            kind, metric = extras[names[0]]
            same = extras_key(kind, metric)
            combined = None if same is None else (kind, same)
        if combined is None:
            alone.append(key)
        else:
            groups[(key[0], combined)].append(key)  # type: ignore[index]
    together = []
    for (_, (kind, _)), keys in groups.items():
        chunks = [keys[i:i + MAX_COMBINED] for i in range(0, len(keys), MAX_COMBINED)]
        together += [(kind, chunk) for chunk in chunks if len(chunk) > 1]
        alone += [chunk[0] for chunk in chunks if len(chunk) == 1]
    return together, alone
