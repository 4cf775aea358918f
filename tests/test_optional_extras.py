"""Drivers for PostgreSQL and DuckDB are optional extras: a missing one is named with the extra.

Each test hides the installed driver (an entry of None in ``sys.modules`` makes its import fail,
as on a SQLite-only install) and checks the message says what to install."""

from __future__ import annotations

import sys

import pytest

from datasources.engines import MissingDriverError, open_engine
from datasources.store import Store, StoreError


def test_postgresql_url_without_psycopg_names_the_postgres_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingDriverError) as info:
        open_engine("postgresql+psycopg://someone@127.0.0.1:5432/outcomes")
    assert "pip install 'outcomes-dashboard[postgres]'" in str(info.value)


def test_duckdb_url_without_duckdb_engine_names_the_duckdb_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "duckdb_engine", None)
    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(MissingDriverError) as info:
        open_engine(f"duckdb:///{tmp_path / 'x.duckdb'}")
    assert "pip install 'outcomes-dashboard[duckdb]'" in str(info.value)


def test_store_on_postgresql_without_psycopg_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    store = Store("postgresql+psycopg://someone@127.0.0.1:5432/outcomes")
    with pytest.raises(StoreError) as info:
        store.engine
    assert "outcomes-dashboard[postgres]" in str(info.value)


def test_sqlite_needs_no_extra(monkeypatch, tmp_path):
    for name in ("psycopg", "duckdb", "duckdb_engine", "weasyprint"):
        monkeypatch.setitem(sys.modules, name, None)
    engine = open_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select 1").scalar() == 1
    engine.dispose()
