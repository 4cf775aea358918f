"""The error an export raises, with a message for the person who asked for it.

Its own module, below both ``reports.export`` (which picks the renderer) and the renderers that raise it
(``reports.pdf``), so neither imports the other to name it."""

from __future__ import annotations


class ExportError(Exception):
    """The export cannot be made (unknown format or scope, a missing optional extra); the message says why."""
