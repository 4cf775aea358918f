"""Months as people and published files write them, read as the first day of the month.

The one month parser of the program: config and command-line options write ``2024-03``;
published files may write ``January 2024`` or ``Jan 2024`` (``names=True``). It sits in the
bottom layer so that ingestion can use it; ``metrics.periods`` gives it to the layers above."""

from __future__ import annotations

import calendar
import re
from datetime import date

_NUMBERED = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")
_NAMED = re.compile(r"([A-Za-z]+)\.?\s+(\d{4})")
#: "january" and "jan" -> 1, and so on (English names, whatever the machine's locale).
MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], start=1)}
MONTH_NUMBERS.update({name[:3]: number for name, number in list(MONTH_NUMBERS.items())})


def parse_month(text: str | date, *, names: bool = False) -> date:
    """'2024-03' (or '2024-03-15', or a date) -> date(2024, 3, 1); with ``names``, also
    'March 2024' and 'Mar 2024'. Raises ValueError saying what was expected."""
    if isinstance(text, date):
        return date(text.year, text.month, 1)
    written = str(text).strip()
    expected = "YYYY-MM, e.g. 2024-03" + (", or as e.g. March 2024" if names else "")
    match = _NUMBERED.fullmatch(written)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
    else:
        named = _NAMED.fullmatch(written) if names else None
        if named is None or named.group(1).lower() not in MONTH_NUMBERS:
            raise ValueError(f"'{text}' is not a month; write it as {expected}")
        year, month = int(named.group(2)), MONTH_NUMBERS[named.group(1).lower()]
    if not 1 <= month <= 12:
        raise ValueError(f"'{text}' has month {month}; months run from 01 to 12")
    if match and match.group(3) is not None and not 1 <= int(match.group(3)) <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"'{text}' has no day {int(match.group(3))} in that month")
    return date(year, month, 1)
