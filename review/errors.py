"""What can go wrong in the review domain, each carrying a sentence fit to show the person."""

from __future__ import annotations

from typing import Any


class ReviewError(Exception):
    """Base: nothing was changed; the message says why."""


class Forbidden(ReviewError):
    """The person may not do this (checked inside every write, whatever the page showed)."""


class ReviewInputError(ReviewError):
    """Bad input: the message names the field and the fix. ``part`` names the part of a field at fault
    where it has several (a date's "day", "month" or "year"), so a page can point at that box."""

    def __init__(self, field: str, message: str, part: str | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.part = part


class Conflict(ReviewError):
    """Someone else saved first. ``current`` is their saved version; the refused text is in
    ``attempted`` so the page can show both and nothing is lost."""

    def __init__(self, message: str, current: Any, attempted: str | None = None):
        super().__init__(message)
        self.current = current
        self.attempted = attempted


class SignedOff(ReviewError):
    """The period is already signed off (a new version needs a reason)."""
