"""The Snapshots page in Chromium: list, downloads, compare."""

from __future__ import annotations

import pytest

import snapshots


@pytest.mark.browser
def test_snapshots_page_lists_downloads_and_compares(page, live_server, service, app_store):
    first = snapshots.create(service, app_store, "warwickshire", "2024-03", "tester")
    second = snapshots.create(service, app_store, "warwickshire", "2025-03", "tester")
    page.goto(f"{live_server}/snapshots")
    table = page.locator("#snapshot-table")
    table.wait_for(timeout=15000)
    assert table.locator(f'tr[data-snapshot="{first.id}"]').count() == 1
    assert table.locator(f'tr[data-snapshot="{second.id}"]').count() == 1
    assert page.get_by_label("Earlier snapshot").count() == 1
    link = page.locator(f'tr[data-snapshot="{second.id}"] a[href$="/download/xlsx"]')
    response = page.request.get(live_server + link.get_attribute("href"))
    assert response.status == 200 and response.body()[:2] == b"PK"
    assert page.request.get(f"{live_server}/snapshots/999/download/pdf").status == 404
    # The session's store may hold other tests' snapshots (any framework, any order), so choose the two
    # to compare rather than rely on the page's default of the newest two.
    page.select_option("#snapshot-compare-before", str(first.id))
    page.select_option("#snapshot-compare-after", str(second.id))
    compare = page.locator("#snapshot-compare-table")
    page.locator("#snapshot-compare-table caption",
                 has_text=f"Changes from snapshot #{first.id} to snapshot #{second.id}").wait_for(timeout=15000)
    rows = compare.locator("tbody tr")
    # One row per metric: a metric that evidences two intentions is compared once.
    assert rows.count() == len({e["metric_id"] for e in second.evaluations})
    text = compare.inner_text()
    assert "new data" in text
    # status words, not only colour
    assert compare.locator(".status-badge").first.inner_text().split()[-1] in {
        "Achieved", "track", "risk", "started", "data"}
    assert f"#{first.id}" in page.locator("#snapshot-compare-before").inner_text()


def test_a_snapshot_is_compared_only_with_an_earlier_one(dash_app, service, app_store):
    """The first snapshot of a framework is not compared with itself (46 "No change" rows); the page says there
    is no earlier one. With an earlier one, that is what it is compared with; a later one chosen as the
    "earlier" is refused in words."""
    import json

    from dashboard.pages import snapshots as page

    client = dash_app.server.test_client()
    client.get("/")
    from tests.test_bad_input import clear, page as content_of

    first = snapshots.create(service, app_store, "cornwall", None, "tester")  # no other test makes cornwall's
    text = clear(content_of(client, "/snapshots"))
    assert f"Snapshot #{first.id} is the first of cornwall: there is no earlier snapshot to compare it with." in text
    assert "snapshot-compare-table" not in text and "No change" not in text

    second = snapshots.create(service, app_store, "cornwall", first.period, "tester")
    text = clear(content_of(client, "/snapshots"))
    assert f"Changes from snapshot #{first.id} to snapshot #{second.id}" in text
    with dash_app.server.test_request_context("/snapshots"):
        reversed_order = json.dumps(page.compare_table(str(second.id), str(first.id)).to_plotly_json(),
                                    default=lambda c: c.to_plotly_json())
        itself = json.dumps(page.compare_table(str(first.id), str(first.id)).to_plotly_json(),
                            default=lambda c: c.to_plotly_json())
    assert f"Snapshot #{second.id}" in reversed_order and "is not earlier than" in reversed_order
    assert "is not earlier than" in itself
