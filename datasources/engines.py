"""Engines and the connection policy: read-only, a time limit, a row cap.

Secrets never sit in config: a URL may name environment variables as ``${NAME}`` or
``${NAME:-default}``. A relative SQLite or DuckDB path is resolved against the project
folder (the parent of ``config/``), so the app works from any working directory.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import Compiled

from datasources.watchdog import Watchdog

_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


_TIMEOUT_OPTION = "outcomes_timeout_seconds"

#: Stops DuckDB queries past the source's time limit (DuckDB has no statement timeout).
_WATCHDOG = Watchdog()


class DataSourceError(Exception):
    """A data source could not be reached or a query failed: degrades its own metrics only."""


#: The optional extra (pyproject ``[project.optional-dependencies]``) that installs each backend's
#: driver; SQLite needs none, so a SQLite-only install carries neither.
DRIVER_EXTRAS = {"postgresql": "postgres", "duckdb": "duckdb", "databricks": "databricks"}


class MissingDriverError(DataSourceError):
    """The URL names a database whose driver is an optional extra that is not installed."""


def open_engine(url: str, **kwargs: Any) -> Engine:
    """``create_engine``, naming the extra to install when the URL's driver is missing."""
    try:
        return create_engine(url, **kwargs)
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        backend = make_url(url).get_backend_name()
        if backend not in DRIVER_EXTRAS:
            raise
        raise MissingDriverError(
            f"{backend} databases need their driver, which is not installed ({exc}); install it with "
            f"pip install 'outcomes-dashboard[{DRIVER_EXTRAS[backend]}]'") from exc


def expand_url(url: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = os.environ.get(name)
        if value:
            return value
        if default is not None:
            return default
        raise DataSourceError(f"environment variable {name} is not set; set it to the database URL "
                              f"or give a default as ${{{name}:-sqlite:///path.db}}")

    return _ENV_RE.sub(replace, url)


def resolve_url(url: str, project_root: Path) -> str:
    expanded = expand_url(url)
    parsed = make_url(expanded)
    if parsed.get_backend_name() in ("sqlite", "duckdb") and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.is_absolute():
            parsed = parsed.set(database=str((project_root / path).resolve()))
    return parsed.render_as_string(hide_password=False)


def database_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() in ("sqlite", "duckdb") and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database)
    return None


def make_read_only_engine(url: str, timeout_seconds: float) -> Engine:
    """An engine whose connections cannot write and whose queries are time-limited."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    limits = {_TIMEOUT_OPTION: timeout_seconds}
    if backend == "sqlite":
        path = database_file(url)
        if path is not None and not path.exists():
            raise DataSourceError(f"database file {path} does not exist; build it (make sample) or fix the URL")
        # mode=ro makes SQLite itself refuse writes; uri=true lets the query string through.
        engine = open_engine(f"sqlite:///file:{path}?mode=ro&uri=true" if path else url,
                             connect_args={"timeout": timeout_seconds}, execution_options=limits)

        @event.listens_for(engine, "connect")
        def _sqlite_limits(dbapi_conn: Any, record: Any) -> None:
            # SQLite has no statement timeout: a progress handler aborts a query that
            # runs past the limit (the clock is restarted before each statement).
            clock = {"started": time.monotonic()}
            record.info["outcomes_clock"] = clock
            dbapi_conn.set_progress_handler(
                lambda: 1 if time.monotonic() - clock["started"] > timeout_seconds else 0, 100_000)

        @event.listens_for(engine, "before_cursor_execute")
        def _restart_clock(conn: Any, *_args: Any) -> None:
            clock = conn.connection.info.get("outcomes_clock")
            if clock is not None:
                clock["started"] = time.monotonic()

        return engine
    if backend == "duckdb":
        path = database_file(url)
        if path is not None and not path.exists():
            raise DataSourceError(f"database file {path} does not exist; fix the URL")
        # External access off: no COPY TO, read_text(), read_csv() or 'file.csv' tables on the host;
        # the configuration locked, so a binding cannot SET it back on. The time limit: the watchdog
        # interrupts the connection (run_query), as DuckDB has no statement timeout.
        engine = open_engine(url, execution_options=limits, connect_args={
            "read_only": True, "config": {"enable_external_access": False, "lock_configuration": True}})
        event.listen(engine, "do_execute", _duckdb_single_statement)
        return engine
    if backend == "postgresql":
        ms = int(timeout_seconds * 1000)
        engine = open_engine(url, pool_pre_ping=True, execution_options=limits, connect_args={
            "options": f"-c default_transaction_read_only=on -c statement_timeout={ms}",
            "connect_timeout": max(1, int(min(timeout_seconds, 10))),
        })
        event.listen(engine, "do_execute", _postgres_single_statement)
        return engine
    # Other dialects (warehouses): rely on the account being read-only.
    return open_engine(url, pool_pre_ping=True, execution_options=limits)


def _postgres_single_statement(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """Always the extended protocol: psycopg otherwise sends a query without parameters as a
    simple query, in which the server runs every ';'-separated statement (COMMIT; BEGIN READ
    WRITE; DROP ...). A prepared statement is one statement; the server refuses more."""
    cursor.execute(statement, parameters, prepare=True)
    return True


def _duckdb_single_statement(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """DuckDB's execute() runs every statement in the string; refuse more than one before it starts."""
    _refuse_more_than_one(len(cursor.extract_statements(statement)) if hasattr(cursor, "extract_statements") else 1)
    return False  # let the driver run it as usual


def _refuse_more_than_one(count: int) -> None:
    if count != 1:
        raise DataSourceError(f"refused: the query holds {count} statements; a query is exactly one SELECT")


@dataclass(frozen=True)
class QueryResult:
    """Rows of one query. ``truncated``: the source returned more than ``row_cap`` rows and only
    the first ``row_cap`` are here, so any figure built from them would be incomplete;
    ``truncation_reason`` says so in words for every output (page, CLI, JSON, snapshot)."""

    frame: pd.DataFrame
    truncated: bool
    sql: str
    row_cap: int = 0

    @property
    def truncation_reason(self) -> str | None:
        if not self.truncated:
            return None
        return (f"the source returned more than {self.row_cap:,} rows (its row_cap), so the figures would be "
                "incomplete; narrow the binding's query or raise row_cap for this data source")


class QueryTimeout(DataSourceError):
    """The query ran past the source's time limit and was stopped."""


@dataclass(frozen=True)
class Part:
    """One question folded into a combined query (several questions of one table in one scan): its rows are
    the combined rows where ``present`` (a count of the rows it reads) is above 0, every row when None, and
    its columns are the combined query's ``columns``, named ``names``. ``sql`` is the question's own query,
    which gives exactly these rows (it is shown as the query the figures come from)."""

    present: str | None
    columns: tuple[str, ...]
    names: tuple[str, ...]
    sql: str


def run_query(engine: Engine, statement: Executable, row_cap: int) -> QueryResult:
    """Execute with bound parameters, fetching at most ``row_cap`` rows, in a read-only
    transaction that is rolled back afterwards."""
    compiled = statement.compile(engine)  # once: shown as the query, and what DuckDB runs
    rows, truncated = _fetch(engine, statement, row_cap, compiled)
    return QueryResult(frame=rows.frame(), truncated=truncated, sql=str(compiled), row_cap=row_cap)


def run_parts(engine: Engine, statement: Executable, row_cap: int,
              parts: dict[str, Part]) -> dict[str, QueryResult] | None:
    """Each part's rows of one combined query, as a frame made as its own query's would be (the types a
    column takes are decided by its own rows only); None when the combined query returned more than
    ``row_cap`` rows, and each question must then be asked on its own (one of them may be within the cap).
    Within the cap, no part is over it: each part's rows are distinct rows of the combined query."""
    rows, truncated = _fetch(engine, statement, row_cap)
    if truncated:
        return None
    return {name: QueryResult(frame=rows.frame(part), truncated=False, sql=part.sql, row_cap=row_cap)
            for name, part in parts.items()}


class _Rows:
    """Fetched rows, held as the driver gives them (tuples, or Arrow from DuckDB) until a frame is made."""

    def __init__(self, columns: list[str], tuples: list[tuple] | None = None, arrow: Any = None):
        self.columns, self.tuples, self.arrow = columns, tuples, arrow

    def frame(self, part: Part | None = None) -> pd.DataFrame:
        if self.arrow is not None:
            table = self.arrow
            if part is not None:
                import pyarrow.compute as pc

                if part.present is not None:
                    table = table.filter(pc.greater(table[part.present], 0))
                table = table.select(list(part.columns)).rename_columns(list(part.names))
            return _arrow_frame(table)
        assert self.tuples is not None
        if part is None:
            return pd.DataFrame(self.tuples, columns=self.columns)
        where = {name: i for i, name in enumerate(self.columns)}
        keep = [where[c] for c in part.columns]
        rows = self.tuples
        if part.present is not None:
            present = where[part.present]
            rows = [r for r in rows if r[present]]  # a count: 0 when none of the part's rows are in the group
        return pd.DataFrame([tuple(r[i] for i in keep) for r in rows], columns=list(part.names))


def _fetch(engine: Engine, statement: Executable, row_cap: int,
           compiled: Compiled | None = None) -> tuple[_Rows, bool]:
    """At most ``row_cap`` rows of ``statement`` (``compiled``: it compiled for this engine, if it is already),
    and whether there were more."""
    timeout = engine.get_execution_options().get(_TIMEOUT_OPTION)
    stopping: int | None = None
    duckdb = engine.dialect.name == "duckdb"
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # Again for every transaction, so a session setting changed earlier on this pooled
            # connection (say by set_config) cannot carry over.
            conn.execute(text("SET TRANSACTION READ ONLY"))
            if timeout:
                conn.execute(text(f"SET LOCAL statement_timeout = {int(timeout * 1000)}"))
        fired = threading.Event()
        if duckdb and timeout:
            raw = conn.connection.dbapi_connection

            def stop() -> None:
                fired.set()
                raw.interrupt()  # type: ignore[union-attr]

            stopping = _WATCHDOG.after(timeout, stop)
        try:
            if duckdb:
                return _arrow_rows(conn, compiled or statement.compile(engine), row_cap)
            return _tuple_rows(conn, statement, row_cap)
        except Exception as exc:
            if fired.is_set():
                raise QueryTimeout(f"the query ran past the source's {timeout:g} s time limit and was stopped; "
                                   "simplify the query or raise timeout_seconds") from exc
            raise
        finally:
            if stopping is not None:
                _WATCHDOG.cancel(stopping)


def _tuple_rows(conn: Any, statement: Executable, row_cap: int) -> tuple[_Rows, bool]:
    """Any database's rows through SQLAlchemy, a tuple each."""
    result = conn.execute(statement)
    columns = list(result.keys())
    rows = result.fetchmany(row_cap + 1)
    return _Rows(columns, tuples=[tuple(r) for r in rows[:row_cap]]), len(rows) > row_cap


def _arrow_rows(conn: Any, compiled: Compiled, row_cap: int) -> tuple[_Rows, bool]:
    """DuckDB's rows as Arrow columns (:func:`_duckdb_table`)."""
    table, truncated = _duckdb_table(conn, compiled, row_cap)
    return _Rows(table.column_names, arrow=table), truncated


#: Rows per Arrow batch read from DuckDB: the row cap is checked between batches.
_ARROW_BATCH = 65_536


def _duckdb_table(conn: Any, compiled: Compiled, row_cap: int) -> tuple[Any, bool]:
    """DuckDB's rows as columns (Arrow), not as a Python tuple per row through SQLAlchemy, which at 10M
    admissions cost as much as the query itself; at most ``row_cap`` rows, and whether there were more.

    The frame is the one the tuple path makes: dates as ``datetime.date``, text as ``str``, integers
    (HUGEINT sums included) as int64, decimals as ``Decimal``, floats (FLOAT too) as float64, a column with
    no value at all as None, and no rows as columns of no type (an INTERVAL alone comes as Arrow gives it). The statement is run by DuckDB's own relation API, which streams
    (its DB-API cursor holds every row before the first is read, however far over the cap), so the
    one-statement rule is applied here; the statement it parses for that rule is the one run (parsing the
    text again cost about 1 ms a query)."""
    import duckdb
    import pyarrow as pa
    from sqlalchemy.exc import DBAPIError

    expanded = compiled.construct_expanded_state()  # the IN lists' values as parameters, as DuckDB takes them
    sql = expanded.statement
    params = [expanded.parameters[name] for name in expanded.positiontup or ()]
    raw = conn.connection.dbapi_connection
    try:
        statements = raw.extract_statements(sql)
        _refuse_more_than_one(len(statements))
        relation = raw.sql(statements[0], params=params)
        if relation is None:
            raise DataSourceError("refused: the query returns no rows; a query is exactly one SELECT")
        reader = relation.to_arrow_reader(_ARROW_BATCH)
        batches, count = [], 0
        for batch in reader:
            batches.append(batch)
            count += batch.num_rows
            if count > row_cap:
                break
    except duckdb.Error as exc:  # reported as SQLAlchemy reports a driver's error (registry.execute reads it)
        raise DBAPIError.instance(sql, params, exc, duckdb.Error) from exc
    return pa.Table.from_batches(batches, schema=reader.schema).slice(0, row_cap), count > row_cap


def _arrow_frame(table: Any) -> pd.DataFrame:
    """DuckDB's Arrow columns as the frame the tuple path makes (see :func:`_duckdb_table`)."""
    import pyarrow as pa

    if table.num_rows == 0:
        return pd.DataFrame([], columns=table.column_names)  # no rows, so no types: as the tuple path's
    columns = []
    for column in table.columns:
        kind = column.type
        if column.null_count == len(column):  # no value at all: each None, as the tuples give it
            columns.append(pd.Series(np.full(len(column), None, dtype=object)))
            continue
        if pa.types.is_floating(kind) and kind.bit_width < 64:
            column = column.cast(pa.float64())  # exact: the tuples' Python floats are float64
        if (pa.types.is_integer(kind) or (pa.types.is_decimal(kind) and kind.scale == 0)) and column.null_count == 0:
            try:
                column = column.cast(pa.int64())  # safe: refuses a value beyond int64, kept as it is then
            except pa.ArrowInvalid:
                pass
        columns.append(column.to_pandas())
    frame = pd.concat(columns, axis=1, ignore_index=True) if columns else pd.DataFrame()
    frame.columns = table.column_names  # by position: a raw query may name two columns alike
    return frame
