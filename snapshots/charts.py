"""The images of a snapshot's report charts, stored with it. A snapshot never changes, so neither do its
charts: they are drawn once (``reports.chart_images``, at sign-off in the background or by the first export
that needs them) and every later PDF or Word export of the snapshot, on any machine that shares the store,
reads them from here. Each image is keyed by its figure's digest, which also names the drawing settings
(size, scale, format): drawn differently, it is another image, so nothing here is ever replaced."""

from __future__ import annotations

from typing import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from datasources.store import Store, now, snapshot_charts


def stored(store: Store, snapshot_id: int, digests: Iterable[str]) -> dict[str, bytes]:
    """The images stored for this snapshot among ``digests``, by digest."""
    wanted = list(dict.fromkeys(digests))
    found: dict[str, bytes] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), 500):  # SQLite's limit on bound parameters, with room to spare
            rows = conn.execute(select(snapshot_charts.c.digest, snapshot_charts.c.image).where(
                snapshot_charts.c.snapshot_id == snapshot_id,
                snapshot_charts.c.digest.in_(wanted[start:start + 500])))
            found.update((r.digest, bytes(r.image)) for r in rows)
    return found


def keep(store: Store, snapshot_id: int, images: Mapping[str, bytes]) -> None:
    """Store images drawn for this snapshot, in one transaction. One already there (drawn at the same time by
    another export or machine) is left as it is: it is the same figure drawn the same way."""
    if not images:
        return
    eng = store.engine
    rows = [{"snapshot_id": snapshot_id, "digest": d, "image": image, "drawn_at": now()} for d, image in images.items()]
    if eng.dialect.name == "sqlite":
        statement = sqlite_insert(snapshot_charts).on_conflict_do_nothing()
    elif eng.dialect.name == "postgresql":
        statement = pg_insert(snapshot_charts).on_conflict_do_nothing()
    else:  # another database: only the images not there yet (a race with another writer fails this write only)
        there = stored(store, snapshot_id, images)
        rows = [r for r in rows if r["digest"] not in there]
        statement = snapshot_charts.insert()
    with eng.begin() as conn:
        if rows:
            conn.execute(statement, rows)
