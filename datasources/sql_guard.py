"""What a ``type: sql`` binding may say: one read-only SELECT, nothing that reaches outside the database.

The engines enforce read-only transactions, time limits and single-statement execution
themselves; this check comes first so that a binding which could only fail (or that
tries to escape) is a config error with file and line at ``outcomes check``, not a
surprise at run time. It is a pure function of the text: no database is needed.

Refused: anything but a single statement; any statement other than SELECT (CTEs and
set operations allowed); data-modifying CTEs; ``SELECT ... INTO``; row locks; functions
that read or write files, reach the network, run SQL given as text or change settings
(``read_text``, ``read_csv``, ``pg_read_file``, ``lo_*``, ``dblink``, ``set_config``
...); a table named by a file path or URL (DuckDB reads ``FROM 'file.csv'``).
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import expressions as exp
from sqlglot.errors import ParseError, TokenError

# Lower-case function names. Prefix entries end with '*'.
_DENIED_FUNCTIONS = {
    # DuckDB: files, network, SQL run from text, environment
    "read_text", "read_blob", "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "parquet_metadata",
    "parquet_schema", "read_json", "read_json_auto", "read_json_objects", "read_ndjson", "read_ndjson_auto",
    "read_ndjson_objects", "read_xlsx", "sniff_csv", "glob", "st_read", "iceberg_scan", "delta_scan",
    "query", "query_table", "getenv", "duckdb_secrets", "sqlite_scan", "sqlite_attach", "postgres_scan",
    "postgres_attach", "mysql_scan", "load_aws_credentials",
    # PostgreSQL: files, large objects, other servers, settings, other sessions
    "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_ls_logdir", "pg_ls_waldir",
    "pg_ls_tmpdir", "pg_ls_archive_statusdir", "lo_*", "dblink*", "set_config", "pg_terminate_backend",
    "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_logdir_ls", "pg_file_write",
    "pg_file_rename", "pg_file_unlink", "pg_promote", "pg_switch_wal", "query_to_xml", "query_to_json",
    "table_to_xml", "cursor_to_xml", "pg_advisory_lock*", "pg_advisory_xact_lock*", "txid_current",
    "pg_current_xact_id", "pg_notify",
    # SQLite (extensions and shell functions)
    "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer",
}
_DENIED_PREFIXES = tuple(name[:-1] for name in _DENIED_FUNCTIONS if name.endswith("*"))
# Looked up by name: sqlglot adds node types between releases; a missing one is simply not used.
_WRITES = tuple(getattr(exp, name) for name in (
    "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "Command", "Copy", "Set", "Transaction",
    "Commit", "Rollback", "Into", "Lock", "Pragma", "Use", "Attach", "Detach", "Install", "Grant", "Revoke",
    "TruncateTable", "Analyze", "Export") if hasattr(exp, name))
_PATHLIKE = re.compile(r"[/\\:]|\.(csv|tsv|parquet|json|ndjson|jsonl|txt|xlsx|db|duckdb|sqlite|gz|zst)$",
                       re.IGNORECASE)

# sqlglot's dialect names for the SQLAlchemy backends we run.
DIALECTS = {"postgresql": "postgres", "duckdb": "duckdb", "sqlite": "sqlite", "mssql": "tsql",
            "databricks": "databricks"}


def dialect_for_url(url: str) -> str | None:
    """sqlglot's dialect for a data source URL, or None (generic SQL) when unknown or not yet expanded."""
    from datasources.engines import DataSourceError, expand_url

    try:
        url = expand_url(url)
    except DataSourceError:
        return None
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    return DIALECTS.get(scheme)


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def _denied(name: str) -> bool:
    return name in _DENIED_FUNCTIONS or name.startswith(_DENIED_PREFIXES)


def sql_problems(sql: str, dialect: str | None = None) -> list[str]:
    """Why this binding SQL may not run, in words (empty when it may)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "syntax error"
        return [f"the SQL does not parse ({detail}); check it in a SQL client against the source"]
    if not statements:
        return ["the SQL is empty; write one SELECT returning period_date, area and numerator"]
    if len(statements) != 1:
        return [f"the SQL holds {len(statements)} statements; a binding is exactly one SELECT "
                "(remove the ';' and anything after it)"]
    tree = statements[0]
    problems: list[str] = []
    if not isinstance(tree, exp.Query):
        problems.append(f"the SQL is {tree.key.upper()}, not a SELECT; a binding is one read-only SELECT")
        return problems
    seen: set[str] = set()
    for node in tree.walk():
        if isinstance(node, _WRITES):
            what = "SELECT ... INTO" if isinstance(node, exp.Into) else \
                "a row lock (FOR UPDATE/SHARE)" if isinstance(node, exp.Lock) else node.key.upper()
            message = f"the SQL contains {what}; a binding may only read"
        elif isinstance(node, exp.Func) and _denied(_function_name(node)):
            message = (f"the SQL calls {_function_name(node)}(), which reads files, reaches other servers or "
                       "changes settings; read tables of the data source only")
        elif isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier) and _PATHLIKE.search(node.name):
            message = (f"the SQL reads from '{node.name}', which looks like a file or URL; "
                       "read tables of the data source only")
        else:
            continue
        if message not in seen:
            seen.add(message)
            problems.append(message)
    return problems
