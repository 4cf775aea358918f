"""One run of the cycle for a day: what is due today, nothing twice. Order: the data check,
reminders (in the reminder window before the review), alerts, delivery of the latest
sign-off, then every queued email is sent (failures stay queued for the next run)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Mapping

from sqlalchemy import func, insert, select, update

from cycle import alerts, delivery, reminders, vintages
from cycle.contacts import contacts
from cycle.ledger import send_pending
from cycle.mail import Mailer, mailer_from_environment, sender_from
from cycle.schedule import period_under_review, reminders_due
from datasources.store import PROJECT_ROOT, Store, cycle_runs, now
from metrics.service import MetricsService

DEFAULT_BASE_URL = "http://127.0.0.1:8050"


@dataclass
class CycleReport:
    today: date
    mail: str
    lines: list[str] = field(default_factory=list)
    late_sources: list[str] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)

    @property
    def failures(self) -> list[dict]:
        return [s for s in self.sent if s["status"] == "failed"]


def _last_day(store: Store, framework_id: str) -> date | None:
    """The day of the last finished run (a run that crashed part-way does not count)."""
    with store.engine.connect() as conn:
        return conn.execute(select(func.max(cycle_runs.c.day)).where(cycle_runs.c.framework_id == framework_id,
                                                                      cycle_runs.c.finished_at.is_not(None))).scalar()


def run(store: Store, service: MetricsService, today: date, framework_id: str | None = None,
        environ: Mapping[str, str] | None = None, root: Path = PROJECT_ROOT,
        mailer: Mailer | None = None) -> CycleReport:
    environ = os.environ if environ is None else environ
    base_url = environ.get("OUTCOMES_BASE_URL") or DEFAULT_BASE_URL
    outbox = Path(environ.get("OUTCOMES_OUTBOX") or root / "data" / "outbox")
    mailer = mailer or mailer_from_environment(environ, outbox)
    report = CycleReport(today, mailer.description)
    for v in vintages.check(store, service, today):
        report.lines.append(f"data: {v.message}")
        if v.late:
            report.late_sources.append(v.source_id)
    frameworks = [service.framework(framework_id)] if framework_id else list(service.config.frameworks.values())
    everyone = contacts(store)
    for framework in frameworks:
        last = _last_day(store, framework.id)
        if last is not None and today < last:
            report.lines.append(f"{framework.id}: {today} is before the last run ({last}); checked the data only, "
                                "nothing new raised or sent")
            continue
        with store.engine.begin() as conn:
            run_id = conn.execute(insert(cycle_runs).values(framework_id=framework.id, day=today, started_at=now())
                                  .returning(cycle_runs.c.id)).scalar_one()
        said: list[str] = []
        period = period_under_review(service.available_periods(framework.id), today)
        if period is None:
            said.append(f"{framework.id}: no data before {today:%B %Y}; nothing to review")
        else:
            schedule = framework.review
            review_day = reminders_due(schedule, today) if schedule else None
            if review_day is not None:
                said += reminders.queue(store, service, framework, period, review_day, today, everyone, base_url)
            found = alerts.detect(store, service, framework, period, today)
            said += alerts.record(store, framework, period, today, found, everyone, first_run=last is None)
            said += alerts.queue(store, framework, period, today, everyone, base_url)
        said += delivery.queue(store, framework, today, everyone, base_url, root)
        with store.engine.begin() as conn:
            conn.execute(update(cycle_runs).where(cycle_runs.c.id == run_id).values(
                finished_at=now(), summary=json.dumps({"period": period, "lines": said})))
        report.lines += [f"{framework.id}: {line}" for line in said] or [f"{framework.id}: nothing new today"]
    report.sent = send_pending(store, mailer, sender_from(environ))
    for s in report.sent:
        if s["status"] == "failed":
            report.lines.append(f"mail: FAILED {s['kind']} to {s['recipient']} (attempt {s['attempt']}): {s['error']}"
                                "; retried next run")
        else:
            report.lines.append(f"mail: {s['status']} {s['kind']} to {s['recipient']}: {s['subject']}")
    return report
