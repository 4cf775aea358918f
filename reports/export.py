"""Export a stored snapshot in one format. Every figure comes from the snapshot itself, and "what
changed" from the comparison fixed when it was made (``snapshots.comparison_of``), so the text is
the same at every export. ``reports.export_cache`` keeps what this renders."""

from __future__ import annotations

from pathlib import Path

from reports.errors import ExportError
from snapshots import Comparison, Snapshot

FORMATS = ("xlsx", "csv", "pdf", "docx")
SCOPES = ("full", "exceptions")
#: The formats a scope other than "full" applies to: the workbook and the CSV tables always hold every metric.
SCOPED = ("pdf", "docx")


def stem(snapshot: Snapshot) -> str:
    return f"{snapshot.record.framework_id}-{snapshot.period}-v{snapshot.version}"


def export(snapshot: Snapshot, fmt: str, out_dir: Path, comparison: Comparison | None = None,
           scope: str = "full") -> list[Path]:
    """Write the snapshot as ``fmt`` into ``out_dir``; returns the files written.
    ``comparison`` (default: the one stored with the snapshot; ``snapshots.comparison_of`` for any
    snapshot) feeds "what changed" in the PDF and Word reports.
    ``scope="exceptions"`` (PDF and Word) is the committee variant: the summary and the exceptions only."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    if scope not in SCOPES:
        raise ExportError(f"unknown scope '{scope}'; use one of {', '.join(SCOPES)}")
    if scope != "full" and fmt not in SCOPED:
        raise ExportError(f"scope '{scope}' is for the pdf and docx reports; {fmt} always holds every metric")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = stem(snapshot) + ("" if scope == "full" else f"-{scope}")
    if fmt == "csv":
        from reports import csv_export

        return csv_export.render(snapshot, out_dir, name)
    target = out_dir / f"{name}.{fmt}"
    partial = out_dir / f".{name}.{fmt}.partial"
    if fmt == "xlsx":
        from reports import xlsx

        xlsx.render(snapshot, partial)
    elif fmt == "pdf":
        from reports import pdf

        pdf.render(snapshot, partial, comparison, scope)
    else:
        from reports import docx_export

        docx_export.render(snapshot, partial, comparison, scope)
    partial.replace(target)  # never leave a half-written file under the real name
    return [target]
