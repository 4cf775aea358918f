"""Rendered exports kept in the app's store when several machines share it (a server database), so an export
rendered by one instance is served by every other without rendering it again (``reports.export_cache`` keeps
them on each machine's disk too). A SQLite store is one machine's file: its exports stay on that disk, where
every process already shares them, and nothing here touches it."""

from __future__ import annotations

import hashlib
import os
import socket
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from datasources.store import Store, export_files, now


def shared(store: Store) -> bool:
    """Whether exports are kept in this store: a server database, reachable from several machines."""
    return store.engine.dialect.name != "sqlite"


def instance() -> str:
    """Who rendered: this machine and process."""
    return f"{socket.gethostname()} pid {os.getpid()}"


def fetch(store: Store, key: str) -> tuple[list[tuple[str, bytes]], str] | None:
    """The export's files ((name, content), in order) and who rendered them, or None when no instance has."""
    if not shared(store):
        return None
    with store.engine.connect() as conn:
        rows = conn.execute(select(export_files).where(export_files.c.cache_key == key)
                            .order_by(export_files.c.position)).all()
    if not rows:
        return None
    return [(r.name, bytes(r.content)) for r in rows], rows[0].rendered_by


def keep(store: Store, key: str, files: list[tuple[str, bytes]]) -> None:
    """Store a rendered export, all its files in one transaction (another instance that stored it first wins)."""
    if not shared(store):
        return
    by, at = instance(), now()
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(export_files), [{"cache_key": key, "position": i, "name": name, "content": content,
                                                 "rendered_by": by, "rendered_at": at}
                                                for i, (name, content) in enumerate(files)])
    except IntegrityError:
        pass


@contextmanager
def render_lock(store: Store, key: str) -> Iterator[None]:
    """Held while one instance renders an export: the same export asked for on another machine waits for it
    (a PostgreSQL advisory lock, released when the render ends or its connection drops) and is then served
    the stored files. Nothing to hold on a SQLite store."""
    if not shared(store) or store.engine.dialect.name != "postgresql":
        yield
        return
    lock = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
    with store.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock})
            conn.commit()
