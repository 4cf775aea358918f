"""The PDF and Word reports show what the service computed for each metric: SPC with its words,
the forecast, and a benchmark verdict against each comparator, read back from the stored snapshot."""

from __future__ import annotations

import re
from html import unescape

import pytest

import snapshots
from datasources.store import Store
from reports import content, pdf
from reports.export import export
from reports.model import report_for
from tests.pdf_text import pdf_words
from tests.report_charts import charts_without_figures

#: In this order, the reports kept last (``reports.model.report_for`` keeps two) are the ones read again below.
FRAMEWORKS = ["warwickshire", "cornwall", "wigan"]


def _norm(text: str) -> str:
    return " ".join(text.split())


def first_sentence(text: str) -> str:
    return text.split(". ")[0]


#: Frameworks whose PDF is made with real chart images (kaleido); the others get a one-pixel stand-in
#: for each chart, because these tests read the words and Wigan alone has some 80 charts.
REAL_CHARTS = {"cornwall"}
#: Wigan's 41 metrics and Warwickshire's 46 each make a PDF of about 100 pages or more (a minute or two of
#: WeasyPrint on a busy machine): their words are read from the HTML that WeasyPrint is given, the PDF's only
#: input. Cornwall's PDF is made and read back here, and Warwickshire's whole PDF in tests/test_exports.py.
HTML_ONLY = {"wigan", "warwickshire"}
#: Of those, the frameworks whose report is read for its words only: its charts get empty figures
#: (``tests/report_charts.py``; each is a one-pixel image all the same), some 4 s of Plotly for Warwickshire's ninety.
#: Wigan's charts keep their figures: test_report_charts_are_the_page_figures reads them.
WORDS_ONLY = {"warwickshire"}
PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                      "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


@pytest.fixture(scope="module")
def pdfs(service, tmp_path_factory):
    """One snapshot per framework at its latest period, exported as PDF: (snapshot, the PDF's words, the files
    made: the PDF and, for a framework with real charts, the Word report made from the same images)."""
    from reports import chart_images

    root = tmp_path_factory.mktemp("report-insights")
    store = Store(f"sqlite:///{root / 'outcomes.db'}")
    found = {}
    for framework_id in FRAMEWORKS:
        snap = snapshots.create(service, store, framework_id, None, "tester")
        files = {}
        with pytest.MonkeyPatch.context() as patch:
            if framework_id not in REAL_CHARTS:
                patch.setattr(chart_images, "images", lambda figures: [PIXEL] * len(figures))
            if framework_id in WORDS_ONLY:
                with charts_without_figures():
                    text = _norm(unescape(re.sub(r"<[^>]+>", " ", pdf.html(snap))))
            elif framework_id in HTML_ONLY:
                text = _norm(unescape(re.sub(r"<[^>]+>", " ", pdf.html(snap))))
            else:
                [files["pdf"]] = export(snap, "pdf", root / framework_id)
                text = pdf_words(files["pdf"])
                if framework_id in REAL_CHARTS:  # the images drawn for the PDF, kept: none drawn again
                    [files["docx"]] = export(snap, "docx", root / framework_id)
        found[framework_id] = (snap, text, files)
    return found


@pytest.mark.parametrize("framework_id", FRAMEWORKS)
def test_pdf_shows_a_benchmark_verdict_for_each_comparator(pdfs, service, framework_id: str) -> None:
    snap, text, _ = pdfs[framework_id]
    live = service.evaluate_framework(framework_id, snap.period, suppress=True)
    # A metric with no figure by the snapshot's period (e.g. an ASCOF measure, published from 2017-18, in
    # Wigan's 2006-9 framework) has nothing to compare; every metric with a figure must carry its verdicts.
    compared = [e for e in live.evaluations
                if service.metric(e.metric_id).binding.comparators and e.period is not None]
    assert compared, f"{framework_id} has no metric with comparators and a figure"
    for evaluation in compared:
        benchmarks = evaluation.insights.benchmarks
        assert len(benchmarks) == len(service.metric(evaluation.metric_id).binding.comparators)
        for bench in benchmarks:
            line = _norm(f"Benchmark against {bench.comparator}: {bench.verdict.words}. {bench.words}")
            assert line in text, (evaluation.metric_id, line)
    assert any(b.verdict != "not_compared" for e in compared for b in e.insights.benchmarks)
    assert "Compared as Fingertips does" in text  # the method, in words


@pytest.mark.parametrize("framework_id", FRAMEWORKS)
def test_pdf_shows_spc_and_forecast_for_each_metric(pdfs, framework_id: str) -> None:
    snap, text, _ = pdfs[framework_id]
    for evaluation in snap.evaluations:
        insights = snap.insights(evaluation)
        if insights is None:  # no data: nothing to judge
            assert evaluation["status"] == "no_data"
            continue
        # The first sentence of each (a long paragraph may run over a page, and the page footer between).
        assert _norm(first_sentence(insights.spc_words)) in text, evaluation["metric_id"]
        assert _norm(f"Forecast to the deadline: {first_sentence(insights.forecast_words)}") in text, \
            evaluation["metric_id"]


def test_snapshot_stores_the_whole_evaluation(pdfs, service) -> None:
    snap, _, _ = pdfs["warwickshire"]
    live = {e.metric_id: e for e in service.evaluate_framework("warwickshire", snap.period,
                                                               suppress=True).evaluations}
    for stored in snap.evaluations:
        evaluation = live[stored["metric_id"]]
        assert snap.insights(stored) == evaluation.insights  # typed again, equal to what the service gave
        assert stored["expected_progress_pct"] == evaluation.expected_progress_pct
        assert stored["baseline_label"] == evaluation.baseline_label
    # `outcomes snapshot show` keeps its contract keys only.
    assert set(snap.to_contract()["metrics"][0]) == set(snapshots.record.CONTRACT_KEYS)


def test_report_charts_are_the_page_figures(pdfs) -> None:
    snap, _, _ = pdfs["wigan"]
    charts = [b for b in report_for(snap).blocks if isinstance(b, content.Chart)]  # content.build's, kept
    judged = [e for e in snap.evaluations if len([p for p in snap.series(e["metric_id"]) if p["value"] is not None]) >= 2]
    spc = [e for e in snap.evaluations if snap.insights(e) and snap.insights(e).spc]
    # The headline (metrics by status), then a glide path chart per charted metric and an SPC chart per SPC.
    assert len(charts) == 1 + len(judged) + len(spc)
    assert all(b.alt and b.figure.data for b in charts)


@pytest.mark.parametrize("framework_id", sorted(REAL_CHARTS))
def test_the_reports_hold_the_charts_as_drawn(pdfs, framework_id: str, tmp_path) -> None:
    """Every chart of the report is in the PDF and in the Word report, as the same JPEG kaleido drew (WeasyPrint
    embeds a JPEG as it is; Word keeps one copy of an image used twice), each picture in Word with its alt text.
    The other report tests use blank images of the charts' shape: real ones are checked here, end to end."""
    import subprocess

    import docx


    snap, _, files = pdfs[framework_id]
    charts = [b for b in report_for(snap).blocks if isinstance(b, content.Chart)]
    assert len(charts) > 10
    # pdfimages lists each image drawn on a page (a row each, after two lines of headings), and -j writes each
    # JPEG's bytes as they are in the file.
    listed = subprocess.run(["pdfimages", "-list", str(files["pdf"])], capture_output=True, text=True,
                            check=True, timeout=60).stdout.splitlines()[2:]
    assert [row.split()[8] for row in listed] == ["jpeg"] * len(charts)
    subprocess.run(["pdfimages", "-j", str(files["pdf"]), str(tmp_path / "image")], check=True, timeout=60)
    in_pdf = {path.read_bytes() for path in tmp_path.glob("image-*.jpg")}
    document = docx.Document(str(files["docx"]))
    pictures = document.inline_shapes
    assert [p._inline.docPr.get("descr") for p in pictures] == [c.alt for c in charts]
    in_word = {document.part.related_parts[p._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
               for p in pictures}
    assert in_word == in_pdf and all(image.startswith(b"\xff\xd8\xff") for image in in_word)

def test_the_glide_path_bends_at_milestones() -> None:
    """Report charts draw evaluate.glide_path (baseline, milestones, target), not a straight line."""
    import pandas as pd

    from dashboard.figures import metric_trajectory_figure
    from metrics.definitions.models import Metric

    metric = Metric.model_validate({
        "id": "m", "title": "M", "definition": "d", "unit": "count", "polarity": "higher_is_better",
        "frequency": "monthly", "method": "count", "source": {"name": "test"},
        "binding": {"type": "table", "datasource": "s", "table": "t", "date_column": "d",
                    "numerator": {"count": "rows"}},
        "target": {"kind": "level", "value": 80, "deadline": "2026-03", "baseline": {"period": "2024-03"},
                   "milestones": [{"period": "2025-03", "value": 60}]}})
    series = pd.DataFrame({"period_end": pd.to_datetime(["2024-03-01", "2024-06-01"]).date,
                           "value": [50.0, 52.0], "ci_lower": [None, None], "ci_upper": [None, None]})
    figure = metric_trajectory_figure(metric, series, 50.0)
    glide = next(t for t in figure.data if t.name == "Glide path")
    assert list(glide.y) == [50.0, 60.0, 80.0]  # through the milestone, not straight from 50 to 80
