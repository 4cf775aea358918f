"""Export a stored snapshot in one format. Every figure comes from the snapshot itself, and "what
changed" from the comparison fixed when it was made (``snapshots.comparison_of``), so the text is
the same at every export. The formats are those of the registry (``reports.formats``); the report is
assembled once per snapshot, comparison and scope and rendered to each format from that
(``reports.model``). ``reports.export_cache`` keeps what this renders."""

from __future__ import annotations

from pathlib import Path

from reports import formats
from reports.errors import ExportError
from reports.model import Report, report_for
from snapshots import Comparison, Snapshot

__all__ = ["ExportError", "export", "stem"]


def stem(snapshot: Snapshot) -> str:
    return f"{snapshot.record.framework_id}-{snapshot.period}-v{snapshot.version}"


def export(snapshot: Snapshot, fmt: str, out_dir: Path, comparison: Comparison | None = None,
           scope: str = "full") -> list[Path]:
    """Write the snapshot as ``fmt`` into ``out_dir``; returns the files written.
    ``comparison`` (default: the one stored with the snapshot; ``snapshots.comparison_of`` for any
    snapshot) feeds "what changed" in the PDF and Word reports.
    ``scope="exceptions"`` (PDF and Word) is the committee variant: the summary and the exceptions only."""
    chosen = formats.get(fmt, scope)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = stem(snapshot) + ("" if scope == "full" else f"-{scope}")
    # The documents share the kept report (its blocks and charts); the tables read the snapshot alone, and a
    # report of their own leaves the kept ones in place for the next document.
    report = report_for(snapshot, comparison, scope) if chosen.scoped else Report(snapshot, comparison, scope)
    return chosen.render(report, out_dir, name)
