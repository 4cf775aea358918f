"""Data sources by name: engines created on first use, health, and data vintage.

The registry knows nothing of metrics (imports point downward): it is given plain
settings and runs statements it is handed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import Executable

from datasources.engines import (DataSourceError, Part, QueryResult, database_file, expand_url,
                                 make_read_only_engine, resolve_url, run_parts, run_query)

T = TypeVar("T")


@dataclass(frozen=True)
class SourceSettings:
    id: str
    url: str
    title: str = ""
    timeout_seconds: float = 30
    row_cap: int = 200_000
    retry_seconds: float = 10  # after a failure, how soon the next request tries the source again


@dataclass(frozen=True)
class SourceHealth:
    id: str
    ok: bool
    message: str
    dialect: str | None = None


class DataSourceRegistry:
    def __init__(self, sources: list[SourceSettings], project_root: Path):
        self._settings = {s.id: s for s in sources}
        self._root = project_root
        self._files: dict[tuple[str, str], tuple[Path | None]] = {}
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()
        self._failed_at: dict[str, float] = {}  # source id -> when its queries started failing

    @property
    def ids(self) -> list[str]:
        return list(self._settings)

    def settings(self, source_id: str) -> SourceSettings:
        try:
            return self._settings[source_id]
        except KeyError:
            raise DataSourceError(f"no data source '{source_id}'") from None

    def url(self, source_id: str) -> str:
        return resolve_url(self.settings(source_id).url, self._root)

    def engine(self, source_id: str) -> Engine:
        with self._lock:
            if source_id not in self._engines:
                settings = self.settings(source_id)
                self._engines[source_id] = make_read_only_engine(self.url(source_id), settings.timeout_seconds)
            return self._engines[source_id]

    def execute(self, source_id: str, statement: Executable) -> QueryResult:
        """Rows of ``statement``; a failure raises DataSourceError saying when it was tried, and
        is remembered so that ``vintage`` changes after ``retry_seconds`` (a retry, not an hour)."""
        settings = self.settings(source_id)
        return self._run(source_id, lambda: run_query(self.engine(source_id), statement, settings.row_cap))

    def execute_parts(self, source_id: str, statement: Executable,
                      parts: dict[str, Part]) -> dict[str, QueryResult] | None:
        """Each part's rows of one combined query (:func:`datasources.engines.run_parts`), None when the
        combined rows are over the source's row cap; a failure is reported as :meth:`execute` reports it."""
        settings = self.settings(source_id)
        return self._run(source_id, lambda: run_parts(self.engine(source_id), statement, settings.row_cap, parts))

    def _run(self, source_id: str, query: Callable[[], T]) -> T:
        settings = self.settings(source_id)
        try:
            result = query()
        except (DataSourceError, SQLAlchemyError) as exc:
            now = time.time()
            with self._lock:
                # The start of the failing streak: the retry token then steps once per retry_seconds
                # however often requests arrive, so a source that is down is not hammered.
                self._failed_at.setdefault(source_id, now)
            if isinstance(exc, SQLAlchemyError):
                detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                message = f"data source '{source_id}' query failed: {detail}"
            else:
                message = str(exc)
            # With the date: the words are kept in snapshots and read long after the day they were written.
            tried = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            raise DataSourceError(f"{message} (last tried {tried}; tried again after "
                                  f"{settings.retry_seconds:g} s)") from exc
        with self._lock:
            self._failed_at.pop(source_id, None)
        return result

    def explain(self, source_id: str, statement: Executable) -> str | None:
        """Why the source refuses to plan ``statement`` (a misspelt table or column), or None.

        Only the plan is asked for (EXPLAIN), in a read-only transaction that is rolled back,
        so nothing runs. Raises DataSourceError when the source cannot be reached."""
        engine = self.engine(source_id)
        compiled = statement.compile(engine)
        values = compiled.construct_params()
        params = tuple(values[k] for k in compiled.positiontup or ()) if compiled.positional else values
        explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        try:
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise DataSourceError(f"data source '{source_id}' cannot be reached: "
                                  f"{str(getattr(exc, 'orig', None) or exc).strip().splitlines()[0]}") from exc
        with conn:
            try:
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SET TRANSACTION READ ONLY"))
                conn.exec_driver_sql(explain + str(compiled), params)
            except (SQLAlchemyError, DataSourceError) as exc:
                return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return None

    def vintage(self, source_id: str) -> str:
        """A token that changes when the data change: a file's modification time, or
        the hour for server databases (cached evaluations then refresh hourly). After a
        failed query it also changes every ``retry_seconds``, so a cached failure is retried
        within seconds rather than at the next hour."""
        return self._data_vintage(source_id) + self._retry_token(source_id)

    def _data_vintage(self, source_id: str) -> str:
        try:
            path = self._database_file(source_id)
        except DataSourceError:
            return "unavailable"
        if path is not None:
            try:
                modified = path.stat().st_mtime  # one system call, not exists() and then stat()
            except OSError:
                pass
            else:
                return datetime.fromtimestamp(modified, tz=timezone.utc).isoformat(timespec="seconds")
        return datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:00Z")

    def _database_file(self, source_id: str) -> Path | None:
        """The source's database file, resolved once per URL as the environment spells it: every cache
        lookup asks for the vintage, and resolving a path (realpath, URL parsing) each time is most of
        a warm page's lookups."""
        expanded = expand_url(self.settings(source_id).url)
        hit = self._files.get((source_id, expanded))
        if hit is None:
            hit = (database_file(resolve_url(expanded, self._root)),)
            self._files[(source_id, expanded)] = hit
        return hit[0]

    def _retry_token(self, source_id: str) -> str:
        with self._lock:
            failed_at = self._failed_at.get(source_id)
        if failed_at is None:
            return ""
        step = max(self.settings(source_id).retry_seconds, 0.001)
        return f"|failed {failed_at:.3f} retry {int((time.time() - failed_at) // step)}"

    def health(self, source_id: str) -> SourceHealth:
        try:
            engine = self.engine(source_id)
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return SourceHealth(source_id, True, "connected", engine.dialect.name)
        except (DataSourceError, SQLAlchemyError, OSError) as exc:
            return SourceHealth(source_id, False, str(exc).splitlines()[0])

    def dispose(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
