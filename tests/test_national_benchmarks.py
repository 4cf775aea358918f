"""National measures against every council (rank and quartile, LG Inform style) and the 2023-24
ASCOF renumbering marked as a series break on the chart, in the sentence and in the reports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dashboard.figures import trajectory_figure
from metrics.evaluation.insights import Insights
from metrics.evaluation.ranking import rank_among
from reports import content
from tests.test_pages import find, text_of

TREND = Path(__file__).resolve().parent.parent / "sample_data" / "real" / "ascof_trend_data_all_councils_2017-18_to_2023-24.csv"
LD_HOME = "warks_ascof_ld_own_home"


def _published(code: str, year: str) -> list[tuple[str, float]]:
    """The councils' values for one ASCOF code and year, read straight from the published file."""
    with TREND.open(newline="", encoding="utf-8-sig") as f:
        return [(r["ONS Code"], float(r["Measure_Value"])) for r in csv.DictReader(f)
                if r["Measure Group"] == code and r["Year"] == year and r["Geographical Level"] == "Council"]


# ---------------------------------------------------------------- the ranking rule

@pytest.mark.parametrize("value, higher, rank, quartile", [
    (10.0, True, 1, 1), (1.0, True, 8, 4), (1.0, False, 1, 1), (10.0, False, 8, 4),
    (5.0, True, 5, 3),   # 10, 9, 9 and 6 are better: 5th of 8 -> 3rd quartile (ranks 5-6)
    (9.0, True, 2, 1),   # tied 2nd: both share the better rank
    (6.0, True, 4, 2),   # 4th of 8 -> 2nd quartile (ranks 3-4)
])
def test_rank_and_quartile_follow_polarity_and_ties(value, higher, rank, quartile) -> None:
    ranking = rank_among(value, [10, 9, 9, 5, 6, 3, 2, 1], higher, "councils", "2023/24")
    assert (ranking.rank, ranking.count, ranking.quartile) == (rank, 8, quartile)


def test_quartiles_split_an_uneven_count_at_ceil_n_over_4() -> None:
    values = list(range(1, 158))  # 157 councils: quartiles are ranks 1-40, 41-79, 80-118, 119-157
    quartiles = [rank_among(v, values, True, "c", "y").quartile for v in (118, 117, 79, 78, 40, 39, 1)]
    assert quartiles == [1, 2, 2, 3, 3, 4, 4]


def test_a_value_not_among_the_peers_is_not_ranked() -> None:
    assert rank_among(4.5, [1, 2, 3], True, "c", "y") is None
    assert rank_among(4.5, [], True, "c", "y") is None


def test_percentiles_match_numpys_linear_interpolation() -> None:
    import numpy as np

    values = [3.2, 7.7, 1.0, 9.9, 4.4, 5.0, 8.1]
    ranking = rank_among(5.0, values, True, "c", "y")
    assert ranking.median == pytest.approx(np.percentile(values, 50))
    assert (ranking.lower_quartile, ranking.upper_quartile) == pytest.approx(tuple(np.percentile(values, [25, 75])))


# ---------------------------------------------------------------- on the published file

def test_warwickshire_learning_disability_own_home_ranks_as_the_published_file_says(service) -> None:
    evaluation = service.evaluate_metric(LD_HOME, "2025-03")
    ranking = evaluation.insights.ranking
    councils = _published("2E", "2023-24")
    own = dict(councils)["E10000031"]
    assert own == evaluation.value == 70.9
    assert ranking.count == len(councils) == 151
    assert ranking.rank == 1 + sum(1 for _, v in councils if v > own)
    assert (ranking.rank, ranking.quartile) == (136, 4)
    assert ranking.words == "Ranked 136th of 151 English councils in 2023/24: 4th quartile (worst)."


def test_the_renumbering_is_a_break_in_the_sentence_and_only_where_it_happened(service) -> None:
    evaluation = service.evaluate_metric(LD_HOME, "2025-03")
    assert evaluation.insights.series_breaks == (("2024-03", "2023/24", "renumbered 1G -> 2E from 2023-24"),)
    assert ("Series break in 2023/24: renumbered 1G -> 2E from 2023-24; figures either side are not directly "
            "comparable.") in evaluation.status_reason
    before = service.evaluate_metric(LD_HOME, "2023-03")  # judged in 2022-23: no break yet
    assert before.insights.series_breaks == () and "Series break" not in before.status_reason
    kept = service.evaluate_metric("warks_ascof_ld_employment", "2025-03")  # 1E to 2022-23, never renumbered
    assert kept.insights.series_breaks == () and "Series break" not in kept.status_reason


def test_the_chart_draws_the_break_between_the_two_years(service) -> None:
    evaluation = service.evaluate_metric(LD_HOME, "2025-03")
    series = service.series(LD_HOME)
    figure = trajectory_figure(series, "t", "y", breaks=evaluation.insights.series_breaks)
    lines = [s for s in figure.layout.shapes if s.line.dash == "dashdot"]
    assert len(lines) == 1
    import pandas as pd

    at = pd.Timestamp(lines[0].x0, unit="ms")
    assert pd.Timestamp("2023-03-01") < at < pd.Timestamp("2024-03-01")
    assert [a.text for a in figure.layout.annotations] == ["Series break"]
    assert trajectory_figure(series, "t", "y").layout.shapes == ()


def test_ranking_and_breaks_survive_a_snapshot_round_trip(service) -> None:
    insights = service.evaluate_metric(LD_HOME, "2025-03").insights
    again = Insights.from_dict(insights.to_dict())
    assert again.ranking == insights.ranking and again.series_breaks == insights.series_breaks


# ---------------------------------------------------------------- on the page and in the reports

def test_metric_page_shows_rank_quartile_and_the_distribution(dash_app) -> None:
    from dashboard.pages import metric

    with dash_app.server.test_request_context("/"):
        page = metric.layout(metric_id=LD_HOME, period="2025-03")
    [section] = find(page, lambda c: getattr(c, "id", None) == "ranking")
    text = text_of(section)
    assert "Among all English councils" in text and "Ranked 136th of 151" in text
    assert "4th quartile (worst)" in text and "Warwickshire" in text and "1 = best" in text
    graphs = find(section, lambda c: type(c).__name__ == "Graph")
    assert graphs and len(graphs[0].figure["data"][1]["x"]) == 151


def test_committee_report_lists_the_benchmarks_among_all_councils(service, temp_store) -> None:
    import snapshots

    snap = snapshots.create(service, temp_store, "warwickshire", "2025-03", "test")
    blocks = content.build(snap, None, "exceptions")
    tables = [b for b in blocks if isinstance(b, content.Table) and "rank and quartile" in b.caption]
    assert len(tables) == 1
    row = next(r for r in tables[0].rows if "LD in own home" in r[0])
    assert row[3] == "136th of 151" and row[4] == "4th quartile (worst)"
    full = content.build(snap, None, "full")
    bullets = [i for b in full if isinstance(b, content.BulletList) for i in b.items]
    assert any("Series break in 2023/24: renumbered 1G -> 2E" in i for i in bullets)
    assert any(i.startswith("Among all English councils: Ranked 136th of 151") for i in bullets)
