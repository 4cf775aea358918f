"""Screenshots of the browser tests, for people to look at: taken only when $OUTCOMES_SCREENSHOTS names a folder.

They assert nothing, and each costs the browser seconds of CPU (a picture of a part of the review pack took 4 s of
a 20 s test): a run that wants them sets the variable (``OUTCOMES_SCREENSHOTS=/tmp/shots make test``)."""

from __future__ import annotations

import os
from pathlib import Path


def keep(shown, name: str, **options) -> None:
    """A screenshot of ``shown`` (a page or a locator) as ``name`` in $OUTCOMES_SCREENSHOTS, if it is set."""
    folder = os.environ.get("OUTCOMES_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    shown.screenshot(path=str(Path(folder) / name), **options)
