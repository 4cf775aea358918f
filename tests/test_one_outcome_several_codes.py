"""One outcome, several codes (issue 14): Wigan's PD1 is "As ECC4" (the document's footnote 13), so one
intention serves both codes with one set of metrics and targets, and the two cannot disagree; ECC3
"Links to ILQ3" (footnote 8), so the ECC3 and IQL3 intention pages link to each other. On the old
config (PD1 its own intention with its own metric and target; ECC3 without IQL3) these fail."""

from __future__ import annotations

import pytest

from dashboard.outcome_links import also_serving


def serving(fw, code: str) -> list:
    return [i for i in fw.intentions if code in i.outcomes]


def sub_outcomes(fw) -> list:
    return [sub for outcome in fw.outcomes for sub in outcome.sub_outcomes]


def test_pd1_and_ecc4_are_served_by_the_same_intention_metrics_and_targets(service) -> None:
    fw = service.framework("wigan")
    (ecc4,) = serving(fw, "ECC4")
    (pd1,) = serving(fw, "PD1")
    assert ecc4.id == pd1.id == "wig-ecc4"
    assert fw.intention("wig-pd1") is None, "no second intention that could disagree with the first"
    targets = [service.metric(m).target for m in ecc4.metrics]
    assert len(ecc4.metrics) == 2 and all(t is not None for t in targets)


@pytest.mark.parametrize("framework_id", ["wigan", "warwickshire", "lancashire", "cornwall", "lewisham"])
def test_sub_outcomes_with_the_same_words_are_served_by_the_same_intentions(service, framework_id) -> None:
    """Two codes with one wording are one outcome: the same intentions, so the same metrics and targets."""
    fw = service.framework(framework_id)
    by_title: dict[str, list[str]] = {}
    for sub in sub_outcomes(fw):
        by_title.setdefault(sub.title, []).append(sub.code)
    for title, codes in by_title.items():
        served = {code: sorted(i.id for i in serving(fw, code)) for code in codes}
        assert len({tuple(v) for v in served.values()}) == 1, f"{title!r}: {served}"


def test_pd1_says_it_is_as_ecc4_and_ecc3_says_it_links_to_iql3(service) -> None:
    fw = service.framework("wigan")
    subs = {sub.code: sub for sub in sub_outcomes(fw)}
    assert "As ECC4" in subs["PD1"].description
    assert "Links to IQL3" in subs["ECC3"].description


def test_ecc3_and_iql3_intentions_link_to_each_other(service, dash_app) -> None:
    from dash import dcc

    from dashboard.pages import intention

    fw = service.framework("wigan")
    ecc3, iql3 = fw.intention("wig-ecc3"), fw.intention("wig-iql3")
    assert [i.id for i in also_serving(fw, ecc3, "IQL3")] == ["wig-iql3"]
    assert also_serving(fw, ecc3, "ECC") == [], "a domain code links to nothing"
    with dash_app.server.test_request_context("/"):
        layout = intention.layout(intention_id="wig-iql3", framework="wigan", period="2009-03")
    links = []
    stack = [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
        elif hasattr(node, "to_plotly_json"):
            if isinstance(node, dcc.Link):
                links.append(node.href)
            stack.append(getattr(node, "children", None))
    assert any(h.startswith("/intention/wig-ecc3?") for h in links), links
    assert [i.id for i in also_serving(fw, iql3, "IQL3")] == ["wig-ecc3"]
