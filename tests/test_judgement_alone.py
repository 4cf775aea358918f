"""``outcomes evaluate`` judges without the insights it never prints (issue 24: SPC, trend, benchmark and ranking
were two thirds of its evaluating): every figure, status and sentence is the one the pages' full evaluation
gives, for every metric of every framework of the sample config, in public mode too."""

from __future__ import annotations

import dataclasses
from datetime import date

from metrics.service import MetricsService


def _months_before(month: str, months: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _asked(service: MetricsService, framework_id: str) -> list[tuple[str | None, bool]]:
    """(period, public) for the latest period in both audiences, and earlier ones where deadlines are still
    ahead (the forecast is in the sentence)."""
    latest = service.latest_period(framework_id)
    assert isinstance(latest, date)
    earlier = [_months_before(f"{latest:%Y-%m}", months) for months in (12, 30, 60)]
    return [(None, False), (None, True), *((period, False) for period in earlier)]


def test_the_judgement_alone_is_the_full_judgement_without_insights(service) -> None:
    compared = forecasts = breaks = public = 0
    for framework_id in service.config.frameworks:
        for period, suppress in _asked(service, framework_id):
            full = service.evaluate_framework(framework_id, period, suppress=suppress)
            alone = service.evaluate_framework(framework_id, period, suppress=suppress, insights=False)
            assert alone.to_contract() == full.to_contract()
            assert len(alone.evaluations) == len(full.evaluations) > 0
            for a, f in zip(alone.evaluations, full.evaluations):
                assert a.insights is None
                assert a == dataclasses.replace(f, insights=None), (framework_id, period, f.metric_id)
                compared += 1
                forecasts += f.insights is not None and f.insights.forecast_sentence is not None \
                    and f.insights.forecast_sentence in f.status_reason
                breaks += "Series break in" in f.status_reason
                public += f.suppressed
    assert compared > 500
    assert forecasts >= 10 and breaks >= 1 and public >= 1, (forecasts, breaks, public)  # all were compared


def test_the_command_line_judges_without_insights(monkeypatch) -> None:
    from typer.testing import CliRunner

    import metrics.service as service_module
    from cli.main import app

    asked: list[bool] = []
    evaluate_framework = service_module.MetricsService.evaluate_framework

    def recording(self, *args, **kwargs):
        asked.append(kwargs.get("insights", True))
        return evaluate_framework(self, *args, **kwargs)

    monkeypatch.setattr(service_module.MetricsService, "evaluate_framework", recording)
    done = CliRunner().invoke(app, ["evaluate", "--framework", "cornwall", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert asked == [False]
