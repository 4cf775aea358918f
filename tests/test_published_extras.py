"""A published metric's peer values and series breaks are asked in the same batch as every metric's figures
(issue 24: 24 extra queries one after another were a fifth of a cold ``outcomes evaluate``), and give what
one metric's own path gives; a failed extra loses only the ranking or the break marks."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from sqlalchemy import and_, column

import metrics.compile_extras as compile_extras
from metrics.compile_extras import compile_peer_values
from metrics.definitions.models import PublishedBinding
from metrics.evaluation.observations import as_period_start
from metrics.periods import period_key
from metrics.service import MetricsService
from tests.conftest import CONFIG_DIR

LD_HOME = "warks_ascof_ld_own_home"
RENUMBERED = (("2024-03", "2023/24", "renumbered 1G -> 2E from 2023-24"),)


def _with_extras(service: MetricsService) -> list[str]:
    return [m.id for m in service.config.metrics.values()
            if isinstance(m.binding, PublishedBinding) and (m.binding.peers or m.binding.break_column)]


def test_batched_extras_are_those_one_metric_asks_for_itself(sample_db) -> None:
    batched = MetricsService.from_config_dir(CONFIG_DIR)
    ids = _with_extras(batched)
    assert LD_HOME in ids and len(ids) >= 10
    together = dict(zip(ids, batched.observe_all(ids)))
    alone = MetricsService.from_config_dir(CONFIG_DIR)
    for metric_id in ids:
        own = alone.observations(metric_id)  # its figures' query, then its extras one after another
        assert own.error is None and together[metric_id].error is None, metric_id
        assert together[metric_id].breaks == own.breaks, metric_id
        if own.peers is None:
            assert together[metric_id].peers is None, metric_id
        else:
            pd.testing.assert_frame_equal(together[metric_id].peers, own.peers)
        if own.peers is not None:  # each row's period named as one value at a time names it
            metric = alone.metric(metric_id)
            rows = alone.registry.execute(metric.binding.datasource, compile_peer_values(metric))
            assert list(own.peers["period"]) == [period_key(as_period_start(v), metric.frequency)
                                                 for v in rows.frame["period_start"]], metric_id
    assert together[LD_HOME].breaks == RENUMBERED
    assert len(together[LD_HOME].peers) > 1000  # about 150 councils a year


def test_no_extra_is_asked_after_the_batch(sample_db, monkeypatch) -> None:
    service = MetricsService.from_config_dir(CONFIG_DIR)
    asked_on: list[str] = []
    execute = service.registry.execute

    def recording(source_id, statement):
        asked_on.append(threading.current_thread().name)
        return execute(source_id, statement)

    monkeypatch.setattr(service.registry, "execute", recording)
    ids = _with_extras(service)
    observed = service.observe_all(ids)
    assert all(o.peers is not None or o.breaks for o in observed)
    assert asked_on and all(name.startswith("outcomes-query") for name in asked_on), asked_on


@pytest.mark.parametrize("batched", [True, False])
def test_a_failed_peer_query_loses_only_the_ranking(sample_db, monkeypatch, batched: bool) -> None:
    # A peers filter naming a column the table lacks: the peers' query fails alone and asked together.
    where = compile_extras._where
    monkeypatch.setattr(compile_extras, "_where", lambda kind, metric, tbl: and_(where(kind, metric, tbl), column(
        "no_such_column") == 1) if kind == compile_extras.PEERS else where(kind, metric, tbl))
    service = MetricsService.from_config_dir(CONFIG_DIR)
    obs = service.observe_all([LD_HOME, "warks_ascof_ld_employment"])[0] if batched else service.observations(LD_HOME)
    assert obs.error is None and not obs.headline.empty  # the figures
    assert obs.peers is None  # no ranking
    assert obs.breaks == RENUMBERED  # the break marks stay
    evaluation = service.evaluate_metric(LD_HOME, "2025-03")
    assert evaluation.value == 70.9 and evaluation.insights.ranking is None
