"""The select committee report as a list of neutral blocks, built only from a stored
snapshot (and the snapshot before it, for "what changed"). The PDF and Word renderers
walk the same blocks, so the two documents say the same thing.

Blocks: ``("cover", dict)``, ``("h", level, text)``, ``("p", text, style)``,
``("list", [text])``, ``("table", caption, headers, rows)``, ``("chart", metric_id, alt)``,
``("break",)``.
"""

from __future__ import annotations

from typing import Any

from metrics.evaluation.status import Status
from snapshots import Snapshot, compare

RECENT = 8


def _grouped(snapshot: Snapshot) -> list[tuple[str, list[dict[str, Any]]]]:
    """Intentions under the outcome of their first outcome code (as the overview page does)."""
    framework = snapshot.framework
    placed: set[str] = set()
    groups = []
    for outcome in framework["outcomes"]:
        codes = {outcome["code"], *(s["code"] for s in outcome.get("sub_outcomes", []))}
        here = [i for i in framework["intentions"]
                if i["id"] not in placed and i.get("outcomes") and i["outcomes"][0] in codes]
        if here:
            placed.update(i["id"] for i in here)
            groups.append((f"{outcome['code']}: {outcome['title']}", here))
    rest = [i for i in framework["intentions"] if i["id"] not in placed]
    if rest:
        groups.append(("Other intentions", rest))
    return groups


def figures_rows(evaluation: dict[str, Any]) -> list[list[str]]:
    r = evaluation["report"]
    return [["Value", r["value_text"]], ["Period", r["period_label"] or "–"],
            ["95% confidence interval", r["ci_text"] or "–"], ["Baseline", r["baseline_text"]],
            ["Target", r["target_text"]], ["Glide path value now", r["trajectory_text"]],
            ["Progress to target", r["progress_text"]], ["Recent trend", r["trend"]["label"]],
            ["Status", Status(evaluation['status']).text]]


def series_rows(snapshot: Snapshot, metric_id: str, count: int = RECENT) -> list[list[str]]:
    metric = snapshot.metric(metric_id)
    from metrics.formatting import format_value

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


def change_sentences(snapshot: Snapshot, previous: Snapshot | None) -> list[str]:
    if previous is None:
        return ["This is the first snapshot of this framework, so there is nothing to compare with."]
    changes = [c for c in compare(previous, snapshot) if c.kinds]
    intro = (f"Compared with the previous snapshot ({previous.period_label}, version {previous.version}, "
             f"taken {previous.created_at:%d %B %Y}):")
    if not changes:
        return [intro, "No status changed, no figure was revised and no new data arrived."]
    return [intro] + [c.sentence() for c in changes]


def build(snapshot: Snapshot, previous: Snapshot | None = None) -> list[tuple]:
    fw = snapshot.framework
    blocks: list[tuple] = []
    synthetic = any(d["model"]["source"].get("synthetic") for d in snapshot.definitions.values())
    blocks.append(("cover", {
        "title": fw["title"], "organisation": fw["organisation"], "period": snapshot.period_label,
        "version": snapshot.version, "date": f"{snapshot.created_at:%d %B %Y}", "created_by": snapshot.record.created_by,
        "snapshot_id": snapshot.id, "definitions_hash": snapshot.record.definitions_hash,
        "synthetic": synthetic, "source": fw.get("source", ""),
    }))
    # ------------------------------------------------------------ executive summary
    blocks.append(("h", 1, "Executive summary"))
    counts = snapshot.status_counts()
    total = len(snapshot.evaluations)
    blocks.append(("p", f"{total} metric(s) across {len(fw['intentions'])} commissioning intention(s) were "
                        f"assessed at {snapshot.period_label}.", ""))
    blocks.append(("table", "Metrics by status", ["Status", "Metrics"],
                   [[s.text, str(n)] for s, n in counts.items()]))
    off = snapshot.off_track_intentions()
    blocks.append(("h", 2, "Intentions off track"))
    if off:
        blocks.append(("list", [i["title"] for i in off]))
    else:
        blocks.append(("p", "No intention has a metric off track.", ""))
    blocks.append(("h", 2, "What changed since the previous snapshot"))
    sentences = change_sentences(snapshot, previous)
    blocks.append(("p", sentences[0], ""))
    if len(sentences) > 1:
        blocks.append(("list", sentences[1:]))
    # ------------------------------------------------------------ per outcome and intention
    milestones = snapshot.milestones
    for outcome_title, intentions in _grouped(snapshot):
        blocks.append(("break",))
        blocks.append(("h", 1, f"Outcome {outcome_title}"))
        for intention in intentions:
            blocks.append(("h", 2, intention["title"]))
            facts = [f"Theme: {intention.get('theme') or '–'}", f"Lead: {intention.get('lead') or '–'}"]
            if intention.get("partners"):
                facts.append("Partners: " + ", ".join(intention["partners"]))
            blocks.append(("p", ". ".join(facts) + ".", "small"))
            if intention.get("rationale"):
                blocks.append(("p", intention["rationale"], ""))
            own = [m for m in milestones if m["intention_id"] == intention["id"]]
            if own:
                blocks.append(("table", "Milestones", ["Milestone", "Due", "State", "Evidence"],
                               [[m["title"], m["due"], m["state"].replace("_", " ").capitalize(),
                                 m["evidence"] or "–"] for m in own]))
            evaluations = snapshot.for_intention(intention["id"])
            if not evaluations and not own:
                blocks.append(("p", "No metrics or milestones are declared for this intention.", ""))
            for evaluation in evaluations:
                metric_id = evaluation["metric_id"]
                blocks.append(("h", 3, evaluation["title"]))
                blocks.append(("p", f"{Status(evaluation['status']).text}: "
                                    f"{evaluation['status_reason']}", "status"))
                blocks.append(("chart", metric_id, None))
                blocks.append(("figures", metric_id, figures_rows(evaluation),
                               series_rows(snapshot, metric_id)))
                notes = snapshot.commentary.get(metric_id, [])
                if notes:
                    blocks.append(("h", 4, "Commentary"))
                    for note in notes:
                        blocks.append(("p", f"{note['text']} ({note['author']}, {note['created_at'][:10]})", ""))
    # ------------------------------------------------------------ appendices
    blocks.append(("break",))
    blocks.append(("h", 1, "Appendix A: methods and definitions"))
    blocks.append(("p", "Each metric is computed in its source database from the declaration below. Status: "
                        "achieved when the target is met; on track when at or better than the glide path; at risk "
                        "when worse but within the amber tolerance; off track otherwise or when the deadline has "
                        "passed unmet; not started before any data after the baseline; no data when the source "
                        "failed or has nothing for the period.", ""))
    for evaluation in snapshot.evaluations:
        definition = snapshot.definitions[evaluation["metric_id"]]
        model = definition["model"]
        blocks.append(("h", 2, model["title"]))
        blocks.append(("p", f"Definition: {model['definition']}", ""))
        blocks.append(("p", f"How it is counted: {definition['binding_words']}", ""))
        blocks.append(("list", definition["method_words"]))
        blocks.append(("p", f"Definition hash: {definition['hash']}", "small"))
    blocks.append(("h", 1, "Appendix B: data sources and licences"))
    rows = []
    for metric_id, definition in snapshot.definitions.items():
        source = definition["model"]["source"]
        rows.append([definition["model"].get("short_title") or definition["model"]["title"], source["name"],
                     source.get("publisher") or "–", source.get("licence") or "–",
                     "Synthetic sample" if source.get("synthetic") else "Published",
                     source.get("url") or "–"])
    blocks.append(("table", "Source of each metric", ["Metric", "Source", "Publisher", "Licence", "Kind", "Link"],
                   rows))
    blocks.append(("table", "Data vintage of each data source when the snapshot was taken",
                   ["Data source", "Vintage"], [[k, v] for k, v in sorted(snapshot.record.vintages.items())]))
    if synthetic:
        blocks.append(("p", "Figures from sources marked synthetic are generated sample data for demonstration, "
                            "not real statistics.", "notice"))
    blocks.append(("h", 1, "Appendix C: suppression of small numbers"))
    blocks.append(("p", "To protect confidentiality, a figure computed from a count below the metric's threshold "
                        "is not published: its value, interval and progress are withheld in this report and in "
                        "every export made from this snapshot.", ""))
    supp_rows = []
    for evaluation in snapshot.evaluations:
        metric_id = evaluation["metric_id"]
        hidden = sum(1 for p in snapshot.series(metric_id) if p["suppressed"])
        supp_rows.append([evaluation["report"]["display_title"],
                          f"below {snapshot.definitions[metric_id]['model']['suppress_below']}",
                          str(hidden), "Yes" if evaluation["report"]["suppressed"] else "No"])
    blocks.append(("table", "Suppression applied", ["Metric", "Threshold (count)", "Periods suppressed",
                                                     "Latest figure suppressed"], supp_rows))
    return blocks
