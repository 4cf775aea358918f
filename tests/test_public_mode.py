"""A public app (``create_app(public=True)``) never shows a value built from a small count.

Warwickshire's Winterbourne repatriations count fewer than 5 people in every quarter, so on a
public app every figure of it is withheld. Each test also reads the same page from the internal
app (``public=False``), where the counts are shown: the check would see them if they leaked."""

from __future__ import annotations

import math

import pytest
from dash import dcc, html

SMALL = "warks_winterbourne_repatriations"
PERIOD = "2016-03"  # its latest quarter, Q4 2015/16: 3 people


@pytest.fixture(scope="module")
def apps(dash_app, service, tmp_path_factory):
    """(internal, public): the session's app and a public one on the same service.

    Dash hands the callbacks declared with ``@callback`` to the next app that serves a request,
    and building an app declares them again: each app serves a request right after it is built,
    so each keeps its own set."""
    from app import create_app
    from datasources.store import Store

    dash_app.server.test_client().get("/")
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('public-store') / 'outcomes.db'}")
    public = create_app(service=service, store=store, public=True)
    public.server.test_client().get("/")
    yield dash_app, public
    store.dispose()


@pytest.fixture(scope="module")
def small_values(service):
    """The live figures of SMALL, unsuppressed; the sample must still have only small counts."""
    metric = service.metric(SMALL)
    series = service.series(SMALL)
    series = series[series["period"] <= PERIOD]
    assert len(series) and (series["numerator"] < metric.suppress_below).all()
    return series


def text_of(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def components(tree, kind: type | None = None) -> list:
    """Every component in a tree (of one kind, if given)."""
    found = []
    if isinstance(tree, (list, tuple)):
        for c in tree:
            found += components(c, kind)
    elif hasattr(tree, "to_plotly_json"):
        if kind is None or isinstance(tree, kind):
            found.append(tree)
        found += components(getattr(tree, "children", None), kind)
    return found


def table_rows(layout, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as cell texts."""
    (table,) = [t for t in components(layout, html.Table) if text_of(t.children[0]) == caption]
    body = next(part for part in table.children if isinstance(part, html.Tbody))
    return [[text_of(cell) for cell in row.children] for row in body.children]


def page(app, module: str, **kwargs):
    """A page's layout as Dash builds it for a request to ``app``."""
    import importlib

    pages = importlib.import_module(f"dashboard.pages.{module}")
    with app.server.test_request_context("/"):
        return pages.layout(**kwargs)


def plotted(layout) -> list[float]:
    """Every finite y value of the data traces (values and intervals) of every chart on a page."""
    found = []
    for graph in components(layout, dcc.Graph):
        for trace in graph.figure.data:
            if trace.name in ("Actual", "Value", "95% confidence interval") and trace.y is not None:
                found += [y for y in trace.y if y is not None and not math.isnan(y)]
    return found


def test_overview_shows_suppressed_instead_of_the_count(apps, small_values):
    for app, public in zip(apps, (False, True)):
        layout = page(app, "overview", framework="warwickshire", period=PERIOD)
        # Its intention's row: the headline measure's cell (the measure, then its figures), and the sparkline.
        row = next(r for r in components(layout, html.Tr)
                   if any(c.to_plotly_json()["props"].get("data-metric") == SMALL for c in r.children))
        measure = next(c for c in row.children if c.to_plotly_json()["props"].get("data-metric") == SMALL)
        value_cell = text_of(measure.children[1].children[0].children[0])
        if public:
            assert value_cell == "suppressed"
            assert not components(row, html.Img), "no sparkline drawn from small counts"
        else:
            assert value_cell == "3", "the internal app shows the count, so the public check can fail"


def test_intention_page_table_and_chart_withhold_small_counts(apps, service, small_values):
    _, intention = service.framework_of_metric(SMALL)
    title = service.metric(SMALL).display_title
    for app, public in zip(apps, (False, True)):
        layout = page(app, "intention", intention_id=intention.id, framework="warwickshire", period=PERIOD)
        rows = table_rows(layout, f"{title}: values by period")
        assert [r[0] for r in rows] == list(small_values["label"])
        values = [r[1] for r in rows]
        if public:
            assert set(values) == {"suppressed"} and set(r[2] for r in rows) == {"suppressed"}
            assert plotted(layout) == []
        else:
            assert values[-1] == "3" and plotted(layout)


def test_metric_page_grid_and_charts_withhold_small_counts(apps, small_values):
    for app, public in zip(apps, (False, True)):
        layout = page(app, "metric", metric_id=SMALL, period=PERIOD)
        (grid,) = [c for c in components(layout) if type(c).__name__ == "AgGrid"]
        hidden = [{row[k] for k in ("value", "numerator", "ci_lower", "ci_upper")} for row in grid.rowData]
        if public:
            assert all(cells == {"suppressed"} for cells in hidden)
            assert plotted(layout) == []
            assert "These pages are public" in text_of(layout)
        else:
            assert not any("suppressed" in cells for cells in hidden) and plotted(layout)


def test_metric_csv_download_withholds_small_counts(apps):
    from dashboard.pages import metric

    internal, public = apps
    with public.server.test_request_context("/"):
        lines = metric.download_csv(1, SMALL)["content"].splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
    assert rows and all(r["value"] == r["numerator"] == "suppressed" for r in rows)
    with internal.server.test_request_context("/"):
        lines = metric.download_csv(1, SMALL)["content"].splitlines()
    assert not any("suppressed" in line for line in lines)


# ------------------------------------------------------------ complementary (secondary) suppression
CARERS = "warks_carer_breakdown_admissions"


def recovered_by_differencing(rows: list[dict]) -> dict[str, float]:
    """What a reader of a CSV download works out: per period, the whole-area count minus the areas
    shown. Where exactly one area is 'suppressed', that difference is its count: {period: count}."""
    found = {}
    for period in sorted({r["period"] for r in rows}):
        in_period = [r for r in rows if r["period"] == period]
        total = [r["numerator"] for r in in_period if r["area"] == ""]
        areas = [r for r in in_period if r["area"] != ""]
        hidden = [r for r in areas if r["numerator"] == "suppressed"]
        if len(total) == 1 and total[0] not in ("suppressed", "") and len(hidden) == 1:
            shown = sum(float(r["numerator"]) for r in areas if r["numerator"] not in ("suppressed", ""))
            found[f"{period} {hidden[0]['area']}"] = float(total[0]) - shown
    return found


def csv_rows(content: str) -> list[dict]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(content)))


def test_no_suppressed_area_count_can_be_recovered_from_the_total(apps, service):
    """On the code before complementary suppression, 19 of the 52 quarters of carer-breakdown admissions
    had exactly one area suppressed beside a shown total, and the difference was its count."""
    from dashboard.pages import metric as page_module
    from metrics.disclosure import mark_suppressed
    from metrics.evaluation.observations import HEADLINE

    truth = service.observations(CARERS).frame
    small = truth[(truth["numerator"] < service.metric(CARERS).suppress_below) & (truth["area"] != HEADLINE)]
    hidden_counts = {f"{r.period} {r.area}": float(r.numerator) for r in small.itertuples()}
    assert len(hidden_counts) >= 20, "the sample still has small area counts"

    # The old rule, primary suppression only (a frame without the decision on the whole table):
    old = mark_suppressed(truth.drop(columns="withheld"), service.metric(CARERS))
    old_rows = [{"period": r.period, "area": "" if r.area == HEADLINE else r.area, "numerator": str(r.numerator)}
                for r in old.itertuples()]
    old_found = recovered_by_differencing(old_rows)
    assert len(old_found) == 19 and all(hidden_counts[k] == v for k, v in old_found.items())

    internal, public = apps
    with public.server.test_request_context("/"):
        rows = csv_rows(page_module.download_csv(1, CARERS)["content"])
    assert recovered_by_differencing(rows) == {}
    hidden = [r for r in rows if r["numerator"] == "suppressed" and r["area"]]
    assert {f"{r['period']} {r['area']}" for r in hidden} >= set(hidden_counts)
    with internal.server.test_request_context("/"):
        assert "suppressed" not in page_module.download_csv(1, CARERS)["content"]


def test_a_second_suppressed_cell_that_would_pin_the_first_brings_a_third():
    """Areas 2, 5, 5 and 10 (total 22), threshold 5. Withholding 2 and the next smallest 5 is not
    enough: the reader knows the second is at least 5 and at most the smallest shown (5), so it is 5,
    and 22 - 5 - 5 - 10 = 2 gives the first back. The rule withholds the other 5 as well."""
    from datetime import date

    import pandas as pd

    from metrics.disclosure import withheld_mask
    from metrics.evaluation.observations import HEADLINE

    class Threshold:
        suppress_below = 5

    start = date(2024, 1, 1)
    frame = pd.DataFrame({"period_start": [start] * 5, "area": ["a", "b", "c", "d", HEADLINE],
                          "numerator": [2.0, 5.0, 5.0, 10.0, 22.0]})
    mask = withheld_mask(frame, Threshold(), HEADLINE)  # type: ignore[arg-type]
    assert list(mask) == [True, True, True, False, False]
    # What is left to the reader: hidden sum 12, the first 0-4, the others 5-10 each: the first is 0 to 2.
    hidden_sum = 22.0 - 10.0
    assert (max(0.0, hidden_sum - 2 * 10.0), min(4.0, hidden_sum - 2 * 5.0)) == (0.0, 2.0)
    assert list(withheld_mask(frame, Threshold(), None)) == [True, False, False, False, False]


# ------------------------------------------------------------ a whole and its parts (config part_of)
def declared_groups(service) -> list[tuple[str, ...]]:
    """Every group config declares: the whole first, then its parts."""
    return sorted(set(service.config.disclosure_groups.values()))


def worked_out(tables: dict[str, list[dict]], group: tuple[str, ...], small: dict[tuple[str, str, str], float],
               proportions: set[str]) -> dict[tuple[str, str, str], float]:
    """What a reader works out from the downloads of a whole and its parts, by any combination of them:
    for each period, every figure they show and every sum they hold (each metric's whole-area row is the sum
    of its areas; the whole's row for an area, and its whole-area row, is the sum of its parts' rows there,
    the parts covering the whole). Each small count withheld is bounded by linear programming over the
    withheld counts (at least 0; at most a proportion's denominator, which is always shown); a range
    narrower than one whole count is a count recovered: {(metric, period, area): count}."""
    import numpy as np
    from scipy.optimize import linprog

    whole, parts = group[0], group[1:]
    found = {}
    for period in sorted({r["period"] for rows in tables.values() for r in rows}):
        cells = {(m, r["area"]): r for m, rows in tables.items() for r in rows if r["period"] == period}
        hidden = [key for key, row in cells.items() if row["numerator"] == "suppressed"]
        if not hidden:
            continue
        column = {key: i for i, key in enumerate(hidden)}
        equations, sums = [], []

        def equation(total: tuple[str, str], terms: list[tuple[str, str]]) -> None:
            row, known = np.zeros(len(hidden)), 0.0
            for key, sign in [(total, 1.0)] + [(t, -1.0) for t in terms]:
                if key not in cells:
                    continue  # no row: nothing counted there
                if key in column:
                    row[column[key]] += sign
                else:
                    known -= sign * float(cells[key]["numerator"] or 0)
            if row.any():
                equations.append(row)
                sums.append(known)

        areas = sorted({a for (_, a) in cells if a})
        for metric_id in group:
            equation((metric_id, ""), [(metric_id, a) for a in areas])
        for area in areas + [""]:
            equation((whole, area), [(part, area) for part in parts])
        if not equations:
            continue
        bounds = [(0, float(cells[key]["denominator"]) if key[0] in proportions else None) for key in hidden]
        for key in hidden:
            if (key[0], period, key[1]) not in small:
                continue
            aim = np.zeros(len(hidden))
            aim[column[key]] = 1
            low = linprog(aim, A_eq=np.array(equations), b_eq=np.array(sums), bounds=bounds, method="highs")
            high = linprog(-aim, A_eq=np.array(equations), b_eq=np.array(sums), bounds=bounds, method="highs")
            assert low.status == 0 and high.status == 0, (key, period, low.message, high.message)
            if -high.fun - low.fun < 1 - 1e-9:
                found[(key[0], period, key[1])] = round(low.fun, 6)
    return found


def test_no_small_count_of_a_whole_or_its_parts_can_be_worked_out_from_their_downloads(apps, service):
    """Lewisham's meta outcomes achieved, all of them and each of the seven (config: part_of). Withheld
    metric by metric, three counts below 5 came back from the public CSV downloads by taking the parts
    shown from the whole (the red team's three cells); withheld over the group together, none does, by any
    combination of the downloads' rows. Decided by the domain (the observations' ``withheld`` column), so
    the downloads are read as the metric page's own function makes them, without a request each."""
    from dashboard.pages import metric as page_module
    from metrics.disclosure import mark_suppressed, withheld_mask
    from metrics.evaluation.observations import HEADLINE

    groups = declared_groups(service)
    assert ("lew_ld_meta_outcomes_achieved", "lew_ld_mo_employment", "lew_ld_mo_housing", "lew_ld_mo_health",
            "lew_ld_mo_relationships", "lew_ld_mo_community_participation", "lew_ld_mo_learning_skills",
            "lew_ld_mo_personal_development") in groups
    _, public = apps
    for group in groups:
        metrics = {m: service.metric(m) for m in group}
        truth = {m: service.observations(m).frame for m in group}
        small = {(m, r.period, "" if r.area == HEADLINE else r.area): float(r.numerator)
                 for m in group for r in truth[m].itertuples() if r.numerator < metrics[m].suppress_below}
        proportions = {m for m in group if metrics[m].method == "proportion"}
        with public.server.test_request_context("/"):
            downloads = {m: csv_rows(page_module.download_csv(1, m)["content"]) for m in group}
        assert worked_out(downloads, group, small, proportions) == {}, group
        # Every count a reader could not work out is still withheld, and each metric's own rule still holds.
        for m in group:
            shown = {(r["period"], r["area"]) for r in downloads[m] if r["numerator"] != "suppressed"}
            assert not shown & {(p, a) for (metric_id, p, a) in small if metric_id == m}
        if group[0] != "lew_ld_meta_outcomes_achieved":
            continue
        # The check bites: withheld metric by metric (each its own table alone), the downloads give back
        # exactly the red team's three counts.
        alone = {}
        for m in group:
            frame = truth[m].assign(withheld=withheld_mask(truth[m], metrics[m], HEADLINE).to_numpy())
            marked = mark_suppressed(frame, metrics[m])
            alone[m] = [{"period": r.period, "area": "" if r.area == HEADLINE else r.area,
                         "numerator": r.numerator if r.numerator == "suppressed" else str(r.numerator),
                         "denominator": str(r.denominator)} for r in marked.itertuples()]
        recovered = worked_out(alone, group, small, proportions)
        assert len(recovered) == 3 and all(small[key] == count for key, count in recovered.items()), recovered


# ------------------------------------------------------------ every callback output and download
# The public app is read the way a browser reads it: each callback of the app's callback map is
# called through /_dash-update-component, with real inputs (every page of every framework,
# intention and metric; each download), and what comes back is searched for the values the
# database builds from counts below a threshold, each where it belongs (a metric's period and area).

def forbidden_cells(service) -> dict[str, dict[tuple[str, str], list[float]]]:
    """{metric: {(period, area): [numerator, value, ci_lower, ci_upper]}} of every row whose count is
    below its metric's threshold, plus ("baseline", "") for a baseline observed in such a period."""
    from metrics.evaluation.evaluate import baseline_rows

    found: dict[str, dict[tuple[str, str], list[float]]] = {}
    for metric_id, metric in service.config.metrics.items():
        obs = service.observations(metric_id)
        if metric.suppress_below <= 0 or obs.error or obs.frame.empty:
            continue
        frame = obs.frame
        small = frame[frame["numerator"] < metric.suppress_below]
        cells = {(r["period"], r["area"]): [float(r[c]) for c in ("numerator", "value", "ci_lower", "ci_upper")
                                            if not math.isnan(float(r[c]))]
                 for r in small.to_dict("records")}
        if metric.target is not None and metric.target.baseline.value is None:
            base = baseline_rows(obs.headline, metric.target.baseline)
            if not base.empty and (base["numerator"] < metric.suppress_below).any():
                cells[("baseline", "")] = [float(base["value"].mean())]
        if cells:
            found[metric_id] = cells
    return found


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _texts(metric, values: list[float]) -> set[str]:
    """How the pages and exports print these values."""
    from metrics.formatting import format_value, number

    out = set()
    for v in values:
        out |= {format_value(v, metric), format_value(v, metric, with_unit=False), number(v, metric.decimals)}
    return out


def _numbers(values) -> list[float]:
    """A trace's x or y: a list, or Plotly's typed array ({'dtype', 'bdata'})."""
    import base64

    import numpy as np

    if values is None:
        return []
    if isinstance(values, dict) and "bdata" in values:
        return [float(v) for v in np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))]
    return list(values)


def _walk(node):
    """Every component (a dict with 'props') in a Dash JSON answer."""
    if isinstance(node, dict):
        if "props" in node and "type" in node:
            yield node
            for value in node["props"].values():
                yield from _walk(value)
        else:
            for value in node.values():
                yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _text(node) -> str:
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, (str, int, float)):
        return str(node)
    if isinstance(node, list):
        return " ".join(_text(n) for n in node)
    if isinstance(node, dict) and "props" in node:
        return _text(node["props"].get("children"))
    return ""


class Leaks:
    """Finds forbidden values in answers; ``found`` lists each with where it was."""

    def __init__(self, service, forbidden):
        from dashboard.pages.metric import area_names
        from metrics.evaluation.observations import HEADLINE

        self.service, self.forbidden, self.found = service, forbidden, []
        self.metrics = {m: service.metric(m) for m in forbidden}
        self.periods = {}  # metric -> {period_end 'YYYY-MM-DD': period, label: period}
        self.areas = {}  # metric -> {area name: code}
        for m in forbidden:
            frame = service.observations(m).frame
            self.periods[m] = {**{str(e): p for e, p in zip(frame["period_end"], frame["period"])},
                               **dict(zip(frame["label"], frame["period"]))}
            self.areas[m] = {name: code for code, name in area_names(service, m).items()}
        self.headline = HEADLINE

    def _metric_of(self, title: str) -> str | None:
        titled = [m for m in self.metrics if title.startswith(self.metrics[m].display_title)]
        return max(titled, key=lambda m: len(self.metrics[m].display_title)) if titled else None

    def _cell(self, metric_id: str, period: str | None, area: str) -> list[float]:
        return self.forbidden[metric_id].get((period, area), []) if period else []

    def answer(self, where: str, answer) -> None:
        for component in _walk(answer):
            props = component["props"]
            if component["type"] == "Graph":
                self.figure(where, props.get("figure") or {})
            elif component["type"] == "Table":
                self.table(where, props.get("children"))
            elif component["type"] == "AgGrid":
                store = [c for c in _walk(answer) if c["props"].get("id") == "metric-id-store"]
                if store:
                    self.rows(where, store[0]["props"]["data"], props.get("rowData") or [])
            for key in ("data-metric", "data-key"):
                metric_id = str(props.get(key, "")).removeprefix("metric:")
                if metric_id in self.forbidden:
                    self.sentence(where, metric_id, _text(component))

    def figure(self, where: str, figure: dict) -> None:
        title = ((figure.get("layout") or {}).get("title") or {}).get("text", "")
        metric_id = self._metric_of(title)
        if metric_id is None:
            return
        at = title.rsplit(", ", 1)[-1]  # a bar chart by area names its period last
        target = self.metrics[metric_id].target
        stated = target is not None and target.baseline.value is not None
        for trace in figure.get("data", []):
            if stated and trace.get("name") in ("Baseline", "Glide path"):
                # A stated baseline is the config's figure (e.g. "none removed" before a count starts), not
                # a count from the data, so its line tells nothing about a withheld period, even where the
                # two are equal; baselines observed in the data are checked.
                continue
            xs, ys = _numbers(trace.get("x")), _numbers(trace.get("y"))
            if trace.get("orientation") == "h":
                pairs = [(self._cell(metric_id, self.periods[metric_id].get(at), self.areas[metric_id].get(y, y)), x)
                         for x, y in zip(xs, ys)]
            else:
                pairs = [(self._cell(metric_id, self.periods[metric_id].get(str(x)[:10]), self.headline)
                          + self.forbidden[metric_id].get(("baseline", ""), []) * (trace.get("name") == "Baseline"), y)
                         for x, y in zip(xs, ys)]
            for cell, y in pairs:
                if isinstance(y, (int, float)) and not math.isnan(y) and any(_same(y, v) for v in cell):
                    self.found.append(f"{where}: chart '{title}' trace {trace.get('name')} plots {y}")

    def table(self, where: str, parts) -> None:
        parts = parts if isinstance(parts, list) else [parts]
        caption = next((_text(p) for p in parts if isinstance(p, dict) and p.get("type") == "Caption"), "")
        metric_id = self._metric_of(caption)
        if metric_id is None:
            return
        at = self.periods[metric_id].get(caption.rsplit(", ", 1)[-1])
        target = self.metrics[metric_id].target
        # A glide path drawn from a stated baseline is the config's figures, as in ``figure`` (a "0" removed
        # before a count starts is no count from the data): the progress table's value column is checked.
        stated_path = (caption.endswith("value and glide path by period") and target is not None
                       and target.baseline.value is not None)
        for body in (p for p in parts if isinstance(p, dict) and p.get("type") == "Tbody"):
            rows = body["props"]["children"]
            for row in rows if isinstance(rows, list) else [rows]:
                cells = [_text(c) for c in (row["props"]["children"] or [])]
                if not cells:
                    continue
                if cells[0] in self.periods[metric_id]:
                    cell = self._cell(metric_id, self.periods[metric_id][cells[0]], self.headline)
                elif cells[0] == "This area" and len(cells) > 1:
                    cell = self._cell(metric_id, self.periods[metric_id].get(cells[1]), self.headline)
                else:
                    cell = self._cell(metric_id, at, self.areas[metric_id].get(cells[0], cells[0]))
                checked = cells[1:2] if stated_path else cells[1:]
                shown = set(checked) | {part for c in checked for part in c.split(" to ")}
                leaked = shown & _texts(self.metrics[metric_id], cell)
                if leaked:
                    self.found.append(f"{where}: table '{caption}' row {cells[0]} shows {sorted(leaked)}")

    def rows(self, where: str, metric_id: str, rows: list[dict]) -> None:
        """Grid rows or CSV rows: period, area ('' for the whole area), numerator, value, ci_lower, ci_upper."""
        if metric_id not in self.forbidden:
            return
        for row in rows:
            cell = self._cell(metric_id, row.get("period"), row.get("area") or self.headline)
            for column in ("numerator", "value", "ci_lower", "ci_upper"):
                try:
                    shown = float(row.get(column))
                except (TypeError, ValueError):
                    continue
                if any(_same(shown, v) for v in cell):
                    self.found.append(f"{where}: row {row.get('period')} {row.get('area')} {column} = {shown}")

    def sentence(self, where: str, metric_id: str, text: str) -> None:
        """A metric's row or status sentence: no forbidden number of the periods it names, nor the
        baseline, unless the same number is one the config states (the target, the threshold)."""
        import re

        metric = self.metrics[metric_id]
        named = {p for label, p in self.periods[metric_id].items() if label in text}
        values = [v for p in named for v in self._cell(metric_id, p, self.headline)[:2]]
        if "baseline" in text:  # a snapshot comparison's counts of revised periods are not a baseline
            values += self.forbidden[metric_id].get(("baseline", ""), [])
        stated = {str(metric.suppress_below)} | (_texts(metric, [metric.target.value]) if metric.target else set())
        tokens = set(re.findall(r"(?<![\w/.,-])\d[\d,]*(?:\.\d+)?%?(?![\w/-])", text))
        leaked = (tokens & _texts(metric, values)) - stated
        if leaked:
            self.found.append(f"{where}: {metric_id} says {sorted(leaked)}: {text[:160]}")


def update(app, output: str, outputs: list[dict], inputs: list[dict], state: list[dict] | None = None):
    """One callback call as the browser makes it; the JSON answer (None for no update)."""
    body = {"output": output, "outputs": outputs, "inputs": inputs, "state": state or [],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if isinstance(inputs[0]["id"], str)
            else []}
    reply = app.server.test_client().post("/_dash-update-component", json=body)
    assert reply.status_code in (200, 204), (output, reply.status_code, reply.data[:300])
    return reply.get_json() if reply.status_code == 200 else None


def call(app, key: str, values: dict, match: dict | None = None):
    """Call callback ``key`` of the app's callback map with ``values`` by 'id.property' (a pattern
    id by its type; ``match`` fills its MATCH part). Outputs, inputs and state come from the map."""
    import json

    spec = next(d for d in app.server.test_client().get("/_dash-dependencies").get_json() if d["output"] == key)

    def concrete(raw: str):
        if not raw.startswith("{"):
            return raw
        return {k: (match or {})[k] if v == ["MATCH"] else v for k, v in json.loads(raw).items()}

    def name(raw: str) -> str:
        return json.loads(raw)["type"] if raw.startswith("{") else raw

    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    outputs = [{"id": concrete(p.rsplit(".", 1)[0]), "property": p.rsplit(".", 1)[1]} for p in parts]
    given = [[{"id": concrete(d["id"]), "property": d["property"],
               "value": values.get(f"{name(d['id'])}.{d['property']}")} for d in spec.get(kind, [])]
             for kind in ("inputs", "state")]
    return update(app, key, outputs if len(outputs) > 1 else outputs[0], *given)


def page_paths(service, forbidden) -> list[tuple[str, str]]:
    """Every page that can show a metric with a small count: each framework's overview, review pack and
    framework page, each intention holding such a metric, each such metric, at the default period and
    again at each period with a small whole-area count (or, for a metric page, whose bar chart by area
    shows only one period, a small count in any area). A page of metrics without a small count has
    nothing to leak, nor has its download."""
    from metrics.evaluation.observations import HEADLINE

    small_periods = {m: sorted({p for p, _ in cells if p != "baseline"}) for m, cells in forbidden.items()}
    headline_periods = {m: sorted({p for p, a in cells if a == HEADLINE}) for m, cells in forbidden.items()}
    paths = [("/frameworks", ""), ("/about", ""), ("/snapshots", ""), ("/audit", "")]
    for fw in service.config.frameworks.values():
        for period in [None, *sorted({p for m in fw.metric_ids() for p in headline_periods.get(m, [])})]:
            query = f"?framework={fw.id}" + (f"&period={period}" if period else "")
            paths += [("/", query), ("/review", query)]
            paths += [(f"/intention/{i.id}", query) for i in fw.intentions
                      if set(i.metrics) & {m for m, periods in headline_periods.items()
                                           if period is None or period in periods}]
        paths.append((f"/framework/{fw.id}", ""))
    for metric_id, periods in small_periods.items():
        paths += [(f"/metric/{metric_id}", "")] + [(f"/metric/{metric_id}", f"?period={p}") for p in periods]
    return paths


#: Enough of the internal app to prove the check bites: each kind of output shows a small count there.
INTERNAL_PATHS = [(f"/metric/{SMALL}", ""), (f"/metric/{CARERS}", "?period=2013-06"),
                  ("/", f"?framework=warwickshire&period={PERIOD}")]


REVIEW_MATCH = {"key": f"metric:{SMALL}", "action": "1"}


def callback_calls(service, forbidden, snapshot_ids: list[int], small_only: bool = False):
    """(callback key, values, where) for every callback of the app, with real inputs."""
    pages = ".._pages_content.children..._pages_store.data.."
    paths = INTERNAL_PATHS if small_only else page_paths(service, forbidden)
    for path, query in paths:
        yield pages, {"_pages_location.pathname": path, "_pages_location.search": query}, path + query
    for fw in [service.framework("warwickshire")] if small_only else service.config.frameworks.values():
        periods = sorted({p for m in fw.metric_ids() for p, a in forbidden.get(m, {}) if a == "_headline"})
        for period in [PERIOD] if small_only else [None, *periods]:
            yield "..overview-body.children...overview-status.children..", {
                "period-select.value": period, "url.href": f"http://localhost/?framework={fw.id}"}, \
                f"overview filters {fw.id} {period}"
        yield "url.href", {"framework-apply.n_clicks": 1, "framework-select.value": fw.id,
                           "url.href": "http://localhost/?framework=none"}, f"choose {fw.id}"
    # The download of each metric with a small count: a metric's CSV holds only its own rows, so the download of
    # a metric without one has nothing to leak (the other 136 downloads were read for nothing).
    for metric_id in forbidden:
        yield "metric-download.data", {"metric-download-button.n_clicks": 1, "metric-id-store.data": metric_id}, \
            f"download {metric_id}"
    if not small_only:  # the internal app's snapshots would prove nothing more: its pages and CSV bite
        yield "..snapshot-compare-result.children...snapshot-compare-status.children..", {
            "snapshot-compare-before.value": str(snapshot_ids[0]),
            "snapshot-compare-after.value": str(snapshot_ids[-1])}, "compare snapshots"
    context = {"review-context.data": {"framework": "warwickshire", "period": PERIOD}}
    review = {
        "comment": {"comment-save.n_clicks": 1, "comment-save.id": {"type": "comment-save", **REVIEW_MATCH},
                    "comment-text.value": "x"},
        "action-result": {"action-add.n_clicks": 1, "action-add.id": {"type": "action-add", **REVIEW_MATCH},
                          "action-text.value": "x", "action-owner.value": "x", "action-due.value": "2030-01-01"},
        "action-update": {"action-update.n_clicks": 1, "action-update.id": {"type": "action-update", "action": "1"},
                          "action-status.value": "done"},
        "milestone": {"milestone-save.n_clicks": 1, "milestone-save.id": {"type": "milestone-save", **REVIEW_MATCH},
                      "milestone-status.value": "done"},
        "signoff": {"signoff-button.n_clicks": 1},
    }
    for word, values in review.items():
        yield word, {**values, **context}, f"review {word}"
    # The officer's summary (issue 21) and the change-point forms (issue 20): drafts tell the public no more than
    # the review pack; every write is refused on the server.
    yield "officer-summary-shown.children", {"officer-summary-save.n_clicks": 1, "officer-summary-text.value": "x",
                                             **context}, "officer summary save"
    yield "officer-summary-text.value", {"officer-summary-draft.n_clicks": 1, **context}, "officer summary draft"
    yield "change-point-result", {"change-point-record.n_clicks": 1, "change-point-period.value": PERIOD,
                                  "change-point-reason.value": "x",
                                  "change-point-context.data": {"framework": "warwickshire", "metric": SMALL}}, \
        "change point record"
    yield "change-point-withdraw-result", {"change-point-withdraw.n_clicks": 1, "change-point-withdraw-reason.value": "x",
                                           "change-point-withdraw.id": {"type": "change-point-withdraw", "key": "1"}}, \
        "change point withdraw"
    # One person's record: a public app refuses it on the server (the select is not even on its page).
    yield "person-outcomes-detail.children", {"person-outcomes-person.value": "LD0001",
                                              "url.pathname": "/people/lewisham"}, "person page"


def read_everything(app, service, forbidden, small_only: bool = False) -> tuple[Leaks, set[str]]:
    """Call every callback; the leaks found and the callback keys called."""
    leaks, called = Leaks(service, forbidden), set()
    store = app.server.extensions["outcomes"].store
    import snapshots

    ids = [row["id"] for row in snapshots.list_all(store)]
    for key, values, where in callback_calls(service, forbidden, ids, small_only):
        named = key
        if key not in app.callback_map:  # a review callback named by a word of its output, or one output of several
            key = next(k for k in app.callback_map
                       if f'"type":"{key}' in k.split("...")[0] + k or key in k.strip(".").split("..."))
        answer = call(app, key, values, REVIEW_MATCH)
        called.add(key)
        if answer is None:
            continue
        if named == "metric-download.data":
            leaks.rows(where, values["metric-id-store.data"], csv_rows(answer["response"]["metric-download"]["data"]["content"]))
        leaks.answer(where, answer)
    return leaks, called


@pytest.fixture(scope="module")
def forbidden(service):
    found = forbidden_cells(service)
    assert {SMALL, CARERS} <= set(found) and ("baseline", "") in found[SMALL]
    return found


@pytest.fixture(scope="module")
def with_snapshots(apps, service):
    """Two snapshots of Warwickshire at PERIOD in the public app's store, for its compare callback and downloads
    (the internal app's reading, which proves the check bites, compares none)."""
    import snapshots

    store = apps[1].server.extensions["outcomes"].store
    for _ in range(2):
        snapshots.create(service, store, "warwickshire", PERIOD, "test")
    return apps


def test_no_callback_output_of_the_public_app_shows_a_small_count(with_snapshots, service, forbidden):
    internal, public = with_snapshots
    leaks, called = read_everything(public, service, forbidden)
    # Every callback the server runs (a clientside one has no server function and no server output).
    assert called == {k for k, spec in public.callback_map.items() if "callback" in spec}
    assert leaks.found == [], "\n".join(leaks.found)
    # The same reading of the internal app finds the small counts: on pages, charts, tables and the CSV.
    bites, _ = read_everything(internal, service, forbidden, small_only=True)
    seen = " ".join(bites.found)
    assert all(kind in seen for kind in ("chart", "table", "row ", "says")), bites.found[:10]
    assert f"/metric/{SMALL}" in seen and CARERS in seen


def export_leaks(leaks: Leaks, service, fmt: str, data: bytes) -> None:
    """Search one snapshot download (the bytes the route serves) for small counts, by metric and period."""
    import io
    import re
    import zipfile

    from metrics.formatting import format_value

    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = {n.rsplit("-", 1)[-1]: archive.read(n).decode() for n in archive.namelist()}
        for row in csv_rows(files["evaluations.csv"]):
            leaks.rows(f"csv evaluations {row['metric_id']}", row["metric_id"], [{**row, "area": ""}])
            leaks.rows(f"csv baseline {row['metric_id']}", row["metric_id"],
                       [{"period": "baseline", "area": "", "value": row["baseline_value"]}])
        for row in csv_rows(files["series.csv"]):
            leaks.rows(f"csv series {row['metric_id']}", row["metric_id"], [{**row, "area": ""}])
    elif fmt == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data))
        header, *rows = list(book["Summary"].iter_rows(values_only=True))
        for row in (dict(zip(header, r)) for r in rows):
            metric_id = row["Metric id"]
            period = leaks.periods.get(metric_id, {}).get(row["Period"])
            leaks.rows(f"xlsx summary {metric_id}", metric_id, [
                {"period": period, "area": "", "value": row["Value"], "ci_lower": row["95% CI lower"],
                 "ci_upper": row["95% CI upper"]},
                {"period": "baseline", "area": "", "value": row["Baseline"]}])
        header, *rows = list(book["Series"].iter_rows(values_only=True))
        for row in (dict(zip(header, r)) for r in rows):
            leaks.rows(f"xlsx series {row['Metric id']}", row["Metric id"], [
                {"period": row["Period"], "area": "", "value": row["Value"], "numerator": row["Numerator"],
                 "ci_lower": row["95% CI lower"], "ci_upper": row["95% CI upper"]}])
    else:
        from metrics.evaluation.evaluate import baseline_label

        text = _export_text(fmt, data)
        titles = {m.display_title: m.id for m in service.config.metrics.values()}

        def about(position: int) -> str | None:
            """The metric a piece of report text is about: the last one named before it."""
            named = max(titles, key=lambda t: (text.rfind(t, 0, position), len(t)))
            return titles[named] if text.rfind(named, 0, position) >= 0 else None

        for metric_id, cells in leaks.forbidden.items():
            metric, base = leaks.metrics[metric_id], cells.get(("baseline", ""))
            if base and metric.target is not None:
                label = baseline_label(metric.target.baseline)
                for shown in (format_value(base[0], metric), format_value(base[0], metric, with_unit=False)):
                    said = re.escape(shown)
                    pattern = rf"(?<![\d.,]){said} \({re.escape(label)}\)|baseline of {said}(?![\d.,])"
                    if any(about(m.start()) == metric_id for m in re.finditer(pattern, text)):
                        leaks.found.append(f"{fmt}: {metric_id} baseline {shown} ({label})")


def _export_text(fmt: str, data: bytes) -> str:
    import io
    import re

    if fmt == "pdf":
        from html import unescape

        # The HTML WeasyPrint lays out (``pdf_as_html``): the PDF's only input, so every word of the PDF is a word
        # of it (the style sheet adds page numbers and running titles, no figures); alt text read as well.
        source = data.decode()
        alts = " ".join(re.findall(r'alt="([^"]*)"', source))
        text = unescape(re.sub(r"<[^>]+>", " ", source) + " " + alts)
    else:
        import docx

        document = docx.Document(io.BytesIO(data))
        text = " ".join([p.text for p in document.paragraphs]
                        + [c.text for t in document.tables for r in t.rows for c in r.cells])
    return re.sub(r"\s+", " ", text)


def unsuppressed_snapshot(service, store, monkeypatch) -> int:
    """A snapshot made as if disclosure control were off: what the download check must catch."""
    import importlib

    import snapshots

    assembling = importlib.import_module("snapshots.assemble")  # the module (the package names a function so)

    class Unsuppressed:
        def __getattr__(self, name):
            return getattr(service, name)

        def evaluate_framework(self, framework_id, period, suppress=False, **recorded):
            return service.evaluate_framework(framework_id, period, suppress=False, **recorded)

    monkeypatch.setattr(assembling, "suppress_frame", lambda frame, metric: frame.assign(suppressed=False))
    snap = snapshots.create(Unsuppressed(), store, "warwickshire", PERIOD, "test")  # type: ignore[arg-type]
    monkeypatch.undo()
    return snap.id


def _png_pixel() -> bytes:
    """A valid one-pixel PNG (Word's reader parses every chunk)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff\xff")) + chunk(b"IEND", b""))


@pytest.fixture
def pixel_charts():
    """Every report chart drawn as one pixel, for the download checks below: they read the words of the files
    (a chart image has none to read), and drawing Warwickshire's charts for its PDF and Word files was most of
    their time. The charts' figures are checked for small counts with the pages' (test above); real images of
    them are made in tests/test_report_insights.py. Nor are the figures built, which a one-pixel image never
    reads: a chart's alt text and caption are written from the snapshot all the same. A patch of its own: the
    test undoes its ``monkeypatch`` midway."""
    from reports import chart_images
    from tests.report_charts import charts_without_figures

    pixel = _png_pixel()
    with pytest.MonkeyPatch.context() as patch, charts_without_figures():
        patch.setattr(chart_images, "images", lambda figures: [pixel] * len(figures))
        yield


@pytest.fixture
def pdf_kept_as_html():
    """The PDF downloads below hold the HTML WeasyPrint would lay out (``tests/pdf_as_html.py``): its words are the
    PDF's words before layout, and laying out Warwickshire's 170 pages was some 12 s of CPU for words the HTML
    already holds. The PDF itself is laid out and read back, small counts included, in tests/test_exports.py.
    The renders stay in this module's own stores' export caches, never served to another test."""
    from tests.pdf_as_html import pdf_as_html

    with pdf_as_html():
        yield


@pytest.mark.usefixtures("pixel_charts", "pdf_kept_as_html")
def test_no_download_of_the_public_app_shows_a_small_count(with_snapshots, service, forbidden, monkeypatch):
    import snapshots

    _, public = with_snapshots
    store = public.server.extensions["outcomes"].store
    client = public.server.test_client()
    leaks = Leaks(service, forbidden)
    newest = snapshots.list_all(store)[0]["id"]  # every snapshot is made by the same code: one is read
    # Every file offered: each format, and the committee paper (the exceptions scope) of the PDF and Word reports.
    for fmt, scope in (("csv", ""), ("xlsx", ""), ("pdf", ""), ("docx", ""), ("pdf", "?scope=exceptions"),
                       ("docx", "?scope=exceptions")):
        reply = client.get(f"/snapshots/{newest}/download/{fmt}{scope}")
        assert reply.status_code == 200
        export_leaks(leaks, service, fmt, reply.data)
    assert leaks.found == [], "\n".join(leaks.found)
    # The check bites: the same downloads of a snapshot made without disclosure control show them, in every
    # format (the PDF's from the same report model as Word's, kept: only its HTML is made again).
    bad = unsuppressed_snapshot(service, store, monkeypatch)
    bites = Leaks(service, forbidden)
    for fmt in ("csv", "xlsx", "pdf", "docx"):
        export_leaks(bites, service, fmt, client.get(f"/snapshots/{bad}/download/{fmt}").data)
    assert bites.found, "a snapshot made without disclosure control should show small counts in its downloads"
    assert {found.split()[0].rstrip(":") for found in bites.found} >= {"csv", "xlsx", "pdf", "docx"}, bites.found


@pytest.mark.parametrize("public", [False, True])
def test_evaluate_json_withholds_small_counts_when_public(apps, service, forbidden, public):
    """``apps``: the report of leaks names areas as the metric page does, which needs an app built first."""
    import json
    import os
    import subprocess
    import sys

    # A process of its own, as an operator runs it (an in-process runner would share this process's Dash pages).
    env = {k: v for k, v in os.environ.items() if k != "OUTCOMES_PUBLIC"}
    if public:
        env["OUTCOMES_PUBLIC"] = "1"
    done = subprocess.run([sys.executable, "-m", "cli.main", "evaluate", "--framework", "warwickshire",
                           "--period", PERIOD, "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    leaks = Leaks(service, forbidden)
    for item in json.loads(done.stdout)["metrics"]:
        leaks.rows(f"json {item['metric_id']}", item["metric_id"], [
            {**item, "area": ""}, {"period": "baseline", "area": "", "value": item["baseline"]["value"]}])
    if public:
        assert leaks.found == [], leaks.found
    else:  # the operators' command line shows them: the check bites
        assert leaks.found, "the internal command line should show the small counts the public one withholds"


# ------------------------------------------------------------ no database insides on public pages
@pytest.fixture(scope="module")
def broken_apps(service, tmp_path_factory):
    """(internal, public) apps whose sample database is missing: every error names its file path."""
    from app import create_app
    from datasources.registry import DataSourceRegistry, SourceSettings
    from datasources.store import Store
    from metrics.service import MetricsService

    missing = tmp_path_factory.mktemp("gone") / "no-such-sample.db"
    sources = [SourceSettings(d.id, f"sqlite:///{missing}" if d.id == "sample" else d.url, d.title)
               for d in service.config.datasources.values()]
    broken = MetricsService(service.config, DataSourceRegistry(sources, project_root=service.config.root.parent))
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('broken-store') / 'outcomes.db'}")
    built = []
    for public in (False, True):
        app = create_app(service=broken, store=store, public=public)
        app.server.test_client().get("/")
        built.append(app)
    yield built, str(missing)
    store.dispose()


def test_public_pages_show_no_database_path_or_sql(apps, broken_apps):
    (internal, public), missing = broken_apps
    insides = (missing, "no-such-sample.db", "sqlite:")
    for app, is_public in ((internal, False), (public, True)):
        about = text_of(page(app, "about"))
        metric_page = text_of(page(app, "metric", metric_id=SMALL))
        overview = text_of(page(app, "overview", framework="warwickshire"))
        # Operators see the failing source's path on About and the metric page; the overview is a summary of
        # statuses (issue 20) and names no source, so it is only checked to show the public nothing.
        for text, names_source in ((about, True), (metric_page, True), (overview, False)):
            shown = [word for word in insides if word in text]
            assert shown == [] if is_public or not names_source else shown, (is_public, shown)
        if is_public:
            assert "could not be read" in metric_page and "Unavailable: the data source could not be read" in about
    # The query itself: operators see it on a working app, the public do not.
    working_internal, working_public = apps
    assert "SELECT" in text_of(page(working_internal, "metric", metric_id=CARERS))
    assert "SELECT" not in text_of(page(working_public, "metric", metric_id=CARERS))
