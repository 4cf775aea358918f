"""The registry of export formats: each named once, with its file suffix, its download's media type, whether a
scope (the exceptions paper) applies, the engine that makes it and its render function. The export, the download
route, the command line and the export cache read the formats from here, so a second PDF engine is one module and
one line below.

Light to import (the command line validates ``--format`` with it and must not load the reports to list its
commands): each render function imports its renderer when it is first called.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from reports.errors import ExportError

if TYPE_CHECKING:
    from reports.model import Report

#: ``full``: every metric; ``exceptions``: the committee paper, only what needs attention plus the summary.
SCOPES = ("full", "exceptions")


@dataclass(frozen=True)
class Format:
    name: str
    #: The suffix of the file it writes (the CSV tables are several files, downloaded as one zip).
    suffix: str
    #: The media type of the download.
    media_type: str
    #: Whether a scope other than "full" applies: the documents have an exceptions paper; the workbook and the
    #: CSV tables always hold every metric.
    scoped: bool
    engine: str
    #: ``render(report, out_dir, name)`` writes the report into ``out_dir`` as files named after ``name`` and
    #: returns them, never leaving a half-written file under a real name.
    render: Callable[["Report", Path, str], list[Path]]
    #: Its download is a zip of the files it writes.
    zipped: bool = False


def _one_file(suffix: str, write: Callable[["Report", Path], object]) -> Callable[["Report", Path, str], list[Path]]:
    def render(report: "Report", out_dir: Path, name: str) -> list[Path]:
        target, partial = out_dir / f"{name}.{suffix}", out_dir / f".{name}.{suffix}.partial"
        write(report, partial)
        partial.replace(target)  # never leave a half-written file under the real name
        return [target]

    return render


def _weasyprint(report: "Report", path: Path) -> None:
    from reports import pdf

    pdf.render(report.snapshot, path, report.comparison, report.scope)


def _word(report: "Report", path: Path) -> None:
    from reports import docx_export

    docx_export.render(report, path)


def _workbook(report: "Report", path: Path) -> None:
    from reports import xlsx

    xlsx.render(report.snapshot, path)


def _csv(report: "Report", out_dir: Path, name: str) -> list[Path]:
    from reports import csv_export

    return csv_export.render(report.snapshot, out_dir, name)


_ALL = (
    Format("pdf", "pdf", "application/pdf", True, "WeasyPrint", _one_file("pdf", _weasyprint)),
    Format("docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", True,
           "python-docx", _one_file("docx", _word)),
    Format("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False, "openpyxl",
           _one_file("xlsx", _workbook)),
    Format("csv", "csv", "application/zip", False, "csv", _csv, zipped=True),
)
FORMATS: dict[str, Format] = {f.name: f for f in _ALL}


def get(name: str, scope: str = "full") -> Format:
    """The format called ``name``, checked against ``scope``; ExportError saying what to use otherwise."""
    if name not in FORMATS:
        raise ExportError(f"unknown format '{name}'; use one of {', '.join(FORMATS)}")
    if scope not in SCOPES:
        raise ExportError(f"unknown scope '{scope}'; use one of {', '.join(SCOPES)}")
    chosen = FORMATS[name]
    if scope != "full" and not chosen.scoped:
        scoped = " and ".join(f.name for f in _ALL if f.scoped)
        raise ExportError(f"scope '{scope}' is for the {scoped} reports; {name} always holds every metric")
    return chosen
