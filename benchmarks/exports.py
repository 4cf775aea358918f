"""Export cache: a snapshot's PDF, Word, workbook and CSV rendered (cold) and then served from the
cache (warm), with the CPU each takes. Not asserted anywhere; timings on a shared machine vary.

    .venv/bin/python -m benchmarks.exports [--framework warwickshire] [--period 2025-03]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", default="warwickshire")
    parser.add_argument("--period", default="2025-03")
    args = parser.parse_args()
    import snapshots
    from datasources.store import Store
    from metrics.service import MetricsService
    from reports import export_cache

    with tempfile.TemporaryDirectory() as folder:
        os.environ[export_cache.CACHE_ENV] = str(Path(folder) / "cache")
        store = Store(f"sqlite:///{Path(folder) / 'outcomes.db'}")
        service = MetricsService.from_config_dir()
        snap = snapshots.create(service, store, args.framework, args.period, "benchmark")
        comparison = snapshots.comparison_of(store, snap)
        # warm: what a download costs once cached (the snapshot read from the store, then the cache hit)
        print(f"{'format':<8} {'cold s':>8} {'cold CPU s':>11} {'warm ms':>9}")
        for fmt in ("pdf", "docx", "xlsx", "csv"):
            wall, cpu = time.perf_counter(), time.process_time()
            export_cache.cached_export(store, snap, comparison, fmt)
            cold, cold_cpu = time.perf_counter() - wall, time.process_time() - cpu
            wall = time.perf_counter()
            export_cache.cached_export(store, snapshots.load(store, snap.id), comparison, fmt)
            warm = time.perf_counter() - wall
            print(f"{fmt:<8} {cold:>8.2f} {cold_cpu:>11.2f} {warm * 1000:>9.1f}")
        store.dispose()


if __name__ == "__main__":
    main()
