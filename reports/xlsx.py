"""Excel workbook from a stored snapshot: Summary, Series and Definitions sheets, then what people wrote
(Commentary, Actions, Milestone updates, Officer summary: ``reports.written``).

Plain tables (no merged cells), a frozen header row, number formats from each metric's
decimals, status as a word with conditional formatting (colour adds to the word). Text that
would start a formula (a title of "=HYPERLINK(...)" in the config) is written as text, never a
formula (``metrics.cell_text``)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from metrics.cell_text import starts_formula
from reports.columns import EVALUATION, SERIES, WORKBOOK_SERIES, WORKBOOK_SUMMARY, Column, chosen
from reports.written import written_tables
from snapshots import Snapshot

STATUS_FILLS = {"Achieved": "C6E5D1", "On track": "C6E5D1", "At risk": "FCE5B6", "Off track": "F6C6CB",
                "Not started": "E5E5E5", "No data": "E5E5E5"}


def _fmt(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[list], widths: list[int], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(headers)
    for row in rows:
        ws.append(row)
    for line in ws.iter_rows():
        for cell in line:
            if starts_formula(cell.value):
                # openpyxl takes a string starting with "=" as a formula: store it as a string, and
                # with Excel's quote prefix so that editing the cell does not make it one either.
                cell.data_type = "s"
                cell.quotePrefix = True
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if rows:
        ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
        table = Table(displayName=title.replace(" ", ""), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
        ws.add_table(table)
    return ws


def _plain(value):
    """A cell's value: yes/no for a flag, the value itself otherwise (None stays empty)."""
    return ("Yes" if value else "No") if isinstance(value, bool) else value


def _columns_sheet(wb: Workbook, title: str, columns: list[Column], rows: list[tuple[dict, str]], snapshot: Snapshot,
                   first: bool = False):
    """A sheet of ``columns`` (found by name: ``reports.columns``), one line per (row, number format of its
    metric); each column's number format and wrapping is its own, wherever it stands."""
    ws = _sheet(wb, title, [c.heading for c in columns], [[_plain(c.value(row, snapshot)) for c in columns]
                                                          for row, _fmt in rows], [c.width for c in columns],
                first=first)
    for i, (_row, fmt) in enumerate(rows, start=2):
        for col, column in enumerate(columns, start=1):
            if column.number:
                ws.cell(row=i, column=col).number_format = fmt if column.number == "metric" else "#,##0"
            if column.wrap:
                ws.cell(row=i, column=col).alignment = Alignment(wrap_text=True, vertical="top")
    return ws


def render(snapshot: Snapshot, path: Path) -> Path:
    wb = Workbook()
    decimals = {m: _fmt(d["model"]["decimals"]) for m, d in snapshot.definitions.items()}
    summary = chosen(EVALUATION, WORKBOOK_SUMMARY)
    ws = _columns_sheet(wb, "Summary", summary, [(e, decimals[e["metric_id"]]) for e in snapshot.evaluations],
                        snapshot, first=True)
    if snapshot.evaluations:
        status = get_column_letter([c.name for c in summary].index("status_word") + 1)
        status_range = f"{status}2:{status}{len(snapshot.evaluations) + 1}"
        for word, colour in STATUS_FILLS.items():
            ws.conditional_formatting.add(status_range, CellIsRule(operator="equal", formula=[f'"{word}"'],
                                                                   fill=PatternFill("solid", bgColor=colour)))
    points = [({"metric_id": e["metric_id"], **p}, decimals[e["metric_id"]])
              for e in snapshot.evaluations for p in snapshot.series(e["metric_id"])]
    _columns_sheet(wb, "Series", chosen(SERIES, WORKBOOK_SERIES), points, snapshot)
    def_rows = []
    for metric_id, d in snapshot.definitions.items():
        m, src = d["model"], d["model"]["source"]
        def_rows.append([metric_id, m["title"], m["definition"], m["method"], " ".join(d["method_words"]),
                         d["binding_words"], m["unit"], m["polarity"].replace("_", " "), m["frequency"],
                         src["name"], src.get("publisher", ""), src.get("licence", ""), src.get("url", ""),
                         "Yes" if src.get("synthetic") else "No", m["suppress_below"], d["hash"]])
    ws = _sheet(wb, "Definitions", ["Metric id", "Title", "Definition", "Method", "Method in words", "How counted",
                                    "Unit", "Polarity", "Frequency", "Source", "Publisher", "Licence", "Source link",
                                    "Synthetic", "Suppressed below (count)", "Definition hash"], def_rows,
                [26, 40, 60, 12, 80, 60, 14, 16, 11, 30, 24, 30, 30, 10, 12, 18])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for table in written_tables(snapshot):
        ws = _sheet(wb, table.name, [heading for _k, heading, _d in table.columns],
                    [[_plain(row.get(key)) for key, _h, _d in table.columns] for row in table.rows],
                    [80 if key == "text" else 18 for key, _h, _d in table.columns])
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if snapshot.integrity_warning:  # the first sheet, open when the workbook opens
        ws = wb.create_sheet("Warning", 0)
        ws["A1"] = snapshot.integrity_warning
        ws["A1"].font = Font(bold=True)
        ws["A1"].alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions["A"].width = 120
        wb.active = 0
    wb.properties.title = snapshot.label
    wb.properties.subject = f"Snapshot {snapshot.id}, definitions hash {snapshot.record.definitions_hash}"
    wb.properties.creator = snapshot.record.created_by
    wb.save(path)
    return path
