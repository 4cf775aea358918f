"""The commitments issue 14 found missing, now encoded: each as a metric under the intention that states it
(with a target where the document states one, every target element saying where it comes from) or as a
milestone; money in pounds; the synthetic figures marked synthetic in the config and on the page, and
loaded through the ordinary ingest from a deterministic generator."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import pytest

from metrics.evaluation.provenance_words import assumed_elements
from metrics.formatting import format_value, unit_words


@dataclass(frozen=True)
class Commitment:
    framework: str
    intention: str
    metric: str
    kind: str | None     # target kind, or None where the document states no figure
    value: float | None
    words: str           # what the target value's provenance must quote


COMMITMENTS = [
    Commitment("warwickshire", "cs-8-relet-subregional-fostering", "warks_fostering_framework_providers", "count", 30,
               "increase this to 30 40"),
    Commitment("warwickshire", "cs-16-repatriate-young-people", "warks_send_independent_school", "count", 0,
               "Repatriate all young people with SEND"),
    Commitment("warwickshire", "cs-16-repatriate-young-people", "warks_send_independent_school_cost", None, None, ""),
    Commitment("warwickshire", "aad-1-commission-range-residential", "warks_short_stay_beds_children", "count", 4,
               "4 residential short stay beds"),
    Commitment("warwickshire", "aad-1-commission-range-residential", "warks_short_stay_nights_children", "count",
               1500, "1,500 residential short stay nights"),
    Commitment("warwickshire", "aad-1-commission-range-residential", "warks_short_break_providers", "count", 10,
               "a minimum of 10 different service providers"),
    Commitment("warwickshire", "aad-9-commission-changing-places", "warks_changing_places", "count", 5,
               "Commission 5 Changing Places"),
    Commitment("warwickshire", "aad-9-commission-changing-places", "warks_sensory_rooms", "count", 5,
               "5 sensory rooms"),
    Commitment("warwickshire", "aad-15-ensure-that-commissioned", "warks_supported_living_schemes_removed", "count",
               104, "remove 104 supported living schemes"),
    Commitment("warwickshire", "aad-15-ensure-that-commissioned", "warks_supported_living_people_moved", "count",
               282, "for 282 people"),
    Commitment("warwickshire", "fe-5-increase-specialist-residential", "warks_intermediate_care_beds",
               "relative_change", 5, "at least 5% of these in Intermediate Care"),
    Commitment("warwickshire", "fe-5-increase-specialist-residential", "warks_dementia_care_beds",
               "relative_change", 5, "5% in Dementia Care"),
    Commitment("warwickshire", "aad-7-pilot-individual-service", "warks_isf_pilot_providers", "count", 8,
               "with up to 8 learning disability, Autism and/or mental health providers"),
    Commitment("warwickshire", "aad-11-commission-range-community", "warks_transition_young_people_supported",
               "count", 56, "approximately 56 16-17 year olds"),
    Commitment("warwickshire", "cs-7-review-remodel-internal", "warks_internal_fostering_one_to_one_places", "count",
               10, "(initially 10 places)"),
    Commitment("warwickshire", "intro-savings-programme", "warks_savings_delivered", "count", 92_000_000,
               "in excess of £92 million"),
    Commitment("lancashire", "lcc-05-reduce-residential-care", "lancs_ld_new_care_home_placements", "count", 0,
               "No new placements in care homes of people with a learning disability"),
    # "within the same overall budget" is part of an expected outcome, not a spending target (issue 23)
    Commitment("lancashire", "lcc-05-reduce-residential-care", "lancs_care_budget_spend", None, None, ""),
    Commitment("wigan", "wig-ecc1", "wig_block_contract_cash_freed", None, None, ""),
]
MONEY = ["warks_savings_delivered", "warks_send_independent_school_cost", "lancs_care_budget_spend",
         "wig_block_contract_cash_freed"]
#: Wigan's decommissioning priorities: milestones the document gives no date for.
DECOMMISSIONING = [("wig-ecc1", "Gain flexibility in former 'block/ pre-paid services'"),
                   ("wig-iql3", "Some decommissioning of residential care"),
                   ("wig-ew1", "Some decommissioning of day and domiciliary care services"),
                   ("wig-ih3", "other more traditional clinical models will diminish")]


@pytest.mark.parametrize("c", COMMITMENTS, ids=lambda c: c.metric)
def test_each_commitment_is_a_metric_of_its_intention_with_its_target_and_provenance(service, c) -> None:
    intention = service.framework(c.framework).intention(c.intention)
    assert intention is not None and c.metric in intention.metrics
    metric = service.metric(c.metric)
    if c.kind is None:
        assert metric.target is None, "the document states no figure, so none is invented"
        return
    target = metric.target
    assert (target.kind, target.value) == (c.kind, c.value)
    assert target.provenance.missing_elements() == []
    assert target.provenance.value.source == "document" and c.words in target.provenance.value.quote
    for name in assumed_elements(target.provenance.to_contract()):
        assert getattr(target.provenance, name).reason


@pytest.mark.parametrize("intention_id, words", DECOMMISSIONING)
def test_wigan_decommissioning_is_a_milestone_to_be_confirmed_never_late(service, intention_id, words) -> None:
    result = service.evaluate_framework("wigan", "2009-03")
    states = [m for m in result.milestones if m.intention_id == intention_id and words in m.title]
    assert len(states) == 1
    assert states[0].due is None and states[0].state == "not_started"


@pytest.mark.parametrize("metric_id", MONEY)
def test_money_is_in_pounds_with_a_pound_sign_and_thousands(service, metric_id) -> None:
    metric = service.metric(metric_id)
    assert metric.unit == "currency" and metric.decimals == 0
    assert format_value(92_000_000, metric) == "£92,000,000"
    assert format_value(1250, metric, with_unit=False) == "£1,250"
    assert format_value(-1250, metric) == "-£1,250"
    assert "£" in unit_words(metric)
    evaluation = service.evaluate_metric(metric_id)
    assert "£" in evaluation.status_reason and "baseline of 0" not in evaluation.status_reason


def test_savings_target_reads_in_pounds(service) -> None:
    evaluation = service.evaluate_metric("warks_savings_delivered", "2018-03")
    assert "the target is £92,000,000 by March 2018" in evaluation.status_reason
    assert "baseline of £0" in evaluation.status_reason


@pytest.mark.parametrize("c", COMMITMENTS, ids=lambda c: c.metric)
def test_synthetic_figures_are_marked_and_loaded_through_ingest(service, sample_db, c) -> None:
    metric = service.metric(c.metric)
    assert metric.source.synthetic and "SYNTHETIC" in metric.title and "SYNTHETIC" in metric.definition
    assert metric.source.publisher in metric.definition
    conn = sqlite3.connect(sample_db)
    try:
        rows = conn.execute("SELECT COUNT(*), MIN(synthetic) FROM local_returns WHERE measure = ?",
                            (c.metric,)).fetchone()
    finally:
        conn.close()
    assert rows[0] > 0 and rows[1] == "true"
    assert not service.series(c.metric).empty


def test_commitment_figures_are_generated_deterministically(tmp_path) -> None:
    from sample_data import synthetic_commitments

    synthetic_commitments.write(tmp_path)
    again = tmp_path / "again"
    synthetic_commitments.write(again)
    written = (tmp_path / synthetic_commitments.FILE).read_text()
    assert written == (again / synthetic_commitments.FILE).read_text()
    assert written == (synthetic_commitments.OUT / synthetic_commitments.FILE).read_text(), (
        "the committed CSV is what the generator writes: run python -m sample_data.synthetic_commitments")


def test_intention_page_says_the_figures_are_synthetic_and_shows_pounds(dash_app) -> None:
    from dashboard.pages import intention

    with dash_app.server.test_request_context("/"):
        layout = intention.layout(intention_id="intro-savings-programme", framework="warwickshire",
                                  period="2018-03")
    text = " ".join(_texts(layout))
    assert ("The figure on this page is synthetic sample data, not a real statistic; it is marked "
            "\u201cSynthetic\u201d.") in text
    assert "the target is £92,000,000 by March 2018" in text and "£94,500,000" in text
    assert "94,480,948" not in text, "money has no Poisson confidence interval"


def _texts(component) -> list[str]:
    if component is None:
        return []
    if isinstance(component, (str, int, float)):
        return [str(component)]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in _texts(c)]
    return _texts(getattr(component, "children", None))


def test_isf_pilot_providers_up_to_8_is_a_ceiling_to_stay_within(service) -> None:
    """"Up to 8" caps the size of a pilot: staying at or under 8 meets it, growing past 8 would not."""
    metric = service.metric("warks_isf_pilot_providers")
    assert metric.polarity == "lower_is_better"
    assert "ceiling" in metric.target.provenance.measure.reason
    evaluation = service.evaluate_metric("warks_isf_pilot_providers", "2016-03")
    assert "keep it at or below 8" in evaluation.status_reason
    assert evaluation.status == "achieved"
    assert "warks_isf_saving" in service.framework("warwickshire").intention("aad-7-pilot-individual-service").metrics


def test_transition_deadline_is_two_years_from_the_documents_date_and_says_so(service) -> None:
    target = service.metric("warks_transition_young_people_supported").target
    assert str(target.deadline).startswith("2015-10")
    reason = target.provenance.deadline.reason
    assert "over the next 2 years" in reason and "October 2013" in reason
