"""The overview in Chromium (issue 20): Warwickshire's 81 intentions fit in about four screens at 1280 px, the
first screen says what needs attention, no word in its tables is split across lines at 1280 or 390 px,
the filters work from the keyboard, and axe finds nothing with the reasons shown and a matrix cell listed.

Pages open in the worker's kept browser context (``open_page``): the overview's scripts are fetched and compiled
once per worker, not once per test."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

SCREEN = 800  # a 1280 x 800 laptop screen
#: About four screens: four, and half a screen for what the framework's own words add.
MOST = 4 * SCREEN + SCREEN // 2
WARWICKSHIRE = "/?framework=warwickshire"


def open_overview(open_page, width: int, path: str = WARWICKSHIRE):
    page = open_page(path, "#intention-table", width=width, height=SCREEN)
    # The sparklines (images) are in: each decoded, not half a second of a quiet network.
    page.wait_for_function("""() => { const imgs = [...document.querySelectorAll('#intention-table img.sparkline')];
        return imgs.length > 0 && imgs.every(img => img.complete && img.naturalWidth > 0); }""")
    return page


#: Words in a table cell laid out on two lines or more (split mid-way: "Pro gres s", "10 0%"), each word's own
#: boxes in its own font; breaks after a hyphen and visually hidden text are not counted.
SPLIT_WORDS = r"""() => {
    const broken = [];
    let words = 0;
    document.querySelectorAll('#overview-body table th, #overview-body table td').forEach(cell => {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode;
            if (node.parentElement.closest('.visually-hidden, .reason-line')) { continue; }
            for (const match of node.textContent.matchAll(/[^\s-]+/g)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                      .map(r => Math.round(r.top)));
                words += 1;
                if (lines.size > 1) { broken.push(match[0]); }
            }
        }
    });
    return {broken: broken.slice(0, 10), words};
}"""


def test_warwickshire_fits_in_about_four_screens_and_no_word_is_split(open_page) -> None:
    """At 1280 px: about four screens, the summary first. Then with the reasons shown, at 1280 px and widened down
    to 390 (the page's scripts refit on a resize; the check waits for that): no word split, no sideways scroll."""
    from tests.test_wcag_browser import widen

    page = open_overview(open_page, 1280)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < MOST, f"the overview is {height} px tall at 1280 px ({height / SCREEN:.1f} screens)"
    assert page.locator("#intention-table tbody tr[data-intention]").count() == 81
    # The first screen says what needs attention: intentions and metrics by status, milestones late,
    # actions overdue and the Making Data Count matrix, all above the fold.
    for part in ("#intention-counts", "#metric-counts", "#milestones-late", "#actions-overdue", "#spc-matrix"):
        box = page.locator(part).bounding_box()
        assert box["y"] + box["height"] <= SCREEN, f"{part} is below the first screen: {box}"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    page.get_by_label("Show why each has its status").check()  # the reasons wrap too, between words
    for width in (1280, 390):
        widen(page, width)
        measured = page.evaluate(SPLIT_WORDS)
        assert measured["words"] > 1000  # the tables were there to measure
        assert measured["broken"] == [], f"words split across lines at {width} px: {measured['broken']}"
        doc = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert doc[0] <= doc[1], f"the page scrolls sideways at {width} px"


def test_filters_from_the_keyboard_and_the_counts_as_links(open_page) -> None:
    page = open_overview(open_page, 1280)
    rows = page.locator("#intention-table tbody tr[data-intention]")
    page.locator("#status-filter").focus()
    page.keyboard.press("ArrowDown")  # a native select: the first status after "All statuses"
    page.wait_for_function("document.querySelector('#overview-status').textContent.includes('off track')")
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.status)")) == {"off_track"}
    said = page.locator("#overview-status").text_content()
    assert re.fullmatch(r"Showing \d+ intentions at \d{4}-\d\d: \d+ off track\.", said), said
    # Sorted by lead from the keyboard: the leads in order, each in its row.
    page.locator("#sort-select").select_option("lead")
    page.wait_for_selector("#intention-table th[aria-sort='ascending']:has-text('Lead')")
    leads = rows.evaluate_all("rs => rs.map(r => r.children[2].textContent)")
    assert leads == sorted(leads, key=str.casefold)
    # A count on the first screen is a link to its intentions.
    page.locator("#status-filter").select_option("__all__")
    page.wait_for_function("!document.querySelector('#overview-status').textContent.endsWith('off track.')")
    page.locator("#intention-counts li[data-status='not_assessed'] a").click()
    page.wait_for_url(re.compile(r"status=not_assessed"))
    page.wait_for_function("""() => {
        const rs = [...document.querySelectorAll('#intention-table tr[data-intention]')];
        return rs.length > 0 && rs.every(r => r.dataset.status === 'not_assessed'); }""")
    assert page.locator("#status-filter").input_value() == "not_assessed"


def test_a_matrix_cell_lists_its_metrics_and_axe_finds_nothing(open_page) -> None:
    from tests.test_wcag_browser import axe_violations

    page = open_overview(open_page, 1280)
    cell = page.locator("#spc-matrix td[data-count]:not([data-count='0'])").first
    count = int(cell.get_attribute("data-count"))
    cell.get_by_role("link").click()
    page.wait_for_selector("#spc-cell-metrics")
    assert page.locator("#spc-cell-metrics tbody tr[data-metric]").count() == count
    page.get_by_label("Show why each has its status").check()
    assert page.locator("#intention-table .reason-line").first.is_visible()
    assert axe_violations(page) == []
