"""``outcomes change-point add|list|withdraw|suggest``: SPC change points from the command line.

Each write acts as a named person (``--as USERNAME``) and goes through the same checks as the metric page: a
performance officer for the framework, or an admin, with a reason; each is audited. Results on stdout as JSON;
exit 1 with ``error: ...`` on bad input or refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cli.common import fail, service_for
from cli.review import AsOption, ConfigOption, FrameworkOption, _acting, _emit, _run, _store

change_point_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                               help="SPC change points: periods from which a metric's limits are recalculated.")

MetricOption = typer.Option(..., "--metric", help="Metric id.")


@change_point_app.command("add")
def change_point_add(framework: str = FrameworkOption, metric: str = MetricOption,
                     period: str = typer.Option(..., "--period", help="YYYY-MM: the limits are recalculated from "
                                                "the first period ending in or after this month."),
                     reason: str = typer.Option(..., "--reason", help="What changed (plain text)."),
                     as_: str = AsOption, config: Optional[Path] = ConfigOption) -> None:
    """Record a change point (a performance officer for the framework, or an admin); prints it as JSON."""
    from review.change_points import record_change_point
    service = service_for(config)
    store = _store()
    saved = _run(record_change_point, store, service, _acting(store, as_), framework, metric, period, reason)
    _emit(saved.to_dict())


@change_point_app.command("withdraw")
def change_point_withdraw(change_point_id: int = typer.Argument(..., help="Its id (see 'outcomes change-point "
                                                                          "list')."),
                          reason: Optional[str] = typer.Option(None, "--reason", help="Why (plain text)."),
                          as_: str = AsOption, config: Optional[Path] = ConfigOption) -> None:
    """Withdraw a recorded change point: the limits are no longer recalculated there (prints it as JSON)."""
    from review.change_points import withdraw_change_point
    service = service_for(config)
    store = _store()
    saved = _run(withdraw_change_point, store, service, _acting(store, as_), change_point_id, reason)
    _emit(saved.to_dict())


@change_point_app.command("list")
def change_point_list(framework: str = FrameworkOption,
                      metric: Optional[str] = typer.Option(None, "--metric", help="Only this metric."),
                      in_force: bool = typer.Option(False, "--in-force", help="Leave out withdrawn ones."),
                      config: Optional[Path] = ConfigOption) -> None:
    """Change points config declares and those people recorded (withdrawn ones too, unless --in-force)."""
    from metrics.evaluation.change_points import declared_change_points
    from review.change_points import list_change_points
    service = service_for(config)
    try:
        chosen = service.framework(framework)
    except KeyError as exc:
        fail(str(exc.args[0]))
    if metric is not None and metric not in chosen.metric_ids():
        fail(f"--metric: '{metric}' is not a metric of {chosen.id}")
    declared = []
    for m in [metric] if metric else chosen.metric_ids():
        settings = service.metric(m).spc
        if settings.change_points or settings.change_points_at_series_breaks:  # only then read the breaks
            declared += [{"metric_id": m, "period": p.period, "reason": p.reason} for p in
                         declared_change_points(service.metric(m), service.observations(m).breaks)]
    recorded = _run(list_change_points, _store(), chosen.id, metric, not in_force)
    _emit({"declared_in_config": declared, "recorded": [c.to_dict() for c in recorded]})


@change_point_app.command("suggest")
def change_point_suggest(framework: str = FrameworkOption, metric: str = MetricOption,
                         config: Optional[Path] = ConfigOption) -> None:
    """The change points the product suggests for a metric's SPC chart (none is applied until recorded)."""
    from review.judgement import metric_evaluation
    from review.subjects import locate
    service = service_for(config)
    store = _store()
    _run(locate, service, framework, metric, None)
    evaluation = _run(metric_evaluation, store, service, metric, None)
    spc = evaluation.insights.spc if evaluation.insights is not None else None
    _emit({"metric_id": metric, "summary": spc.summary if spc else None,
           "applied": [p.to_dict() for p in spc.change_points] if spc else [],
           "suggestions": [s.to_dict() for s in spc.suggestions] if spc else []})
