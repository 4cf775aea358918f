"""Delivery after sign-off: the latest signed-off snapshot of a framework is exported once
(by default the exceptions PDF and Word report and the Excel workbook) into the configured folder, and
emailed to the configured distribution list, one delivery per person, each recorded and
retried by the ledger until sent. Entries on the list that are not a person with a grant
and an email address are reported and skipped (nobody else is ever emailed).

The files are those the review pack and the snapshots page offer: each comes from the export
cache (``reports.export_cache``), so what is delivered is byte for byte what a person downloads."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from sqlalchemy import select

import snapshots
from cycle import links
from cycle.contacts import Contact, resolve
from cycle.ledger import add_delivery, record_event
from cycle.mail import Email, Line, Section
from datasources.store import PROJECT_ROOT, Store, signoffs
from metrics.definitions.models import Delivery, Framework
from reports.export_cache import CLI_WAIT_SECONDS, cached_export
from review.signoff import SignOff, signed_off

_PLAN = {"exceptions_pdf": ("pdf", "exceptions"), "exceptions_docx": ("docx", "exceptions"), "pdf": ("pdf", "full"),
         "docx": ("docx", "full"), "xlsx": ("xlsx", "full"), "csv": ("csv", "full")}


def latest_signoff(store: Store, framework_id: str) -> SignOff | None:
    with store.engine.connect() as conn:
        period = conn.execute(select(signoffs.c.period).where(signoffs.c.framework_id == framework_id)
                              .order_by(signoffs.c.signed_at.desc(), signoffs.c.id.desc()).limit(1)).scalar()
    return signed_off(store, framework_id, period) if period is not None else None


def folder_of(delivery: Delivery, root: Path = PROJECT_ROOT) -> Path:
    folder = Path(delivery.folder)
    return folder if folder.is_absolute() else root / folder


def export_files(store: Store, snapshot, comparison, formats, out_dir: Path) -> list[Path]:
    """The files, from the export cache (rendered there once per snapshot and scope, as for a download),
    copied into ``out_dir``; a file already there is kept."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for name in formats:
        fmt, scope = _PLAN[name]
        for cached in cached_export(store, snapshot, comparison, fmt, scope, wait=CLI_WAIT_SECONDS):
            delivered = out_dir / cached.name
            if not delivered.exists():
                partial = out_dir / f".{cached.name}.partial"
                shutil.copyfile(cached, partial)
                partial.replace(delivered)  # never a half-copied file under the real name
            files.append(delivered)
    return list(dict.fromkeys(files))


def delivery_email(contact: Contact, framework: Framework, signoff: SignOff, files: list[Path], folder: Path,
                   base_url: str) -> Email:
    return Email(
        address=contact.email, name=contact.display_name,
        subject=f"{framework.title}: {signoff.period} signed off",
        heading=f"{framework.title}, {signoff.period}: the signed-off snapshot",
        intro=(f"Dear {contact.display_name},",
               f"{signoff.period} was signed off by {signoff.signed_by} on {signoff.signed_at:%-d %B %Y}. "
               "The reports are attached and kept in the delivery folder."),
        sections=(Section("Attached", tuple(Line(p.name) for p in files)),
                  Section("Online", (Line("The review pack", links.review_pack(base_url, framework.id,
                                                                              signoff.period)),))),
        closing=(f"Delivery folder: {folder}",),
        attachments=tuple(str(p) for p in files))


def queue(store: Store, framework: Framework, today: date, everyone: list[Contact], base_url: str,
          root: Path = PROJECT_ROOT) -> list[str]:
    plan = framework.review.delivery if framework.review else None
    if plan is None:
        return []
    signoff = latest_signoff(store, framework.id)
    if signoff is None:
        return []
    recipients = [(entry, resolve(everyone, entry)) for entry in plan.to]
    said = []
    for entry, contact in recipients:
        if contact is None and record_event(store, f"delivery_refused:{signoff.snapshot_id}:{entry}", "delivery_refused",
                                            framework.id, signoff.period, f"snapshot:{signoff.snapshot_id}", None,
                                            today, {"entry": entry}):
            said.append(f"delivery: '{entry}' is not a person with a grant and an email address; not sent")
    wanted = [c for _e, c in recipients if c is not None]
    folder = folder_of(plan, root) / framework.id / signoff.period
    exported_key = f"export:{signoff.snapshot_id}"
    snapshot = snapshots.load(store, signoff.snapshot_id)
    files = export_files(store, snapshot, snapshots.comparison_of(store, snapshot), plan.formats, folder)
    if record_event(store, exported_key, "export", framework.id, signoff.period, f"snapshot:{signoff.snapshot_id}",
                    None, today, {"files": [str(p) for p in files]}):
        said.append(f"delivery: snapshot {signoff.snapshot_id} ({signoff.period}) written to {folder}: "
                    f"{', '.join(p.name for p in files)}")
    for contact in wanted:
        key = f"snapshot:{signoff.snapshot_id}:{contact.username}"
        if add_delivery(store, key, "snapshot", framework.id, signoff.period, contact.username,
                        delivery_email(contact, framework, signoff, files, folder, base_url), today):
            said.append(f"delivery: snapshot {signoff.snapshot_id} to {contact.username}")
    return said
