"""The hashes that make rewriting the store's history evident. Frozen: the audit chain and every snapshot's
stored hash were computed with these exact functions, so changing either would make every record look
tampered with. Both hash the text as stored (JSON columns as written), never a re-serialisation.

- :func:`event_hash`: an audit event, chained to the one before it (``GENESIS`` for the first).
- :func:`snapshot_hash`: a snapshot with its evaluations and series rows.

Anyone who can write the database and knows these functions can rewrite the chain from an event onwards
and recompute every hash after it; that is found by comparing the chain's head with a copy kept elsewhere
(``outcomes audit verify`` prints it)."""

from __future__ import annotations

import hashlib
import json
from typing import Iterable

GENESIS = "0" * 64


def _digest(parts: list) -> str:
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_hash(prev_hash: str, event_id: int, at: str, who: str, action: str, entity: str,
               before: str | None, after: str | None) -> str:
    """``at`` as ``datasources.store.iso`` writes it (UTC, to the second); ``before``/``after`` the stored JSON."""
    return _digest(["audit-event-1", prev_hash, event_id, at, who, action, entity, before, after])


def snapshot_hash(framework_id: str, period: str, version: int, created_at: str, created_by: str,
                  definitions_hash: str, vintages: str, payload: str,
                  evaluations: Iterable[tuple[int, str, str | None, str, str]],
                  series: Iterable[tuple[str, str]]) -> str:
    """``evaluations``: (position, metric_id, intention_id, status, payload) rows; ``series``: (metric_id,
    payload) rows; in any order (sorted here)."""
    return _digest(["snapshot-1", framework_id, period, version, created_at, created_by, definitions_hash,
                    vintages, payload, sorted(list(e) for e in evaluations),
                    sorted(list(s) for s in series)])
