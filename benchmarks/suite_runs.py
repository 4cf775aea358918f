"""The record of whole-suite test runs, for the benchmark table's rows about the suite itself.

``make test`` (the whole suite, no selection) appends one line per run to ``.test-runs.jsonl`` in the
checkout (ignored by git): when it ran, how long ``make test`` took from the moment make read its
Makefile, the random order's seed, the counts, the cores and the load average before and after. The
issue's measures are then read from real runs rather than from a second run the benchmark would start:
"``make test``, 2 cores, warm checkout" is the newest run, and "three random-order runs, one under load"
the newest three with their seeds. A run is "under load" when the load average before it was at least
the number of cores (something else kept them busy).

Written by ``tests/conftest.py`` (pytest's controller process only, never an xdist worker), read by
``benchmarks/run.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

RECORD = Path(__file__).resolve().parent.parent / ".test-runs.jsonl"
KEEP = 50  # the newest runs kept; older lines are dropped when one is added


def append(run: dict[str, Any], record: Path = RECORD) -> None:
    """Add one run, keeping the newest :data:`KEEP`. Written whole and renamed, so a reader never sees half."""
    lines = record.read_text().splitlines() if record.exists() else []
    lines = [*lines, json.dumps(run, sort_keys=True)][-KEEP:]
    partial = record.with_name(record.name + ".tmp")
    partial.write_text("\n".join(lines) + "\n")
    os.replace(partial, record)


def newest(count: int, record: Path = RECORD) -> list[dict[str, Any]]:
    """The newest ``count`` runs, newest first; lines that are not JSON (a hand edit) are passed over."""
    if not record.exists():
        return []
    runs = []
    for line in reversed(record.read_text().splitlines()):
        try:
            runs.append(json.loads(line))
        except json.JSONDecodeError:
            continue
        if len(runs) == count:
            break
    return runs


def under_load(run: dict[str, Any]) -> bool:
    return run.get("load_before", 0.0) >= run.get("cores", 1)


def describe(run: dict[str, Any]) -> str:
    """One run in words: ``"5 min 41 s, seed 123, 1291 passed, load 0.4 (2026-12-07 22:10)"``."""
    minutes, seconds = divmod(round(run["seconds"]), 60)
    counts = ", ".join(f"{run['counts'][k]} {k}" for k in ("passed", "failed", "error", "skipped")
                       if run["counts"].get(k))
    load = f"load {run['load_before']:.1f}" + (" (under load)" if under_load(run) else "")
    return f"{minutes} min {seconds:02d} s, seed {run['seed']}, {counts}, {load} ({run['finished'][:16]})"
