"""The overview's pieces (dashboard/pages/overview.py): the reader's filters and their address, the summary of
what needs attention (intentions and metrics by status, milestones late, actions overdue, Making Data Count's
matrix), the list of one matrix cell's metrics, and the table of intentions, one row each.

Everything shown is read from one :class:`~metrics.service.FrameworkEvaluation` (intentions judged, metrics
counted once, milestone states from the store), never re-judged here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from dash import dcc, html

from dashboard import context
from dashboard.components import (ALL, progress_text, scroll_region, sparkline, status_badge, synthetic_tag)
from dashboard.insight_sections import icon_badge
from metrics.definitions.models import Intention, Metric
from metrics.disclosure import suppress_frame
from metrics.evaluation.evaluate import Evaluation
from metrics.evaluation.grouping import outcome_groups
from metrics.evaluation.intentions import IntentionJudgement
from metrics.evaluation.provenance_words import assumed_cell, assumed_note
from metrics.evaluation.spc_summary import ASSURANCES, SpcMatrix, cell_words
from metrics.evaluation.status import Status
from metrics.formatting import format_value
from metrics.periods import due_label, parse_month
from metrics.service import FrameworkEvaluation, MetricsService

#: How the table of intentions can be sorted: value -> (words, the column it sorts, aria-sort).
SORTS: dict[str, tuple[str, str | None, str | None]] = {
    "status": ("Status, worst first", "Status", "ascending"),
    "outcome": ("Outcome, as in the document", None, None),
    "title": ("Intention, A to Z", "Intention", "ascending"),
    "lead": ("Lead, A to Z", "Lead", "ascending"),
    "theme": ("Theme, A to Z", "Theme", "ascending"),
    "progress": ("Progress, least first", "Progress", "ascending"),
    "late": ("Milestones late, most first", "Milestones late", "descending"),
}
DEFAULT_SORT = "status"
#: The table's columns: (heading, kind); the kind sets the width (assets/overview.css).
COLUMNS = (("Status", "status"), ("Intention", "title"), ("Lead", "lead"), ("Theme", "theme"),
           ("Headline measure: latest vs target", "headline"), ("Progress", "progress"), ("Trend", "trend"),
           ("Milestones late", "late"))
SPC_CELL_ID = "spc-cell-metrics"

# Making Data Count's icons, as on the metric page (dashboard.insight_sections): a letter in a circle whose
# words are in the heading beside it.
_VARIATION_ICONS = {"concern_high": ("H", "concern"), "concern_low": ("L", "concern"),
                    "common_cause": ("~", "common"), "improvement_high": ("H", "improvement"),
                    "improvement_low": ("L", "improvement"), "neither_high": ("H", "neutral"),
                    "neither_low": ("L", "neutral"), "not_judged": ("–", "none")}
_ASSURANCE_ICONS = {"pass": ("P", "improvement"), "hit_and_miss": ("?", "common"), "fail": ("F", "concern"),
                    "none": ("–", "none")}


@dataclass(frozen=True)
class Filters:
    """What the reader chose: themes, leads and statuses (none chosen: all), the sort, and a matrix cell
    whose metrics are listed (``"variation.assurance"``)."""

    themes: tuple[str, ...] = ()
    leads: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    sort: str = DEFAULT_SORT
    spc_cell: str | None = None

    def keeps(self, intention: Intention) -> bool:
        """Theme and lead: the intentions the summary counts (the status filter narrows the table only)."""
        return (not self.themes or intention.theme in self.themes) and (not self.leads or intention.lead in self.leads)


def view_href(framework_id: str, period: str | None, theme: list[str] | tuple[str, ...] | None = None,
              lead: list[str] | tuple[str, ...] | None = None, status: list[str] | tuple[str, ...] | None = None,
              sort: str | None = None, spc: str | None = None) -> str:
    query: dict[str, str] = {"framework": framework_id}
    if period:
        query["period"] = period
    if theme:
        query["theme"] = ",".join(theme)
    if lead:
        query["lead"] = ",".join(lead)
    if status:
        query["status"] = ",".join(status)
    if sort and sort != DEFAULT_SORT:
        query["sort"] = sort
    if spc:
        query["spc"] = spc
    return "/?" + urlencode(query)


def _href(framework_id: str, period: str, filters: Filters, **changes) -> str:
    """This view's address with some choices changed (``status``, ``spc``)."""
    chosen = {"theme": filters.themes, "lead": filters.leads, "status": filters.statuses, "sort": filters.sort,
              "spc": filters.spc_cell, **changes}
    return view_href(framework_id, period, **chosen)


def first(value: str | None) -> str:
    return split(value)[0] if split(value) else ""


def split(value: str | list[str] | None) -> list[str]:
    """The chosen themes, leads or statuses; anything but text (a forged request) chooses none."""
    if not value or value == ALL:
        return []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v != ALL]
    if not isinstance(value, str):
        return []
    return [v for v in value.split(",") if v and v != ALL]


def filters_from(themes, leads, statuses, sort, spc_cell) -> Filters:
    """Filters from the address or the selects; a status, sort or cell no page offers is ignored."""
    known = set(Status.for_intentions())
    cell = spc_cell if isinstance(spc_cell, str) and spc_cell.count(".") == 1 else None
    return Filters(tuple(split(themes)), tuple(split(leads)), tuple(s for s in split(statuses) if s in known),
                   sort if isinstance(sort, str) and sort in SORTS else DEFAULT_SORT, cell)


# ----------------------------------------------------------------------------------------- the summary

def _counted_link(status: Status, n: int, noun: str, href: str) -> dcc.Link:
    return dcc.Link([status_badge(status), " ", html.Span(str(n), className="count-n"),
                     html.Span(f" {noun}", className="visually-hidden")],
                    href=href, className="count-link")


def _intention_counts(judgements: list[IntentionJudgement], fw_id: str, period: str,
                      filters: Filters) -> html.Div:
    counts = {s: 0 for s in Status.for_intentions()}
    for j in judgements:
        counts[j.status] += 1
    items = [html.Li(_counted_link(s, n, "intentions" if n != 1 else "intention",
                                   _href(fw_id, period, filters, status=[s], spc=None)), **{"data-status": s})
             for s, n in counts.items() if n]
    return html.Div([html.H3(f"Intentions: {len(judgements)}", className="h6"),
                     html.Ul(items, className="count-list", id="intention-counts")])


def _metric_counts(metrics: list[Evaluation]) -> html.Div:
    counts = {s: 0 for s in Status.worst_first()}
    for e in metrics:
        counts[Status(e.status)] += 1
    items = [html.Li([status_badge(s), f" {n}"], **{"data-status": s}) for s, n in counts.items() if n]
    return html.Div([html.H3(f"Metrics: {len(metrics)}, each counted once", className="h6"),
                     html.Ul(items, className="count-list", id="metric-counts")])


def _spc_table(matrix: SpcMatrix, fw_id: str, period: str, filters: Filters) -> html.Div:
    head = [html.Th("Variation", scope="col")] + [
        html.Th(icon_badge(*_ASSURANCE_ICONS[key], words, "assurance"), scope="col") for key, words in ASSURANCES]
    rows = []
    for variation, words in matrix.rows():
        cells = [html.Th(icon_badge(*_VARIATION_ICONS[variation], words, "variation"), scope="row")]
        for assurance, _ in ASSURANCES:
            n = matrix.count(variation, assurance)
            cell = f"{variation}.{assurance}"
            cells.append(html.Td(
                dcc.Link([str(n), html.Span(" metrics" if n != 1 else " metric", className="visually-hidden")],
                         href=_href(fw_id, period, filters, spc=cell) + f"#{SPC_CELL_ID}",
                         title=cell_words(variation, assurance))
                if n else html.Span("0", className="text-muted"), **{"data-cell": cell, "data-count": str(n)}))
        rows.append(html.Tr(cells))
    return html.Div(scroll_region(html.Table([
        html.Caption("Making Data Count: metrics by variation (rows) and assurance (columns), each once"),
        html.Thead(html.Tr(head)), html.Tbody(rows)], className="table table-sm mdc-matrix", id="spc-matrix"),
        "Making Data Count summary"))


def summary(result: FrameworkEvaluation, judgements: list[IntentionJudgement], metrics: list[Evaluation],
             matrix: SpcMatrix, actions: tuple[int, int], filters: Filters, links: html.P) -> html.Section:
    """``links``: the line beside the heading (the period, a link to this view, the review pack)."""
    fw_id, period = result.framework.id, result.period
    shown = {j.intention_id for j in judgements}
    milestones = [m for m in result.milestones if m.intention_id in shown]
    late = sum(1 for m in milestones if m.late)
    overdue, open_ = actions
    counts = html.Div([
        _intention_counts(judgements, fw_id, period, filters),
        _metric_counts(metrics),
        html.Ul([html.Li([html.Strong("Milestones late: "), f"{late} of {len(milestones)}"], id="milestones-late"),
                 html.Li([html.Strong("Actions overdue: "), f"{overdue} of {open_} open"], id="actions-overdue")],
                className="count-list"),
    ])
    return html.Section([html.Div([html.H2(f"What needs attention at {period}", className="h4 mb-0"), links],
                                  className="attention-head"),
                         html.Div([counts, _spc_table(matrix, fw_id, period, filters)], className="attention")],
                        **{"aria-label": "Summary of statuses"})


def spc_cell_section(matrix: SpcMatrix, metrics: list[Evaluation], result: FrameworkEvaluation,
                      service: MetricsService, filters: Filters) -> html.Section | None:
    """The metrics of the matrix cell the address names, or None (no cell, or one no page offers)."""
    variation, _, assurance = (filters.spc_cell or "").partition(".")
    try:
        words = cell_words(variation, assurance)
    except KeyError:
        return None
    fw, period = result.framework, result.period
    chosen = set(matrix.metric_ids(variation, assurance))
    rows = []
    for e in (m for m in metrics if m.metric_id in chosen):
        metric = service.metric(e.metric_id)
        intentions = [i for i in fw.intentions if e.metric_id in i.metrics]
        rows.append(html.Tr([
            html.Th(dcc.Link(metric.display_title, href=f"/metric/{metric.id}?" + urlencode(
                {"framework": fw.id, "period": period})), scope="row"),
            html.Td(status_badge(e.status)),
            html.Td(_figures(e, metric)),
            html.Td([html.Div(dcc.Link(i.title, href=_intention_href(fw.id, period, i.id), className="one-line",
                                       title=i.title)) for i in intentions]),
        ], **{"data-metric": e.metric_id}))
    table = html.Table([
        html.Caption(f"Metrics: {words.lower()}"),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Metric", "Status", "Latest vs target",
                                                                "Intention")])),
        html.Tbody(rows)], className="table table-sm spc-cell-table")
    return html.Section([
        html.H2(f"{words}: {len(rows)} metric{'s' if len(rows) != 1 else ''}", className="h5"),
        scroll_region(table, f"Metrics: {words.lower()}"),
        html.P(dcc.Link("Close this list", href=_href(fw.id, period, filters, spc=None)), className="small"),
    ], id=SPC_CELL_ID, className="spc-cell")


# ----------------------------------------------------------------------------------------- the table

def _intention_href(framework_id: str, period: str, intention_id: str) -> str:
    return f"/intention/{intention_id}?" + urlencode({"framework": framework_id, "period": period})


def _figures(e: Evaluation, metric: Metric) -> html.Span:
    """ "157.9 vs 140.0 by Mar 2018", or "58.3%, monitored" without a target; "Assumed" beside it where the
    target uses an assumption (which elements: as a tooltip, and in words for a screen reader)."""
    value = ("suppressed" if e.suppressed else "no value" if e.value is None
             else format_value(e.value, metric, with_unit=False, target=e.target_value))
    parts: list = [html.Span(value, className="figure")]
    if e.target_value is not None:
        parts += [" vs ", html.Span(format_value(e.target_value, metric, with_unit=False), className="figure")]
        if e.deadline:
            parts += [" by ", html.Span(due_label(parse_month(e.deadline)), className="unbroken")]
    elif e.status is Status.MONITORED:
        parts.append(", monitored")
    assumed = assumed_cell(e.target_provenance) if e.target_provenance else ""
    mark = [html.Span(["Assumed", html.Span(f": {assumed}", className="visually-hidden")], className="assumed-mark",
                      title=assumed_note(e.target_provenance), **{"data-assumed": "true"})] if assumed else []
    return html.Span([html.Span(parts), *mark], className="measure-figures")


def _measure(e: Evaluation, metric: Metric) -> list:
    """The headline measure's name (cut to fit, with the synthetic mark beside it) over its figures."""
    tag = synthetic_tag(e)
    return [html.Span([html.Span(metric.display_title, className="measure-name", title=metric.display_title),
                       *([tag] if tag else [])], className="measure-head"),
            _figures(e, metric)]


def _trend(e: Evaluation, service: MetricsService, period: str) -> html.Img | html.Span:
    metric = service.metric(e.metric_id)
    series = service.series(metric.id)
    series = series[series["period"] <= period] if not series.empty else series
    if context.public() and not series.empty:
        series = suppress_frame(series, metric)  # small numbers leave gaps in the sparkline
    values = [None if v != v else float(v) for v in series["value"].tail(36)] if not series.empty else []
    known = [v for v in values if v is not None]
    if len(known) >= 2:
        alt = (f"Trend of {metric.display_title} over the last {len(values)} periods: from "
               f"{format_value(known[0], metric)} to {format_value(known[-1], metric)}"
               + (" (some values suppressed: small numbers)" if len(known) < len(values) else ""))
    else:
        alt = "No trend available"
    return sparkline(values, alt, width=64, height=20)


@dataclass(frozen=True)
class Row:
    intention: Intention
    judgement: IntentionJudgement
    headline: Evaluation | None
    order: int  # the document's order


def intention_rows(result: FrameworkEvaluation, intentions: list[Intention]) -> list[Row]:
    rows = []
    for n, intention in enumerate(intentions):
        judged = result.intention(intention.id)
        headline = next((e for e in result.for_intention(intention.id)
                         if judged is not None and e.metric_id == judged.headline_metric_id), None)
        if judged is not None:
            rows.append(Row(intention, judged, headline, n))
    return rows


def _sorted(rows: list[Row], sort: str) -> list[Row]:
    worst = {s: n for n, s in enumerate(Status.for_intentions())}
    by_status = lambda r: (worst[r.judgement.status], -r.judgement.milestones_late, r.order)  # noqa: E731
    keys = {
        "status": by_status,
        "outcome": lambda r: r.order,
        "title": lambda r: (r.intention.title.casefold(), r.order),
        "lead": lambda r: (r.intention.lead.casefold() or "\uffff", *by_status(r)),
        "theme": lambda r: (r.intention.theme.casefold() or "\uffff", *by_status(r)),
        "progress": lambda r: (r.headline is None or r.headline.progress_pct is None,
                               r.headline.progress_pct if r.headline and r.headline.progress_pct is not None else 0,
                               *by_status(r)),
        "late": lambda r: (-r.judgement.milestones_late, *by_status(r)),
    }
    return sorted(rows, key=keys[sort])


def _row(row: Row, service: MetricsService, fw_id: str, period: str) -> html.Tr:
    j, e = row.judgement, row.headline
    # data-label: on a phone each row is stacked and every value is shown under its column's name.
    if e is None:
        headline: list = ["–"]
        measure_attrs: dict = {}
    else:
        metric = service.metric(e.metric_id)
        headline = _measure(e, metric)
        measure_attrs = {"data-metric": e.metric_id}
    targeted = e is not None and e.target_value is not None
    return html.Tr([
        html.Td(status_badge(j.status), title=j.status_reason, **{"data-label": "Status"}),
        html.Th([dcc.Link(row.intention.title, href=_intention_href(fw_id, period, row.intention.id),
                          className="one-line intention-link", title=row.intention.title),
                 html.P(j.status_reason, className="reason-line small")], scope="row"),
        html.Td(html.Span(row.intention.lead or "–", className="one-line", title=row.intention.lead),
                **{"data-label": "Lead"}),
        html.Td(html.Span(row.intention.theme or "–", className="one-line", title=row.intention.theme),
                **{"data-label": "Theme"}),
        html.Td(headline, **{"data-label": "Headline measure"}, **measure_attrs),
        html.Td(progress_text(e) if targeted else "–", **{"data-label": "Progress"}),
        html.Td(_trend(e, service, period) if e is not None else "–", **{"data-label": "Trend"}),
        html.Td(f"{j.milestones_late} of {j.milestones_total}" if j.milestones_total else "–",
                **{"data-label": "Milestones late"}),
    ], **{"data-intention": row.intention.id, "data-status": j.status})


def intentions_table(rows: list[Row], result: FrameworkEvaluation, service: MetricsService,
                     filters: Filters) -> html.Div:
    fw, period = result.framework, result.period
    words, column, direction = SORTS[filters.sort]
    head = html.Thead(html.Tr([html.Th(h, scope="col", **({"aria-sort": direction} if h == column else {}))
                               for h, _ in COLUMNS]))
    if filters.sort == "outcome":  # one row group per outcome, headed by the outcome's title
        by_id = {r.intention.id: r for r in rows}
        bodies = [html.Tbody([html.Tr(html.Th(group.title, colSpan=len(COLUMNS), scope="rowgroup"),
                                      className="outcome-row")]
                             + [_row(by_id[i.id], service, fw.id, period) for i in group.intentions])
                  for group in outcome_groups(fw, [r.intention for r in rows])]
    else:
        bodies = [html.Tbody([_row(r, service, fw.id, period) for r in _sorted(rows, filters.sort)])]
    caption = f"Intentions at {period}, sorted by {words[0].lower()}{words[1:]}"
    table = html.Table([
        html.Caption(caption, className="visually-hidden"),
        html.Colgroup([html.Col(className=f"col-{kind}") for _, kind in COLUMNS]),
        head, *bodies,
    ], className="table table-sm intention-table", id="intention-table")
    return scroll_region(table, caption)
