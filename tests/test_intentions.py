"""An intention's status (metrics/evaluation/intentions.py), the exceptions rule (metrics/evaluation/exceptions.py),
and one judgement read by every reader: property tests over every combination the rule table can meet, then the
real frameworks."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from cli.main import app
from datasources.store import Store
from metrics.definitions.models import Intention, Milestone
from metrics.evaluation.evaluate import no_data_evaluation
from metrics.evaluation.exceptions import Concern, IntentionSignal, MetricSignal, find_exceptions
from metrics.evaluation.intentions import INTENTION_RULES, IntentionFacts, decide_intention, judge_intention
from metrics.evaluation.milestones import MilestoneProgress, milestone_state
from metrics.evaluation.status import Status
from review.judgement import framework_evaluation
from review.milestones import update_milestone
from review.people import Role, add_person, grant

AT = date(2025, 3, 1)
TARGETED = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.ACHIEVED, Status.NOT_STARTED, Status.NO_DATA]


@st.composite
def facts(draw) -> IntentionFacts:
    late = draw(st.integers(0, 3))
    due = draw(st.integers(0, 3))
    undated = draw(st.integers(0, 2))
    done = draw(st.integers(0, 3))
    return IntentionFacts(targeted=tuple(draw(st.lists(st.sampled_from(TARGETED), max_size=4))),
                          monitored=draw(st.integers(0, 3)), milestones_late=late, milestones_due=due,
                          milestones_done=done, milestones_open=late + due + undated)


@settings(max_examples=600, deadline=None)
@given(facts())
def test_intention_status_follows_the_rule_table(f: IntentionFacts) -> None:
    status = decide_intention(f)
    assert status in Status.for_intentions()
    # The first row that holds decides, as the About page says.
    assert status is next(rule.status for rule in INTENTION_RULES if rule.holds(f))
    # What a lead would expect, whatever the combination:
    if Status.OFF_TRACK in f.targeted:
        assert status is Status.OFF_TRACK
    if f.milestones_late:
        assert status in (Status.OFF_TRACK, Status.AT_RISK)  # a late milestone is never on track or achieved
        assert (status is Status.OFF_TRACK) == (Status.OFF_TRACK in f.targeted or not f.judged)
    if status is Status.ACHIEVED:
        assert all(s is Status.ACHIEVED for s in f.targeted) and f.milestones_open == 0
    if status is Status.NOT_ASSESSED:
        # nothing could judge it: no metric with a target and no dated milestone to deliver
        assert not f.targeted and f.milestones_due == 0 and f.milestones_late == 0 and f.milestones_open > 0 \
            or not f.targeted and f.milestones_counted == 0
    if not f.targeted and f.milestones_counted == 0:
        assert status is Status.NOT_ASSESSED  # monitored metrics alone never judge an intention
    if f.targeted and all(s is Status.NO_DATA for s in f.targeted) and f.milestones_counted == 0:
        assert status is Status.NO_DATA


def _milestone(title: str, due: str | None, status: str = "not_started", progress: str | None = None):
    m = Milestone(title=title, due=due) if due else Milestone(title=title)
    recorded = MilestoneProgress(progress, None, "", "someone", None) if progress else None
    return m, milestone_state("i", m, recorded, AT)


def _evaluation(metric_id: str, status: Status, reason: str, target: bool = True):
    return no_data_evaluation(_metric(metric_id), "i", reason, base={
        "status": status, "target_kind": "relative_change" if target else None, "value": 1.0})


def _metric(metric_id: str):
    from metrics.definitions.models import Metric
    return Metric.model_validate({
        "id": metric_id, "title": metric_id.replace("_", " ").capitalize(), "definition": "d", "unit": "count",
        "polarity": "lower_is_better", "frequency": "monthly", "method": "count", "source": {"name": "test"},
        "binding": {"type": "table", "datasource": "s", "table": "t", "date_column": "d",
                    "numerator": {"count": "rows"}}})


def test_reason_names_the_deciding_metric_and_the_late_milestone() -> None:
    strategy, late = _milestone("Falls strategy agreed", "2024-06")
    _, undated = _milestone("Falls service commissioned", None)
    falls = _evaluation("falls", Status.OFF_TRACK, "Falls admissions is 150 in Mar 2025, 14.3% below the 2013/14 "
                                                   "baseline; the target is 20% below baseline by March 2018, and "
                                                   "that deadline has passed: off track.")
    intention = Intention(id="i", title="Falls", metrics=("falls",),
                          milestones=(strategy, Milestone(title="Falls service commissioned")))
    judged = judge_intention(intention, [falls], [late, undated])
    assert judged.status is Status.OFF_TRACK
    assert judged.status_reason == (
        "Off track: Falls admissions is 150 in Mar 2025, 14.3% below the 2013/14 baseline; the target is 20% below "
        "baseline by March 2018, and that deadline has passed (off track); 1 of 2 milestones late "
        "(“Falls strategy agreed”, due June 2024).")
    assert judged.metric_ids == ("falls",) and judged.milestones_late == 1 and judged.milestones_total == 2


def test_an_intention_with_nothing_to_judge_says_so() -> None:
    monitored = _evaluation("alcohol", Status.MONITORED, "monitored", target=False)
    _, undated = _milestone("Strategy", None)
    judged = judge_intention(Intention(id="i", title="t", metrics=("alcohol",)), [monitored], [undated])
    assert judged.status is Status.NOT_ASSESSED
    assert judged.status_reason.startswith("Not assessed: no metric with a target and no dated milestone (")
    assert "1 metric monitored without a target" in judged.status_reason
    # milestones only: judged on them
    _, due = _milestone("Strategy", "2026-01")
    assert judge_intention(Intention(id="i", title="t"), [], [due]).status is Status.ON_TRACK
    _, done = _milestone("Strategy", "2024-01", progress="done")
    assert judge_intention(Intention(id="i", title="t"), [], [done]).status is Status.ACHIEVED
    _, late = _milestone("Strategy", "2024-01")
    assert judge_intention(Intention(id="i", title="t"), [], [late]).status is Status.OFF_TRACK


def test_exceptions_rank_concerns_and_keep_improvements_apart() -> None:
    def m(metric_id, status, **kw):
        return MetricSignal(metric_id, "i", metric_id, status, **kw)

    found = find_exceptions(
        [m("improving", Status.ACHIEVED, spc_variation="improvement"),
         m("overdue", Status.ON_TRACK, overdue_actions=2),
         m("spc", Status.ON_TRACK, spc_variation="concern"),
         m("risk", Status.AT_RISK),
         m("worse", Status.AT_RISK, status_before=Status.ON_TRACK, before_label="the 2025-02 sign-off"),
         m("off", Status.OFF_TRACK),
         m("fine", Status.ON_TRACK, spc_variation="common_cause")],
        [IntentionSignal("j", "Milestones only", Status.OFF_TRACK, "Off track: 1 of 1 milestone late",
                         late_milestones=("Strategy",))])
    assert [i.metric_id or i.intention_id for i in found.items] == ["off", "j", "worse", "risk", "spc", "overdue"]
    assert found.items[2].reasons[0] == "Worse than at the 2025-02 sign-off: On track then, At risk now"
    assert found.items[1].concerns == (Concern.OFF_TRACK, Concern.MILESTONE_LATE)
    assert [g.metric_id for g in found.improvements] == ["improving"]
    assert not found.has_metric("fine", "i")


# ------------------------------------------------------------------ the real frameworks


def test_a_metric_shared_by_two_intentions_is_counted_once(service) -> None:
    result = service.evaluate_framework("lancashire", "2024-03")
    assert len(result.evaluations) == 33  # rows: a metric under each intention it evidences
    assert sum(result.status_counts().values()) == len(result.framework.metric_ids()) == 19
    assert len(result.intentions) == len(result.framework.intentions)


def test_a_metric_with_a_value_is_never_no_data(service) -> None:
    for fw in service.config.frameworks:
        for e in service.evaluate_framework(fw).evaluations:
            if e.value is not None or e.suppressed:
                assert e.status is not Status.NO_DATA, (fw, e.metric_id, e.status_reason)


def test_a_milestone_marked_done_is_done_for_every_reader(service, tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    framework = service.framework("warwickshire")
    intention = next(i for i in framework.intentions if any(m.due is not None and m.due < AT for m in i.milestones))
    late = next(m for m in intention.milestones if m.due is not None and m.due < AT)
    before = framework_evaluation(store, service, "warwickshire", "2025-03")
    assert next(m for m in before.milestones if m.title == late.title).late
    judged = before.intention(intention.id)
    assert judged.milestones_late >= 1 and judged.status in (Status.OFF_TRACK, Status.AT_RISK)
    lead = add_person(store, None, "lead.one", "Lead One", Role.lead, password="a long enough password")
    grant(store, None, "lead.one", lead=intention.lead, framework_id="warwickshire")
    update_milestone(store, service, lead, "warwickshire", intention.id, late.title, "done", "2025-02-01")
    after = framework_evaluation(store, service, "warwickshire", "2025-03")
    state = next(m for m in after.milestones if m.title == late.title)
    assert state.status == "done" and not state.late
    assert after.intention(intention.id).milestones_late == judged.milestones_late - 1
    assert f"{judged.milestones_late - 1} of" in after.intention(intention.id).status_reason \
        or after.intention(intention.id).milestones_late == 0


def test_evaluate_json_carries_the_intentions(tmp_path) -> None:
    result = CliRunner().invoke(app, ["evaluate", "--framework", "warwickshire", "--format", "json"],
                                env={"OUTCOMES_STORE_URL": f"sqlite:///{tmp_path / 's.db'}"})
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    intentions = payload["intentions"]
    assert len(intentions) == 81
    metric_ids = {m["metric_id"] for m in payload["metrics"]}
    for j in intentions:
        assert j["status"] in {s.value for s in Status.for_intentions()} and j["status_reason"]
        assert set(j["metric_ids"]) <= metric_ids
    falls = next(j for j in intentions if "falls_admissions_65plus" in j["metric_ids"])
    assert falls["status"] == "off_track" and falls["status_reason"].startswith("Off track: Falls admissions")


@pytest.mark.parametrize("status", list(Status.for_intentions()))
def test_every_intention_status_has_words_and_a_shape(status: Status) -> None:
    assert status.words and status.icon and status.text == f"{status.icon} {status.words}"


def test_a_sustained_spc_run_is_one_exception_reason_read_as_a_whole(service) -> None:
    """Warwickshire's dementia series rises steadily (an improvement): one sustained reading, not 156 signals,
    and an improvement is never an exception."""
    from metrics.evaluation.exceptions import metric_signal

    e = next(e for e in service.evaluate_framework("warwickshire", "2025-03").evaluations
             if e.metric_id == "dementia_diagnosis_rate_65plus")
    spc = e.insights.spc
    assert spc.sustained is not None and spc.sustained.reading == "improvement"
    signal = metric_signal(e.metric_id, e.intention_id, e.title, e.status, e.insights)
    assert signal.spc_variation == "improvement" and signal.spc_words == spc.summary
    found = find_exceptions([signal], [])
    assert [i.concerns for i in found.items] == [(Concern.OFF_TRACK,)]  # off track, and no SPC reason beside it
    assert found.improvements == []  # a row with a concern is not also listed as an improvement
