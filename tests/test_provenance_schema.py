"""The provenance schema: every target element and milestone date says whether it is the council's
own words or our assumption; a milestone with no date is "to be confirmed" and never late; a
status claiming progress must cite the document."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from cli.main import app
from metrics.definitions.loader import load_config
from metrics.definitions.models import Milestone, Provenance, Target
from metrics.evaluation.provenance_words import assumed_elements, assumed_note, provenance_text
from metrics.evaluation.milestones import milestone_state
from tests.test_config_validation import FRAMEWORK, ln, problems, write_config

DOCUMENTED = """\
      provenance:
        value: {source: document, quote: "reduce admission to acute care for falls by a minimum of 20%"}
        baseline: {source: assumption, reason: "The document gives no baseline year."}
        deadline: {source: assumption, reason: "The document gives no date."}
        measure: {source: document, quote: "admission to acute care for falls"}
"""


def test_document_provenance_needs_words_and_assumption_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="needs the document's words"):
        Provenance(source="document")
    with pytest.raises(ValidationError, match="needs a 'reason'"):
        Provenance(source="assumption")
    cited = Provenance(source="document", section="paragraph 8.1")
    assert provenance_text(cited.model_dump(exclude_none=True)) == "paragraph 8.1"
    assert not cited.assumed and Provenance(source="assumption", reason="No date given.").assumed


def test_target_provenance_lists_assumed_and_missing_elements() -> None:
    target = Target.model_validate({
        "kind": "level", "value": 67, "deadline": "2018-03", "baseline": {"period": "2014-03", "value": 42},
        "provenance": {"value": {"source": "document", "quote": "67%"},
                       "deadline": {"source": "assumption", "reason": "No date in the document."}}})
    assert assumed_elements(target.provenance.to_contract()) == ["deadline"]
    assert target.provenance.missing_elements() == ["baseline", "measure"]
    assert target.provenance.to_contract()["value"] == {"source": "document", "quote": "67%"}


def test_milestone_without_a_date_is_never_late() -> None:
    undated = Milestone(title="Jointly commission a falls prevention strategy")
    assert undated.due is None
    assert milestone_state("i", undated, None, date(2030, 1, 1)).state == "not_started"
    dated = Milestone(title="Contract let", due="2013-07")
    assert milestone_state("i", dated, None, date(2030, 1, 1)).state == "late"


def test_progress_in_config_must_cite_the_document() -> None:
    with pytest.raises(ValidationError, match="claims progress"):
        Milestone(title="Strategy agreed", due="2014-09", status="done")
    with pytest.raises(ValidationError, match="claims progress"):
        Milestone(title="Strategy agreed", status="done",
                  status_provenance={"source": "assumption", "reason": "We think it happened."})
    cited = Milestone(title="Contract awarded", status="done",
                      status_provenance={"source": "document", "quote": "The contract was awarded"})
    assert cited.status == "done"


def test_config_done_without_provenance_names_file_and_line(tmp_path: Path) -> None:
    broken = FRAMEWORK.replace("      metrics: [falls_rate]\n",
                               "      metrics: [falls_rate]\n      milestones:\n"
                               "        - {title: Strategy agreed, due: 2014-09, status: done}\n")
    found = problems(write_config(tmp_path, broken))
    assert len(found) == 1
    assert found[0].startswith(f"config/framework.yaml:{ln(broken, '- {title: Strategy')}: "
                               "framework.intentions[0].milestones[0]: status 'done' claims progress")


def test_check_warns_on_each_element_without_provenance(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if "warning:" in line]
    assert [w.split(": ")[1] for w in warnings] == [f"metrics[0].target.provenance.{e}"
                                                   for e in ("value", "baseline", "deadline", "measure")]
    assert warnings[0].startswith(f"config/framework.yaml:{ln(FRAMEWORK, 'target:')}:")
    assert "source: assumption" in warnings[0] and "4 warning(s) about provenance" in result.stdout


def test_check_is_quiet_when_every_element_says_where_it_comes_from(tmp_path: Path) -> None:
    annotated = FRAMEWORK.replace("      baseline: {period: 2014-03}\n",
                                  "      baseline: {period: 2014-03}\n" + DOCUMENTED)
    config = write_config(tmp_path, annotated)
    provenance = load_config(config).metrics["falls_rate"].target.provenance.to_contract()
    assert assumed_elements(provenance) == ["baseline", "deadline"]
    assert assumed_note(provenance) == "Assumed: the baseline and deadline are assumptions of ours, not the council's document."
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 0 and "warning" not in result.stdout, result.output


def test_check_warns_on_a_milestone_date_without_provenance(tmp_path: Path) -> None:
    dated = FRAMEWORK.replace("      metrics: [falls_rate]\n",
                              "      metrics: [falls_rate]\n      milestones:\n"
                              "        - {title: Strategy commissioned, due: 2014-09}\n"
                              "        - {title: Undated step}\n").replace(
        "      baseline: {period: 2014-03}\n", "      baseline: {period: 2014-03}\n" + DOCUMENTED)
    result = CliRunner().invoke(app, ["check", "--config", str(write_config(tmp_path, dated))])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "'Strategy commissioned'" in warnings[0]
    assert warnings[0].startswith(f"config/framework.yaml:{ln(dated, 'due: 2014-09')}:")
