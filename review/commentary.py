"""Commentary: a person's words on a metric for a period, append-only.

(The review domain grows here: people, roles, actions, milestone updates, sign-off, audit.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from datasources.store import Store, commentary, iso, now


def add_commentary(store: Store, metric_id: str, framework_id: str, period: str, author: str, text: str) -> int:
    with store.engine.begin() as conn:
        return conn.execute(insert(commentary).values(
            metric_id=metric_id, framework_id=framework_id, period=period, author=author, text=text,
            created_at=now()).returning(commentary.c.id)).scalar_one()


def commentary_for(store: Store, framework_id: str, period: str) -> dict[str, list[dict[str, Any]]]:
    """Every comment on the framework's metrics at that period, oldest first, by metric."""
    query = (select(commentary).where(commentary.c.framework_id == framework_id, commentary.c.period == period)
             .order_by(commentary.c.created_at, commentary.c.id))
    found: dict[str, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            found.setdefault(row.metric_id, []).append(
                {"author": row.author, "text": row.text, "created_at": iso(row.created_at)})
    return found
