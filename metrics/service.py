"""The one entry point that pages, the CLI and snapshots use to get evaluations.

Observations are cached per metric until its definition or its source's data vintage
changes, so a page load costs one query per metric at most. A failing data source, or
figures that break the statistics (a negative count, a numerator above its denominator) or
any other error while one metric is evaluated, degrades only that metric: it comes back as
``no_data`` with the reason in words, and the trace goes to the log for the operator.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from datasources.engines import DataSourceError, QueryResult
from datasources.registry import DataSourceRegistry, SourceSettings
from metrics.batch import run_questions
from metrics.compile import compile_metric
from metrics.compile_extras import BREAKS as _BREAKS, PEERS as _PEERS, extra_questions
from metrics.definitions.loader import Config, DEFAULT_CONFIG_DIR, load_config
from metrics.definitions.models import Framework, Intention, Metric
from metrics.evaluation.change_points import ChangePoint, declared_change_points, merge_change_points
from metrics.evaluation.evaluate import Evaluation, evaluate, no_data_evaluation
from metrics.evaluation.insights import enrich, with_reason
from metrics.evaluation.intentions import IntentionJudgement, judge_intention
from metrics.evaluation.milestones import MilestoneProgress, MilestoneState, framework_milestones
from metrics.disclosure import WITHHELD
from metrics.evaluation.observations import (HEADLINE, OBSERVATION_FIELDS, as_period_start, build_observations,
                                              headline_series)
from metrics.evaluation.status import Status
from metrics.group_disclosure import group_withheld
from metrics.periods import month_key, month_label, parse_month, period_key, period_label

PROJECT_ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger("outcomes.metrics")


def failure_words(metric: Metric, stage: str, exc: Exception) -> str:
    """Why one metric could not be evaluated, for the people reading its page or report (the trace
    is in the log for the operator)."""
    detail = (str(exc).strip() or type(exc).__name__).rstrip(".")
    return (f"{metric.display_title} could not be {stage}: {detail}. The other metrics are unaffected; "
            f"the server log has the details for whoever looks after the data.")


@dataclass(frozen=True)
class ObservationSet:
    metric_id: str
    frame: pd.DataFrame
    error: str | None
    sql: str | None
    truncated: bool
    vintage: str
    # Published bindings only: every peer area's value per period (period, area, value) for rank
    # and quartile, and the council's series breaks as (period, label, words); fetched with the figures.
    peers: pd.DataFrame | None = None
    breaks: tuple[tuple[str, str, str], ...] = ()

    @cached_property
    def headline(self) -> pd.DataFrame:
        """The whole-area series, computed once per cached observation set."""
        return headline_series(self.frame) if self.error is None and not self.frame.empty else pd.DataFrame()


#: Each metric's SPC change points as people recorded them (``review.change_points``); the service adds the
#: ones config declares.
ChangePoints = Mapping[str, Sequence[ChangePoint]]


@dataclass(frozen=True)
class FrameworkEvaluation:
    framework: Framework
    period: str
    evaluations: list[Evaluation]
    milestones: list[MilestoneState] = field(default_factory=list)
    intentions: list[IntentionJudgement] = field(default_factory=list)

    def for_intention(self, intention_id: str) -> list[Evaluation]:
        return [e for e in self.evaluations if e.intention_id == intention_id]

    def intention(self, intention_id: str) -> IntentionJudgement | None:
        return next((j for j in self.intentions if j.intention_id == intention_id), None)

    def metric_evaluations(self) -> list[Evaluation]:
        """One evaluation per metric: a metric that evidences two intentions is counted once."""
        seen: set[str] = set()
        return [e for e in self.evaluations if not (e.metric_id in seen or seen.add(e.metric_id))]

    def status_counts(self) -> dict[Status, int]:
        """Every metric status (worst first), with how many metrics have it, each metric counted once."""
        counts = {s: 0 for s in Status.worst_first()}
        for e in self.metric_evaluations():
            counts[Status(e.status)] += 1
        return counts

    def intention_counts(self) -> dict[Status, int]:
        """Every intention status (worst first), with how many intentions have it."""
        counts = {s: 0 for s in Status.for_intentions()}
        for j in self.intentions:
            counts[j.status] += 1
        return counts

    def to_contract(self) -> dict[str, Any]:
        return {"framework": self.framework.id, "period": self.period,
                "metrics": [e.to_contract() for e in self.evaluations],
                "intentions": [j.to_contract() for j in self.intentions]}


_HASHES: dict[int, tuple[Metric, str]] = {}
_HASHES_LOCK = threading.Lock()


def definition_hash(metric: Metric) -> str:
    """A digest of the whole definition. Metrics are frozen, so it is made once per metric object
    (every cache lookup asks for it: a page's warm request would otherwise dump 200 models to JSON)."""
    with _HASHES_LOCK:
        hit = _HASHES.get(id(metric))
    if hit is not None and hit[0] is metric:
        return hit[1]
    digest = hashlib.sha256(metric.model_dump_json().encode()).hexdigest()[:16]
    with _HASHES_LOCK:
        if len(_HASHES) > 10_000:  # configs reloaded many times: start again rather than grow
            _HASHES.clear()
        _HASHES[id(metric)] = (metric, digest)  # holding the metric keeps its id from being reused
    return digest


def _published_extras(metric: Metric, outcomes: Mapping[str, QueryResult | DataSourceError]
                      ) -> tuple[pd.DataFrame | None, tuple[tuple[str, str, str], ...]]:
    """Peer values and series breaks from their queries' outcomes. A query that failed loses only the
    ranking or the break marks, never the metric's figures."""
    peers, breaks = None, ()
    rows = outcomes.get(_PEERS)
    if isinstance(rows, QueryResult):
        # Each period named once: the rows are every council's (about 150 a year), a few periods in all.
        keys = {v: period_key(as_period_start(v), metric.frequency) for v in dict.fromkeys(rows.frame["period_start"])}
        peers = pd.DataFrame({"period": [keys[v] for v in rows.frame["period_start"]],
                              "area": rows.frame["area"].astype(str), "value": rows.frame["value"].astype(float)})
    rows = outcomes.get(_BREAKS)
    if isinstance(rows, QueryResult):
        breaks = tuple((period_key(start, metric.frequency), period_label(start, metric.frequency), str(w))
                       for start, w in zip(map(as_period_start, rows.frame["period_start"]), rows.frame["words"]))
    return peers, breaks


class MetricsService:
    def __init__(self, config: Config, registry: DataSourceRegistry | None = None):
        self.config = config
        self.registry = registry or DataSourceRegistry(
            [SourceSettings(d.id, d.url, d.title, d.timeout_seconds, d.row_cap) for d in config.datasources.values()],
            project_root=config.root.parent,
        )
        self._cache: dict[tuple[str, str, str], ObservationSet] = {}
        self._evaluations: dict[tuple, tuple[tuple[ObservationSet, ...], list[Evaluation]]] = {}
        self._periods: dict[str, tuple[tuple[ObservationSet, ...], list[str]]] = {}
        # A group's observations withheld together (whole id -> the members' own sets, the group's sets).
        self._groups: dict[str, tuple[tuple[ObservationSet, ...], dict[str, ObservationSet]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config_dir(cls, config_dir: str | Path | None = None) -> "MetricsService":
        return cls(load_config(config_dir or DEFAULT_CONFIG_DIR))

    # ------------------------------------------------------------ lookups
    def metric(self, metric_id: str) -> Metric:
        try:
            return self.config.metrics[metric_id]
        except KeyError:
            raise KeyError(f"no metric '{metric_id}'") from None

    def framework(self, framework_id: str | None = None) -> Framework:
        return self.config.framework(framework_id)

    def framework_of_metric(self, metric_id: str) -> tuple[Framework, Intention] | None:
        for fw in self.config.frameworks.values():
            for intention in fw.intentions:
                if metric_id in intention.metrics:
                    return fw, intention
        return None

    # ------------------------------------------------------------ data
    def observations(self, metric_id: str) -> ObservationSet:
        """The metric's observations, its ``withheld`` column decided with the metrics it is a whole or a
        part of, if any (:meth:`_with_group`)."""
        return self._with_group(self._observed(metric_id))

    def _observed(self, metric_id: str) -> ObservationSet:
        """The metric's own observations (cached), small numbers withheld by its own table alone."""
        metric = self.metric(metric_id)
        key = self._cache_key(metric)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        statement = compile_metric(metric)
        try:
            outcome: QueryResult | DataSourceError = self.registry.execute(metric.binding.datasource, statement)
        except DataSourceError as exc:
            outcome = exc
        return self._observe(metric, key, outcome)

    def _cache_key(self, metric: Metric, vintages: dict[str, str] | None = None) -> tuple[str, str, str]:
        """``vintages``: each source's vintage asked once across many metrics (a memo the caller keeps)."""
        source_id = metric.binding.datasource
        if vintages is None:
            return metric.id, definition_hash(metric), self.registry.vintage(source_id)
        if source_id not in vintages:
            vintages[source_id] = self.registry.vintage(source_id)
        return metric.id, definition_hash(metric), vintages[source_id]

    def _observe(self, metric: Metric, key: tuple[str, str, str], outcome: QueryResult | DataSourceError,
                 frame: pd.DataFrame | None = None,
                 extras: Mapping[str, QueryResult | DataSourceError] | None = None) -> ObservationSet:
        """Judge one query's outcome into the metric's cached observation set (``frame``: observations
        already built from the same rows for a metric alike in :data:`OBSERVATION_FIELDS`; ``extras``: the
        outcomes of its :func:`metrics.compile_extras.extra_questions`, asked beside its own query, else asked here)."""
        vintage = key[2]
        try:
            if isinstance(outcome, DataSourceError):
                raise outcome
            result = outcome
            if frame is None:
                frame = build_observations(metric, result.frame, metric.binding.headline_area)
            if extras is None:
                extras = {kind: self._ask(metric.binding.datasource, statement)
                          for kind, statement in extra_questions(metric).items()}
            peers, breaks = _published_extras(metric, extras)
            obs = ObservationSet(metric.id, frame, None, result.sql, result.truncated, vintage, peers, breaks)
            if result.truncated:  # incomplete rows would give wrong figures: no_data with the reason, everywhere
                obs = ObservationSet(metric.id, pd.DataFrame(), result.truncation_reason, result.sql, True, vintage)
        except DataSourceError as exc:
            obs = ObservationSet(metric.id, pd.DataFrame(), str(exc), None, False, vintage)
        except Exception as exc:  # noqa: BLE001 - figures that break the statistics must not take down the rest
            log.exception("metric %s: its figures could not be computed from the source's rows", metric.id)
            obs = ObservationSet(metric.id, pd.DataFrame(), failure_words(metric, "computed from its source's rows",
                                                                         exc), None, False, vintage)
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[0] != metric.id}
            self._cache[key] = obs
        return obs

    def observe_all(self, metric_ids: Iterable[str]) -> list[ObservationSet]:
        """Each metric's observation set, as :meth:`observations` gives it, the missing ones fetched
        together (:meth:`prefetch`) and each source's vintage asked once."""
        ids = list(metric_ids)
        self.prefetch(ids)
        vintages: dict[str, str] = {}
        found = []
        for metric_id in ids:
            key = self._cache_key(self.metric(metric_id), vintages)
            with self._lock:
                obs = self._cache.get(key)
            found.append(self._with_group(obs if obs is not None else self._observed(metric_id)))
        return found

    def _with_group(self, obs: ObservationSet) -> ObservationSet:
        """``obs`` as every output shows it. A metric that is a whole or a part of one (config ``part_of``)
        withholds small numbers over the whole group (:mod:`metrics.group_disclosure`), decided once for each
        set of the members' own observations and kept while they are the very same objects. A member whose
        figures failed is left out (the others then assume a reader knows it all); without its whole, the
        parts have nothing to be taken from."""
        group = self.config.disclosure_groups.get(obs.metric_id)
        if group is None or obs.error is not None or obs.frame.empty:
            return obs
        self.prefetch(group)
        own = tuple(obs if m == obs.metric_id else self._observed(m) for m in group)
        with self._lock:
            hit = self._groups.get(group[0])
        if hit is not None and all(a is b for a, b in zip(hit[0], own)):
            return hit[1].get(obs.metric_id, obs)
        usable = [o for o in own if o.error is None and not o.frame.empty]
        shown = {o.metric_id: o for o in own}
        if own[0] in usable:
            masks = group_withheld([(self.metric(o.metric_id), o.frame) for o in usable], HEADLINE)
            for o, mask in zip(usable, masks):
                if (mask != o.frame[WITHHELD].to_numpy(dtype=bool)).any():
                    shown[o.metric_id] = replace(o, frame=o.frame.assign(**{WITHHELD: mask}))
        with self._lock:
            self._groups[group[0]] = (own, shown)  # holding the sets keeps their identity meaningful
        return shown[obs.metric_id]

    def prefetch(self, metric_ids: Iterable[str]) -> None:
        """Fill the cache for those of ``metric_ids`` not in it: each distinct query once, a few at a
        time per source (:mod:`metrics.batch`), observations built once per alike metric."""
        vintages: dict[str, str] = {}
        missing = {}
        for metric_id in dict.fromkeys(metric_ids):
            metric = self.metric(metric_id)
            key = self._cache_key(metric, vintages)
            with self._lock:
                if key not in self._cache:
                    missing[metric_id] = (metric, key)
        if len(missing) < 2:
            return  # one query gains nothing from a pool
        # One statement per distinct binding and frequency (all a metric's query depends on): near-duplicate
        # measures then cost one compile, and metrics.batch knows them as one question by the statement.
        statements: dict[str, Any] = {}
        jobs = {}
        for m, (metric, _) in missing.items():
            asked = f"{metric.frequency}:{metric.binding.model_dump_json()}"
            if asked not in statements:
                statements[asked] = compile_metric(metric)
            jobs[m] = (metric.binding.datasource, statements[asked])
        # A published metric's peer values and series breaks are asked in the same batch as the figures
        # (named "<metric id> <kind>": an id has no space), not one after another once the figures are in,
        # and those of one table together (metrics.compile_extras).
        extra_jobs, extras = {}, {}
        for m, (metric, _) in missing.items():
            for kind, statement in extra_questions(metric).items():
                extra_jobs[f"{m} {kind}"] = (metric.binding.datasource, statement)
                extras[f"{m} {kind}"] = (kind, metric)
        outcomes = run_questions(self.registry, {**jobs, **extra_jobs},
                                 {m: metric for m, (metric, _) in missing.items()}, extras)
        built: dict[tuple, ObservationSet] = {}
        for metric_id, (metric, key) in missing.items():
            outcome = outcomes[metric_id]
            alike = (id(outcome), metric.binding.headline_area, *(getattr(metric, f) for f in OBSERVATION_FIELDS))
            first = built.get(alike)
            extras = {kind: outcomes[f"{metric_id} {kind}"] for kind in (_PEERS, _BREAKS)
                      if f"{metric_id} {kind}" in extra_jobs}
            obs = self._observe(metric, key, outcome, first.frame if first is not None else None, extras)
            if first is not None and obs.frame is first.frame:
                # The same rows: the same headline, picked out once (cached_property keeps it in __dict__).
                obs.__dict__["headline"] = first.headline
            elif obs.error is None and not obs.truncated:
                built[alike] = obs

    def _ask(self, source_id: str, statement: Any) -> QueryResult | DataSourceError:
        try:
            return self.registry.execute(source_id, statement)
        except DataSourceError as exc:
            return exc

    def series(self, metric_id: str) -> pd.DataFrame:
        obs = self.observations(metric_id)
        return obs.headline

    def comparator_series(self, metric_id: str) -> dict[str, pd.DataFrame]:
        """The binding's comparators (England, region, peers) as {label: series}, from the
        same query as the council's own figures; empty when none are declared or found."""
        return self._comparators(self.metric(metric_id), self.observations(metric_id))

    @staticmethod
    def _comparators(metric: Metric, obs: ObservationSet) -> dict[str, pd.DataFrame]:
        out: dict[str, pd.DataFrame] = {}
        if obs.error is not None or obs.frame.empty:
            return out
        for comparator in metric.binding.comparators:
            rows = obs.frame[obs.frame["area"].isin(comparator.codes) & obs.frame["value"].notna()]
            if not rows.empty:
                out[comparator.label] = rows.sort_values("period_start").reset_index(drop=True)
        return out

    # ------------------------------------------------------------ evaluation
    def latest_period(self, framework_id: str | None = None) -> date | None:
        """The last month for which any of the framework's metrics has data."""
        latest: date | None = None
        for obs in self.observe_all(self.framework(framework_id).metric_ids()):
            series = obs.headline
            if not series.empty:
                end = max(series["period_end"])
                latest = end if latest is None or end > latest else latest
        return latest

    def available_periods(self, framework_id: str | None = None) -> list[str]:
        observed = tuple(self.observe_all(self.framework(framework_id).metric_ids()))
        key = self.framework(framework_id).id
        with self._lock:
            hit = self._periods.get(key)
        if hit is not None and len(hit[0]) == len(observed) and all(a is b for a, b in zip(hit[0], observed)):
            return list(hit[1])  # the very same observations: the same periods (asked by every overview request)
        months: set[date] = set()
        for obs in observed:
            if not obs.headline.empty:
                months.update(obs.headline["period_end"])
        periods = [month_key(m) for m in sorted(months, reverse=True)]
        with self._lock:
            self._periods[key] = (observed, periods)
        return list(periods)

    def evaluate_metric(self, metric_id: str, period: str | date | None = None,
                        intention_id: str | None = None, suppress: bool = False,
                        change_points: Sequence[ChangePoint] = ()) -> Evaluation:
        """``change_points``: the metric's recorded SPC change points (``review.judgement.metric_evaluation``
        reads them from the store); the ones config declares are always added."""
        metric = self.metric(metric_id)
        obs = self.observations(metric_id)
        at = self.resolve_metric_period(metric_id, period)
        if intention_id is None:
            owner = self.framework_of_metric(metric_id)
            intention_id = owner[1].id if owner else None
        return self._evaluate(metric, obs, at, intention_id, suppress, tuple(change_points))

    def _evaluate(self, metric: Metric, obs: ObservationSet, at: date, intention_id: str | None,
                  suppress: bool, change_points: tuple[ChangePoint, ...] = (), insights: bool = True) -> Evaluation:
        """The pure judgement, then its typed insights (SPC, trend, forecast, and a benchmark verdict against
        each comparator), all withheld for the audience here: ``suppress`` is the public audience. The SPC
        limits are recalculated at the change points config declares (reviewed with the definitions, so they
        need nobody to record them) and at ``change_points``, those people recorded; nothing else.
        ``insights`` False: the same judgement and status sentence without them (:func:`with_reason`)."""
        try:
            # The cached headline, not the whole frame: evaluate would pick the headline rows out of every
            # area's again.
            rows = obs.frame if obs.headline.empty else obs.headline  # an empty frame keeps its columns
            evaluation = evaluate(metric, rows, at, intention_id, obs.error, suppress,
                                  error_is_ours=obs.truncated, headline=not obs.headline.empty)
            if obs.error is not None:
                return evaluation
            if not insights:
                return with_reason(evaluation, metric, obs.headline, suppress, obs.breaks)
            points = merge_change_points(declared_change_points(metric, obs.breaks), change_points)
            return enrich(evaluation, metric, obs.headline, suppress, self._comparators(metric, obs),
                          peers=obs.peers, breaks=obs.breaks, change_points=points)
        except Exception as exc:  # noqa: BLE001 - one metric's failure is that metric's no_data, nothing more
            log.exception("metric %s: evaluation at %s failed", metric.id, month_key(at))
            words = failure_words(metric, f"evaluated at {month_label(at)}", exc)
            return no_data_evaluation(metric, intention_id, f"No data: {words}", words)

    def resolve_metric_period(self, metric_id: str, period: str | date | None) -> date:
        """The period asked for, or the metric's own latest: one metric's page runs one metric's query,
        not every query of its framework (as :meth:`resolve_period` must)."""
        if period is not None:
            return parse_month(period)
        series = self.observations(metric_id).headline
        return max(series["period_end"]) if not series.empty else date.today().replace(day=1)

    def resolve_period(self, framework_id: str | None, period: str | date | None) -> date:
        if period is not None:
            return parse_month(period)
        latest = self.latest_period(framework_id)
        return latest or date.today().replace(day=1)

    def evaluate_framework(self, framework_id: str | None = None, period: str | date | None = None,
                           suppress: bool = False,
                           milestone_progress: Mapping[tuple[str, str], MilestoneProgress] | None = None,
                           change_points: ChangePoints | None = None, insights: bool = True) -> FrameworkEvaluation:
        """Every metric of the framework judged at ``period`` (default: the latest with data), every milestone's
        state and every intention's judgement.

        ``milestone_progress`` (the latest recorded update of each (intention id, milestone title)) and
        ``change_points`` (each metric's SPC change points) come from the store: readers with a store ask
        ``review.judgement.framework_evaluation``, which passes them, so every page, report and alert judges
        milestones and SPC from the same record. Without them, the config's own statuses are used.

        Pages ask for the same framework and period again and again; the metric evaluations (SPC, trend and
        forecast included) are reused while every metric's observations are the very same cached objects and
        the change points are the same, i.e. until a definition, a source's data or a change point change.
        Milestones and intentions are judged afresh on every call (cheap, and progress changes any time).

        ``insights`` False: every evaluation without its SPC, trend, forecast, benchmark and ranking (its
        status sentence still carries the forecast and the series breaks), for a reader that shows only the
        judgement (``outcomes evaluate``); intentions and milestones are judged the same."""
        framework = self.framework(framework_id)
        at = self.resolve_period(framework.id, period)
        pairs = [(intention, metric_id) for intention in framework.intentions for metric_id in intention.metrics]
        observed = tuple(self.observe_all(metric_id for _, metric_id in pairs))
        points = {m: tuple(p) for m, p in sorted((change_points or {}).items()) if p}
        key = (framework.id, at, suppress, tuple(points.items()), insights)
        with self._lock:
            hit = self._evaluations.get(key)
        if hit is not None and len(hit[0]) == len(observed) and all(a is b for a, b in zip(hit[0], observed)):
            evaluations = hit[1]
        else:
            evaluations = [self._evaluate(self.metric(metric_id), obs, at, intention.id, suppress,
                                          points.get(metric_id, ()), insights)
                           for (intention, metric_id), obs in zip(pairs, observed)]
            with self._lock:
                if len(self._evaluations) >= 256:  # bounded: drop the oldest
                    self._evaluations.pop(next(iter(self._evaluations)))
                # Holding the observation sets keeps their identity meaningful for the check above.
                self._evaluations[key] = (observed, evaluations)
        milestones = framework_milestones(framework, at, milestone_progress)
        intentions = [judge_intention(intention, [e for e in evaluations if e.intention_id == intention.id],
                                      [m for m in milestones if m.intention_id == intention.id])
                      for intention in framework.intentions]
        return FrameworkEvaluation(framework, month_key(at), evaluations, milestones, intentions)
