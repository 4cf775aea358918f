"""SPC change points (issue 20, "SPC that means something"): limits recalculated at change points, checked against
a hand computation; suggestions applied only once a performance officer records one; a trending chart read as
one sustained signal; config-declared change points; the store table's migration on SQLite and PostgreSQL; the
audit trail; a forged record by a lead refused (domain, page callback, command line); snapshots keeping what
was applied."""

from __future__ import annotations

import itertools
import json
import re
import textwrap
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, func, inspect, select, text

from datasources.store import MIGRATIONS, STORE_ENV, Store, audit_events, change_points
from metrics.definitions.loader import ConfigError, load_config
from metrics.definitions.models import Metric
from metrics.evaluation.change_points import (ChangePoint, declared_change_points, merge_change_points, positions,
                                              suggest_change_points)
from metrics.evaluation.evaluate import evaluate
from metrics.evaluation.insights import Insights, compute
from metrics.evaluation.observations import build_observations, headline_series
from metrics.statistics.spc import LIMIT_FACTOR, SCREEN_FACTOR
from review import audit
from review.change_points import list_change_points, record_change_point, withdraw_change_point
from review.errors import Forbidden, ReviewInputError
from review.judgement import framework_evaluation, metric_evaluation
from review.people import find_person
from review.sample import seed_sample_people
from tests.test_config_validation import DATASOURCES, FRAMEWORK as VALIDATION_FRAMEWORK

PROJECT = Path(__file__).resolve().parent.parent
FRAMEWORK = "warwickshire"
SUGGESTED = "warks_acute_deaths_65plus"    # quarterly; the sample data shift up from Q4 2020/21
BASE = {
    "id": "tiny", "title": "Tiny count", "definition": "d", "unit": "count",
    "polarity": "lower_is_better", "frequency": "monthly", "method": "count", "source": {"name": "test"},
    "binding": {"type": "table", "datasource": "s", "table": "t", "date_column": "d", "numerator": {"count": "rows"}},
}
_databases = itertools.count()


def metric(**changes) -> Metric:
    return Metric.model_validate({**BASE, **changes})


def observations(m: Metric, values: list[float], start: date = date(2014, 1, 1)) -> pd.DataFrame:
    months = [date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
              for i in range(len(values))]
    aggregate = pd.DataFrame({"period_start": months, "area": ["all"] * len(values), "numerator": values,
                              "denominator": [None] * len(values)})
    return build_observations(m, aggregate)


def series_of(m: Metric, values: list[float]) -> pd.DataFrame:
    return headline_series(observations(m, values))


def insights_of(m: Metric, values: list[float], points=()) -> Insights:
    obs = observations(m, values)
    frame = headline_series(obs)
    return compute(m, frame, evaluate(m, obs, frame["period_end"].iloc[-1]), change_points=points)


# ---------------------------------------------------------------- rebased limits, by hand

BEFORE = [10, 12, 9, 11, 10, 13, 9, 11]                           # Jan to Aug 2014
AFTER = [20, 22, 19, 21, 20, 35, 21, 19, 22, 20, 21, 20]           # Sep 2014 to Aug 2015: a new service
OFFICER_SAYS = ChangePoint("2014-09", "New falls service from September 2014", "pat.officer",
                           "2014-10-01T09:00:00+00:00", 7)


def by_hand(values: list[float]) -> tuple[float, float, float, float]:
    """Mean, mean moving range (ranges within the segment only, those not strictly below 3.267 x the mean
    range dropped, as NHSRplotthedots screens them), lower and upper process limits."""
    mean = sum(values) / len(values)
    ranges = [abs(b - a) for a, b in zip(values, values[1:])]
    first = sum(ranges) / len(ranges)
    kept = [r for r in ranges if r < SCREEN_FACTOR * first]
    amr = sum(kept) / len(kept)
    return mean, amr, mean - LIMIT_FACTOR * amr, mean + LIMIT_FACTOR * amr


def test_rebased_limits_match_a_hand_computation() -> None:
    found = insights_of(metric(), BEFORE + AFTER, [OFFICER_SAYS])
    spc = found.spc
    # Worked out in full for the record: segment 1, 8 points, ranges 2 3 2 1 3 4 2 (17/7), none screened.
    assert by_hand(BEFORE) == pytest.approx((85 / 8, 17 / 7, 85 / 8 - 2.66 * 17 / 7, 85 / 8 + 2.66 * 17 / 7))
    # Segment 2: ranges 2 3 2 1 15 14 2 3 2 1 1 (46/11); 15 and 14 are not below 3.267 x 46/11 = 13.66, so
    # the mean range is 17/9; the centre line stays the mean of all twelve points (260/12).
    assert by_hand(AFTER) == pytest.approx((260 / 12, 17 / 9, 260 / 12 - 2.66 * 17 / 9, 260 / 12 + 2.66 * 17 / 9))
    assert spc.result.segment_starts == [0, 8]
    for part, segment, points in ((BEFORE, spc.segments[0], range(0, 8)), (AFTER, spc.segments[1], range(8, 20))):
        mean, amr, lower, upper = by_hand(part)
        assert (segment.mean, segment.lower, segment.upper) == pytest.approx((mean, lower, upper))
        assert segment.points == len(part)
        for i in points:  # every point of the segment drawn with its own segment's limits
            drawn = (spc.result.centre[i], spc.result.lower[i], spc.result.upper[i])
            assert drawn == pytest.approx((mean, lower, upper))
    # The range across the change point (|20 - 11| = 9) is in neither segment: with it, segment 2 would differ.
    assert by_hand([BEFORE[-1], *AFTER])[1] != pytest.approx(by_hand(AFTER)[1])
    assert spc.result.mean_moving_range == pytest.approx(17 / 9)
    # Rules read within each segment: only the 35 is special (outside segment 2's limits); the step itself
    # (8 low points then 12 high ones) is no shift once the limits are recalculated.
    assert spc.result.special_cause == [False] * 13 + [True] + [False] * 6
    assert spc.segments[0].change_point is None and spc.segments[1].change_point == OFFICER_SAYS
    assert spc.change_points == (OFFICER_SAYS,)
    assert ("Limits from the 12 points since Sep 2014, recalculated at a change point recorded by pat.officer: "
            "New falls service from September 2014.") in found.spc_words
    assert spc.summary.endswith("at the latest point (limits since Sep 2014)")
    # What a snapshot stores comes back the same.
    assert Insights.from_dict(json.loads(json.dumps(found.to_dict(), allow_nan=False))).spc == spc


# R: set.seed(123); rnorm(20), as tests/test_spc.py has it. NHSRplotthedots groups points by
# cumsum(rebase) within a facet and computes each group as it computes a facet, so rebasing at the 11th point
# must give its published facet rows (_snaps/ptd_spc.md, to 3 significant figures): 0.0746 / -2.60 / 2.75
# and 0.209 / -3.28 / 3.70.
RNORM_123 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123,
             -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314,
             0.49785048, -1.96661716, 0.70135590, -0.47279141]


def test_rebasing_matches_nhsrplotthedots_groups() -> None:
    m = metric()
    obs = observations(m, [1.0] * 20)  # the periods; the values are R's
    frame = headline_series(obs).assign(value=RNORM_123, ci_lower=None, ci_upper=None)
    spc = compute(m, frame, evaluate(m, obs, frame["period_end"].iloc[-1]),
                  change_points=[ChangePoint(frame["period"].iloc[10], "rebase at the 11th point")]).spc
    first, second = spc.segments
    assert (first.mean, first.lower, first.upper) == pytest.approx((0.0746, -2.60, 2.75), abs=0.005)
    assert (second.mean, second.lower, second.upper) == pytest.approx((0.209, -3.28, 3.70), abs=0.005)
    assert not any(spc.result.special_cause)


def test_without_the_change_point_the_step_is_special_cause() -> None:
    spc = insights_of(metric(), BEFORE + AFTER).spc
    assert spc.result.segment_starts == [0] and spc.change_points == ()
    assert spc.result.mean == pytest.approx(sum(BEFORE + AFTER) / 20)
    assert sum(spc.result.special_cause) > 10


def test_a_change_point_starts_at_the_first_period_ending_in_or_after_its_month() -> None:
    quarters = ["2014-03", "2014-06", "2014-09", "2014-12"]
    point = ChangePoint("2014-04", "definition change")
    assert positions(quarters, [point]) == {1: point}                       # Q1 2014/15, Apr to Jun
    assert positions(quarters, [ChangePoint("2014-03", "x")]) == {}        # the first period: nothing to do
    assert positions(quarters, [ChangePoint("2015-01", "x")]) == {}        # after the last
    config = ChangePoint("2014-06", "config")
    person = ChangePoint("2014-06", "person", "pat.officer", None, 3)
    assert merge_change_points([config], [person]) == (config,)           # config's wins at the same period


# ---------------------------------------------------------------- suggestions are only suggestions

def test_a_suggested_change_point_is_not_applied_until_recorded() -> None:
    values = BEFORE + [20, 21, 19, 21, 20, 22, 21, 19, 22, 20, 21, 20]
    m = metric()
    before = insights_of(m, values).spc
    assert [(s.period, s.rule, s.points_after) for s in before.suggestions] == [("2014-09", "shift", 12)]
    assert before.suggestions[0].words.startswith("Sep 2014: 12 points in a row above the mean (a shift) start here")
    assert before.result.segment_starts == [0]                     # suggested, not applied
    assert sum(before.result.special_cause) == 20
    accepted = ChangePoint(before.suggestions[0].period, "New falls service", "pat.officer", None, 1)
    after = insights_of(m, values, [accepted]).spc
    assert after.result.segment_starts == [0, 8] and after.suggestions == ()
    assert not any(after.result.special_cause)
    # The pure function agrees, and applies nothing itself.
    frame = series_of(m, values)
    again = suggest_change_points(values, list(frame["period"]), list(frame["label"]), "decrease")
    assert again == before.suggestions


def test_on_the_sample_data_a_suggestion_applies_only_once_an_officer_records_it(service, temp_store) -> None:
    seed_sample_people(temp_store)
    officer = find_person(temp_store, "sample.officer")
    first = metric_evaluation(temp_store, service, SUGGESTED, None).insights.spc
    assert first.result.segment_starts == [0] and first.change_points == ()
    suggestion = first.suggestions[0]
    assert suggestion.period == "2021-03" and suggestion.label == "Q4 2020/21"
    in_framework = next(e for e in framework_evaluation(temp_store, service, FRAMEWORK, None).evaluations
                        if e.metric_id == SUGGESTED).insights.spc
    assert in_framework.result.segment_starts == [0]

    saved = record_change_point(temp_store, service, officer, FRAMEWORK, SUGGESTED, suggestion.period,
                                "Discharge to assess from January 2021")
    now = metric_evaluation(temp_store, service, SUGGESTED, None)
    spc = now.insights.spc
    assert spc.result.segment_starts == [0, first.periods.index("2021-03")]
    assert spc.change_points[0].id == saved.id and spc.suggestions == ()
    assert ("recalculated at a change point recorded by sample.officer: Discharge to assess from January 2021"
            in now.insights.spc_words)
    in_framework = next(e for e in framework_evaluation(temp_store, service, FRAMEWORK, None).evaluations
                        if e.metric_id == SUGGESTED).insights.spc
    assert in_framework == spc                                      # every reader with a store agrees
    assert service.evaluate_metric(SUGGESTED).insights.spc.result.segment_starts == [0]  # no store: not applied

    withdraw_change_point(temp_store, service, officer, saved.id, "recorded on the wrong metric")
    assert metric_evaluation(temp_store, service, SUGGESTED, None).insights.spc == first


# ---------------------------------------------------------------- one sustained signal

def test_a_trending_series_reads_as_one_sustained_trend() -> None:
    rising = [40 + 0.5 * i + (0.2 if i % 2 else -0.2) for i in range(60)]
    found = insights_of(metric(polarity="higher_is_better"), rising)
    spc = found.spc
    assert sum(spc.result.special_cause) > 40
    assert (spc.sustained.shape, spc.sustained.direction, spc.sustained.reading) == ("trend", 1, "improvement")
    words = found.spc_words
    assert words.startswith("A sustained upward trend across 60 points (from 39.8 in Jan 2014 to 69.7 in Dec 2018)")
    assert "describe no stable process" in words and "Consider recording a change point" in words
    assert not re.search(r"\d+ of (the )?60 points show", words)     # no count of signals, one statement
    assert spc.summary == ("a sustained upward trend across 60 points (Jan 2014 to Dec 2018), one signal rather "
                           f"than {sum(spc.result.special_cause)} special-cause points")


def test_warwickshire_dementia_reads_as_one_sustained_signal(service) -> None:
    e = service.evaluate_metric("dementia_diagnosis_rate_65plus", "2025-03")
    spc = e.insights.spc
    assert len(spc.values) == 156 and sum(spc.result.special_cause) == 156
    assert spc.sustained is not None and spc.sustained.direction == 1
    words = e.insights.spc_words
    assert "156 special-cause points are one signal, not 156" in words
    assert "156 of" not in words and "show special cause variation" not in words
    assert spc.summary.startswith(f"{spc.sustained.description} across 156 points (Apr 2012 to Mar 2025)")


# ---------------------------------------------------------------- declared in config

def test_the_ascof_series_break_is_a_change_point_config_declares(service) -> None:
    spc = service.evaluate_metric("warks_ascof_sds_people").insights.spc
    (point,) = spc.change_points
    assert point.declared and point.period == "2024-03" and "renumbered 1C1A -> 3D1A" in point.reason
    assert spc.segments[-1].points == 1 and spc.segments[-1].lower is None
    assert spc.summary.startswith("not judged")
    words = service.evaluate_metric("warks_ascof_sds_people").insights.spc_words
    assert "a change point declared in config: the publisher's series break in 2023/24" in words


def test_declared_change_points_are_validated_with_file_and_field(tmp_path) -> None:
    framework = VALIDATION_FRAMEWORK
    spc = textwrap.indent("spc:\n  change_points:\n    - {period: 2015-04, reason: '  '}\n"
                          "    - {period: 2015-13, reason: New service}\n", "    ")
    config = tmp_path / "config"
    config.mkdir()
    (config / "datasources.yaml").write_text(DATASOURCES)
    (config / "framework.yaml").write_text(framework.replace("    target:\n", spc + "    target:\n"))
    with pytest.raises(ConfigError) as info:
        load_config(config)
    found = [str(i) for i in info.value.issues]
    assert any(re.fullmatch(r"config/framework\.yaml:\d+: metrics\[0\]\.spc\.change_points\[0\]\.reason: is empty; "
                            r"say what changed at this period.*", p) for p in found), found
    assert any(re.fullmatch(r"config/framework\.yaml:\d+: metrics\[0\]\.spc\.change_points\[1\]\.period: .*month 13.*",
                            p) for p in found), found
    good = framework.replace("    target:\n", spc.replace("'  '", "Definition change").replace("2015-13", "2016-04")
                             + "    target:\n")
    (config / "framework.yaml").write_text(good)
    loaded = load_config(config).metrics["falls_rate"]
    assert [(p.period, p.reason) for p in declared_change_points(loaded)] == [
        ("2015-04", "Definition change"), ("2016-04", "New service")]


# ---------------------------------------------------------------- the store: migration, audit, access

@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server = request.getfixturevalue("postgres_url")
    name = f"change_points_{next(_databases)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def _migrate(url: str, revision: str, down: bool = False) -> None:
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
    engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_migration_keeps_the_history_on_both_databases(store_url, service) -> None:
    _migrate(store_url, "0003")
    assert "change_points" not in _tables(store_url)
    _migrate(store_url, "0004")
    engine = create_engine(store_url)
    row = {"framework_id": FRAMEWORK, "metric_id": SUGGESTED, "period": "2021-03", "reason": "r",
           "recorded_by": "someone", "recorded_at": pd.Timestamp("2025-01-01", tz="UTC").to_pydatetime()}
    with engine.begin() as conn:
        conn.execute(change_points.insert().values(**row))
    refused = [change_points.delete(), change_points.update().values(reason="rewritten"),
               change_points.insert().values(**row)]                  # a second one in force, same period
    for statement in refused:
        with pytest.raises(Exception):
            with engine.begin() as conn:
                conn.execute(statement)
    with engine.begin() as conn:  # withdrawing is the one change, once
        conn.execute(change_points.update().values(withdrawn=True, withdrawn_by="someone",
                                                   withdrawn_at=row["recorded_at"]))
    with pytest.raises(Exception):
        with engine.begin() as conn:
            conn.execute(change_points.update().values(withdrawn=False))
    with engine.begin() as conn:  # the same period again, now the first is withdrawn
        conn.execute(change_points.insert().values(**row))
        assert conn.execute(select(func.count()).select_from(change_points)).scalar_one() == 2
    engine.dispose()
    _migrate(store_url, "0003", down=True)
    assert "change_points" not in _tables(store_url)

    db = Store(store_url)  # to head on first use, and the domain works on it
    try:
        seed_sample_people(db)
        officer = find_person(db, "sample.officer")
        saved = record_change_point(db, service, officer, FRAMEWORK, SUGGESTED, "2021-01", "Discharge to assess")
        assert saved.period == "2021-03"  # Q4 2020/21, the first quarter ending in or after January 2021
        gone = withdraw_change_point(db, service, officer, saved.id)
        assert gone.withdrawn and gone.withdrawn_by == "sample.officer"
        assert [c.withdrawn for c in list_change_points(db, FRAMEWORK, SUGGESTED)] == [True]
    finally:
        db.dispose()


def test_record_and_withdraw_are_audited_with_before_and_after(service, temp_store) -> None:
    seed_sample_people(temp_store)
    officer = find_person(temp_store, "sample.officer")
    saved = record_change_point(temp_store, service, officer, FRAMEWORK, SUGGESTED, "2021-03", "  <b>New</b> service ")
    assert saved.reason == "<b>New</b> service"  # plain text, kept as typed
    gone = withdraw_change_point(temp_store, service, officer, saved.id, "wrong quarter")
    events = audit.list_events(temp_store, entity=f"change_point:{FRAMEWORK}/{SUGGESTED}")
    assert [(e.action, e.who) for e in events] == [("change_point.withdraw", "sample.officer"),
                                                   ("change_point.record", "sample.officer")]
    withdrawn, recorded = events
    assert recorded.before is None and recorded.after == saved.to_dict()
    assert withdrawn.before == saved.to_dict() and withdrawn.after == gone.to_dict()
    assert withdrawn.after["withdrawn"] is True and withdrawn.after["withdrawn_reason"] == "wrong quarter"
    with pytest.raises(ReviewInputError, match="already withdrawn"):
        withdraw_change_point(temp_store, service, officer, saved.id)


def test_bad_input_is_refused_with_the_field_named(service, temp_store) -> None:
    seed_sample_people(temp_store)
    officer = find_person(temp_store, "sample.officer")
    cases = [("2021-03", "   ", "reason"), ("2021-3", "x", "period"), ("2012-04", "x", "period"),
             ("2031-01", "x", "period")]
    for period, reason, field in cases:
        with pytest.raises(ReviewInputError) as info:
            record_change_point(temp_store, service, officer, FRAMEWORK, SUGGESTED, period, reason)
        assert info.value.field == field
    with pytest.raises(ReviewInputError, match="config already declares"):
        record_change_point(temp_store, service, officer, FRAMEWORK, "warks_ascof_sds_people", "2023-04", "x")
    record_change_point(temp_store, service, officer, FRAMEWORK, SUGGESTED, "2021-03", "first")
    with pytest.raises(ReviewInputError, match="already recorded"):
        record_change_point(temp_store, service, officer, FRAMEWORK, SUGGESTED, "2021-02", "second")


def _writes(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(change_points)).scalar_one(),
                conn.execute(select(func.count()).select_from(audit_events)).scalar_one())


def test_a_lead_a_viewer_or_nobody_cannot_record_or_withdraw(service, temp_store) -> None:
    seed_sample_people(temp_store)
    officer = find_person(temp_store, "sample.officer")
    saved = record_change_point(temp_store, service, officer, FRAMEWORK, SUGGESTED, "2021-03", "by the officer")
    before = _writes(temp_store)
    for who in ("sample.lead", "sample.viewer", None):
        person = find_person(temp_store, who) if who else None
        with pytest.raises(Forbidden, match="only a performance officer for warwickshire"):
            record_change_point(temp_store, service, person, FRAMEWORK, SUGGESTED, "2022-03", "forged")
        with pytest.raises(Forbidden):
            withdraw_change_point(temp_store, service, person, saved.id)
    changes, trail = _writes(temp_store)
    assert changes == before[0]  # nothing recorded or withdrawn
    # Each refused try is in the audit trail with who tried, what and why, as for the review's other writes.
    refused = [(e.who, e.action, e.after["reason"][:40]) for e in reversed(audit.list_events(temp_store,
                                                                                          kinds=(audit.REFUSED,)))]
    assert trail == before[1] + 6 and len(refused) == 6, refused
    assert [(who, action) for who, action, _ in refused] == [
        (who or audit.ANONYMOUS, f"change_point.{verb}{audit.REFUSED}") for who in ("sample.lead", "sample.viewer", None)
        for verb in ("record", "withdraw")]
    assert all(why.startswith("only a performance officer for warwick") for _, _, why in refused)


# ---------------------------------------------------------------- through the page, forged

def _sign_in(client, username: str, password: str) -> None:
    page = client.get("/signin").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/signin", data={"username": username, "password": password,
                                        "csrf_token": csrf}).status_code == 303


def _forge_record(client, dash_app, period: str, reason: str):
    """The record form's callback request, made by hand as anyone could send it without the page."""
    from dashboard import change_points_view as view

    key = next(k for k in dash_app.callback_map if f'"type":"{view.RESULT}"' in k)
    ident = lambda kind, **more: {"key": view.RECORD_KEY, "type": kind, **more}  # noqa: E731
    outputs = [{"id": ident(view.RESULT), "property": "children"}] + [
        {"id": ident(view.FIELD_ERROR, field=f), "property": "children"} for f in view.RECORD_FIELDS]
    body = {"output": key, "outputs": outputs,
            "inputs": [{"id": ident(view.RECORD), "property": "n_clicks", "value": 1}],
            "state": [{"id": ident(view.PERIOD), "property": "value", "value": period},
                      {"id": ident(view.REASON), "property": "value", "value": reason},
                      {"id": view.CONTEXT, "property": "data", "value": {"framework": FRAMEWORK, "metric": SUGGESTED}}],
            "changedPropIds": [json.dumps(ident(view.RECORD), sort_keys=True, separators=(",", ":")) + ".n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers={"Origin": "http://localhost"})


def test_a_forged_accept_from_a_lead_changes_nothing(dash_app, app_store) -> None:
    client = dash_app.server.test_client()
    _sign_in(client, "sample.lead", "sample-lead-pass")
    before = _writes(app_store)
    answer = _forge_record(client, dash_app, "2021-03", "forged by a lead")
    assert answer.status_code == 200
    assert "Not recorded" in answer.get_data(as_text=True)
    assert "only a performance officer for warwickshire" in answer.get_data(as_text=True)
    changes, trail = _writes(app_store)
    assert changes == before[0] and trail == before[1] + 1  # nothing recorded; the refused try is in the trail
    newest = audit.list_events(app_store, kinds=(audit.REFUSED,))[0]  # the session's store: others write there too
    assert (newest.who, newest.action, newest.after["attempted"]["reason"]) == (
        "sample.lead", "change_point.record.refused", "forged by a lead")


# ---------------------------------------------------------------- the command line

def _outcomes(store_url: str, *args: str):
    """The command's outcome, run in this process (the Typer app ``outcomes`` runs): this test is about what the
    commands check and say, and each command started anew spent a second or two importing before it did anything
    (five here). Exit codes and the streams are the command's own (stderr kept apart from stdout)."""
    from typer.testing import CliRunner

    from cli.main import app

    return CliRunner().invoke(app, list(args), env={STORE_ENV: store_url})


def test_the_command_line_honours_the_same_checks(tmp_path, sample_db) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Store(url)
    seed_sample_people(db)
    db.dispose()
    where = ["--framework", FRAMEWORK, "--metric", SUGGESTED]
    refused = _outcomes(url, "change-point", "add", *where, "--period", "2021-03", "--reason", "x",
                        "--as", "sample.lead")
    assert refused.exit_code == 1 and "only a performance officer" in refused.stderr
    added = _outcomes(url, "change-point", "add", *where, "--period", "2021-01", "--reason", "Discharge to assess",
                      "--as", "sample.officer")
    assert added.exit_code == 0, (added.output, added.exception)
    saved = json.loads(added.stdout)
    assert (saved["period"], saved["recorded_by"]) == ("2021-03", "sample.officer")
    listed = json.loads(_outcomes(url, "change-point", "list", *where).stdout)
    assert [c["id"] for c in listed["recorded"]] == [saved["id"]]
    gone = _outcomes(url, "change-point", "withdraw", str(saved["id"]), "--as", "sample.officer")
    assert gone.exit_code == 0 and json.loads(gone.stdout)["withdrawn"] is True
    assert json.loads(_outcomes(url, "change-point", "list", *where, "--in-force").stdout)["recorded"] == []


# ---------------------------------------------------------------- snapshots keep what was applied

def test_a_signed_off_snapshot_keeps_its_change_points_and_re_exports_the_same(service, temp_store) -> None:
    import snapshots
    from reports import content
    from review.signoff import sign_off
    from tests.report_charts import charts_without_figures

    seed_sample_people(temp_store)
    officer = find_person(temp_store, "sample.officer")
    saved = record_change_point(temp_store, service, officer, FRAMEWORK, SUGGESTED, "2021-03", "Discharge to assess")
    snap = sign_off(temp_store, service, officer, FRAMEWORK, "2025-03")
    applied = snap.record.payload["change_points"]
    assert applied[SUGGESTED] == [saved.change_point.to_dict()]
    assert applied["warks_ascof_sds_people"][0]["recorded_by"] == "config"
    stored = next(e for e in snapshots.load(temp_store, snap.id).evaluations if e["metric_id"] == SUGGESTED)
    assert Insights.from_dict(stored["insights"]).spc.change_points == (saved.change_point,)

    def report() -> list[str]:
        """The report's words: each block's text, or a chart's alt text and caption. Its charts' figures are not
        built (``charts_without_figures``: Plotly's ninety figures were most of this test's time); the alt
        text says where the SPC limits are recalculated."""
        with charts_without_figures():
            blocks = content.build(snapshots.load(temp_store, snap.id), scope="full")
        return [f"{b.alt} {b.caption}" if isinstance(b, content.Chart) else getattr(b, "text", "") for b in blocks]

    first = report()
    assert any("recalculated at a change point recorded by sample.officer: Discharge to assess" in t for t in first)
    assert any(t.startswith("XmR chart of") and "A vertical line marks each change point" in t for t in first)
    withdraw_change_point(temp_store, service, officer, saved.id)
    assert report() == first  # the frozen snapshot says what it said


def test_serving_warms_the_evaluations_the_pages_ask_for_with_change_points(sample_db, temp_store) -> None:
    from types import SimpleNamespace

    from flask import Flask

    from cli.serve import warm
    from dashboard import context
    from metrics.service import MetricsService

    service = MetricsService.from_config_dir(PROJECT / "config")
    seed_sample_people(temp_store)
    record_change_point(temp_store, service, find_person(temp_store, "sample.officer"), FRAMEWORK, SUGGESTED,
                        "2021-03", "Discharge to assess")
    server = Flask(__name__)
    context.install(server, context.AppContext(service=service, store=temp_store))
    warm(SimpleNamespace(server=server))
    warmed = set(service._evaluations)
    page = framework_evaluation(temp_store, service, FRAMEWORK, None)
    assert set(service._evaluations) == warmed  # the very evaluations warmed, change point and all
    spc = next(e for e in page.evaluations if e.metric_id == SUGGESTED).insights.spc
    assert len(spc.segments) == 2
