"""Checking what people type: stored exactly as plain text (HTML and script included, never
interpreted), within a length limit, without invisible control characters."""

from __future__ import annotations

import re
from datetime import date

from review.errors import ReviewInputError

COMMENT_LIMIT = 4000
SHORT_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def plain_text(field: str, value: str | None, limit: int, required: bool = True) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ReviewInputError(field, "is empty; write some text")
    if len(text) > limit:
        raise ReviewInputError(field, f"is {len(text)} characters long; the limit is {limit}, so shorten it")
    if _CONTROL.search(text):
        raise ReviewInputError(field, "contains control characters; remove them (plain text only)")
    return text


def due_date(field: str, value: str | date) -> date:
    if isinstance(value, date):
        return value
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value or ""):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ReviewInputError(field, f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31") from None


def period(field: str, value: str) -> str:
    if not isinstance(value, str) or not _PERIOD.match(value):
        raise ReviewInputError(field, f"'{value}' is not a period; write it as YYYY-MM, e.g. 2025-03")
    return value
