"""Reporting periods: months, quarters, UK financial years (April to March) and calendar years.

A period is held as the ``date`` of its first day. Outside the program (JSON, CLI,
URLs) a period is named by its *last* month as ``YYYY-MM``: "2024-03" is March 2024
for a monthly metric, January to March 2024 for a quarterly one and the financial
year 2023/24 for an annual one; "2023-12" is the calendar year 2023 (``calendar_year``, as
Fingertips publishes mortality and survey indicators). Naming by the last month means "evaluate at 2024-03"
can simply take every period that has ended by then, whatever the frequency.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from datasources.months import parse_month  # the program's one month parser, for the layers above

Frequency = Literal["monthly", "quarterly", "annual", "calendar_year"]

MONTHS_PER_PERIOD: dict[str, int] = {"monthly": 1, "quarterly": 3, "annual": 12, "calendar_year": 12}
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from start to end (negative when end is earlier)."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def period_start_of(month: date, frequency: Frequency) -> date:
    """The first month of the period (of that frequency) containing ``month``."""
    if frequency == "monthly":
        return date(month.year, month.month, 1)
    if frequency == "quarterly":
        # UK financial quarters start in April, July, October and January:
        # the same boundaries as calendar quarters.
        return date(month.year, ((month.month - 1) // 3) * 3 + 1, 1)
    if frequency == "calendar_year":
        return date(month.year, 1, 1)
    fy_start_year = month.year if month.month >= 4 else month.year - 1
    return date(fy_start_year, 4, 1)


def period_end(start: date, frequency: Frequency) -> date:
    """The last month of the period that starts at ``start``."""
    return add_months(start, MONTHS_PER_PERIOD[frequency] - 1)


def period_key(start: date, frequency: Frequency) -> str:
    """The outward name of a period: its last month as YYYY-MM."""
    return month_key(period_end(start, frequency))


def financial_year_label(fy_start_year: int) -> str:
    return f"{fy_start_year}/{(fy_start_year + 1) % 100:02d}"


def period_label(start: date, frequency: Frequency) -> str:
    """Words for a period as a commissioner writes it: 'Mar 2024', 'Q4 2023/24', '2023/24'."""
    if frequency == "monthly":
        return f"{MONTH_NAMES[start.month - 1]} {start.year}"
    if frequency == "calendar_year":
        return str(start.year)
    fy = start.year if start.month >= 4 else start.year - 1
    if frequency == "quarterly":
        quarter = ((start.month - 4) % 12) // 3 + 1
        return f"Q{quarter} {financial_year_label(fy)}"
    return financial_year_label(fy)


def month_label(month: date) -> str:
    """'March 2018': for deadlines in sentences."""
    full = ["January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December"]
    return f"{full[month.month - 1]} {month.year}"


TO_BE_CONFIRMED = "To be confirmed"


def due_label(due: date | None, fmt: str = "%b %Y") -> str:
    """A milestone's due month for display; a milestone the document gives no date is
    "To be confirmed" (and never late)."""
    return TO_BE_CONFIRMED if due is None else due.strftime(fmt)
