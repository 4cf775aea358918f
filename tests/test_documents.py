"""The councils' documents are in the product, and `outcomes check` reads every quotation against them
(issue 23): a paraphrase presented as the document's words fails with file:line and the nearest passage; the
real config passes. Normalising whitespace, quotation marks, dashes and case, and an ellipsis splitting a
quotation into parts each of which must be found."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from metrics.definitions.document_check import framework_document, quote_problems
from metrics.definitions.documents import SourceDocument, quote_parts, read_document
from metrics.definitions.loader import load_config
from tests.test_config_validation import DATASOURCES, FRAMEWORK, ln

PROJECT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("lancashire", "warwickshire", "wigan", "cornwall", "lewisham")
PARAPHRASE = "Two or three are set for each person from their community care assessment; the provider signs up " \
             "to delivering them."


def document(text: str) -> SourceDocument:
    return SourceDocument("doc.txt", {}, text)


@pytest.fixture(scope="module")
def config():
    return load_config(PROJECT / "config")


def copied_config(tmp_path: Path) -> Path:
    copy = tmp_path / "config"
    shutil.copytree(PROJECT / "config", copy)
    (copy / "ingest.yaml").unlink()  # its file paths are relative to the real project folder
    return copy


def test_every_framework_keeps_its_document_under_config_with_source_and_licence(config) -> None:
    for framework_id in FRAMEWORKS:
        framework = config.frameworks[framework_id]
        assert framework.document == f"documents/{framework_id}.txt"
        held = framework_document(config, framework)
        assert held.display == f"config/documents/{framework_id}.txt"
        assert {"title", "publisher", "date", "copied from", "licence"} <= set(held.header), framework_id
        assert len(held.text) > 15_000  # the whole document, not an extract
    # nothing under the product reads the specification folder at run time
    for path in [*PROJECT.glob("*.py"), *(PROJECT / d for d in ("cli", "metrics", "dashboard", "reports", "review",
                                                                    "snapshots", "datasources", "cycle"))]:
        for source in ([path] if path.is_file() else path.rglob("*.py")):
            assert "../shared" not in source.read_text(encoding="utf-8"), source


def test_the_real_config_has_every_quotation_in_its_document(config) -> None:
    assert quote_problems(config) == []
    result = CliRunner().invoke(app, ["check"])
    assert result.exit_code == 0, result.output


def test_check_fails_on_a_planted_paraphrase_with_file_line_and_the_nearest_passage(tmp_path: Path) -> None:
    copy = copied_config(tmp_path)
    lewisham = copy / "frameworks" / "lewisham.yaml"
    text = lewisham.read_text(encoding="utf-8")
    real = ("Two or three meta outcomes are set for each individual person based on their community care "
            "assessment (what people say they need) … The provider then signs up to delivering those outcomes "
            "for that person")
    assert real in text
    planted = text.replace(real, PARAPHRASE)
    lewisham.write_text(planted, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--config", str(copy)])
    assert result.exit_code == 1, result.output
    [line] = [line for line in result.stdout.splitlines() if "not in the document" in line]
    at = ln(planted, '"quote": "' + PARAPHRASE)  # the template's line, not the rationale's paraphrase above it
    assert line.startswith(f"config/frameworks/lewisham.yaml:{at}: ")
    assert "target.provenance.measure.quote" in line and "config/documents/lewisham.txt" in line
    assert "nearest passage: \u201cTwo or three meta outcomes are set for each individual person" in line


def test_the_lewisham_measure_quotes_paragraph_5_3_not_a_paraphrase(config) -> None:
    held = framework_document(config, config.frameworks["lewisham"])
    measure = config.metrics["lew_ld_mo_employment"].target.provenance.measure
    assert measure.source == "document" and "5.3" in measure.section
    assert held.missing_parts(measure.quote) == []
    assert held.missing_parts(PARAPHRASE) == [PARAPHRASE.rstrip(".")]


def test_whitespace_quotation_marks_dashes_and_case_are_normalised() -> None:
    held = document("It said \u201cthe  Council\u2019s\n offer\u201d \u2013 in <u>full</u> &amp; on time.")
    assert held.missing_parts('it said "the council\'s offer" - in full & on time') == []
    assert held.missing_parts("the Council's offer\u201d \u2014 in full") == []
    assert held.missing_parts("the Council's offer in full") == ["the Council's offer in full"]
    assert held.missing_parts("on tim") == ["on tim"]  # whole words only: not "decrease" for "decreased"
    assert document("Services\u00b9\u00b3 will be kept.").missing_parts("Services will be kept") == []  # footnote marks


def test_an_ellipsis_splits_a_quote_into_parts_each_of_which_must_be_found() -> None:
    held = document("<p>Numbers of older people predicted to increase.</p><p>The number over 85 will double.</p>")
    assert quote_parts("older people predicted … over 85 will double.") == ["older people predicted",
                                                                            "over 85 will double"]
    assert held.missing_parts("Numbers of older people ... The number over 85 will double") == []
    assert held.missing_parts("Numbers of older people [...] will treble") == ["will treble"]


def test_the_nearest_passage_is_the_documents_run_of_words_most_like_the_quote() -> None:
    held = document("Alpha beta gamma. Reduce admission to acute care for falls by a minimum of 20%. Delta.")
    assert held.nearest_passage("reduce admissions to acute care for falls by at least 20%") == \
        "Reduce admission to acute care for falls by a minimum of"


def test_a_document_needs_its_header(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("---\nsource: a council\nlicence: none stated\n---\nThe text.\n")
    held = read_document(tmp_path / "d.txt", "d.txt")
    assert held.header == {"source": "a council", "licence": "none stated"} and held.text.strip() == "The text."
    (tmp_path / "bare.txt").write_text("The text.\n")
    with pytest.raises(ValueError, match="header"):
        read_document(tmp_path / "bare.txt", "bare.txt")


WITH_DOCUMENT = FRAMEWORK.replace("  organisation: Test council\n",
                                  "  organisation: Test council\n  document: documents/test.txt\n")


def small_config(tmp_path: Path, framework: str, ledger: str = "") -> Path:
    config = tmp_path / "config"
    (config / "documents").mkdir(parents=True)
    (config / "datasources.yaml").write_text(DATASOURCES)
    (config / "framework.yaml").write_text(framework)
    if ledger:
        (config / "ledger.yaml").write_text(ledger)
    (config / "documents" / "test.txt").write_text(
        "---\nsource: test\nlicence: test\n---\nWe will reduce falls. The Falls Team will lead it.\n")
    return config


def test_milestone_titles_and_leads_are_checked_as_the_documents_words(tmp_path: Path) -> None:
    framework = WITH_DOCUMENT.replace("      metrics: [falls_rate]\n", """\
      metrics: [falls_rate]
      lead: Falls Team
      lead_provenance: {source: document, section: "page 1"}
      milestones:
        - {title: Reduce falls, title_provenance: {source: document}}
        - {title: Falls strategy agreed, title_provenance: {source: summary, quote: "We will cut falls"}}
        - {title: Falls reduced by half, title_provenance: {source: document}}
""")
    problems = quote_problems(load_config(small_config(tmp_path, framework)))
    assert [(p.line, p.field) for p in problems] == [
        (ln(framework, "Falls strategy agreed"), "framework.intentions[0].milestones[1].title_provenance.quote"),
        (ln(framework, "Falls reduced by half"), "framework.intentions[0].milestones[2].title")]
    assert "nearest passage: \u201cWe will reduce falls.\u201d" in problems[0].message


LEDGER = """\
ledger:
  framework: test
  commitments:
    - {words: "We will reduce falls", kind: target, section: "page 1", metrics: [falls_rate]}
    - {words: "The Falls Team will lead it", kind: action, section: "page 1", not_monitored: "A way of working."}
    - {words: "We will reduce falls.", kind: target, section: "page 1", metrics: [falls_rte]}
    - {words: "We will abolish falls", kind: aim, section: "page 1", milestones: ["No such milestone"]}
"""


def test_ledger_words_are_checked_and_an_entry_pointing_at_nothing_is_a_warning(tmp_path: Path) -> None:
    config = small_config(tmp_path, WITH_DOCUMENT, LEDGER)
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 1, result.output
    [problem] = [line for line in result.stdout.splitlines() if "not in the document" in line]
    assert problem.startswith(f"config/ledger.yaml:{ln(LEDGER, 'abolish')}: ledger.commitments[3].words: ")
    (config / "ledger.yaml").write_text(LEDGER.replace("We will abolish falls", "We will reduce falls. The"))
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if "warning:" in line]
    assert any(w.startswith(f"config/ledger.yaml:{ln(LEDGER, 'falls_rte')}: ") and "metric 'falls_rte'" in w
               for w in warnings)
    assert any("milestone 'No such milestone'" in w for w in warnings)
    assert any("listed twice (first at line 4)" in w for w in warnings)


def test_a_ledger_for_an_unknown_framework_is_an_error(tmp_path: Path) -> None:
    config = small_config(tmp_path, WITH_DOCUMENT, LEDGER.replace("framework: test", "framework: tset"))
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 1 and "unknown framework 'tset'; did you mean 'test'?" in result.output
