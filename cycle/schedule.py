"""Dates of the monthly review: working days in England (bank holidays from the ``holidays``
package, not a typed list), the review day of a month, and the day reminders go out."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays

from metrics.definitions.models import ReviewSchedule


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.UK(subdiv="ENG", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day`` (``day`` itself when 0)."""
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def review_date(schedule: ReviewSchedule, year: int, month: int) -> date:
    """The review meeting in that month: ``day_of_month`` (capped at the month's last day),
    moved back to a working day."""
    last = calendar.monthrange(year, month)[1]
    return working_day_on_or_before(date(year, month, min(schedule.day_of_month, last)))


def reminder_date(schedule: ReviewSchedule, year: int, month: int) -> date:
    return working_days_before(review_date(schedule, year, month), schedule.remind_working_days_before)


def reminders_due(schedule: ReviewSchedule, today: date) -> date | None:
    """This month's review date when today is on or after the reminder day and not after the
    review (a missed cron day still reminds; after the meeting it is too late)."""
    review = review_date(schedule, today.year, today.month)
    if reminder_date(schedule, today.year, today.month) <= today <= review:
        return review
    return None


def period_under_review(available: list[str], today: date) -> str | None:
    """The latest period with data that began before today's month (newest first list)."""
    this_month = f"{today.year:04d}-{today.month:02d}"
    return next((p for p in available if p < this_month), None)
