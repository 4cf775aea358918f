"""Parsed YAML kept by content (metrics.definitions.parse_cache): the same answer as parsing, line numbers
included; a changed file parsed again; each caller's copy its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.definitions import parse_cache
from metrics.definitions.loader import load_config, parse_file
from metrics.definitions.parsed import ConfigError

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("OUTCOMES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(parse_cache, "_MEMORY", {})
    return tmp_path / "cache"


def test_a_kept_parse_is_the_parse_with_its_lines(tmp_path: Path, own_cache: Path, monkeypatch) -> None:
    config = tmp_path / "config"
    config.mkdir()
    path = config / "a.yaml"
    path.write_text("metrics:\n  - id: one\n    title: One\n    unexpected: 1\n")
    first, _ = parse_file(path, config)
    assert list((own_cache / "config").glob("*.pickle")), "kept on disk"
    monkeypatch.setattr(parse_cache, "_MEMORY", {})  # as a new process: from the disk
    calls = []
    monkeypatch.setattr("metrics.definitions.loader._parse", lambda text: calls.append(text))
    again, _ = parse_file(path, config)
    assert calls == [], "not parsed again"
    assert again.data == first.data and again.lines == first.lines
    assert again.lines[("metrics", 0, "unexpected")] == 4
    again.data["metrics"].append({"id": "two"})  # one caller's change is not the next caller's data
    assert parse_file(path, config)[0].data == first.data


def test_a_changed_file_is_parsed_again(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    path = config / "a.yaml"
    path.write_text("metrics:\n  - id: one\n")
    assert parse_file(path, config)[0].data == {"metrics": [{"id": "one"}]}
    path.write_text("metrics:\n  - id: two\n")
    assert parse_file(path, config)[0].data == {"metrics": [{"id": "two"}]}


def test_a_problem_is_reported_at_its_line_from_a_kept_parse(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "bad.yaml").write_text("datasources:\n  - id: s\n    url: sqlite:///x.db\n    colour: red\n")
    messages = []
    for _ in range(2):  # parsed, then kept
        with pytest.raises(ConfigError) as caught:
            load_config(config)
        messages.append(str(caught.value))
        monkeypatch.setattr(parse_cache, "_MEMORY", {})
    assert messages[0] == messages[1] and "bad.yaml:4" in messages[0]


def test_off_keeps_nothing_on_disk(tmp_path: Path, own_cache: Path, monkeypatch) -> None:
    monkeypatch.setenv("OUTCOMES_CACHE_DIR", "off")
    load_config(PROJECT / "config")
    assert not own_cache.exists()
