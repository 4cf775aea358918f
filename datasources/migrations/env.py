"""Alembic environment: run against the connection ``datasources.store.upgrade`` hands over,
or against ``OUTCOMES_STORE_URL`` when run with the alembic command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from datasources.store import Store, metadata

config = context.config
target_metadata = metadata


def run_migrations_offline() -> None:
    context.configure(url=Store.from_environment().url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(Store.from_environment().url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
