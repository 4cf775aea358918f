"""Export a stored snapshot in one format. Every figure comes from the snapshot itself."""

from __future__ import annotations

from pathlib import Path

from snapshots import Snapshot

FORMATS = ("xlsx", "csv", "pdf", "docx")


class ExportError(Exception):
    pass


def stem(snapshot: Snapshot) -> str:
    return f"{snapshot.record.framework_id}-{snapshot.period}-v{snapshot.version}"


def export(snapshot: Snapshot, fmt: str, out_dir: Path, previous: Snapshot | None = None) -> list[Path]:
    """Write the snapshot as ``fmt`` into ``out_dir``; returns the files written.
    ``previous`` (the snapshot before it) feeds "what changed" in the PDF and Word reports."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = stem(snapshot)
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

        pdf.render(snapshot, partial, previous)
    else:
        from reports import docx_export

        docx_export.render(snapshot, partial, previous)
    partial.replace(target)  # never leave a half-written file under the real name
    return [target]
