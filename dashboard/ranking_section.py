"""The metric page's "Among all English councils" section: the council's rank and quartile
among its peers that year, the distribution of every council's value (chart and table), and
the method in words."""

from __future__ import annotations

from dash import html

from dashboard.components import chart, data_table
from dashboard.figures import distribution_figure
from metrics.definitions.models import Metric
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.ranking import METHOD, QUARTILE_WORDS, ordinal
from metrics.formatting import format_value, unit_words

SECTION_ID = "ranking"


def ranking_section(metric: Metric, evaluation: Evaluation, council_name: str) -> html.Section | None:
    ranking = evaluation.insights.ranking if evaluation.insights else None
    if ranking is None:
        return None
    fmt = lambda v: format_value(v, metric, with_unit=False)  # noqa: E731
    title = f"{metric.display_title}: every council, {ranking.period}"
    figure = distribution_figure(ranking.values, ranking.value, council_name, title, unit_words(metric))
    rows = [("Rank", f"{ordinal(ranking.rank)} of {ranking.count} (1 = best)"),
            ("Quartile", QUARTILE_WORDS[ranking.quartile]),
            (council_name, fmt(ranking.value)),
            ("Median of all councils", fmt(ranking.median)),
            ("Middle half of councils", f"{fmt(ranking.lower_quartile)} to {fmt(ranking.upper_quartile)}"),
            ("Lowest and highest", f"{fmt(ranking.lowest)} and {fmt(ranking.highest)}")]
    return html.Section([
        html.H2(f"Among all {ranking.peers}", className="h4"),
        html.P(ranking.words, id="ranking-words"),
        chart(figure, f"Dot plot of {ranking.count} councils' values in {ranking.period}, with a box for the middle "
              f"half and {council_name} marked; the table gives the same figures.", f"Chart: {title}"),
        data_table(["Measure", "Value"], rows, f"{metric.display_title}: rank among {ranking.peers}, {ranking.period}"),
        html.P(METHOD, className="small", id="ranking-method"),
    ], id=SECTION_ID)
