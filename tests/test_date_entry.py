"""Dates typed in GOV.UK's date input (Day, Month, Year), checked by the review domain, the authority for every
write (issue 20, "Forms that fit"): what is missing, what is not a number and what is not a real date, each
named with the field and the box at fault; and dates shown in words, en-GB ("27 March 2027")."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from review.errors import ReviewInputError
from review.text import DateParts, due_date


@pytest.mark.parametrize("typed, expected", [
    (("27", "3", "2027"), date(2027, 3, 27)), ((" 07 ", "03", "2027"), date(2027, 3, 7)),
    (("29", "2", "2028"), date(2028, 2, 29)), (("1", "March", "2027"), date(2027, 3, 1)),
    (("30", "sept", "2026"), date(2026, 9, 30)), (("31", "Dec", "2026"), date(2026, 12, 31)),
])
def test_a_real_date_in_three_boxes(typed, expected) -> None:
    assert due_date("due", DateParts(*typed)) == expected


@pytest.mark.parametrize("typed, part, words", [
    (("", "", ""), "day", "due: enter a day, month and year, for example 27 3 2027"),
    (("27", "", "2027"), "month", "due: must include a month"),
    (("", "3", ""), "day", "due: must include a day and a year"),
    (("27th", "3", "2027"), "day", "due: the day must be a number, for example 27"),
    (("27", "Marchember", "2027"), "month", "due: the month must be a number from 1 to 12, for example 3"),
    (("27", "3", "27"), "year", "due: the year must include 4 numbers, for example 2027"),
    (("27", "13", "2027"), "month", "due: must be a real date: the month must be from 1 to 12"),
    (("29", "2", "2027"), "day", "due: must be a real date: February 2027 has 28 days"),
    (("31", "4", "2027"), "day", "due: must be a real date: April 2027 has 30 days"),
    (("0", "4", "2027"), "day", "due: must be a real date: April 2027 has 30 days"),
    (("1", "1", "0000"), "year", "due: must be a real date: the year must be 0001 or later"),
    (("١", "1", "2027"), "day", "due: the day must be a number, for example 27"),  # digits 0 to 9 only
])
def test_a_date_that_is_not_real_is_refused_naming_the_box(typed, part, words) -> None:
    with pytest.raises(ReviewInputError) as refused:
        due_date("due", DateParts(*typed))
    assert (refused.value.field, refused.value.part, str(refused.value)) == ("due", part, words)


def test_nothing_typed_is_no_date_and_the_command_line_keeps_iso() -> None:
    assert not DateParts() and not DateParts(" ", "", "") and DateParts("", "", "2027")
    assert due_date("due", "2027-03-27") == date(2027, 3, 27)
    with pytest.raises(ReviewInputError, match="write it as YYYY-MM-DD"):
        due_date("due", "27/03/2027")


def test_the_milestone_write_takes_the_three_boxes(service, temp_store) -> None:
    """update_milestone, the only write path for milestones, checks a date done typed in the boxes itself."""
    from review.milestones import milestone_history, update_milestone
    from review.people import Role, add_person, grant

    lead = add_person(temp_store, None, "a.lead", "A Lead", Role.lead, "a-lead-password")
    grant(temp_store, None, "a.lead", lead="Head of Strategic Commissioning (Older People)")
    falls = ("warwickshire", "fe-13-falls-prevention", "Jointly commission a falls prevention strategy")
    with pytest.raises(ReviewInputError) as refused:
        update_milestone(temp_store, service, lead, *falls, "done", DateParts("31", "2", "2026"))
    assert (refused.value.field, refused.value.part) == ("done on", "day")
    assert milestone_history(temp_store, service, *falls)[-1].recorded_by == "config"  # nothing written
    saved = update_milestone(temp_store, service, lead, *falls, "done", DateParts("14", "Feb", "2026"), "Agreed")
    assert (saved.status, saved.done_on) == ("done", date(2026, 2, 14))


def test_dates_are_shown_in_words() -> None:
    from dashboard.review_widgets import when

    assert when(date(2027, 3, 7)) == "7 March 2027"
    assert when(datetime(2027, 3, 27, 14, 5, tzinfo=timezone.utc)) == "27 March 2027 at 14:05 UTC"
