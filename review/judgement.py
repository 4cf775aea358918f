"""One judgement of a framework at a period, read by every page, report, alert and command that has a store.

The metrics service judges from what it is given; this is where what people recorded reaches it: each
milestone's latest update and each metric's SPC change points, read from the store. Readers call
:func:`framework_evaluation` rather than the service directly, so the overview, the intention page, the
review pack, sign-off and the alerts never disagree about a milestone or a limit.
"""

from __future__ import annotations

from datetime import date

from datasources.store import Store
from metrics.service import FrameworkEvaluation, MetricsService
from review.milestones import recorded_progress


def framework_evaluation(store: Store | None, service: MetricsService, framework_id: str | None,
                         period: str | date | None, suppress: bool = False) -> FrameworkEvaluation:
    """``store`` None (no store configured): the config's own milestone statuses, no recorded change points."""
    framework = service.framework(framework_id)
    progress = recorded_progress(store, framework.id) if store is not None else None
    return service.evaluate_framework(framework.id, period, suppress=suppress, milestone_progress=progress)
