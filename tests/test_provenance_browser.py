"""Where the targets come from, one framework a page (``/provenance?framework=<id>``), in Chromium.

tests/test_wcag_browser.py checks the default framework's page, where ``/provenance`` arrives (reflow, title, and
axe-core at 320 and 1280 px). Every framework's page is built by the same code from other words, so what is left
to check on the others is what the words change: no word in their tables broken and nothing wider than the
screen, at 320 and 390 px; and that a reader reaches each one from the page: by the framework chooser, or by the
framework's name in the counts at the top."""

from __future__ import annotations

import pytest

from tests.test_wcag_browser import reflows, widen

pytestmark = pytest.mark.browser

OTHER_WIDTH = {320: 390, 390: 320}


def test_every_framework_is_reached_from_the_page_and_reflows(open_page, service) -> None:
    from playwright.sync_api import expect

    shown = service.framework()  # the default, as the overview's
    others = [fw for fw in service.config.frameworks.values() if fw is not shown]
    page = open_page("/provenance", f"#provenance-{shown.id} table", width=320, height=800)
    width = 320
    for fw in others:
        if fw is others[-1]:  # the last by its name in the counts at the top, the others by the chooser
            page.locator("#coverage-counts").get_by_role("link", name=fw.title, exact=True).click()
        else:
            page.get_by_label("Framework", exact=True).select_option(fw.id)
            page.get_by_role("button", name="Show", exact=True).click()
        page.wait_for_selector(f"#provenance-{fw.id} table")
        expect(page).to_have_title(f"Where the targets come from: {fw.title} – Outcomes monitor")
        assert page.url.endswith(f"/provenance?framework={fw.id}")
        assert page.locator("section[id^='provenance-']").count() == 1  # that framework alone
        expect(page.get_by_label("Framework", exact=True)).to_have_value(fw.id)
        # Each page at both widths: the page arrives at the width the previous one was left at.
        reflows(page, f"{fw.id} at {width} px")
        width = OTHER_WIDTH[width]
        widen(page, width)
        reflows(page, f"{fw.id} at {width} px")
