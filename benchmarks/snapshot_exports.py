"""One measure for ``make bench``: a snapshot of the benchmark framework and its four exports (PDF, Word,
workbook, CSV), timed from a new service, with the peak memory of this process (Chromium, which
draws the charts, runs in processes of its own and is not counted). As at sign-off, the charts are drawn in the
background once the snapshot is made; the workbook and CSV (which have none) are written meanwhile, and the
PDF and Word report wait for the stored images. Run in a process of its own so the
peak is this work's alone; prints one JSON line.

    .venv/bin/python -m benchmarks.snapshot_exports CONFIG_DIR
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def main(config: str) -> None:
    import snapshots
    from datasources.store import Store
    from metrics.service import MetricsService
    from reports import after_sign_off, export_cache

    with tempfile.TemporaryDirectory() as folder:
        os.environ[export_cache.CACHE_ENV] = str(Path(folder) / "cache")
        store = Store(f"sqlite:///{Path(folder) / 'outcomes.db'}")
        started = time.perf_counter()
        service = MetricsService.from_config_dir(Path(config))
        snap = snapshots.create(service, store, "bench", None, "benchmark")
        made = time.perf_counter() - started
        after_sign_off.draw_charts(store, snap)  # as at sign-off
        comparison = snapshots.comparison_of(store, snap)
        seconds = {}
        for fmt in ("xlsx", "csv", "pdf", "docx"):
            began = time.perf_counter()
            export_cache.cached_export(store, snap, comparison, fmt, wait=600)
            seconds[fmt] = time.perf_counter() - began
        store.dispose()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(json.dumps({"snapshot": made, "exports": seconds, "total": time.perf_counter() - started,
                      "peak_mib": peak_mib}))


if __name__ == "__main__":
    main(sys.argv[1])
