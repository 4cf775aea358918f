"""One judgement of a framework at a period, read by every page, report, alert and command that has a store.

The metrics service judges from what it is given; this is where what people recorded reaches it: each
milestone's latest update and each metric's SPC change points, read from the store. Readers call
:func:`framework_evaluation` rather than the service directly, so the overview, the intention page, the
review pack, sign-off and the alerts never disagree about a milestone or a limit.
"""

from __future__ import annotations

from datetime import date

from datasources.store import Store
from metrics.evaluation.evaluate import Evaluation
from metrics.service import FrameworkEvaluation, MetricsService
from review.change_points import recorded_change_points
from review.milestones import recorded_progress


def framework_evaluation(store: Store | None, service: MetricsService, framework_id: str | None,
                         period: str | date | None, suppress: bool = False,
                         insights: bool = True) -> FrameworkEvaluation:
    """``store`` None (no store configured): the config's own milestone statuses, no recorded change points
    (those config declares always apply). ``insights`` False: the judgement without SPC, trend, forecast,
    benchmark or ranking (:meth:`MetricsService.evaluate_framework`)."""
    framework = service.framework(framework_id)
    progress = recorded_progress(store, framework) if store is not None else None
    points = recorded_change_points(store, framework.id) if store is not None else None
    return service.evaluate_framework(framework.id, period, suppress=suppress, milestone_progress=progress,
                                      change_points=points, insights=insights)


def metric_evaluation(store: Store | None, service: MetricsService, metric_id: str, period: str | date | None,
                      suppress: bool = False) -> Evaluation:
    """One metric judged as :func:`framework_evaluation` judges it (its recorded change points applied), for
    the metric page: only that metric's query runs."""
    owner = service.framework_of_metric(metric_id)
    points = (recorded_change_points(store, owner[0].id).get(metric_id, ())
              if store is not None and owner is not None else ())
    return service.evaluate_metric(metric_id, period, suppress=suppress, change_points=points)
