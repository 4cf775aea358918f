"""What people wrote for the period, as the snapshot froze it at sign-off, in tables for the workbook and the
CSV files: commentary, actions, milestone updates and the officer's summary. One definition of the columns
(key, heading, description) for both, so the XLSX sheets and the CSV files say the same. The text is as typed;
the writers make it formula-safe (``metrics.cell_text``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from snapshots import Snapshot


@dataclass(frozen=True)
class WrittenTable:
    name: str                                   # the sheet's name and the CSV file's suffix
    columns: tuple[tuple[str, str, str], ...]   # (key, heading, description)
    rows: list[dict[str, Any]]


_COMMENTARY = (("subject", "About", "The metric id, or intention:<id> for an intention tracked by milestones"),
               ("intention_id", "Intention id", "The commissioning intention it belongs to"),
               ("text", "Commentary", "The commentary as its author wrote it"),
               ("author", "Author", "Who wrote this version"), ("version", "Version", "Its version (1 is the first)"),
               ("created_at", "Written at", "When this version was saved (UTC)"),
               ("addendum", "Addendum", "true when written after the period was signed off"))
_ACTIONS = (("id", "Action id", "The action's id"), ("metric_id", "Metric id", "The metric it is on, if any"),
            ("intention_id", "Intention id", "The intention it is on"), ("text", "Action", "What will be done"),
            ("owner", "Owner", "Who does it"), ("due", "Due", "Due date YYYY-MM-DD"),
            ("status", "Status", "open, in_progress, done or dropped"),
            ("overdue", "Overdue", "true when past its due date and not closed at the period"),
            ("period", "Raised in", "The period it was raised in, YYYY-MM"),
            ("created_by", "Raised by", "Who raised it"), ("updated_by", "Last updated by", "Who last changed it"))
_MILESTONES = (("intention_id", "Intention id", "The intention the milestone belongs to"),
               ("title", "Milestone", "The milestone as the plan names it"), ("due", "Due", "Due month, if dated"),
               ("status", "Status", "Its recorded status"),
               ("state", "State", "done, late, due, not_started... at the period"),
               ("done_on", "Done on", "When it was done, if it was"), ("evidence", "Evidence", "The evidence given"),
               ("recorded_by", "Recorded by", "Who recorded the update (config: nobody yet)"),
               ("recorded_at", "Recorded at", "When the update was recorded"))
_SUMMARY = (("text", "Officer's summary", "The narrative that opens the committee paper, as written"),
            ("author", "Author", "The performance officer who wrote this version"),
            ("version", "Version", "Its version"), ("created_at", "Written at", "When it was saved (UTC)"))


def written_tables(snapshot: Snapshot) -> list[WrittenTable]:
    payload = snapshot.record.payload
    commentary = [{"subject": subject, **version} for subject, versions in sorted(payload.get("commentary", {}).items())
                  for version in versions]
    summary = payload.get("officer_summary")
    return [WrittenTable("Commentary", _COMMENTARY, commentary),
            WrittenTable("Actions", _ACTIONS, list(payload.get("actions", []))),
            WrittenTable("Milestone updates", _MILESTONES, list(payload.get("milestones", []))),
            WrittenTable("Officer summary", _SUMMARY, [summary] if summary else [])]
