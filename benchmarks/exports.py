"""Export cache: a snapshot's PDF, Word, workbook and CSV rendered (cold) and then served from the
cache (warm), with the CPU each takes, and the exceptions paper as PDF. The charts are drawn first, as after
sign-off (in the background, stored with the snapshot), so "cold" is the first download after sign-off.
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
    from reports import chart_images, export_cache

    with tempfile.TemporaryDirectory() as folder:
        os.environ[export_cache.CACHE_ENV] = str(Path(folder) / "cache")
        store = Store(f"sqlite:///{Path(folder) / 'outcomes.db'}")
        service = MetricsService.from_config_dir()
        snap = snapshots.create(service, store, args.framework, args.period, "benchmark")
        wall, cpu = time.perf_counter(), time.process_time()
        chart_images.draw_in_background(store, snap).join()
        drawn = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
        comparison = snapshots.comparison_of(store, snap)
        # warm: what a download costs once cached (the snapshot read from the store, then the cache hit)
        found = {"charts drawn after sign-off": drawn}
        for fmt, scope in (("pdf", "full"), ("pdf", "exceptions"), ("docx", "full"), ("xlsx", "full"),
                           ("csv", "full")):
            wall, cpu = time.perf_counter(), time.process_time()
            export_cache.cached_export(store, snap, comparison, fmt, scope, wait=600)
            cold, cold_cpu = time.perf_counter() - wall, time.process_time() - cpu
            wall = time.perf_counter()
            export_cache.cached_export(store, snapshots.load(store, snap.id), comparison, fmt, scope)
            found[f"{fmt} {scope}"] = {"wall": cold, "cpu": cold_cpu, "warm": time.perf_counter() - wall}
        store.dispose()
    if args.json:
        print(json.dumps(found))
        return
    print(f"{'export':<28} {'cold s':>8} {'cold CPU s':>11} {'warm ms':>9}")
    for name, seconds in found.items():
        warm = f"{seconds['warm'] * 1000:>9.1f}" if "warm" in seconds else ""
        print(f"{name:<28} {seconds['wall']:>8.2f} {seconds['cpu']:>11.2f} {warm}")


if __name__ == "__main__":
    main()
