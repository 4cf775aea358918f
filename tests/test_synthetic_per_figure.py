"""Issue 20, synthetic per figure: each metric's figures carry its source's synthetic flag (JSON, CSV, table,
snapshot exports, pages, reports), and a page says how many of its figures are synthetic instead of calling
every figure on it "not real"."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from cli.main import app
from metrics.definitions.loader import load_config
from metrics.evaluation.synthetic_words import synthetic_count

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
runner = CliRunner()


def declared_synthetic(framework_id: str) -> set[str]:
    """The framework's metrics whose source the config declares ``synthetic: true`` (templates applied)."""
    config = load_config(CONFIG_DIR)
    return {m for m in config.frameworks[framework_id].metric_ids() if config.metrics[m].source.synthetic}


def test_declaration_read_from_config_agrees_with_the_yaml_as_written() -> None:
    """The expectation the tests below use is the config's own: every metric of warwickshire.yaml that writes
    ``synthetic: true`` in its own source is in it, and one published (real) measure is not."""
    raw = YAML(typ="safe").load((CONFIG_DIR / "frameworks" / "warwickshire.yaml").read_text())
    written = {m["id"] for m in raw["metrics"] if (m.get("source") or {}).get("synthetic") is True}
    expected = declared_synthetic("warwickshire")
    assert {"falls_admissions_65plus", "dementia_diagnosis_rate_65plus",
            "permanent_care_home_admissions_65plus"} <= written <= expected
    assert "warks_care_home_admissions_65plus" not in expected  # ASCOF, published


@pytest.fixture(scope="module")
def warwickshire_json(sample_db: Path) -> dict:
    result = runner.invoke(app, ["evaluate", "--framework", "warwickshire", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_evaluate_json_marks_exactly_the_declared_synthetic_metrics(warwickshire_json: dict) -> None:
    expected = declared_synthetic("warwickshire")
    assert 0 < len(expected) < len({m["metric_id"] for m in warwickshire_json["metrics"]})
    for item in warwickshire_json["metrics"]:
        assert item["synthetic"] is (item["metric_id"] in expected), item["metric_id"]
        assert "status_reason" in item and "target_provenance" in item  # every other key kept


def test_evaluate_csv_has_a_synthetic_column(sample_db: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--framework", "warwickshire", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = declared_synthetic("warwickshire")
    assert rows and {r["synthetic"] for r in rows} == {"true", "false"}
    assert {r["metric_id"] for r in rows if r["synthetic"] == "true"} == expected


def test_evaluate_table_marks_each_synthetic_metric_and_counts_them(sample_db: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--framework", "lancashire", "--format", "table"])
    assert result.exit_code == 0, result.output
    config = load_config(CONFIG_DIR)
    expected = declared_synthetic("lancashire")
    marked = [line for line in result.stdout.splitlines() if line.endswith("[Synthetic]")]
    titles = {config.metrics[m].display_title for m in expected}
    assert marked and all(any(t in line for t in titles) for line in marked)
    total = len(config.frameworks["lancashire"].metric_ids())
    assert (f"{len(expected)} of {total} metrics in this list are synthetic sample data, not real statistics; "
            f"each is marked [Synthetic].") in result.stdout


@pytest.fixture(scope="module")
def warwickshire_snapshot(service, tmp_path_factory):
    import snapshots
    from datasources.store import Store

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('synthetic') / 'outcomes.db'}")
    return snapshots.create(service, store, "warwickshire", "2025-03", "tester")


def test_snapshot_csv_and_xlsx_exports_carry_a_synthetic_column(warwickshire_snapshot, tmp_path) -> None:
    from openpyxl import load_workbook

    from reports import csv_export, xlsx

    expected = declared_synthetic("warwickshire")
    files = csv_export.render(warwickshire_snapshot, tmp_path, "warks")
    with files[0].open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["metric_id"] for r in rows if r["synthetic"] == "true"} == expected
    assert {r["metric_id"] for r in rows if r["synthetic"] == "false"} == {r["metric_id"] for r in rows} - expected
    [dictionary] = [f for f in files if f.name.endswith("-data-dictionary.csv")]
    with dictionary.open(encoding="utf-8") as handle:
        assert any(r["column"] == "synthetic" for r in csv.DictReader(handle)), "the data dictionary describes it"
    sheet = load_workbook(xlsx.render(warwickshire_snapshot, tmp_path / "warks.xlsx"))["Summary"]
    headers = [c.value for c in sheet[1]]
    column = headers.index("Synthetic (sample data, not real)")
    marks = {row[1].value: row[column].value for row in sheet.iter_rows(min_row=2)}
    assert {m for m, v in marks.items() if v == "Yes"} == expected
    assert {m for m, v in marks.items() if v == "No"} == set(marks) - expected
    # the columns after it moved with it: the status reason is still text in its own column
    reason = headers.index("Status reason")
    assert all(isinstance(row[reason].value, str) and len(row[reason].value) > 20 for row in sheet.iter_rows(min_row=2))


def test_snapshot_made_before_the_flag_reads_it_from_its_stored_definition(warwickshire_snapshot) -> None:
    evaluation = {k: v for k, v in warwickshire_snapshot.evaluations[0].items() if k != "synthetic"}
    declared = warwickshire_snapshot.definitions[evaluation["metric_id"]]["model"]["source"]["synthetic"]
    assert warwickshire_snapshot.synthetic(evaluation) is declared
    assert set(warwickshire_snapshot.to_contract()["metrics"][0]) >= {"synthetic", "status", "target_provenance"}


@pytest.mark.parametrize("scope", ["full", "exceptions"])
def test_report_cover_counts_and_each_synthetic_section_is_marked(warwickshire_snapshot, scope) -> None:
    from reports import content

    blocks = content.build(warwickshire_snapshot, scope=scope)
    expected = declared_synthetic("warwickshire")
    total = len({e["metric_id"] for e in warwickshire_snapshot.evaluations})
    cover = blocks[0]
    assert cover.synthetic_note == (f"{len(expected)} of {total} metrics in this report are synthetic sample data, "
                                    f"not real statistics; each is marked \u201cSynthetic\u201d where it appears.")
    titles = {e["title"]: e["metric_id"] for e in warwickshire_snapshot.evaluations}
    sections = tagged = 0
    appendix = next((i for i, b in enumerate(blocks)
                     if isinstance(b, content.Heading) and b.text.startswith("Appendix")), len(blocks))
    for i, block in enumerate(blocks[:appendix]):  # the appendix's definitions are not figures
        if isinstance(block, content.Heading) and block.level > 1 and block.text in titles:
            sections += 1
            following = blocks[i + 1]
            marked = isinstance(following, content.Paragraph) and following.text.startswith("Synthetic: ")
            assert marked is (titles[block.text] in expected), block.text
            tagged += marked
    assert sections >= (len(expected) if scope == "full" else 1) and tagged
    from html import escape

    from reports import pdf

    writer = pdf._Html()  # the PDF's cover as HTML, without laying out (or drawing) the rest
    writer.cover(cover)
    assert f'<p class="notice">{escape(cover.synthetic_note)}</p>' in "".join(writer.parts)


# ---------------------------------------------------------------- pages

def _walk(component):
    """Every component of a layout, depth first."""
    if isinstance(component, (list, tuple)):
        for child in component:
            yield from _walk(child)
    elif hasattr(component, "to_plotly_json"):
        yield component
        yield from _walk(getattr(component, "children", None))


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _class(component) -> str:
    return getattr(component, "className", None) or ""


def _tags(component) -> list:
    return [c for c in _walk(component) if "synthetic-tag" in _class(c).split()]


def _figures_shown(layout) -> dict[str, bool]:
    """Each element that shows a metric's figure (``data-metric``): whether it carries the synthetic tag."""
    shown: dict[str, bool] = {}
    for c in _walk(layout):
        metric_id = c.to_plotly_json()["props"].get("data-metric")
        if metric_id:
            shown[metric_id] = shown.get(metric_id, False) or bool(_tags(c))
    return shown


def _page_banner(synthetic: int, total: int) -> str:
    return synthetic_count(synthetic, total, "figure", "on this page", "\u201cSynthetic\u201d")


def test_count_sentence_in_each_number() -> None:
    mark = "\u201cSynthetic\u201d"
    assert synthetic_count(0, 12, "figure", "on this page", mark) == ""
    assert synthetic_count(3, 12, "figure", "on this page", mark) == (
        "3 of 12 figures on this page are synthetic sample data, not real statistics; each is marked "
        "\u201cSynthetic\u201d.")
    assert synthetic_count(1, 9, "figure", "on this page", mark) == (
        "1 of 9 figures on this page is synthetic sample data, not a real statistic; it is marked "
        "\u201cSynthetic\u201d.")
    assert synthetic_count(4, 4, "metric", "in this report", "[Synthetic]") == (
        "All 4 metrics in this report are synthetic sample data, not real statistics; each is marked [Synthetic].")
    assert synthetic_count(1, 1, "figure", "on this page", mark) == (
        "The figure on this page is synthetic sample data, not a real statistic; it is marked \u201cSynthetic\u201d.")


def _banners(layout) -> list[str]:
    return [_text(c) for c in _walk(layout) if "synthetic-banner" in _class(c).split()]


@pytest.fixture
def pages(dash_app):
    from dashboard.pages import intention, metric, overview

    with dash_app.server.test_request_context("/"):
        yield overview, intention, metric


def test_lancashire_overview_counts_its_synthetic_figures_and_tags_each(pages) -> None:
    overview, _, _ = pages
    layout = overview.layout(framework="lancashire")
    expected = declared_synthetic("lancashire")
    shown = _figures_shown(layout)
    assert set(shown) & expected and set(shown) - expected, "the page shows real and synthetic figures"
    for metric_id, tagged in shown.items():
        assert tagged is (metric_id in expected), metric_id
    synthetic = len(set(shown) & expected)
    assert _banners(layout) == [_page_banner(synthetic, len(shown))]
    assert "figures on this page are generated for demonstration" not in _text(layout)


def test_tag_says_what_it_means_in_words(pages) -> None:
    overview, _, _ = pages
    tag = _tags(overview.layout(framework="lancashire"))[0]
    assert _text(tag).startswith("Synthetic") and "not a real statistic" in _text(tag)  # hidden words, read aloud
    assert "not a real statistic" in tag.title


def test_a_page_of_real_figures_has_no_banner_and_no_tag(pages) -> None:
    _, intention, metric = pages
    real = sorted(set(load_config(CONFIG_DIR).frameworks["lancashire"].metric_ids()) - declared_synthetic("lancashire"))
    layout = metric.layout(metric_id=real[0])
    assert not _banners(layout) and not _tags(layout)
    layout = intention.layout(intention_id="lcc-01-information-and-practical-support", framework="lancashire")
    assert not _banners(layout) and not _tags(layout)


def test_intention_page_counts_and_tags_its_synthetic_figures(pages) -> None:
    _, intention, _ = pages
    layout = intention.layout(intention_id="lcc-05-reduce-residential-care", framework="lancashire")
    config = load_config(CONFIG_DIR)
    metrics = config.frameworks["lancashire"].intention("lcc-05-reduce-residential-care").metrics
    expected = {m for m in metrics if config.metrics[m].source.synthetic}
    assert 0 < len(expected) < len(metrics)
    shown = _figures_shown(layout)
    assert set(shown) == set(metrics)
    assert {m for m, tagged in shown.items() if tagged} == expected
    assert _banners(layout) == [_page_banner(len(expected), len(metrics))]


def test_metric_page_of_a_synthetic_metric_says_so_and_tags_its_value(pages) -> None:
    _, _, metric = pages
    layout = metric.layout(metric_id="lancs_care_budget_spend")
    assert _banners(layout) == ["This metric's figures are synthetic sample data, not real statistics; its value "
                                "is marked \u201cSynthetic\u201d."]
    assert _figures_shown(layout) == {"lancs_care_budget_spend": True}


def test_review_pack_counts_and_tags_its_synthetic_figures(dash_app) -> None:
    from dashboard.pages import review

    with dash_app.server.test_request_context("/"):
        layout = review.layout(framework="warwickshire", period="2025-03")
    shown: dict[str, bool] = {}
    for c in _walk(layout):  # headline rows (data-metric) and the metrics among the exceptions (data-key)
        props = c.to_plotly_json()["props"]
        key = props.get("data-key") or ""
        metric_id = props.get("data-metric") or (key.removeprefix("metric:") if key.startswith("metric:") else "")
        if metric_id:
            shown[metric_id] = shown.get(metric_id, False) or bool(_tags(c))
    expected = declared_synthetic("warwickshire")
    assert set(shown) & expected and set(shown) - expected
    assert {m for m, tagged in shown.items() if tagged} == set(shown) & expected
    synthetic = len(set(shown) & expected)
    assert _banners(layout) == [_page_banner(synthetic, len(shown))]


@pytest.mark.browser
def test_tag_is_seen_beside_the_figure_in_chromium(page, live_server: str) -> None:
    """At 1280 px the tag is on screen beside the status and the value sentence, its word visible and its
    meaning in the accessible name; a real metric's page has neither tag nor banner."""
    page.goto(f"{live_server}/metric/lancs_care_budget_spend")
    tag = page.locator("[data-metric='lancs_care_budget_spend'] .synthetic-tag")
    tag.wait_for()
    badge = page.locator("[data-metric='lancs_care_budget_spend'] .status-badge").bounding_box()
    box = tag.bounding_box()
    assert box["width"] > 20 and box["height"] > 10
    assert abs((box["y"] + box["height"] / 2) - (badge["y"] + badge["height"] / 2)) < badge["height"]  # one line
    assert tag.evaluate("e => e.firstChild.textContent") == "Synthetic"  # the word seen; its meaning is read
    assert "not a real statistic" in tag.evaluate("e => e.textContent")
    assert tag.locator(".visually-hidden").bounding_box()["width"] <= 1
    assert page.locator(".synthetic-banner").count() == 1
    page.wait_for_load_state("networkidle")  # the charts' and grid's scripts loaded: nothing cut off by leaving
    real = sorted(set(load_config(CONFIG_DIR).frameworks["lancashire"].metric_ids()) - declared_synthetic("lancashire"))
    page.goto(f"{live_server}/metric/{real[0]}")
    page.locator(f"[data-metric='{real[0]}'] .status-badge").wait_for()
    assert page.locator(".synthetic-tag").count() == 0 and page.locator(".synthetic-banner").count() == 0
    page.wait_for_load_state("networkidle")
