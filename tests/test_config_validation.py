"""Config problems are all reported at once, each as file:line: field: message."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from metrics.definitions.loader import ConfigError, load_config
from metrics.definitions.models import Metric

PROJECT = Path(__file__).resolve().parent.parent

DATASOURCES = """\
datasources:
  - id: sample
    url: sqlite:///sample_data/sample.db
"""

FRAMEWORK = """\
framework:
  id: test
  title: Test framework
  organisation: Test council
  outcomes:
    - code: IH
      title: Improved health
      sub_outcomes:
        - code: IH1
          title: Fewer falls
  intentions:
    - id: falls
      title: Reduce falls
      outcomes: [IH1]
      metrics: [falls_rate]
metrics:
  - id: falls_rate
    title: Falls admissions
    definition: Emergency admissions for falls
    unit: count
    polarity: lower_is_better
    frequency: monthly
    method: count
    source: {name: test}
    binding:
      type: table
      datasource: sample
      table: hospital_admissions
      date_column: admission_date
      numerator: {count: rows}
    target:
      kind: relative_change
      value: -20
      deadline: 2018-03
      baseline: {period: 2014-03}
"""


def ln(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of ``needle`` in ``text``."""
    return text[: text.index(needle)].count("\n") + 1


def write_config(tmp_path: Path, framework: str = FRAMEWORK, datasources: str = DATASOURCES) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    (config / "datasources.yaml").write_text(datasources)
    (config / "framework.yaml").write_text(framework)
    return config


def problems(config: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(config)
    return [str(issue) for issue in info.value.issues]


def test_valid_config_loads(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    assert list(config.frameworks) == ["test"]
    assert config.metrics["falls_rate"].target.value == -20


def test_project_config_is_clean() -> None:
    config = load_config(PROJECT / "config")
    assert "warwickshire" in config.frameworks


def test_mistyped_metric_id_names_file_line_and_suggests(tmp_path: Path) -> None:
    found = problems(write_config(tmp_path, FRAMEWORK.replace("metrics: [falls_rate]", "metrics: [fals_rate]")))
    assert found == [f"config/framework.yaml:{ln(FRAMEWORK, 'metrics: [falls_rate]')}: framework.intentions[0].metrics[0]: unknown metric 'fals_rate'; "
                     "did you mean 'falls_rate'?; declare it under 'metrics' in any config file"]


def test_missing_data_source(tmp_path: Path) -> None:
    found = problems(write_config(tmp_path, FRAMEWORK.replace("datasource: sample", "datasource: warehouse")))
    assert len(found) == 1
    assert found[0].startswith(f"config/framework.yaml:{ln(FRAMEWORK, 'datasource: sample')}: "
                               "metrics[0].binding.datasource: unknown data source "
                               "'warehouse'")
    assert "known: sample" in found[0]


def test_unknown_key(tmp_path: Path) -> None:
    broken = FRAMEWORK.replace("    polarity: lower_is_better\n", "    polarity: lower_is_better\n    polarty: x\n")
    found = problems(write_config(tmp_path, broken))
    assert found == [f"config/framework.yaml:{ln(broken, 'polarty')}: metrics[0].polarty: unknown key 'polarty'; "
                     "remove it or check its spelling"]


def test_retired_breakdowns_key_is_refused_with_the_reason(tmp_path: Path) -> None:
    """'breakdowns' was accepted and read by nothing; a config that still has it is told why and what to do,
    not that it may be misspelt."""
    old = FRAMEWORK.replace("    polarity: lower_is_better\n", "    polarity: lower_is_better\n    breakdowns: [provider]\n")
    found = problems(write_config(tmp_path, old))
    assert found == [f"config/framework.yaml:{ln(old, 'breakdowns')}: metrics[0].breakdowns: 'breakdowns' is no "
                     "longer a metric key: it was never read (a metric is broken down by its binding's "
                     "area_column); delete the line"]


def test_a_snapshot_stored_with_breakdowns_still_opens() -> None:
    """Snapshots signed off before the key was retired stored it in every definition; they are never
    rewritten, so they must still open."""
    stored = next(iter(load_config(PROJECT / "config").metrics.values())).model_dump(mode="json")
    assert "breakdowns" not in stored
    opened = Metric.from_stored({**stored, "breakdowns": ["area"]})
    assert opened.model_dump(mode="json") == stored


def test_three_problems_reported_together(tmp_path: Path) -> None:
    broken = (FRAMEWORK.replace("metrics: [falls_rate]", "metrics: [fals_rate]")
              .replace("datasource: sample", "datasource: warehouse")
              .replace("    frequency: monthly\n", "    frequency: monthly\n    colour: red\n"))
    found = problems(write_config(tmp_path, broken))
    # Pydantic stops a model at its own errors; the unknown key invalidates the metric
    # block, so its cross-references are checked only once it parses. All problems the
    # parser can see are reported together, with file and line.
    assert any(f"config/framework.yaml:{ln(broken, 'colour')}: metrics[0].colour: unknown key 'colour'" in p
               for p in found)


def test_cli_check_reports_mistyped_metric_missing_source_and_unknown_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, FRAMEWORK.replace("metrics: [falls_rate]", "metrics: [fals_rate]")
                          .replace("datasource: sample", "datasource: warehouse"),
                          datasources=DATASOURCES + "    colour: red\n")
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line]
    assert "config/datasources.yaml:4: datasources[0].colour: unknown key 'colour'; remove it or check its spelling" in lines
    assert any(line.startswith(f"config/framework.yaml:{ln(FRAMEWORK, 'metrics: [falls_rate]')}: "
                               "framework.intentions[0].metrics[0]: unknown metric 'fals_rate'") for line in lines)
    assert any(line.startswith(f"config/framework.yaml:{ln(FRAMEWORK, 'datasource: sample')}: "
                               "metrics[0].binding.datasource: unknown data source 'warehouse'") for line in lines)


def test_cli_check_clean_config_exits_zero() -> None:
    result = CliRunner().invoke(app, ["check"])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("config OK")


def test_unknown_outcome_code(tmp_path: Path) -> None:
    found = problems(write_config(tmp_path, FRAMEWORK.replace("outcomes: [IH1]", "outcomes: [IH9]")))
    assert found == [f"config/framework.yaml:{ln(FRAMEWORK, 'outcomes: [IH1]')}: framework.intentions[0].outcomes[0]: unknown outcome code 'IH9'; "
                     "did you mean 'IH'?; declare it under framework.outcomes"]


def test_bad_month(tmp_path: Path) -> None:
    found = problems(write_config(tmp_path, FRAMEWORK.replace("deadline: 2018-03", "deadline: March 2018")))
    assert found == [f"config/framework.yaml:{ln(FRAMEWORK, 'deadline:')}: metrics[0].target.deadline: 'March 2018' is not a month; "
                     "write it as YYYY-MM, e.g. 2024-03"]


def test_missing_required_field(tmp_path: Path) -> None:
    found = problems(write_config(tmp_path, FRAMEWORK.replace("    definition: Emergency admissions for falls\n", "")))
    assert found == [f"config/framework.yaml:{ln(FRAMEWORK, '- id: falls_rate')}: metrics[0].definition: 'definition' is required"]


def test_bad_literal_names_the_choices(tmp_path: Path) -> None:
    found = problems(write_config(tmp_path, FRAMEWORK.replace("frequency: monthly", "frequency: weekly")))
    assert len(found) == 1
    assert found[0].startswith(f"config/framework.yaml:{ln(FRAMEWORK, 'frequency:')}: metrics[0].frequency: ")
    assert "'monthly', 'quarterly', 'annual' or 'calendar_year'" in found[0] and "'weekly'" in found[0]


def test_rate_without_denominator(tmp_path: Path) -> None:
    found = problems(write_config(tmp_path, FRAMEWORK.replace("method: count", "method: proportion")))
    assert found == [f"config/framework.yaml:{ln(FRAMEWORK, '- id: falls_rate')}: metrics[0]: method 'proportion' needs a 'denominator' in the binding"]


def test_dsr_unit_needs_published_values(tmp_path: Path) -> None:
    # Age standardisation is not computed here: a DSR must come from a published table.
    found = problems(write_config(tmp_path, FRAMEWORK.replace("unit: count", "unit: dsr_per_100k")))
    assert len(found) == 1
    assert found[0].startswith(f"config/framework.yaml:{ln(FRAMEWORK, '- id: falls_rate')}: metrics[0]: "
                               "unit 'dsr_per_100k' needs method 'published'")


def test_deadline_before_baseline(tmp_path: Path) -> None:
    found = problems(write_config(tmp_path, FRAMEWORK.replace("deadline: 2018-03", "deadline: 2013-03")))
    assert found == [f"config/framework.yaml:{ln(FRAMEWORK, 'target:')}: metrics[0].target: the deadline must fall after the baseline period"]


def test_duplicate_metric_id_across_files(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    metrics_only = FRAMEWORK[FRAMEWORK.index("metrics:\n"):]
    (config / "more.yaml").write_text(metrics_only)
    found = problems(config)
    assert found == ["config/more.yaml:2: metrics[0].id: duplicate metrics id 'falls_rate' "
                     f"(first defined at config/framework.yaml:{ln(FRAMEWORK, '- id: falls_rate')}); "
                     "ids must be unique across config"]


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    found = problems(write_config(tmp_path, FRAMEWORK.replace("  title: Test framework", "  title: [unclosed")))
    assert len(found) == 1 and found[0].startswith("config/framework.yaml:")
    assert "(yaml)" in found[0] and "fix the YAML syntax" in found[0]


def test_filter_value_must_fit_op(tmp_path: Path) -> None:
    broken = FRAMEWORK.replace(
        "      numerator: {count: rows}\n",
        "      filters:\n        - {column: cause, op: in, value: falls}\n      numerator: {count: rows}\n")
    found = problems(write_config(tmp_path, broken))
    assert found == [f"config/framework.yaml:{ln(broken, '- {column: cause')}: metrics[0].binding.filters[0]: op 'in' needs a list value, "
                     "e.g. value: [a, b]"]


def test_problems_in_several_files_all_reported(tmp_path: Path) -> None:
    config = write_config(tmp_path, FRAMEWORK.replace("outcomes: [IH1]", "outcomes: [XX]"),
                          datasources=DATASOURCES.replace("url:", "link:"))
    found = problems(config)
    assert any(p.startswith("config/datasources.yaml:") for p in found)
    assert any(p.startswith(f"config/framework.yaml:{ln(FRAMEWORK, 'outcomes: [IH1]')}:") for p in found)


def test_copied_project_config_with_unknown_key_fails(tmp_path: Path) -> None:
    copy = tmp_path / "config"
    shutil.copytree(PROJECT / "config", copy)
    (copy / "ingest.yaml").unlink()  # its file paths are relative to the real project folder
    target = copy / "datasources.yaml"
    target.write_text(target.read_text().replace("    timeout_seconds: 30\n", "    timeout_seconds: 30\n    tmeout: 1\n", 1))
    found = problems(copy)
    assert len(found) == 1 and "unknown key 'tmeout'" in found[0]
    assert textwrap.dedent(found[0]).startswith("config/datasources.yaml:")


# ------------------------------------------------------------ a whole and its parts (issue 22, finding 1)
PARTS = FRAMEWORK + """\
  - id: falls_at_home
    title: Falls admissions from home
    definition: Emergency admissions for falls at home
    unit: count
    polarity: lower_is_better
    frequency: monthly
    method: count
    part_of: WHOLE
    source: {name: test}
    binding:
      type: table
      datasource: sample
      table: hospital_admissions
      date_column: admission_date
      numerator: {count: rows}
"""


def test_a_part_names_its_whole_and_the_group_is_known(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, PARTS.replace("WHOLE", "falls_rate")))
    assert config.disclosure_groups == {"falls_rate": ("falls_rate", "falls_at_home"),
                                        "falls_at_home": ("falls_rate", "falls_at_home")}


def test_a_part_of_an_unknown_or_unlike_whole_names_file_and_line(tmp_path: Path) -> None:
    text = PARTS.replace("WHOLE", "fals_rate")
    found = problems(write_config(tmp_path, text))
    assert found == [f"config/framework.yaml:{ln(text, 'part_of:')}: metrics[1].part_of: unknown metric 'fals_rate'; "
                     "did you mean 'falls_rate'?; name the whole this metric is a part of"]
    quarterly = PARTS.replace("WHOLE", "falls_rate").replace("    frequency: monthly\n    method: count\n    part_of",
                                                          "    frequency: quarterly\n    method: count\n    part_of")
    (tmp_path / "q").mkdir()
    found = problems(write_config(tmp_path / "q", quarterly))
    assert len(found) == 1 and "it is quarterly but 'falls_rate' is monthly" in found[0]
    itself = PARTS.replace("WHOLE", "falls_at_home")
    (tmp_path / "i").mkdir()
    assert any("part_of names the metric itself" in p for p in problems(write_config(tmp_path / "i", itself)))


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "www.example.org/data"])
def test_a_source_address_that_is_not_a_web_page_is_refused(tmp_path: Path, url: str) -> None:
    """Reports make a source's address a link a reader follows (Appendix B): a script or a local file is refused
    at load, naming the line and the fix."""
    broken = FRAMEWORK.replace("source: {name: test}", f'source: {{name: test, url: "{url}"}}')
    found = problems(write_config(tmp_path, broken))
    assert len(found) == 1
    assert found[0].startswith(f"config/framework.yaml:{ln(broken, 'source: {name')}: metrics[0].source.url: ")
    assert f"'{url}' is not a web address" in found[0] and "starting with https://" in found[0]


def test_a_source_web_address_loads(tmp_path: Path) -> None:
    fine = FRAMEWORK.replace("source: {name: test}", "source: {name: test, url: https://example.org/a_b.csv}")
    assert load_config(write_config(tmp_path, fine)).metrics["falls_rate"].source.url == "https://example.org/a_b.csv"
