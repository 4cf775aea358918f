"""The record of whole-suite runs that the benchmark table reads (benchmarks/suite_runs.py)."""

from __future__ import annotations

from benchmarks import suite_runs


def _run(seed: int, seconds: float = 341.0, load: float = 0.4, failed: int = 0) -> dict:
    return {"finished": "2026-12-07T22:10:05", "seconds": seconds, "seed": seed, "cores": 2, "workers": 2,
            "counts": {"passed": 1291 - failed, "failed": failed, "error": 0, "skipped": 0},
            "load_before": load, "load_after": 2.0, "by": "make test"}


def test_runs_are_read_newest_first_and_only_the_newest_are_kept(tmp_path, monkeypatch):
    record = tmp_path / "runs.jsonl"
    monkeypatch.setattr(suite_runs, "KEEP", 3)
    for seed in range(5):
        suite_runs.append(_run(seed), record)
    assert [run["seed"] for run in suite_runs.newest(10, record)] == [4, 3, 2]
    assert [run["seed"] for run in suite_runs.newest(2, record)] == [4, 3]
    assert not record.with_name("runs.jsonl.tmp").exists()


def test_a_line_that_is_not_json_is_passed_over_and_no_record_reads_as_no_runs(tmp_path):
    record = tmp_path / "runs.jsonl"
    assert suite_runs.newest(3, record) == []
    suite_runs.append(_run(1), record)
    with record.open("a") as f:
        f.write("not json\n")
    assert [run["seed"] for run in suite_runs.newest(3, record)] == [1]


def test_a_run_is_described_with_its_time_seed_counts_and_load():
    assert suite_runs.describe(_run(77, seconds=341.4)) == \
        "5 min 41 s, seed 77, 1291 passed, load 0.4 (2026-12-07T22:10)"
    busy = suite_runs.describe(_run(78, seconds=402, load=3.1, failed=2))
    assert busy == "6 min 42 s, seed 78, 1289 passed, 2 failed, load 3.1 (under load) (2026-12-07T22:10)"
    assert suite_runs.under_load(_run(1, load=2.0)) and not suite_runs.under_load(_run(1, load=1.9))
