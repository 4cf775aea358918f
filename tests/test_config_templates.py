"""Templates and ``extends``: a shared part written once, merged before validation,
with every problem still reported where its key was written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from metrics.definitions.loader import ConfigError, load_config
from metrics.definitions.templates import deep_merge

DATASOURCES = """\
datasources:
  - id: sample
    url: sqlite:///sample_data/sample.db
"""

TEMPLATES = """\
templates:
  local_return:
    unit: count
    polarity: lower_is_better
    frequency: monthly
    method: count
    source: {name: Local return}
    binding:
      type: table
      datasource: sample
      table: hospital_admissions
      date_column: admission_date
      filters:
        - {column: cause, value: falls}
      numerator: {count: rows}
  falls_target:
    kind: relative_change
    value: -20
    deadline: 2018-03
    baseline: {period: 2014-03}
"""

FRAMEWORK = """\
framework:
  id: test
  title: Test framework
  organisation: Test council
  outcomes:
    - code: IH
      title: Improved health
  intentions:
    - id: falls
      title: Reduce falls
      outcomes: [IH]
      metrics: [falls_count, falls_rate]
metrics:
  - id: falls_count
    extends: local_return
    title: Falls admissions
    definition: Emergency admissions for falls
    target: {extends: falls_target}
  - id: falls_rate
    extends: local_return
    title: Falls admissions, monthly rate
    definition: Emergency admissions for falls per 1,000 admissions
    unit: rate_per_1000
    method: crude_rate
    multiplier: 1000
    binding:
      denominator: {count: rows, table: hospital_admissions, date_column: admission_date}
    target:
      extends: falls_target
      value: -10
"""


def ln(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def write_config(tmp_path: Path, framework: str = FRAMEWORK, templates: str = TEMPLATES) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    (config / "datasources.yaml").write_text(DATASOURCES)
    (config / "templates.yaml").write_text(templates)
    (config / "framework.yaml").write_text(framework)
    return config


def problems(config: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(config)
    return [str(issue) for issue in info.value.issues]


def test_metric_takes_the_template_keys(tmp_path: Path) -> None:
    metric = load_config(write_config(tmp_path)).metrics["falls_count"]
    assert (metric.unit, metric.method, metric.frequency) == ("count", "count", "monthly")
    assert metric.binding.table == "hospital_admissions"
    assert metric.binding.filters[0].value == "falls"
    assert metric.target.value == -20 and metric.target.kind == "relative_change"


def test_own_keys_win_and_mappings_merge_deeply(tmp_path: Path) -> None:
    metric = load_config(write_config(tmp_path)).metrics["falls_rate"]
    assert metric.unit == "rate_per_1000" and metric.method == "crude_rate"
    # the binding keeps the template's table and filters and gains the metric's denominator
    assert metric.binding.table == "hospital_admissions" and metric.binding.filters[0].column == "cause"
    assert metric.binding.denominator.table == "hospital_admissions"
    assert metric.target.value == -10 and metric.target.deadline.year == 2018


def test_lists_are_replaced_not_appended() -> None:
    merged = deep_merge({"a": {"b": [1, 2], "c": 1}}, {"a": {"b": [3]}})
    assert merged == {"a": {"b": [3], "c": 1}}


def test_template_can_extend_a_template_and_live_in_any_file(tmp_path: Path) -> None:
    templates = TEMPLATES + "  falls_target_2019:\n    extends: falls_target\n    deadline: 2019-03\n"
    framework = FRAMEWORK.replace("target: {extends: falls_target}", "target: {extends: falls_target_2019}")
    target = load_config(write_config(tmp_path, framework, templates)).metrics["falls_count"].target
    assert target.deadline.year == 2019 and target.value == -20


def test_error_in_a_template_key_names_the_template_file_and_line(tmp_path: Path) -> None:
    templates = TEMPLATES.replace("frequency: monthly", "frequency: weekly")
    found = problems(write_config(tmp_path, templates=templates))
    line = ln(templates, "frequency: weekly")
    assert len(found) == 2  # both metrics use the template: each is reported, at the template's line
    assert all(p.startswith(f"config/templates.yaml:{line}: metrics[") and ".frequency: " in p for p in found)


def test_error_in_the_metrics_own_key_names_the_metric_line(tmp_path: Path) -> None:
    framework = FRAMEWORK.replace("    unit: rate_per_1000\n", "    unit: per_fortnight\n")
    found = problems(write_config(tmp_path, framework))
    assert len(found) == 1
    assert found[0].startswith(f"config/framework.yaml:{ln(framework, 'unit: per_fortnight')}: metrics[1].unit: ")


def test_error_inside_a_merged_mapping_names_where_the_key_was_written(tmp_path: Path) -> None:
    framework = FRAMEWORK.replace("binding:\n      denominator:", "binding:\n      datasource: warehouse\n      denominator:")
    templates = TEMPLATES.replace("      table: hospital_admissions\n", "      table: hospital_admissions\n      colour: red\n")
    found = problems(write_config(tmp_path, framework, templates))
    # the key is in the template; the message says which metric took it, and from where
    for index, metric_id in enumerate(["falls_count", "falls_rate"]):
        assert (f"config/templates.yaml:{ln(templates, 'colour: red')}: metrics[{index}].binding.colour: unknown key "
                f"'colour'; remove it or check its spelling (in metrics[{index}] of "
                f"config/framework.yaml:{ln(framework, '- id: ' + metric_id)})") in found
    assert len(found) == 2


def test_cross_reference_error_reports_the_overriding_line(tmp_path: Path) -> None:
    framework = FRAMEWORK.replace("binding:\n      denominator:", "binding:\n      datasource: warehouse\n      denominator:")
    found = problems(write_config(tmp_path, framework))
    assert len(found) == 1
    assert found[0].startswith(f"config/framework.yaml:{ln(framework, 'datasource: warehouse')}: "
                               "metrics[1].binding.datasource: unknown data source 'warehouse'")


def test_unknown_template_is_reported_once_with_a_suggestion(tmp_path: Path) -> None:
    framework = FRAMEWORK.replace("  - id: falls_count\n    extends: local_return", "  - id: falls_count\n    extends: local_retrun")
    found = problems(write_config(tmp_path, framework))
    # no cascade of "'unit' is required" for the metric, and the intention's reference to it still resolves
    assert found == [f"config/framework.yaml:{ln(framework, 'extends: local_retrun')}: metrics[0].extends: unknown "
                     "template 'local_retrun'; did you mean 'local_return'?; known: falls_target, local_return "
                     "(declare it under 'templates:' in any config file)"]


def test_cycle_is_reported(tmp_path: Path) -> None:
    templates = TEMPLATES.replace("  falls_target:\n", "  falls_target:\n    extends: deadline_2019\n") + \
        "  deadline_2019:\n    extends: falls_target\n    deadline: 2019-03\n"
    found = problems(write_config(tmp_path, templates=templates))
    assert len(found) == 1
    # reported where the cycle closes: the second template's 'extends' back to the first
    assert found[0].startswith(f"config/templates.yaml:{ln(templates, 'extends: falls_target')}: templates.deadline_2019.extends: ")
    assert "cycle (falls_target -> deadline_2019 -> falls_target)" in found[0]


def test_duplicate_template_name(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (config / "zz_more.yaml").write_text("templates:\n  local_return: {unit: count}\n")
    found = problems(config)
    assert found == ["config/zz_more.yaml:2: templates.local_return: duplicate template 'local_return' (first defined "
                     "at config/templates.yaml:2); template names must be unique"]


def test_cli_check_reports_template_problems_as_file_line_field(tmp_path: Path) -> None:
    templates = TEMPLATES.replace("frequency: monthly", "frequency: weekly")
    result = CliRunner().invoke(app, ["check", "--config", str(write_config(tmp_path, templates=templates))])
    assert result.exit_code == 1
    assert f"config/templates.yaml:{ln(templates, 'frequency: weekly')}: metrics[0].frequency: " in result.stdout


def test_a_key_named_like_a_binding_kind_is_reported_at_its_own_line(tmp_path: Path) -> None:
    """'table' is both a kind of binding and a key of it: the error names the key's line."""
    templates = TEMPLATES.replace("      table: hospital_admissions\n", "      table: [hospital_admissions]\n")
    found = problems(write_config(tmp_path, templates=templates))
    line = ln(templates, "table: [hospital_admissions]")
    assert found and all(p.startswith(f"config/templates.yaml:{line}: metrics[") and ".binding.table: " in p
                         for p in found)
