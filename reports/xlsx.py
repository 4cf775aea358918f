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

from metrics.evaluation.provenance_words import assumed_cell, provenance_summary
from metrics.evaluation.status import Status
from metrics.cell_text import starts_formula
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


def render(snapshot: Snapshot, path: Path) -> Path:
    wb = Workbook()
    titles = {i["id"]: i["title"] for i in snapshot.framework["intentions"]}
    headers = ["Intention", "Metric id", "Metric", "Period", "Value", "Unit", "95% CI lower", "95% CI upper",
               "Baseline", "Target", "Target deadline", "Glide path value", "Status", "Progress to target",
               "Recent trend", "Suppressed", "Synthetic (sample data, not real)", "Status reason",
               "Target assumed (not in the document)", "Where the target comes from"]
    rows, formats = [], []
    for e in snapshot.evaluations:
        r = e["report"]
        rows.append([titles.get(e["intention_id"], e["intention_id"]), e["metric_id"], e["title"],
                     r["period_label"], e["value"], snapshot.metric(e["metric_id"]).unit_label or e["unit"],
                     e["ci_lower"], e["ci_upper"], e["baseline"]["value"], e["target"]["value"],
                     e["target"]["deadline"], e["trajectory_value"], Status(e["status"]).words,
                     r["progress_text"], r["trend"]["label"], "Yes" if r["suppressed"] else "No",
                     "Yes" if snapshot.synthetic(e) else "No", e["status_reason"],
                     assumed_cell(e.get("target_provenance")) or "–", provenance_summary(e.get("target_provenance"))])
        formats.append(_fmt(snapshot.definitions[e["metric_id"]]["model"]["decimals"]))
    ws = _sheet(wb, "Summary", headers, rows,
                [40, 26, 40, 12, 12, 22, 12, 12, 12, 12, 12, 12, 12, 12, 22, 11, 14, 80, 24, 80], first=True)
    for i, fmt in enumerate(formats, start=2):
        for col in (5, 7, 8, 9, 10, 12):
            ws.cell(row=i, column=col).number_format = fmt
        for col in (1, 3, 18, 20):
            ws.cell(row=i, column=col).alignment = Alignment(wrap_text=True, vertical="top")
    if rows:
        status_range = f"M2:M{len(rows) + 1}"
        for word, colour in STATUS_FILLS.items():
            ws.conditional_formatting.add(status_range, CellIsRule(operator="equal", formula=[f'"{word}"'],
                                                                   fill=PatternFill("solid", bgColor=colour)))
    series_rows = []
    for e in snapshot.evaluations:
        for p in snapshot.series(e["metric_id"]):
            series_rows.append([e["metric_id"], p["period"], p["label"], p["value"], p["ci_lower"], p["ci_upper"],
                                p["numerator"], p["denominator"], "Yes" if p["suppressed"] else "No"])
    ws = _sheet(wb, "Series", ["Metric id", "Period", "Period label", "Value", "95% CI lower", "95% CI upper",
                               "Numerator", "Denominator", "Suppressed"], series_rows,
                [26, 10, 14, 12, 12, 12, 12, 14, 11])
    decimals = {m: _fmt(d["model"]["decimals"]) for m, d in snapshot.definitions.items()}
    for i, row in enumerate(series_rows, start=2):
        for col in (4, 5, 6):
            ws.cell(row=i, column=col).number_format = decimals[row[0]]
        for col in (7, 8):
            ws.cell(row=i, column=col).number_format = "#,##0"
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
