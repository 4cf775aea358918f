"""A ``type: sql`` binding is one read-only SELECT: checked when config loads, with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from datasources.sql_guard import dialect_for_url, sql_problems
from tests.test_config_validation import DATASOURCES, FRAMEWORK, ln, problems, write_config

SQL_BINDING = """\
    binding:
      type: sql
      datasource: sample
      sql: >-
        {sql}
"""
TABLE_BINDING = FRAMEWORK[FRAMEWORK.index("    binding:\n"):FRAMEWORK.index("    target:\n")]


@pytest.mark.parametrize("sql", [
    "SELECT admission_date AS period_date, area_code AS area, 1 AS numerator FROM hospital_admissions",
    "WITH a AS (SELECT * FROM t WHERE x = :own) SELECT * FROM a UNION ALL SELECT * FROM public.u",
])
def test_plain_selects_pass(sql: str) -> None:
    assert sql_problems(sql) == []
    assert sql_problems(sql, "postgres") == []
    assert sql_problems(sql, "duckdb") == []


@pytest.mark.parametrize(("sql", "words"), [
    ("SELECT 1 AS x; COMMIT; BEGIN READ WRITE; DROP TABLE t; COMMIT; SELECT 1", "6 statements"),
    ("SET statement_timeout = 0; SELECT pg_sleep(6)", "2 statements"),
    ("SET statement_timeout = 0", "SET, not a SELECT"),
    ("DELETE FROM t", "DELETE, not a SELECT"),
    ("COPY (SELECT 1) TO '/tmp/out.csv'", "COPY, not a SELECT"),
    ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "contains DELETE"),
    ("SELECT * INTO copy_of_t FROM t", "SELECT ... INTO"),
    ("SELECT * FROM t FOR UPDATE", "row lock"),
    ("SELECT * FROM read_text('/etc/passwd')", "read_text()"),
    ("SELECT * FROM read_csv('/etc/passwd')", "read_csv()"),
    ("SELECT * FROM '/etc/passwd'", "looks like a file"),
    ("SELECT pg_read_file('/etc/passwd') AS x", "pg_read_file()"),
    ("SELECT lo_import('/etc/passwd') AS x", "lo_import()"),
    ("SELECT * FROM dblink('host=elsewhere', 'SELECT 1') AS t(a int)", "dblink()"),
    ("SELECT set_config('statement_timeout', '0', false), pg_sleep(6)", "set_config()"),
    ("SELECT * FROM query('DROP TABLE t')", "query()"),
    ("SELEC period FROM t", "does not parse"),
    ("", "empty"),
])
def test_hostile_or_broken_sql_is_refused(sql: str, words: str) -> None:
    for dialect in (None, "postgres", "duckdb", "sqlite"):
        found = sql_problems(sql, dialect)
        assert found and words in found[0], (dialect, found)


def test_dialect_comes_from_the_url_even_with_a_default(monkeypatch) -> None:
    monkeypatch.delenv("NO_SUCH_URL", raising=False)
    assert dialect_for_url("postgresql+psycopg://u@h/db") == "postgres"
    assert dialect_for_url("${NO_SUCH_URL:-duckdb:///x.duckdb}") == "duckdb"
    assert dialect_for_url("${NO_SUCH_URL}") is None


def _with_sql(sql: str) -> str:
    return FRAMEWORK.replace(TABLE_BINDING, SQL_BINDING.format(sql=sql))


def test_config_load_reports_multi_statement_binding_with_file_and_line(tmp_path: Path) -> None:
    framework = _with_sql("SELECT 1 AS numerator; DROP TABLE hospital_admissions")
    found = problems(write_config(tmp_path, framework))
    assert found == [f"config/framework.yaml:{ln(framework, 'sql: >-')}: metrics[0].binding.sql: "
                     "the SQL holds 2 statements; a binding is exactly one SELECT "
                     "(remove the ';' and anything after it)"]


def test_outcomes_check_reports_sql_syntax_error(tmp_path: Path) -> None:
    framework = _with_sql("SELEC admission_date AS period_date FROM hospital_admissions")
    result = CliRunner().invoke(app, ["check", "--config", str(write_config(tmp_path, framework, DATASOURCES))])
    assert result.exit_code == 1
    assert f"config/framework.yaml:{ln(framework, 'sql: >-')}: metrics[0].binding.sql: the SQL does not parse" \
        in result.stdout


def test_outcomes_check_asks_a_reachable_source_to_plan_the_sql(tmp_path: Path, sample_db) -> None:
    framework = _with_sql("SELECT admission_date AS period_date, area_code AS area, 1 AS numerator "
                          "FROM hospital_admisions")
    datasources = f"datasources:\n  - id: sample\n    url: sqlite:///{sample_db}\n"
    result = CliRunner().invoke(app, ["check", "--config", str(write_config(tmp_path, framework, datasources))])
    assert result.exit_code == 1
    assert (f"config/framework.yaml:{ln(framework, 'sql: >-')}: metrics[0].binding.sql: the data source 'sample' "
            "refuses this SQL: no such table: hospital_admisions") in result.stdout
    fixed = framework.replace("hospital_admisions", "hospital_admissions").replace(
        "1 AS numerator", "1 AS numerator, NULL AS denominator")
    other = tmp_path / "fixed"
    other.mkdir()
    ok = CliRunner().invoke(app, ["check", "--config", str(write_config(other, fixed, datasources))])
    assert ok.exit_code == 0, ok.stdout


def test_outcomes_check_passes_when_the_source_is_not_reachable(tmp_path: Path) -> None:
    framework = _with_sql("SELECT admission_date AS period_date, area_code AS area, 1 AS numerator "
                          "FROM hospital_admisions")
    result = CliRunner().invoke(app, ["check", "--config", str(write_config(tmp_path, framework))])
    assert result.exit_code == 0, result.stdout  # sample_data/sample.db does not exist beside this config
