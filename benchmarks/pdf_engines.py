"""The PDF engines measured on the same report: WeasyPrint (the product's, ``reports/pdf.py``) and Typst
(``benchmarks/typst_report.py``). The snapshot's charts are drawn once and stored first, as at sign-off, so
both engines lay out the same blocks with the same images; each engine then renders in a process of its own,
for its own peak memory. Prints one line per engine: wall and CPU seconds, peak MiB, pages.

    .venv/bin/python -m benchmarks.pdf_engines [--framework warwickshire --period 2025-03] [--scope exceptions]
    .venv/bin/python -m benchmarks.pdf_engines --metrics 200
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def _render(engine: str, database: str, snapshot_id: int, scope: str, out: str) -> None:
    import snapshots
    from datasources.store import Store
    from reports import chart_images

    store = Store(f"sqlite:///{database}")
    snap = snapshots.load(store, snapshot_id)
    comparison = snapshots.comparison_of(store, snap)
    wall, cpu = time.perf_counter(), time.process_time()
    with chart_images.stored_with(store, snap.id):
        if engine == "weasyprint":
            from reports import pdf

            pdf.render(snap, Path(out), comparison, scope)
        else:
            from benchmarks import typst_report

            typst_report.render(snap, Path(out), comparison, scope)
    from pypdf import PdfReader

    print(json.dumps({"engine": engine, "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "pages": len(PdfReader(out).pages)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", default="warwickshire")
    parser.add_argument("--period", default="2025-03")
    parser.add_argument("--metrics", type=int, help="the benchmark framework of this many metrics instead")
    parser.add_argument("--scope", default="full", choices=("full", "exceptions"))
    parser.add_argument("--render", nargs=4, metavar=("ENGINE", "DATABASE", "SNAPSHOT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render:
        engine, database, snapshot_id, out = args.render
        _render(engine, database, int(snapshot_id), args.scope, out)
        return
    import snapshots
    from datasources.store import Store
    from metrics.service import MetricsService
    from reports import after_sign_off

    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "outcomes.db")
        store = Store(f"sqlite:///{database}")
        if args.metrics:
            from benchmarks.framework200 import write_framework

            config = write_framework(Path(folder) / "config", PROJECT / "sample_data" / "sample.db", args.metrics)
            snap = snapshots.create(MetricsService.from_config_dir(config), store, "bench", None, "benchmark")
        else:
            snap = snapshots.create(MetricsService.from_config_dir(), store, args.framework, args.period, "benchmark")
        after_sign_off.draw_charts(store, snap)  # as after sign-off
        store.dispose()
        for engine in ("weasyprint", "typst"):
            found = subprocess.run([sys.executable, "-m", "benchmarks.pdf_engines", "--scope", args.scope, "--render",
                                    engine, database, str(snap.id), str(Path(folder) / f"{engine}.pdf")],
                                   cwd=PROJECT, check=True, capture_output=True, text=True)
            print(found.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
