"""A snapshot's report charts are drawn once and stored with it: after sign-off on the review pack (in the
background), or by the first export that needs them; every later PDF or Word export of the snapshot reads
them from the store and draws none. Draws are counted with a wrapper around the browser drawing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import snapshots
from datasources.store import snapshot_charts
from reports import after_sign_off, chart_images, content, export_cache
from tests.pdf_as_html import pdf_as_html

pytestmark = pytest.mark.usefixtures("pdf_left_as_html")  # below: no test here reads a PDF's layout


def _png_pixel() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff\xff")) + chunk(b"IEND", b""))


@pytest.fixture
def drawn(monkeypatch):
    """Every figure sent to the browser, in order (each drawn as bytes naming its place, no Chromium), and an
    empty memory, so only the store can spare a drawing."""
    sent: list[object] = []
    pixel = _png_pixel()

    def draw(figures):
        sent.extend(figures)
        return [pixel] * len(figures)

    monkeypatch.setattr(chart_images, "_draw", draw)
    monkeypatch.setattr(chart_images, "_kept", type(chart_images._kept)())
    return sent


@pytest.fixture
def lewisham(service, temp_store, monkeypatch, tmp_path):
    monkeypatch.setenv(export_cache.CACHE_ENV, str(tmp_path / "cache"))
    return temp_store, snapshots.create(service, temp_store, "lewisham", "2025-03", "tester")


@pytest.fixture
def pdf_left_as_html():
    """A PDF export writes the HTML it would give WeasyPrint (``tests/pdf_as_html.py``): the charts are asked for
    while that HTML is made, which is what these tests count, and WeasyPrint's layout (some 4 s of CPU for each
    of Lewisham's full reports) draws none and is read by none of them."""
    with pdf_as_html():
        yield


def _stored_count(store, snapshot_id: int) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(snapshot_charts)
                            .where(snapshot_charts.c.snapshot_id == snapshot_id)).scalar_one()


def test_charts_drawn_after_sign_off_are_stored_and_no_export_draws_again(lewisham, drawn, monkeypatch) -> None:
    store, snap = lewisham
    figures = after_sign_off.report_figures(snap, snapshots.comparison_of(store, snap))
    distinct = {chart_images._digest(f) for f in figures}
    assert len(distinct) > 5
    after_sign_off.draw_charts(store, snap)
    assert len(drawn) == len(distinct) == _stored_count(store, snap.id)

    monkeypatch.setattr(chart_images, "_kept", type(chart_images._kept)())  # another worker: nothing in memory
    comparison = snapshots.comparison_of(store, snap)
    for fmt, scope in (("pdf", "full"), ("docx", "full"), ("pdf", "exceptions"), ("docx", "exceptions")):
        export_cache.cached_export(store, snapshots.load(store, snap.id), comparison, fmt, scope)
    assert len(drawn) == len(distinct), "an export drew a chart that sign-off had stored"


def test_an_export_draws_only_the_charts_not_stored_yet_and_stores_them(lewisham, drawn) -> None:
    store, snap = lewisham
    figures = after_sign_off.report_figures(snap, snapshots.comparison_of(store, snap))
    with chart_images.stored_with(store, snap.id):
        chart_images.images(figures[:3])  # an earlier, interrupted drawing stored a few
    assert len(drawn) == 3
    export_cache.cached_export(store, snap, snapshots.comparison_of(store, snap), "pdf")
    full_report = {chart_images._digest(f) for f in figures[:3]} | {
        chart_images._digest(b.figure) for b in content.build(snap, None, "full")
        if isinstance(b, content.Chart)}
    assert len(drawn) == len(full_report)  # the three stored ones were not drawn again
    assert _stored_count(store, snap.id) == len(full_report)


def test_stored_images_belong_to_their_snapshot(service, temp_store, drawn) -> None:
    first = snapshots.create(service, temp_store, "lewisham", "2025-03", "tester")
    second = snapshots.create(service, temp_store, "lewisham", "2025-03", "tester")
    figures = after_sign_off.report_figures(first, snapshots.comparison_of(temp_store, first))[:2]
    with chart_images.stored_with(temp_store, first.id):
        chart_images.images(figures)
    chart_images._kept.clear()
    with chart_images.stored_with(temp_store, second.id):
        chart_images.images(figures)
    assert len(drawn) == 4 and _stored_count(temp_store, second.id) == 2


def test_the_drawing_settings_are_part_of_the_key(lewisham, drawn, monkeypatch) -> None:
    store, snap = lewisham
    figures = after_sign_off.report_figures(snap, snapshots.comparison_of(store, snap))[:2]
    with chart_images.stored_with(store, snap.id):
        chart_images.images(figures)
        monkeypatch.setattr(chart_images, "SCALE", chart_images.SCALE + 1)
        chart_images.images(figures)
    assert len(drawn) == 4 and _stored_count(store, snap.id) == 4


def test_signing_off_on_the_review_pack_prepares_the_reports_in_the_background(service, temp_store) -> None:
    """The app hands the review pack's sign-off the background preparation (the dashboard cannot import reports)."""
    from app import create_app
    from reports import after_sign_off

    dash_app = create_app(service=service, store=temp_store)
    assert dash_app.server.extensions["outcomes"].after_sign_off is after_sign_off.prepare_in_background


def test_after_sign_off_every_report_file_is_ready_and_a_download_renders_nothing(lewisham, drawn,
                                                                               monkeypatch) -> None:
    """The charts drawn once, then each report file rendered into the export cache, the committee paper first; a
    download after that is served from the cache: nothing rendered, nothing drawn."""
    from reports import after_sign_off

    store, snap = lewisham
    rendered: list[tuple[str, str]] = []
    render_into = export_cache._render_into

    def counting(root, entry, snapshot, comparison, fmt, scope):
        rendered.append((fmt, scope))
        return render_into(root, entry, snapshot, comparison, fmt, scope)

    monkeypatch.setattr(export_cache, "_render_into", counting)
    after_sign_off.prepare_in_background(store, snap).join()
    assert rendered == list(after_sign_off.PREPARED) and rendered[0] == ("pdf", "exceptions")
    charts_drawn = len(drawn)
    assert charts_drawn == _stored_count(store, snap.id) > 5
    comparison = snapshots.comparison_of(store, snap)
    for fmt, scope in after_sign_off.PREPARED:
        [first, *_] = export_cache.cached_export(store, snapshots.load(store, snap.id), comparison, fmt, scope)
        assert first.stat().st_size > 0
    assert len(rendered) == len(after_sign_off.PREPARED) and len(drawn) == charts_drawn
