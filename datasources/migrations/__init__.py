"""Alembic migrations of the app's own store, run by ``datasources.store.upgrade``."""
