"""/people/<framework id>: person-level meta outcomes (Lewisham learning disability services).

Across people: how many have each number of meta outcomes set, and, for those within the
framework's two-or-three rule, how many outcomes each achieved at the latest review (a chart
with its table). The reviews outside the rule are listed as exceptions with their counts.
One person's own history is shown only on an internal app to someone signed in: a public app
shows distributions alone, with small counts withheld (metrics.disclosure)."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
from dash import Input, Output, callback, dcc, html

from dashboard import context, ids
from dashboard.auth import current_person
from dashboard.components import ALL, chart, data_table, labelled, notice, select
from dashboard.figures import people_count_figure
from dashboard.titles import SUFFIX
from datasources.engines import DataSourceError
from metrics import person_outcomes as po
from metrics.disclosure import SUPPRESSED, suppress_counts, suppress_table

PERSON_SELECT = "person-outcomes-person"
PERSON_DETAIL = "person-outcomes-detail"


def people_title(framework_id: str | None = None, **_: str) -> str:
    try:
        fw = context.service().framework(framework_id)
    except KeyError:
        return "Framework not found" + SUFFIX
    return f"People's meta outcomes: {fw.title}{SUFFIX}"


dash.register_page(__name__, path_template="/people/<framework_id>", name="People's meta outcomes",
                   title=people_title)


def _records(framework_id: str | None) -> po.PersonRecords | None:
    service = context.service()
    try:
        fw = service.framework(framework_id)
    except KeyError:
        return None
    return po.records_for(fw, service.config.metrics)


def _shown(count: int | None) -> str:
    return SUPPRESSED if count is None else f"{count:,}"


def _withheld(counts: list[int], records: po.PersonRecords) -> list[int | None]:
    """Counts as this audience may see them: all on an internal app, small ones withheld on a public one."""
    return suppress_counts(counts, records.metric.suppress_below) if context.public() else list(counts)


def _by_outcomes_set(frame, records: po.PersonRecords) -> html.Div:
    totals = frame.groupby("outcomes_set")["people"].sum().reindex(range(1, 5), fill_value=0)
    shown = _withheld([int(v) for v in totals], records)
    rows = [(f"{n_set}", "Yes" if n_set in po.RULE else "No: an exception", _shown(count))
            for n_set, count in zip(totals.index, shown)]
    return data_table(["Meta outcomes set", "Within the two-or-three rule", "People"], rows,
                      "People by the number of meta outcomes set for them, at the latest review")


def _by_achieved(frame, records: po.PersonRecords) -> html.Div:
    within = frame[frame["outcomes_set"].isin(po.RULE)]
    totals = within.groupby("achieved")["people"].sum().reindex(range(0, max(po.RULE) + 1), fill_value=0)
    labels = [f"{n} achieved" for n in totals.index]
    shown = _withheld([int(v) for v in totals], records)
    summary = ("Bar chart of people with two or three meta outcomes set, by how many they achieved at the latest "
               "review: " + "; ".join(f"{label}: {_shown(c)}" for label, c in zip(labels, shown))
               + ". The table below gives the same figures.")
    figure = people_count_figure(labels, shown, "People by meta outcomes achieved (two or three set)",
                                 "Meta outcomes achieved at the latest review")
    return html.Div([
        chart(figure, summary, "Chart: people by meta outcomes achieved"),
        data_table(["Meta outcomes achieved", "People"], [(label, _shown(c)) for label, c in zip(labels, shown)],
                   "People with two or three meta outcomes set, by how many they achieved at the latest review"),
    ])


def _by_provider(frame, records: po.PersonRecords) -> html.Div | None:
    """People within the rule by provider and outcomes achieved: the cells are small, so on a public app
    a withheld cell also takes a partner in its row and column (metrics.disclosure.suppress_table)."""
    within = frame[frame["outcomes_set"].isin(po.RULE) & (frame["provider"] != "")]
    if within.empty:
        return None
    levels = list(range(0, max(po.RULE) + 1))
    table = within.pivot_table(index="provider", columns="achieved", values="people", aggfunc="sum",
                               fill_value=0).reindex(columns=levels, fill_value=0)
    counts = [[int(v) for v in row] for row in table.to_numpy()]
    shown = (suppress_table(counts, records.metric.suppress_below) if context.public()
             else [list(row) for row in counts])
    names = [records.framework.areas.get(str(p), str(p)) for p in table.index]
    return data_table(["Provider"] + [f"{n} achieved" for n in levels],
                      [[name] + [_shown(c) for c in row] for name, row in zip(names, shown)],
                      "People with two or three meta outcomes set, by provider and how many they achieved "
                      "at the latest review")


def _exceptions(rows: list[po.ExceptionRow], records: po.PersonRecords) -> list:
    if not rows:
        return [html.P("Every review had two or three meta outcomes set: there are no exceptions.")]
    people = _withheld([r.people for r in rows], records)
    achieved = _withheld([r.achieved for r in rows], records)
    records_total = sum(r.outcome_reviews for r in rows)
    body = [(str(r.outcomes_set), _shown(p), f"{r.person_reviews:,}", f"{r.outcome_reviews:,}", _shown(a))
            for r, p, a in zip(rows, people, achieved)]
    return [
        html.P(f"{records_total:,} meta outcome reviews (records) were of people with "
               f"{' or '.join(str(r.outcomes_set) for r in rows)} meta outcomes set. The framework's metrics count "
               "people with two or three, so these reviews are not in them; they are reported here instead.",
               id="person-outcomes-exception-summary"),
        data_table(["Meta outcomes set", "People", "Person reviews", "Meta outcome reviews", "Achieved"], body,
                   "Reviews outside the two-or-three rule (all review dates)"),
    ]


def person_detail(records: po.PersonRecords, person_id: str | None) -> html.Div | html.P:
    """One person's meta outcomes and review history; the caller has checked the audience may see it."""
    if not person_id:
        return html.P("Choose a person to see their meta outcomes and reviews.")
    history = po.person_history(context.service().registry, records, person_id)
    if history.empty:
        return html.P(f"There is no person with the id {person_id}.", role="alert")
    outcomes = sorted(history["meta_outcome"].unique(), key=str)
    n_set = int(history["outcomes_set"].iloc[-1])
    reviews = []
    for day, rows in history.groupby("review_date", sort=True):
        achieved = dict(zip(rows["meta_outcome"], rows["achieved"]))
        reviews.append([day.strftime("%d %b %Y")]
                       + [("Achieved" if achieved[o] else "Not achieved") if o in achieved else "Not reviewed"
                          for o in outcomes]
                       + [f"{sum(achieved.values())} of {len(achieved)}"])
    provider = history["provider"].iloc[-1] if "provider" in history else None
    provider_name = records.framework.areas.get(str(provider), str(provider)) if provider is not None else "–"
    rule = ("within the two-or-three rule" if n_set in po.RULE else
            "outside the two-or-three rule: this person's reviews are among the exceptions above, "
            "not in the framework's metrics")
    return html.Div([
        html.H3(f"Person {person_id}", className="h5"),
        html.P(f"Provider: {provider_name}. {n_set} meta outcome(s) set, {rule}."),
        html.Ul([html.Li(records.outcome_title(o)) for o in outcomes], **{"aria-label": "Meta outcomes set"}),
        data_table(["Review"] + [records.outcome_title(o) for o in outcomes] + ["Achieved"], reviews,
                   f"Review history of person {person_id}"),
    ])


def _person_section(records: po.PersonRecords) -> list:
    heading = html.H2("One person", className="h4 mt-4")
    if context.public():
        return [heading, html.P("A public site shows no single person's record: only the counts above, with small "
                                "numbers withheld.")]
    if current_person() is None:
        return [heading, html.P(["One person's record is shown only to someone signed in. ",
                                 dcc.Link("Sign in", href="/signin"), "."])]
    ids = po.person_ids(context.service().registry, records)
    return [
        heading,
        html.P("People are shown by a pseudonymous id only."),
        labelled("Person (pseudonymous id)", PERSON_SELECT,
                 select(PERSON_SELECT, [{"label": i, "value": i} for i in ids], None, "Choose a person")),
        html.Div(person_detail(records, None), id=PERSON_DETAIL, **{"aria-live": "polite"}),
    ]


def layout(framework_id: str | None = None, **_: str) -> html.Div:
    records = _records(framework_id)
    if records is None:
        return html.Div([html.H1("No person-level records"),
                         html.P(f"The framework '{framework_id}' holds no person-level meta outcome records."),
                         dcc.Link("Back to the overview", href="/")])
    fw, runner = records.framework, context.service().registry
    try:
        latest = po.latest_review(runner, records)
        if latest is None:
            return html.Div([html.H1(f"People's meta outcomes: {fw.title}"), html.P("There are no reviews yet.")])
        counts = po.people_by_outcomes(runner, records, latest)
        exceptions = po.exceptions(runner, records)
        sections: list = [
            dcc.Link("← Overview", href="/?" + urlencode({"framework": fw.id}), className="no-print"),
            html.H1(f"People's meta outcomes: {fw.title}", className="h3 mt-2"),
        ]
        if records.metric.source.synthetic:
            sections.append(notice("Synthetic sample data: these person-level records are made up for "
                                   "demonstration; no real person is shown."))
        sections += [
            html.P(f"Two or three of seven meta outcomes are set for each person and reviewed every six months. "
                   f"Latest review: {latest.strftime('%d %B %Y')}."),
            html.H2("Across people", className="h4"),
            _by_outcomes_set(counts, records),
            _by_achieved(counts, records),
            _by_provider(counts, records),
            html.H2("Reviews outside the two-or-three rule", className="h4 mt-4"),
            *_exceptions(exceptions, records),
            *_person_section(records),
        ]
    except DataSourceError as exc:
        return html.Div([html.H1(f"People's meta outcomes: {fw.title}"),
                         html.P(f"The person-level records could not be read: {exc}", role="alert")])
    return html.Div(sections)


@callback(Output(PERSON_DETAIL, "children"), Input(PERSON_SELECT, "value"), Input(ids.URL, "pathname"),
          prevent_initial_call=True)
def show_person(person_id: str | None, pathname: str | None):
    """The audience is checked here, on the server, not only by leaving the select off the page."""
    if context.public() or current_person() is None:
        return html.P("One person's record is not shown here.", role="alert")
    parts = (pathname or "").strip("/").split("/")
    framework_id = parts[1] if len(parts) == 2 and parts[0] == "people" else None
    records = _records(framework_id)
    if records is None:
        return html.P("This framework holds no person-level records.", role="alert")
    choice = None if person_id in (None, "", ALL) else person_id
    try:
        return person_detail(records, choice)
    except DataSourceError as exc:
        return html.P(f"The person's record could not be read: {exc}", role="alert")
