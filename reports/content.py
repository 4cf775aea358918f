"""The select committee report as a list of neutral blocks, built only from a stored
snapshot (and, for "what changed", the comparison with the snapshot before it that was fixed
when it was made: ``snapshots.comparison``). The PDF and Word renderers
walk the same blocks, so the two documents say the same thing.

A block is one of the dataclasses below. To add a section (commentary, actions...), add a
function that returns blocks and call it from :func:`metric_blocks` or :func:`build`; a new
kind of block needs a method in each renderer (``reports.model.Renderer``: ``reports.pdf``, ``reports.docx_export``).
Charts are drawn by the page's own figure functions (:mod:`dashboard.figures`) and turned
into images by the renderers in one batch (:mod:`reports.chart_images`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures import metric_trajectory_figure, spc_figure, status_figure
from dashboard.progress_view import from_record
from metrics.definitions.models import Metric
from metrics.definitions.wording import lead_text
from metrics.evaluation.grouping import outcome_groups
from metrics.evaluation.insights import BENCHMARK_METHOD, Insights, break_sentence
from metrics.evaluation.ranking import METHOD as RANKING_METHOD, QUARTILE_WORDS, ordinal
from metrics.evaluation.provenance_words import assumed_note, provenance_summary
from metrics.evaluation.status import STATUS_RULES, Status
from metrics.evaluation.synthetic_words import SYNTHETIC_TAG, synthetic_count
from metrics.formatting import format_value, unit_words
from metrics.periods import TO_BE_CONFIRMED, parse_month
from metrics.evaluation.exceptions import Exceptions
from review.exceptions import snapshot_actions, snapshot_exceptions
from snapshots import Comparison, Snapshot, stored_comparison

RECENT = 8


@dataclass(frozen=True)
class Cover:
    title: str
    organisation: str
    period: str
    version: int
    date: str
    created_by: str
    snapshot_id: int
    definitions_hash: str
    #: How many of the report's metrics are synthetic sample data, in a sentence; "" when none is.
    synthetic_note: str
    source: str
    #: A page of its own (the full report); the committee variant's cover is a heading block with the
    #: summary under it on the first page.
    full_page: bool = True


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = ""  # "" | "small" | "status" | "notice"


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Cited:
    """A table cell naming a source, with its web address (when it has one) under the name. Each document makes
    the address a link whose words are the address itself, so a printed copy still says where to find the source;
    the PDF lets its long file names and addresses break after '/', '_' and '.' (``reports.pdf``)."""

    name: str
    url: str = ""

    def __str__(self) -> str:  # the cell's words in reading order, for what reads a table as text
        return f"{self.name} {self.url}" if self.url else self.name


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Union[str, Cited], ...], ...]


@dataclass(frozen=True, eq=False)
class Chart:
    """A figure from :mod:`dashboard.figures` with its text alternative; the table that follows
    it gives the same figures."""

    figure: go.Figure = field(repr=False)
    alt: str
    caption: str


@dataclass(frozen=True)
class Figures:
    """A metric's key figures beside its latest periods."""

    figures: tuple[tuple[str, str], ...]
    recent: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Union[Cover, Heading, Paragraph, BulletList, Table, Chart, Figures, PageBreak]


def _rows(rows: list[list[Any]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(cell) for cell in row) for row in rows)


def figures_rows(evaluation: dict[str, Any]) -> list[list[str]]:
    r = evaluation["report"]
    return [["Value", r["value_text"]], ["Period", r["period_label"] or "–"],
            ["95% confidence interval", r["ci_text"] or "–"], ["Baseline", r["baseline_text"]],
            ["Target", r["target_text"]], ["Glide path value now", r["trajectory_text"]],
            ["Progress to target", r["progress_text"]], ["Recent trend", r["trend"]["label"]],
            ["Status", Status(evaluation["status"]).text],
            *([["Assumed", assumed_note(evaluation.get("target_provenance"))]]
              if assumed_note(evaluation.get("target_provenance")) else []),
            *([["Where the target comes from", provenance_summary(evaluation.get("target_provenance"))]]
              if evaluation.get("target_provenance") else [])]


def series_rows(snapshot: Snapshot, metric_id: str, count: int = RECENT) -> list[list[str]]:
    metric = snapshot.metric(metric_id)
    rows = []
    for p in snapshot.series(metric_id)[-count:]:
        if p["suppressed"]:
            rows.append([p["label"], "suppressed", "–"])
            continue
        ci = ("–" if p["ci_lower"] is None or p["ci_upper"] is None else
              f"{format_value(p['ci_lower'], metric, with_unit=False)} to "
              f"{format_value(p['ci_upper'], metric, with_unit=False)}")
        rows.append([p["label"], format_value(p["value"], metric, with_unit=False), ci])
    return rows


def change_sentences(comparison: Comparison) -> list[str]:
    previous = comparison.previous
    if previous is None:
        return ["This is the first snapshot of this framework, so there is nothing to compare with."]
    changes = [c for c in comparison.changes if c.kinds]
    intro = (f"Compared with the previous snapshot ({previous.period_label}, version {previous.version}, "
             f"taken {previous.taken})"
             + ("" if comparison.recorded else
                ", worked out from the snapshots that existed when this one was made (it was made before "
                "snapshots stored their comparison)") + ":")
    if not changes:
        return [intro, "No status changed, no figure was revised and no new data arrived."]
    return [intro] + [c.sentence() for c in changes]


# ---------------------------------------------------------------- charts (the page's figures)

def series_frame(snapshot: Snapshot, metric_id: str) -> pd.DataFrame:
    """The stored series as the page's figures take it (suppressed values are gaps)."""
    points = snapshot.series(metric_id)
    return pd.DataFrame({
        "period": [p["period"] for p in points], "label": [p["label"] for p in points],
        "period_end": [parse_month(p["period"]) for p in points],  # a period is named by its last month
        "value": [p["value"] for p in points], "ci_lower": [p["ci_lower"] for p in points],
        "ci_upper": [p["ci_upper"] for p in points]}).astype(
        {"value": "float64", "ci_lower": "float64", "ci_upper": "float64"})


def _short(value: float, metric: Metric) -> str:
    return format_value(value, metric, with_unit=False)


def trajectory_chart(snapshot: Snapshot, evaluation: dict[str, Any], metric: Metric) -> Chart | Paragraph:
    """A metric without a target over time (a targeted one has :func:`progress_chart`)."""
    frame = series_frame(snapshot, metric.id)
    known = frame[frame["value"].notna()]
    report = evaluation["report"]
    name = report["display_title"]
    if len(known) < 2:
        return Paragraph(f"No chart for {name}: fewer than two published figures.", "small")
    baseline = evaluation["baseline"]["value"]
    insights = snapshot.insights(evaluation)
    breaks = insights.series_breaks if insights is not None else ()
    figure = metric_trajectory_figure(metric, frame, baseline, title=name, breaks=breaks)
    labels = [p["label"] for p in snapshot.series(metric.id) if p["value"] is not None]
    words = [f"Line chart of {name} from {labels[0]} to {labels[-1]}: {_short(known['value'].iloc[0], metric)} in "
             f"{labels[0]}, lowest {_short(known['value'].min(), metric)}, highest "
             f"{_short(known['value'].max(), metric)}, latest {report['value_text']}."]
    words.append(f"Status: {Status(evaluation['status']).words}.")
    return Chart(figure, " ".join(words), f"Chart: {name} over time. The table beside it gives the figures.")


def progress_chart(snapshot: Snapshot, evaluation: dict[str, Any], metric: Metric) -> Chart | Paragraph | None:
    """The metric page's progress chart (value over time against the baseline, the glide path, the target and
    the deadline), drawn from the snapshot alone; None for a metric without a target. The glide path is the one
    stored with the evaluation; a snapshot made before evaluations stored it has it drawn from the stored
    definition and baseline (none where the baseline was withheld)."""
    name = evaluation["report"]["display_title"]
    # Snapshots made before evaluations were stored whole have only the contract's keys.
    record = {**evaluation, "deadline": evaluation.get("deadline") or (evaluation.get("target") or {}).get("deadline"),
              "baseline_period": evaluation.get("baseline_period") or (evaluation.get("baseline") or {}).get("period"),
              "baseline_value": evaluation.get("baseline_value", (evaluation.get("baseline") or {}).get("value")),
              "target_value": evaluation.get("target_value", (evaluation.get("target") or {}).get("value"))}
    glide = ([(parse_month(month), value) for month, value in evaluation["glide_path"]]
             if "glide_path" in evaluation else None)
    insights = snapshot.insights(evaluation)
    frame = series_frame(snapshot, metric.id)
    progress = from_record(metric, name, record, frame, glide, insights.series_breaks if insights is not None else ())
    if progress is None:
        return None
    if frame.empty:
        return Paragraph(f"No progress chart for {name}: no published figures.", "small")
    assumed = f" Assumed: {progress.assumed}." if progress.assumed else ""
    # What this chart draws, no more: a glide path only where one is drawn, a baseline only where there is one.
    drawn = ["the baseline"] if progress.baseline is not None else []
    if progress.glide:
        drawn.append("the glide path (dashed, flat at the level to keep)" if progress.maintain
                     else "the glide path (dashed)")
    drawn.append("the level to keep and the deadline" if progress.maintain else "the target and the deadline")
    return Chart(progress.figure(), progress.caption("The table beside it gives the figures."),
                 f"Chart: {name}, progress to the target: the value over time against "
                 f"{', '.join(drawn[:-1]) + ' and ' if len(drawn) > 1 else ''}{drawn[-1]}.{assumed}")


def status_chart(snapshot: Snapshot) -> Chart:
    """The headline chart of the first page: how many metrics have each status."""
    counts = snapshot.status_counts()
    figure = status_figure([(str(s), s.words, n) for s, n in counts.items()],
                           f"Metrics by status, {snapshot.period_label}")
    said = ", ".join(f"{n} {s.words.lower()}" for s, n in counts.items() if n) or "no metrics"
    return Chart(figure, f"Bar chart of the {sum(counts.values())} metrics by status at {snapshot.period_label}: "
                         f"{said}.", "Chart: metrics by status. The table below gives the same figures.")


def spc_chart(insights: Insights, metric: Metric, name: str) -> Chart | None:
    spc = insights.spc
    if spc is None:
        return None
    figure = spc_figure(spc.frame(), spc.result, f"{name}: SPC chart", unit_words(metric))
    specials = sum(spc.result.special_cause)
    alt = (f"XmR chart of {name} from {spc.labels[0]} to {spc.labels[-1]} ({len(spc.labels)} points): mean "
           f"{_short(spc.result.mean, metric)}, process limits {_short(spc.result.lower_limit, metric)} to "
           f"{_short(spc.result.upper_limit, metric)}; {specials} special cause point(s)"
           + (f", read as one signal: {spc.sustained.description}" if spc.sustained else "") + ". "
           + ("A vertical line marks each change point, where the limits are recalculated: "
              + ", ".join(s.label for s in spc.segments if s.change_point is not None) + ". "
              if spc.change_points else "")
           + f"{spc.result.variation_label}; {spc.result.assurance_label}.")
    return Chart(figure, alt, f"SPC chart: {name}. Points are shaped as well as coloured by type.")


# ---------------------------------------------------------------- sections

def insight_blocks(snapshot: Snapshot, evaluation: dict[str, Any], metric: Metric) -> list[Block]:
    """SPC (chart and words), recent trend, forecast and benchmark, as the service computed them."""
    insights = snapshot.insights(evaluation)
    if insights is None:
        if evaluation["status"] == Status.NO_DATA:
            return []
        return [Paragraph("SPC, trend, forecast and benchmark were not recorded in this snapshot (it was made "
                          "before snapshots stored them); make a new snapshot to include them.", "small")]
    name = evaluation["report"]["display_title"]
    blocks: list[Block] = [Heading(4, "Statistical process control"), Paragraph(insights.spc_words)]
    chart = spc_chart(insights, metric, name)
    if chart is not None:
        blocks.append(chart)
    blocks.append(Heading(4, "Trend, forecast and benchmark"))
    items = [f"Recent trend: {insights.trend_words}", f"Forecast to the deadline: {insights.forecast_words}"]
    items += [f"Benchmark against {b.comparator}: {b.verdict.words}. {b.words}" for b in insights.benchmarks]
    if insights.ranking is not None:
        items.append(f"Among all {insights.ranking.peers}: {insights.ranking.words} {RANKING_METHOD}")
    if insights.series_breaks:
        items.append(break_sentence(insights.series_breaks))
    blocks.append(BulletList(tuple(items)))
    if insights.benchmarks:
        blocks.append(Paragraph(BENCHMARK_METHOD, "small"))
    return blocks


def synthetic_blocks(snapshot: Snapshot, evaluation: dict[str, Any]) -> list[Block]:
    """The mark under the heading of a metric whose figures are synthetic sample data (none for a real one)."""
    if not snapshot.synthetic(evaluation):
        return []
    source = snapshot.definitions[evaluation["metric_id"]]["model"]["source"]["name"]
    return [Paragraph(f"{SYNTHETIC_TAG}: this metric's figures are generated sample data (source: {source}), "
                      f"not real statistics.", "notice")]


def synthetic_note(snapshot: Snapshot) -> str:
    """How many of the snapshot's metrics (each counted once) are synthetic, for the cover; "" when none."""
    flags = {e["metric_id"]: snapshot.synthetic(e) for e in snapshot.evaluations}
    return synthetic_count(sum(flags.values()), len(flags), "metric", "in this report",
                           f"“{SYNTHETIC_TAG}” where it appears")


def metric_blocks(snapshot: Snapshot, evaluation: dict[str, Any]) -> list[Block]:
    metric_id = evaluation["metric_id"]
    metric = snapshot.metric(metric_id)
    blocks: list[Block] = [
        Heading(3, evaluation["title"]),
        *synthetic_blocks(snapshot, evaluation),
        Paragraph(f"{Status(evaluation['status']).text}: {evaluation['status_reason']}", "status"),
        progress_chart(snapshot, evaluation, metric) or trajectory_chart(snapshot, evaluation, metric),
        Figures(_rows(figures_rows(evaluation)), _rows(series_rows(snapshot, metric_id))),
        *insight_blocks(snapshot, evaluation, metric),
    ]
    return blocks + review_blocks(snapshot, metric_id=metric_id)


def review_blocks(snapshot: Snapshot, metric_id: str | None = None, intention_id: str | None = None) -> list[Block]:
    """The commentary and actions frozen in the snapshot for a metric, or for an intention itself.
    Text people wrote is passed on as text (the renderers escape it)."""
    key = metric_id if metric_id else f"intention:{intention_id}"
    blocks: list[Block] = []
    notes = snapshot.commentary.get(key, [])
    if notes:
        blocks.append(Heading(4, "Commentary"))
        for note in notes:
            after = ", addendum after sign-off" if note.get("addendum") else ""
            blocks.append(Paragraph(f"{note['text']} ({note['author']}, {note['created_at'][:10]}{after})"))
    actions = [a for a in snapshot_actions(snapshot)
               if (a.get("metric_id") == metric_id if metric_id else
                   a.get("intention_id") == intention_id and not a.get("metric_id"))]
    if actions:
        blocks.append(Table("Actions", ("Action", "Owner", "Due", "Status"), _rows(
            [[a["text"], a["owner"], a["due"],
              a["status"].capitalize() + (" (overdue)" if a.get("overdue") else "")] for a in actions])))
    return blocks


def intention_blocks(snapshot: Snapshot, intention: Any) -> list[Block]:
    blocks: list[Block] = [Heading(2, intention.title)]
    facts = [f"Theme: {intention.theme or '–'}", f"Lead: {lead_text(intention)}"]
    if intention.partners:
        facts.append("Partners: " + ", ".join(intention.partners))
    blocks.append(Paragraph(". ".join(facts) + ".", "small"))
    judged = next((j for j in snapshot.intentions if j["intention_id"] == intention.id), None)
    if judged is not None:  # the intention's own status, as signed off (older snapshots have none)
        # The reason opens with the status in words ("Off track: ..."): the icon goes before it, not the words again.
        blocks.append(Paragraph(f"{Status(judged['status']).icon} {judged['status_reason']}", "status"))
    if intention.rationale:
        blocks.append(Paragraph(intention.rationale))
    own = [m for m in snapshot.milestones if m["intention_id"] == intention.id]
    if own:
        blocks.append(Table("Milestones", ("Milestone", "Due", "State", "Evidence"),
                            _rows([[m["title"], m["due"] or TO_BE_CONFIRMED, m["state"].replace("_", " ").capitalize(),
                                    m["evidence"] or "–"] for m in own])))
    blocks += review_blocks(snapshot, intention_id=intention.id)
    evaluations = snapshot.for_intention(intention.id)
    if not evaluations and not own:
        blocks.append(Paragraph("No metrics or milestones are declared for this intention."))
    for evaluation in evaluations:
        blocks += metric_blocks(snapshot, evaluation)
    return blocks


def summary_blocks(snapshot: Snapshot, comparison: Comparison) -> list[Block]:
    fw = snapshot.framework
    blocks: list[Block] = [Heading(1, "Executive summary")]
    metrics = sum(snapshot.status_counts().values())
    blocks.append(Paragraph(f"{len(fw['intentions'])} commissioning intention(s) and {metrics} metric(s) (each "
                            f"counted once) were assessed at {snapshot.period_label}."))
    if snapshot.intentions:
        blocks.append(Table("Intentions by status", ("Status", "Intentions"),
                            _rows([[s.text, n] for s, n in snapshot.intention_counts().items() if n])))
    blocks.append(status_chart(snapshot))
    blocks.append(Table("Metrics by status", ("Status", "Metrics"),
                        _rows([[s.text, n] for s, n in snapshot.status_counts().items()])))
    blocks.append(Heading(2, "Intentions off track or at risk"))
    if snapshot.intentions:
        concerns = [j for j in snapshot.intentions if j["status"] in (Status.OFF_TRACK, Status.AT_RISK)]
        # In a line each: why is in the exceptions (and in each intention's section of the full report).
        blocks.append(BulletList(tuple(f"{Status(j['status']).text}: {' '.join(j['title'].split())}"
                                       for j in concerns)) if concerns
                      else Paragraph("No intention is off track or at risk."))
    else:  # a snapshot made before intentions were judged
        off = snapshot.off_track_intentions()
        blocks.append(BulletList(tuple(i["title"] for i in off)) if off
                      else Paragraph("No intention has a metric off track."))
    blocks.append(Heading(2, "What changed since the previous snapshot"))
    sentences = change_sentences(comparison)
    blocks.append(Paragraph(sentences[0]))
    if len(sentences) > 1:
        blocks.append(BulletList(tuple(sentences[1:])))
    return blocks


def appendix_blocks(snapshot: Snapshot, synthetic: bool) -> list[Block]:
    blocks: list[Block] = [PageBreak(), Heading(1, "Appendix A: methods and definitions")]
    blocks.append(Paragraph(
        "Each metric is computed in its source database from the declaration below. Status, the first rule that "
        "holds: " + "; ".join(f"{rule.status.words.lower()} when {rule.condition[0].lower()}{rule.condition[1:]}"
                               for rule in STATUS_RULES) + ". A target the baseline already meets is a maintain "
        "target, judged against the level, with no progress figure."))
    for evaluation in snapshot.evaluations:
        definition = snapshot.definitions[evaluation["metric_id"]]
        model = definition["model"]
        blocks += [Heading(2, model["title"]), Paragraph(f"Definition: {model['definition']}"),
                   Paragraph(f"How it is counted: {definition['binding_words']}"),
                   BulletList(tuple(definition["method_words"])),
                   Paragraph(f"Definition hash: {definition['hash']}", "small")]
    blocks.append(Heading(1, "Appendix B: data sources and licences"))
    # The link under the source's name, not in a column of its own: six columns, two of them long file names and
    # web addresses, were wider than the page and cut off the licence, kind and link of every source.
    rows = []
    for definition in snapshot.definitions.values():
        source = definition["model"]["source"]
        rows.append((definition["model"].get("short_title") or definition["model"]["title"],
                     Cited(source["name"], source.get("url") or ""),
                     source.get("publisher") or "–", source.get("licence") or "–",
                     "Synthetic sample" if source.get("synthetic") else "Published"))
    blocks.append(Table("Source of each metric", ("Metric", "Source", "Publisher", "Licence", "Kind"), tuple(rows)))
    blocks.append(Table("Data vintage of each data source when the snapshot was taken", ("Data source", "Vintage"),
                        _rows([[k, v] for k, v in sorted(snapshot.record.vintages.items())])))
    if synthetic:
        blocks.append(Paragraph("Figures from sources marked synthetic are generated sample data for "
                                "demonstration, not real statistics.", "notice"))
    blocks.append(Heading(1, "Appendix C: suppression of small numbers"))
    blocks.append(Paragraph("To protect confidentiality, a figure computed from a count below the metric's "
                            "threshold is not published: its value, interval and progress are withheld in this "
                            "report and in every export made from this snapshot."))
    supp_rows = []
    for evaluation in snapshot.evaluations:
        metric_id = evaluation["metric_id"]
        hidden = sum(1 for p in snapshot.series(metric_id) if p["suppressed"])
        supp_rows.append([evaluation["report"]["display_title"],
                          f"below {snapshot.definitions[metric_id]['model']['suppress_below']}",
                          hidden, "Yes" if evaluation["report"]["suppressed"] else "No"])
    blocks.append(Table("Suppression applied", ("Metric", "Threshold (count)", "Periods suppressed",
                                                "Latest figure suppressed"), _rows(supp_rows)))
    return blocks


def officer_summary_blocks(snapshot: Snapshot) -> list[Block]:
    """The officer's summary as signed off, first in the paper after the cover: the person's words, paragraph by
    paragraph ("- " lines as a list), never a draft the product made."""
    summary = snapshot.record.payload.get("officer_summary")
    if not summary and not snapshot.record.payload.get("signoff"):
        return []  # a snapshot taken outside a review has no summary to show
    if not summary:
        return [Heading(1, "Officer's summary"),
                Paragraph("No officer's summary was written for this period before sign-off.", "small")]
    blocks: list[Block] = [Heading(1, "Officer's summary")]
    bullets: list[str] = []
    for line in [*summary["text"].splitlines(), ""]:
        if line.lstrip().startswith("- "):
            bullets.append(line.lstrip()[2:].strip())
            continue
        if bullets:
            blocks.append(BulletList(tuple(bullets)))
            bullets = []
        if line.strip():
            blocks.append(Paragraph(line.strip()))
    blocks.append(Paragraph(f"Written by {summary['author']}, version {summary['version']}, "
                            f"{summary['created_at'][:10]}.", "small"))
    return blocks


def _signoff_blocks(snapshot: Snapshot) -> list[Block]:
    signoff = snapshot.record.payload.get("signoff")
    if not signoff:
        return [Paragraph("This snapshot was not signed off at a review.", "small")]
    words = f"Signed off by {signoff.get('display_name') or signoff['signed_by']} on {signoff['signed_at'][:10]}"
    return [Paragraph(words + (f"; new version because: {signoff['reason']}" if signoff.get("reason") else "") + ".",
                      "small")]


def _milestone_words(intention: Any, milestone: dict[str, Any]) -> str:
    """The milestone, and which intention it belongs to when its title does not say; both whole, never cut
    (a title cut short lost "by 20%")."""
    title = " ".join(milestone["title"].split())
    if title.rstrip(". …") and " ".join(intention.title.split()).startswith(title.rstrip(". …")[:40]):
        return title
    return f"{' '.join(intention.title.split())}: {title}"


def _value_line(evaluation: dict[str, Any]) -> str:
    """The figures in one line; a glide path only for a metric that has one (never for one with no target)."""
    r = evaluation["report"]
    parts = [f"Value {r['value_text']} ({r['period_label'] or '–'})"]
    has_target = r["target_text"] not in ("", "–", "none set")
    parts.append(f"target {r['target_text']}" if has_target else "no target set")
    if has_target and r["trajectory_text"] not in ("", "–"):
        parts.append(f"glide path now {r['trajectory_text']}")
    parts.append(f"recent trend: {r['trend']['label']}")
    return "; ".join(parts) + "."


def exception_blocks(snapshot: Snapshot, found: Exceptions) -> list[Block]:
    """The committee variant's body: each exception in rank order (off track, getting worse, at risk, SPC
    concern, late milestones, overdue actions), each saying why, with its commentary and actions; then every
    late milestone in one table and the improvements in a short list of their own."""
    # No page break before: the exceptions follow the summary on its page, which is not left half empty.
    blocks: list[Block] = [Heading(1, "Exceptions"), Paragraph(
        "What needs the committee's attention, most pressing first: off track, getting worse, at risk, a special "
        "cause of concern on the SPC chart, late milestones and overdue actions. Each says why it is here. "
        "Improvements follow in a short list of their own; the full report has every metric.", "small")]
    model = snapshot.framework_model
    evaluations = {(e["metric_id"], e["intention_id"]): e for e in snapshot.evaluations}
    judged = {j["intention_id"]: j for j in snapshot.intentions}
    late_rows = []
    for intention in model.intentions:
        late_rows += [[_milestone_words(intention, m), m["due"] or TO_BE_CONFIRMED,
                       m["status"].replace("_", " ").capitalize()]
                      for m in snapshot.milestones if m["intention_id"] == intention.id and m["state"] == "late"]
    said: set[str] = set()  # intentions whose own commentary and actions are already shown
    for item in found.items:
        intention = model.intention(item.intention_id) if item.intention_id else None
        why = "Why it is here: " + "; ".join(item.reasons) + "."
        own = []
        if intention is not None and intention.id not in said:
            said.add(intention.id)
            own = review_blocks(snapshot, intention_id=intention.id)
        if item.kind == "metric":
            evaluation = evaluations[(item.metric_id, item.intention_id)]
            assumed = assumed_note(evaluation.get("target_provenance"))
            blocks += [Heading(2, evaluation["title"]), *synthetic_blocks(snapshot, evaluation),
                       Paragraph(f"Intention: {' '.join(intention.title.split()) if intention else '–'} "
                                 f"(lead: {lead_text(intention) if intention else '–'}).", "small"),
                       Paragraph(f"{Status(evaluation['status']).text}: {evaluation['status_reason']}", "status"),
                       Paragraph(_value_line(evaluation), "small"),
                       *([Paragraph(assumed, "small")] if assumed else []),  # as the full report says it
                       Paragraph(why, "small"),
                       *review_blocks(snapshot, metric_id=evaluation["metric_id"]), *own]
        elif intention is not None:
            j = judged.get(intention.id)
            blocks += [Heading(2, " ".join(intention.title.split())),
                       Paragraph(f"Lead: {lead_text(intention)}."
                                 + (f" {Status(j['status']).icon} {j['status_reason']}" if j else ""), "small"),
                       Paragraph(why, "small"), *own]
    if late_rows:
        blocks += [Heading(1, "Late milestones"), Table(
            f"{len(late_rows)} milestone(s) past their due month and not done or dropped",
            ("Milestone", "Due", "Status"), _rows(late_rows))]
    if found.improvements:
        blocks += [Heading(1, "Improvements"), Table(
            f"{len(found.improvements)} metric(s) better than before or with a special cause of improvement; "
            "not exceptions", ("Metric", "Why"),
            _rows([[g.title, "; ".join(g.reasons)] for g in found.improvements]))]
    return blocks


def build(snapshot: Snapshot, comparison: Comparison | None = None, scope: str = "full") -> list[Block]:
    """The report's blocks. ``comparison``: what changed since the previous snapshot; by default
    the one the snapshot stored when it was made (an older snapshot has none: pass
    ``snapshots.comparison_of(store, snapshot)``)."""
    if comparison is None:
        comparison = stored_comparison(snapshot)
        if comparison is None:
            raise ValueError(f"snapshot {snapshot.id} was made before snapshots stored their comparison; "
                             "pass snapshots.comparison_of(store, snapshot)")
    fw = snapshot.framework
    note = synthetic_note(snapshot)
    blocks: list[Block] = [Cover(
        title=fw["title"], organisation=fw["organisation"], period=snapshot.period_label,
        version=snapshot.version, date=f"{snapshot.created_at:%d %B %Y}", created_by=snapshot.record.created_by,
        snapshot_id=snapshot.id, definitions_hash=snapshot.record.definitions_hash, synthetic_note=note,
        source=fw.get("source", ""), full_page=scope != "exceptions")]
    if snapshot.integrity_warning:  # before anything else: the rest may not be what was reported
        blocks.insert(0, Paragraph(snapshot.integrity_warning, style="notice"))
    blocks += officer_summary_blocks(snapshot) + summary_blocks(snapshot, comparison) + _signoff_blocks(snapshot)
    if scope == "exceptions":
        found = snapshot_exceptions(snapshot, comparison.status_before)
        return blocks + exception_blocks(snapshot, found) + ranking_blocks(snapshot)
    for group in outcome_groups(snapshot.framework_model):
        title = f"Outcome {group.title}" if group.outcome else group.title
        blocks += [PageBreak(), Heading(1, title)]
        for intention in group.intentions:
            blocks += intention_blocks(snapshot, intention)
    blocks += ranking_blocks(snapshot)
    blocks += appendix_blocks(snapshot, bool(note))
    return blocks


def ranking_blocks(snapshot: Snapshot) -> list[Block]:
    """One table of every national measure's rank and quartile among all councils (LG Inform
    style), for the committee: where the council stands where no target is set."""
    rows, peers, seen = [], "", set()
    for evaluation in snapshot.evaluations:
        insights = snapshot.insights(evaluation)
        ranking = insights.ranking if insights is not None else None
        if ranking is None or evaluation["metric_id"] in seen:  # a measure may evidence two intentions
            continue
        seen.add(evaluation["metric_id"])
        peers = ranking.peers
        rows.append([evaluation["report"]["display_title"], ranking.period, evaluation["report"]["value_text"],
                     f"{ordinal(ranking.rank)} of {ranking.count}", QUARTILE_WORDS[ranking.quartile]])
    if not rows:
        return []
    return [Heading(1, f"Benchmarks among all {peers}"), Paragraph(RANKING_METHOD, "small"),
            Table(f"{len(rows)} national measure(s): rank and quartile among all {peers}",
                  ("Measure", "Year", "Value", "Rank", "Quartile"), _rows(rows))]
