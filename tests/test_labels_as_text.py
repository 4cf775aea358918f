"""Labels from config or data show as text in the charts: Plotly reads a subset of HTML in anything it
draws, so an area, comparator or metric named with a link must not become a live link (or bold, or a
line break) in a tick, legend, title, annotation or hover label."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import plotly.io as pio
import pytest

from dashboard.figures import as_text, breakdown_figure, distribution_figure, status_figure, trajectory_figure

HOSTILE = '<a href="https://evil.example/steal">Click here</a> & <b>bold</b><br>next'


def hostile_figures():
    series = pd.DataFrame({"period_end": [date(2024, 1, 31), date(2024, 2, 29)], "value": [1.0, 2.0],
                           "ci_lower": [0.5, 1.5], "ci_upper": [1.5, 2.5]})
    areas = pd.DataFrame({"area_name": [HOSTILE, "Rugby"], "value": [3.0, 4.0], "ci_lower": [2.0, 3.0],
                          "ci_upper": [4.0, 5.0]})
    return {
        "trajectory": trajectory_figure(series, HOSTILE, HOSTILE, comparators={HOSTILE: series}),
        "breakdown": breakdown_figure(areas, HOSTILE, HOSTILE),
        "distribution": distribution_figure([1.0, 2.0, 3.0], 2.0, HOSTILE, HOSTILE, HOSTILE),
        "status": status_figure([("off_track", HOSTILE, 2)], HOSTILE),
    }


def test_as_text_keeps_the_words_and_drops_the_tags() -> None:
    assert as_text(HOSTILE) == ('&lt;a href="https://evil.example/steal"&gt;Click here&lt;/a&gt; &amp; '
                                '&lt;b&gt;bold&lt;/b&gt;&lt;br&gt;next')
    assert as_text("Barking and Dagenham") == "Barking and Dagenham"


@pytest.mark.parametrize("name", ["trajectory", "breakdown", "distribution", "status"])
def test_no_figure_carries_a_tag_from_a_label(name: str) -> None:
    figure_json = pio.to_json(hostile_figures()[name])
    strings: list[str] = []

    def collect(node) -> None:
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(json.loads(figure_json))
    with_label = [s for s in strings if "Click here" in s]
    assert with_label, "the label is in the figure"
    assert not [s for s in strings if "<a" in s or "<b>" in s or "<br>" in s]


@pytest.mark.browser
def test_plotly_draws_the_hostile_label_as_text(browser, live_server) -> None:
    """In Chromium, with the app's own plotly.js: the chart has no link anywhere and the tick, legend,
    title and axis title show the characters the label was written with."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(f'<html><body><div id="t"></div><div id="b"></div>'
                         f'<script src="{live_server}/_dash-component-suites/plotly/package_data/plotly.min.js">'
                         '</script></body></html>')
        page.wait_for_function("window.Plotly !== undefined", timeout=60000)
        figures = hostile_figures()
        for target, name in (("t", "trajectory"), ("b", "breakdown")):
            page.evaluate("([target, fig]) => Plotly.newPlot(target, fig.data, fig.layout)",
                          [target, json.loads(pio.to_json(figures[name]))])
        assert page.locator("svg a").count() == 0
        assert page.locator("svg text b, svg tspan[style*='font-weight']").count() == 0
        texts = page.eval_on_selector_all("svg text", "nodes => nodes.map(n => n.textContent)")
        shown = '<a href="https://evil.example/steal">Click here</a> & <b>bold</b><br>next'
        assert texts.count(shown) >= 4, texts  # trajectory title, y title, legend; breakdown title, tick, x title
    finally:
        context.close()
