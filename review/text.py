"""Checking what people type: stored exactly as plain text (HTML and script included, never
interpreted), within a length limit, without invisible control characters."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
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


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # English whatever the server's locale
#: A month typed as a word: "March", "mar", "Sept".
MONTH_NAMES = {**{name.lower(): n for n, name in enumerate(MONTHS, 1)},
               **{name[:3].lower(): n for n, name in enumerate(MONTHS, 1)}, "sept": 9}


@dataclass(frozen=True)
class DateParts:
    """A date as typed into GOV.UK's date input: day, month and year in three boxes, each as typed
    (checked by ``due_date``). False when nothing at all is typed: an empty date is no date."""
    day: str = ""
    month: str = ""
    year: str = ""

    def __bool__(self) -> bool:
        return any(part.strip() for part in (self.day, self.month, self.year))


def due_date(field: str, value: str | date | DateParts) -> date:
    """A date from the ISO text the command line takes (YYYY-MM-DD) or the day, month and year a page's
    date input sends; the message names the field, and for a date input the part at fault."""
    if isinstance(value, date):
        return value
    if isinstance(value, DateParts):
        return _from_parts(field, value)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value or ""):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ReviewInputError(field, f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31") from None


def _from_parts(field: str, typed: DateParts) -> date:
    """GOV.UK's date validation: what is missing, then what is not a number, then whether it is a real date."""
    parts = {"day": typed.day.strip(), "month": typed.month.strip(), "year": typed.year.strip()}
    missing = [name for name, text in parts.items() if not text]
    if len(missing) == len(parts):
        raise ReviewInputError(field, "enter a day, month and year, for example 27 3 2027", part="day")
    if missing:
        raise ReviewInputError(field, f"must include a {' and a '.join(missing)}", part=missing[0])
    if not re.fullmatch(r"[0-9]{1,2}", parts["day"]):
        raise ReviewInputError(field, "the day must be a number, for example 27", part="day")
    month = MONTH_NAMES.get(parts["month"].lower())
    if month is None:
        if not re.fullmatch(r"[0-9]{1,2}", parts["month"]):
            raise ReviewInputError(field, "the month must be a number from 1 to 12, for example 3", part="month")
        month = int(parts["month"])
    if not re.fullmatch(r"[0-9]{4}", parts["year"]):
        raise ReviewInputError(field, "the year must include 4 numbers, for example 2027", part="year")
    day, year = int(parts["day"]), int(parts["year"])
    if not 1 <= month <= 12:
        raise ReviewInputError(field, "must be a real date: the month must be from 1 to 12", part="month")
    if year < 1:
        raise ReviewInputError(field, "must be a real date: the year must be 0001 or later", part="year")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ReviewInputError(field, f"must be a real date: {MONTHS[month - 1]} {year} has {last} days",
                               part="day")
    return date(year, month, day)


def period(field: str, value: str) -> str:
    if not isinstance(value, str) or not _PERIOD.match(value):
        raise ReviewInputError(field, f"'{value}' is not a period; write it as YYYY-MM, e.g. 2025-03")
    return value


def begun_period(field: str, value: str, today: date | None = None) -> str:
    """A period that has begun (this month or earlier): commentary, an action raised, a sign-off or a snapshot
    are about what has happened, so 2099-01 is refused rather than stored."""
    value = period(field, value)
    now = (today or date.today()).strftime("%Y-%m")
    if value > now:
        raise ReviewInputError(field, f"{value} has not begun yet (this month is {now}); write about a period "
                                      "that has begun")
    return value


def not_to_come(field: str, day: date, today: date | None = None) -> date:
    """A day that has come (today or earlier): a milestone is not done on a day still to come."""
    now = today or date.today()
    if day > now:
        raise ReviewInputError(field, f"{day.isoformat()} is still to come (today is {now.isoformat()}); give the "
                                      "day it was done")
    return day
