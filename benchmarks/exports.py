"""Reports after sign-off: what the background preparation costs (``reports.after_sign_off``: the charts drawn and
stored, then each report file rendered into the export cache), what a download then costs (served from the cache:
the first download after sign-off), and what rendering each file costs when it is not prepared (its charts
already stored, so "render" is the layout and writing alone), with the CPU each takes.
Not asserted anywhere; timings on a shared machine vary. ``--json``: one line for ``benchmarks/run.py``.

    .venv/bin/python -m benchmarks.exports [--framework warwickshire] [--period 2025-03]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", default="warwickshire")
    parser.add_argument("--period", default="2025-03")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import snapshots
    from datasources.store import Store
    from metrics.service import MetricsService
    from reports import after_sign_off, export_cache

    with tempfile.TemporaryDirectory() as folder:
        os.environ[export_cache.CACHE_ENV] = str(Path(folder) / "cache")
        store = Store(f"sqlite:///{Path(folder) / 'outcomes.db'}")
        service = MetricsService.from_config_dir()
        snap = snapshots.create(service, store, args.framework, args.period, "benchmark")
        wall, cpu = time.perf_counter(), time.process_time()
        after_sign_off.prepare(store, snap)  # what the review pack starts in the background at sign-off
        found = {"prepared after sign-off": {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}}
        comparison = snapshots.comparison_of(store, snap)
        for fmt, scope in (("pdf", "full"), ("pdf", "exceptions"), ("docx", "full"), ("xlsx", "full"),
                           ("csv", "full")):
            # the first download after sign-off: the snapshot read from the store, then the prepared file
            wall = time.perf_counter()
            export_cache.cached_export(store, snapshots.load(store, snap.id), comparison, fmt, scope)
            served = time.perf_counter() - wall
            # the same file rendered afresh in another cache (charts stored): what an unprepared download costs
            os.environ[export_cache.CACHE_ENV] = str(Path(folder) / f"render-{fmt}-{scope}")
            wall, cpu = time.perf_counter(), time.process_time()
            export_cache.cached_export(store, snap, comparison, fmt, scope, wait=600)
            found[f"{fmt} {scope}"] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                                       "warm": served}
            os.environ[export_cache.CACHE_ENV] = str(Path(folder) / "cache")
        store.dispose()
    if args.json:
        print(json.dumps(found))
        return
    print(f"{'export':<28} {'render s':>8} {'render CPU s':>12} {'download ms':>12}")
    for name, seconds in found.items():
        warm = f"{seconds['warm'] * 1000:>12.1f}" if "warm" in seconds else ""
        print(f"{name:<28} {seconds['wall']:>8.2f} {seconds['cpu']:>12.2f} {warm}")


if __name__ == "__main__":
    main()
