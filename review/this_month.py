"""What the monthly cycle did for a framework's period, as the review pack's "This month"
panel and ``outcomes cycle status`` show it: each source's latest data check (by the cycle
or by ``outcomes ingest``), the reminders sent, the alerts raised and the delivery of the
signed-off snapshot. Read only: the cycle (``cycle/``) writes these tables; the review pack,
below it in the layers, only reads them, so the reading lives here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from datasources.store import Store, cycle_deliveries, cycle_events, cycle_vintages

ALERT_KINDS = ("status_worse", "spc_signal", "milestone_late")


@dataclass(frozen=True)
class ThisMonth:
    vintages: list[dict[str, Any]]      # source_id, day, latest_period, rows, rows_latest, expected_period, late, message
    reminders: list[dict[str, Any]]     # recipient, subject, status, attempts, sent_at, last_error
    alerts: list[dict[str, Any]]        # kind, subject, day, text, baseline
    deliveries: list[dict[str, Any]]    # recipient, subject, status, attempts, sent_at, last_error, files

    @property
    def late_sources(self) -> list[str]:
        return [v["source_id"] for v in self.vintages if v["late"]]


def this_month(store: Store, framework_id: str, period: str) -> ThisMonth:
    with store.engine.connect() as conn:
        # The newest check of each source: a source loaded by `outcomes ingest` today keeps the
        # others' last checks beside it instead of hiding them.
        newest = select(cycle_vintages.c.source_id, func.max(cycle_vintages.c.id).label("id")) \
            .group_by(cycle_vintages.c.source_id).subquery()
        vintages = [dict(r._mapping) for r in conn.execute(
            select(cycle_vintages).join(newest, cycle_vintages.c.id == newest.c.id)
            .order_by(cycle_vintages.c.source_id))]
        sent = [dict(r._mapping) for r in conn.execute(
            select(cycle_deliveries).where(cycle_deliveries.c.framework_id == framework_id,
                                           cycle_deliveries.c.period == period).order_by(cycle_deliveries.c.id))]
        raised = conn.execute(select(cycle_events).where(
            cycle_events.c.framework_id == framework_id, cycle_events.c.period == period,
            cycle_events.c.recipient.is_(None), cycle_events.c.kind.in_(ALERT_KINDS)).order_by(cycle_events.c.id)).all()
    alerts = []
    for row in raised:
        detail = json.loads(row.detail)
        alerts.append({"kind": row.kind, "subject": row.subject, "day": row.day, "text": detail.get("text", ""),
                       "baseline": bool(detail.get("baseline"))})
    keep = ("recipient", "subject", "status", "attempts", "sent_at", "last_error", "day")
    return ThisMonth(
        vintages=vintages,
        reminders=[{k: d[k] for k in keep} for d in sent if d["kind"] == "reminder"],
        alerts=alerts,
        deliveries=[{**{k: d[k] for k in keep}, "files": json.loads(d["files"])} for d in sent
                    if d["kind"] == "snapshot"])
