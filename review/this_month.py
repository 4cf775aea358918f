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

from datasources.store import Store, cycle_deliveries, cycle_events, cycle_vintages, signoffs

ALERT_KINDS = ("status_worse", "spc_signal", "milestone_late")


@dataclass(frozen=True)
class ThisMonth:
    vintages: list[dict[str, Any]]      # source_id, day, latest_period, rows, rows_latest, expected_period, late, message
    reminders: list[dict[str, Any]]     # recipient, subject, status, attempts, sent_at, last_error
    alerts: list[dict[str, Any]]        # kind, subject, day, text, baseline
    deliveries: list[dict[str, Any]]    # recipient, subject, status, attempts, sent_at, last_error, files
    #: The period's latest sign-off (snapshot_id, signed_by, signed_at), None when it is not signed off.
    signoff: dict[str, Any] | None = None
    #: The files the cycle wrote to the delivery folder for that sign-off's snapshot (day, files), None until then.
    written: dict[str, Any] | None = None

    @property
    def delivery_words(self) -> str:
        """The delivery in one sentence, as it is: not signed off, signed off and not yet delivered, or written."""
        if self.signoff is None:
            return "Not delivered: the period is not signed off yet."
        snapshot = f"snapshot #{self.signoff['snapshot_id']}"
        if self.written is None:
            return (f"Signed off ({snapshot}); not delivered yet: the monthly cycle delivers it at its next run "
                    "('outcomes cycle run'), if a delivery is configured for this framework.")
        files = self.written["files"]
        return (f"Signed off ({snapshot}); {len(files)} file(s) written to the delivery folder on "
                f"{self.written['day']}: {', '.join(name.rsplit('/', 1)[-1] for name in files)}.")

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
        signed = conn.execute(select(signoffs.c.snapshot_id, signoffs.c.signed_by, signoffs.c.signed_at).where(
            signoffs.c.framework_id == framework_id, signoffs.c.period == period)
            .order_by(signoffs.c.sequence.desc()).limit(1)).first()
        written = conn.execute(select(cycle_events.c.day, cycle_events.c.detail).where(
            cycle_events.c.kind == "export", cycle_events.c.key == f"export:{signed.snapshot_id}")).first() \
            if signed is not None else None
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
                    if d["kind"] == "snapshot"],
        signoff=dict(signed._mapping) if signed is not None else None,
        written={"day": written.day, "files": json.loads(written.detail).get("files", [])} if written else None)
