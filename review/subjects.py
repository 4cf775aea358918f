"""What a comment or an action is about: a metric of the framework, or an intention (for
intentions tracked by milestones only). Anything not in the framework is refused by name."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.definitions.models import Framework, Intention
from metrics.service import MetricsService
from review.errors import ReviewInputError


@dataclass(frozen=True)
class Subject:
    framework: Framework
    intention: Intention
    metric_id: str | None

    @property
    def key(self) -> str:
        return f"metric:{self.metric_id}" if self.metric_id else f"intention:{self.intention.id}"


def framework_of(service: MetricsService, framework_id: str) -> Framework:
    try:
        return service.framework(framework_id)
    except KeyError:
        known = ", ".join(sorted(service.config.frameworks))
        raise ReviewInputError("framework", f"no framework '{framework_id}'; use one of {known}") from None


def locate(service: MetricsService, framework_id: str, metric_id: str | None, intention_id: str | None) -> Subject:
    framework = framework_of(service, framework_id)
    if metric_id:
        owners = [i for i in framework.intentions if metric_id in i.metrics]
        if not owners:
            raise ReviewInputError("metric", f"'{metric_id}' is not a metric of {framework.id}; see "
                                             f"'outcomes evaluate --framework {framework.id}' for its metrics")
        if intention_id and not any(i.id == intention_id for i in owners):
            raise ReviewInputError("intention", f"metric '{metric_id}' is not under intention '{intention_id}'")
        # A metric's commentary and actions are the metric's (one record, shown under every intention it serves)
        # and belong to its first intention in config, as the review pack writes them: naming another intention
        # it serves changes neither where they are kept nor who may write them (a lead of that other intention
        # could otherwise write words shown under the first one's lead).
        return Subject(framework, owners[0], metric_id)
    if intention_id:
        intention = framework.intention(intention_id)
        if intention is None:
            raise ReviewInputError("intention", f"'{intention_id}' is not an intention of {framework.id}")
        return Subject(framework, intention, None)
    raise ReviewInputError("metric", "name the metric (or, for an intention with milestones only, the intention)")
