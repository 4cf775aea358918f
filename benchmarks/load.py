"""An open-loop load run against a served dashboard: ``reviewers`` simulated people, each asking for
the overview callback every ``interval`` seconds for ``seconds`` seconds, whether or not earlier
answers have come back (open loop: a slow server is not let off by slower clients).

    .venv/bin/python -m benchmarks.load --url http://127.0.0.1:8064 --reviewers 200 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PAYLOAD = json.dumps({
    "output": ".._pages_content.children..._pages_store.data..",
    "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
    "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"},
               {"id": "_pages_location", "property": "search", "value": ""}],
    "changedPropIds": ["_pages_location.pathname"], "state": [],
}).encode()


def ask(url: str) -> tuple[float, bool]:
    started = time.perf_counter()
    request = urllib.request.Request(f"{url}/_dash-update-component", data=PAYLOAD, method="POST",
                                     headers={"Content-Type": "application/json", "Origin": url,
                                              "Accept-Encoding": "gzip, deflate"})  # as a browser asks
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            ok = response.status == 200 and len(response.read()) > 0
    except OSError:
        ok = False
    return time.perf_counter() - started, ok


def load_run(url: str, reviewers: int, seconds: float, interval: float = 2.0) -> dict[str, float]:
    """p50 and p95 seconds, errors and the requests per second offered and answered."""
    results: list[tuple[float, bool]] = []
    lock = threading.Lock()

    def record(future) -> None:
        with lock:
            results.append(future.result())

    start = time.perf_counter()
    sent = 0
    with ThreadPoolExecutor(max_workers=min(512, reviewers * 4)) as pool:
        # Each reviewer's first request is spread over the first interval, then every interval after.
        schedule = sorted((r * interval / reviewers) + k * interval
                          for r in range(reviewers) for k in range(int(seconds / interval)))
        for due in schedule:
            delay = start + due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(ask, url).add_done_callback(record)
            sent += 1
    elapsed = time.perf_counter() - start
    times = sorted(t for t, _ in results)
    errors = sum(1 for _, ok in results if not ok)
    return {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1], "errors": errors,
            "offered_rps": sent / seconds, "answered_rps": (len(results) - errors) / elapsed, "requests": sent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--reviewers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    first = ask(args.url)
    print(f"first request {first[0] * 1000:.0f} ms ({'ok' if first[1] else 'error'})")
    result = load_run(args.url, args.reviewers, args.seconds)
    print(f"{args.reviewers} reviewers every 2 s for {args.seconds:g} s: p50 {result['p50'] * 1000:.0f} ms, "
          f"p95 {result['p95'] * 1000:.0f} ms, {result['errors']} errors of {result['requests']}; "
          f"offered {result['offered_rps']:.0f} req/s, answered {result['answered_rps']:.0f} req/s")


if __name__ == "__main__":
    main()
