"""Reports carry the review: commentary and actions from the signed-off snapshot, and the
committee variant (``--scope exceptions``) holds only the exceptions plus the summary."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import snapshots
from cli.main import app
from datasources import store as tables
from datasources.store import Store
from metrics.evaluation.status import Status
from reports import content
from reports.export import ExportError, export
from review.actions import add_action
from review.commentary import save_commentary
from review.milestones import update_milestone
from review.people import find_person
from review.sample import seed_sample_people
from review.signoff import sign_off
from tests.pdf_text import pdf_pages, pdf_words
from tests.report_charts import blank_charts

FW = "warwickshire"
FALLS = "falls_admissions_65plus"
NOTE = "Falls rose over winter <script>alert(1)</script>; a community falls service starts in April."
ACTION = "Commission the community falls service"
INTENTION_NOTE = "Plan slipped; the new date is June."


@pytest.fixture(scope="module")
def signed(service, tmp_path_factory, sample_db):
    url = f"sqlite:///{tmp_path_factory.mktemp('review-reports') / 'outcomes.db'}"
    db = Store(url)
    seed_sample_people(db)
    lead, officer = find_person(db, "sample.lead"), find_person(db, "sample.officer")
    earlier = sign_off(db, service, officer, FW, "2025-02")
    save_commentary(db, service, lead, FW, "2025-03", NOTE, metric_id=FALLS)
    add_action(db, service, lead, FW, "2025-03", ACTION, "Head of Older People", "2025-02-28", metric_id=FALLS)
    update_milestone(db, service, lead, FW, "aad-14-align-with-coventry",
                     "Commission a minimum of 10 Shared Lives carers in Warwickshire over the next four years to provide a minimum of 15 placements",
                     "done", "2025-02-20", "Plan agreed at the board")
    # On the falls intention, which is an exception (its metric is off track), so the committee variant shows it.
    save_commentary(db, service, lead, FW, "2025-03", INTENTION_NOTE, intention_id="fe-13-falls-prevention")
    snap = sign_off(db, service, officer, FW, "2025-03")
    yield url, db, snap, earlier
    db.dispose()


def _texts(blocks) -> str:
    out = []
    for b in blocks:
        if isinstance(b, content.Paragraph):
            out.append(b.text)
        elif isinstance(b, content.Heading):
            out.append(b.text)
        elif isinstance(b, content.Table):
            out += [b.caption] + [" | ".join(map(str, r)) for r in b.rows]
    return "\n".join(out)


def test_full_report_shows_commentary_and_actions_per_metric_and_intention(signed):
    _url, _db, snap, earlier = signed
    blocks = content.build(snap)
    text = _texts(blocks)
    assert NOTE in text and INTENTION_NOTE in text
    assert f"{ACTION} | Head of Older People | 2025-02-28 | Open (overdue)" in text
    assert "Signed off by Pat Officer (sample performance officer)" in text
    # Every metric is in the full report.
    assert all(e["title"] in text for e in snap.evaluations)


def test_exceptions_report_holds_only_exceptions_and_the_summary(signed):
    _url, _db, snap, earlier = signed
    blocks = content.build(snap, scope="exceptions")
    text = _texts(blocks)
    assert NOTE in text and ACTION in text and INTENTION_NOTE in text
    assert "Executive summary" in text and "Late milestones" in text
    # One chart only, the headline on the first page: the metrics by status, its numbers in its words.
    [headline] = [b for b in blocks if isinstance(b, content.Chart)]
    counts = snap.status_counts()
    assert f"{sum(counts.values())} metrics by status" in headline.alt
    assert all(f"{n} {s.words.lower()}" in headline.alt for s, n in counts.items() if n)
    assert list(headline.figure.data[0].x) == [n for n in reversed(counts.values()) if n]
    # A metric achieved with no change, no special cause and no action is left out.
    changed = {c.metric_id for c in snapshots.compare(earlier, snap) if c.status_changed}
    quiet = [e for e in snap.evaluations if e["status"] == "achieved" and e["metric_id"] not in changed
             and ((e.get("insights") or {}).get("spc") or {}).get("variation") in (None, "common_cause")]
    assert quiet, "the sample needs a quiet metric for this test to mean anything"
    exceptions_part = text.split("\nExceptions\n", 1)[1]
    assert all(f"\n{e['title']}\n" not in exceptions_part for e in quiet)
    late = sum(1 for m in snap.milestones if m["state"] == "late")
    assert f"{late} milestone(s) past their due month" in text


def test_exceptions_pdf_is_a_handful_of_pages_with_the_review_as_text(signed, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    url, _db, snap, _earlier = signed
    with blank_charts():  # its words, pages and tags are read, not its charts' pixels
        result = CliRunner().invoke(app, ["snapshot", "export", str(snap.id), "--format", "pdf", "--scope",
                                          "exceptions", "--out", str(tmp_path)], env={tables.STORE_ENV: url})
    assert result.exit_code == 0, result.output
    path = result.stdout.split()[0]
    assert path.endswith("-exceptions.pdf")
    reader = pypdf.PdfReader(path)  # its pages and images; poppler reads the words (tests/pdf_text.py)
    pages = pdf_pages(path)
    text = " ".join(pages)
    assert "<script>alert(1)</script>" in text  # shown as text, not swallowed as markup
    assert ACTION in text and "(overdue)" in text
    assert len(reader.pages) == len(pages) <= 14, f"{len(reader.pages)} pages"
    # The first page is not a half-empty cover: the officer's summary (here: that none was written) and the
    # executive summary are on it, and its headline chart follows at once.
    first = pages[0]
    assert first.index("Officer's summary") < first.index("Executive summary")
    assert "Metrics by status" in " ".join(pages[1].split()[:40]) + first
    assert len(reader.pages[0].images) + len(reader.pages[1].images) >= 1, "the headline chart is on page 1 or 2"
    # And the exceptions start under the summary, not on a page of their own after a half-empty one.
    starts = next(n for n, page in enumerate(pages) if "Exceptions" in page)
    assert starts <= 2, f"the exceptions start on page {starts + 1}"


def test_exceptions_docx_and_bad_scope(signed, tmp_path):
    docx = pytest.importorskip("docx")
    url, _db, snap, earlier = signed
    with blank_charts():  # its words are read
        [path] = export(snap, "docx", tmp_path, scope="exceptions")
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert NOTE in text and ACTION in cells
    with pytest.raises(ExportError, match="pdf and docx"):
        export(snap, "csv", tmp_path, scope="exceptions")
    bad = CliRunner().invoke(app, ["snapshot", "export", str(snap.id), "--format", "xlsx", "--scope", "exceptions",
                                   "--out", str(tmp_path)], env={tables.STORE_ENV: url})
    assert bad.exit_code == 1 and "--scope exceptions is for --format pdf or docx" in bad.stderr


def test_reports_carry_each_intentions_status_as_signed_off(signed):
    _url, _db, snap, _earlier = signed
    judged = {j["intention_id"]: j for j in snap.intentions}
    assert len(judged) == len(snap.framework["intentions"])
    falls = judged["fe-13-falls-prevention"]
    line = f"{Status(falls['status']).icon} {falls['status_reason']}"
    assert falls["status_reason"].startswith(f"{Status(falls['status']).words}: ")  # said once, not twice
    assert line in _texts(content.build(snap))  # in the intention's own section of the full report
    summary = _texts(content.build(snap, scope="exceptions"))
    counts = snap.intention_counts()
    for status, n in counts.items():
        if n:
            assert f"{status.text} | {n}" in summary  # the intentions-by-status table


@pytest.fixture(scope="module")
def exceptions_paper(signed, tmp_path_factory):
    """The exceptions PDF and Word report of the signed-off month, rendered once for the tests below."""
    _url, _db, snap, _earlier = signed
    out = tmp_path_factory.mktemp("exceptions-paper")
    with blank_charts():  # the tests read words, pages, tags and styles, not the charts' pixels
        [pdf] = export(snap, "pdf", out, scope="exceptions")
        [word] = export(snap, "docx", out, scope="exceptions")
    return pdf, word


def test_word_report_is_a4_with_the_pdfs_margins(exceptions_paper):
    docx = pytest.importorskip("docx")
    from docx.shared import Mm

    for section in docx.Document(str(exceptions_paper[1])).sections:
        assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (210, 297)
        assert [round(m / Mm(1)) for m in (section.top_margin, section.right_margin, section.bottom_margin,
                                            section.left_margin)] == [18, 16, 20, 16]


def _structure(node, found: dict) -> dict:
    """Every element of a PDF's structure tree, by type (H1, TH, Figure...)."""
    from pypdf.generic import ArrayObject, DictionaryObject

    node = node.get_object()
    if isinstance(node, ArrayObject):
        for kid in node:
            _structure(kid, found)
    elif isinstance(node, DictionaryObject):
        if "/S" in node:
            found.setdefault(str(node["/S"])[1:], []).append(node)
        if "/K" in node:
            _structure(node["/K"], found)
    return found


def test_pdf_is_a4_and_tagged_in_british_english(exceptions_paper, signed):
    pypdf = pytest.importorskip("pypdf")
    _url, _db, snap, _earlier = signed
    reader = pypdf.PdfReader(str(exceptions_paper[0]))
    for page in reader.pages:
        assert (round(float(page.mediabox.width) * 25.4 / 72), round(float(page.mediabox.height) * 25.4 / 72)) \
            == (210, 297)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == snap.label
    assert root["/MarkInfo"]["/Marked"]
    tree = _structure(root["/StructTreeRoot"], {})
    assert tree.get("H1") and tree.get("H2"), sorted(tree)
    assert tree.get("TH") and tree.get("Table") and tree.get("Caption")
    figures = tree.get("Figure", [])
    assert figures and all(str(f.get("/Alt", "")).strip() for f in figures)
    assert any("metrics by status" in str(f["/Alt"]) for f in figures)


def _word_text(path) -> str:
    import docx

    document = docx.Document(str(path))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for row in t.rows for c in row.cells])


def test_exceptions_paper_says_assumed_for_assumed_target_elements(exceptions_paper, signed):
    pytest.importorskip("docx")
    from metrics.evaluation.provenance_words import assumed_note

    _url, _db, snap, _earlier = signed
    falls = next(e for e in snap.evaluations if e["metric_id"] == FALLS)
    note = assumed_note(falls.get("target_provenance"))
    assert note.startswith("Assumed: the "), "the falls target's baseline, deadline and measure are assumptions"
    pdf_text = pdf_words(exceptions_paper[0])
    assert note in pdf_text
    assert note in " ".join(_word_text(exceptions_paper[1]).split())


def test_titles_are_never_cut_short(exceptions_paper, signed):
    pytest.importorskip("docx")
    _url, _db, snap, _earlier = signed
    text = _texts(content.build(snap, scope="exceptions"))
    assert "…" not in text
    word = _word_text(exceptions_paper[1])
    assert "…" not in word
    shared_lives = snap.framework_model.intention("aad-14-align-with-coventry")
    late = [m for m in snap.milestones if m["intention_id"] == shared_lives.id and m["state"] == "late"]
    for milestone in late:  # the intention and its milestone, both whole
        assert " ".join(milestone["title"].split()) in " ".join(word.split())
    pdf_text = pdf_words(exceptions_paper[0])
    assert "…" not in pdf_text


def test_headings_keep_with_what_follows(exceptions_paper):
    docx = pytest.importorskip("docx")
    from reports import pdf

    document = docx.Document(str(exceptions_paper[1]))
    headings = [p for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings and all(p.paragraph_format.keep_with_next for p in headings)
    captions = [p for p in document.paragraphs if p.style.name == "Caption" and not p.text.startswith("Chart:")]
    assert captions and all(p.paragraph_format.keep_with_next for p in captions)  # a table's caption with it
    assert "h1, h2, h3, h4 { break-after: avoid; }" in pdf.CSS


def test_captions_say_what_the_chart_shows(signed):
    _url, _db, snap, _earlier = signed
    blocks = content.build(snap)
    progress = [b for b in blocks if isinstance(b, content.Chart) and ", progress to the target:" in b.caption]
    assert progress
    for chart in progress:
        drawn = {trace.name for trace in chart.figure.data}
        glide = any((name or "").startswith("Glide path") for name in drawn)
        assert ("glide path" in chart.caption) == glide, (chart.caption, drawn)
        assert ("the baseline" in chart.caption) == ("Baseline" in drawn), (chart.caption, drawn)
    # A metric with no target: its line names no glide path.
    untargeted = [e for e in snap.evaluations if e["report"]["target_text"] == "none set"]
    assert untargeted
    text = _texts(content.build(snap, scope="exceptions"))
    assert "target none set" not in text and "glide path now –" not in text


def test_workbook_and_csv_carry_what_people_wrote_formula_safe(signed, service, tmp_path):
    """Commentary, actions, milestone updates (and the officer's summary) as the snapshot froze them; text
    that starts like a formula stays text."""
    import csv

    import openpyxl

    _url, db, _snap, _earlier = signed
    lead, officer = find_person(db, "sample.lead"), find_person(db, "sample.officer")
    snap = _signed_with_formula(db, service, lead, officer)
    [book] = export(snap, "xlsx", tmp_path)
    wb = openpyxl.load_workbook(book)
    commentary = wb["Commentary"]
    header = [c.value for c in commentary[1]]
    rows = [dict(zip(header, r)) for r in commentary.iter_rows(min_row=2, values_only=True)]
    by_subject = {r["About"]: r for r in rows}
    assert by_subject[FALLS]["Commentary"] == NOTE and by_subject[FALLS]["Author"] == "sample.lead"
    assert by_subject["intention:fe-13-falls-prevention"]["Commentary"] == FORMULA
    cell = next(c for c in commentary["C"] if c.value == FORMULA)
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    actions = [dict(zip([c.value for c in wb["Actions"][1]], r))
               for r in wb["Actions"].iter_rows(min_row=2, values_only=True)]
    assert any(a["Action"] == ACTION and a["Owner"] == "Head of Older People" and a["Overdue"] == "No" for a in actions)
    milestones = [dict(zip([c.value for c in wb["Milestone updates"][1]], r))
                  for r in wb["Milestone updates"].iter_rows(min_row=2, values_only=True)]
    assert any(m["Evidence"] == "Plan agreed at the board" and m["Status"] == "done" for m in milestones)
    summary = list(wb["Officer summary"].iter_rows(min_row=2, values_only=True))
    assert summary and summary[0][0] == "The summary the committee reads first."
    paths = export(snap, "csv", tmp_path / "csv")
    written = next(p for p in paths if p.name.endswith("-commentary.csv"))
    with written.open(newline="", encoding="utf-8") as handle:
        texts = [r["text"] for r in csv.DictReader(handle)]
    assert NOTE in texts and "'" + FORMULA in texts  # the apostrophe that keeps a spreadsheet from running it


FORMULA = '=HYPERLINK("http://example.org","click")'


def _signed_with_formula(db, service, lead, officer):
    """A later period of the same store, with commentary a spreadsheet would run and an officer's summary."""
    from review.officer_summary import save_summary

    save_commentary(db, service, lead, FW, "2025-01", NOTE, metric_id=FALLS)
    save_commentary(db, service, lead, FW, "2025-01", FORMULA, intention_id="fe-13-falls-prevention")
    add_action(db, service, lead, FW, "2025-01", ACTION, "Head of Older People", "2025-02-28", metric_id=FALLS)
    save_summary(db, service, officer, FW, "2025-01", "The summary the committee reads first.")
    return sign_off(db, service, officer, FW, "2025-01")



def test_snapshot_show_shows_the_commentary(signed):
    import json

    url, _db, snap, _earlier = signed
    shown = CliRunner().invoke(app, ["snapshot", "show", str(snap.id)], env={tables.STORE_ENV: url})
    assert shown.exit_code == 0, shown.output
    written = json.loads(shown.stdout)["written"]
    assert written["commentary"][FALLS][0]["text"] == NOTE
    assert written["commentary"]["intention:fe-13-falls-prevention"][0]["text"] == INTENTION_NOTE
    assert any(a["text"] == ACTION for a in written["actions"])
    assert "officer_summary" in written and written["milestone_updates"]
