"""Tables that read and forms that fit (issue 20), in Chromium, on the review pack and the intention page.

- No word of a table cell wraps inside itself at 1280 and 390 px ("Lates t value", "10 0%", "2008/ 09"): for
  every word the test asks the browser for the line boxes its text Range covers; a word on two lines is split.
  A word of letters alone may break at its own hyphen ("sub-regional"), as typeset text does; a word with a
  digit never breaks.
- A lead updates milestones that are not late, one dated and one "to be confirmed", from the review pack and
  from the intention page, with the one milestone widget; a viewer is shown no form (the server's refusal of a
  forged request is tested in tests/test_review_pages.py).
- A due date is typed in GOV.UK's Day, Month and Year boxes; a date that does not exist is refused with a
  message naming the field, on the box at fault; the date is then shown in words ("28 February 2030").
- axe-core finds nothing on either page with every form shown, at 1280 and 390 px (on the review pack, inside
  what opening every <details> shows: the rest of it is checked whole by tests/test_wcag_browser.py).

Each page is loaded once, at 390 px, and then widened to 1280 px (its scripts refit tables and charts on a
resize; the checks wait for that), in the worker's kept browser context of the person (``open_page``).
Screenshots go to $OUTCOMES_SCREENSHOTS when it is set (tests/screenshots.py). Every wait is on the DOM."""

from __future__ import annotations

import pytest

from tests import screenshots
from tests.test_wcag_browser import FALLS_ITEM, axe_violations, widen

pytestmark = pytest.mark.browser

FRAMEWORK, PERIOD = "warwickshire", "2025-02"
EARLY = "2016-03"  # the dated milestones (due October 2017) are not late yet
LEAD = ("sample.lead", "sample-lead-pass")
VIEWER = ("sample.viewer", "sample-viewer-pass")

#: name: (address, what shows it has loaded, what shows its milestone forms are there or None, and whether the page
#: in the lead's view, its <details> closed, has axe-core run over it whole by tests/test_wcag_browser.py (at 320 and
#: 1280 px), so that axe here looks only inside what opening them shows (on the review pack: 9.2 s of the browser's
#: CPU a run, not 12.7).
PAGES = {
    "review": (f"/review?framework={FRAMEWORK}&period={PERIOD}", "#review-summary table", "#review-led-milestones",
               True),  # test_page_reflows_names_its_subject_and_axe_finds_nothing[review-lead]
    "intention": (f"/intention/fe-13-falls-prevention?framework={FRAMEWORK}", "main table[class*=metric-table]",
                  "li[data-milestone] fieldset", False),
    "intention-lewisham": ("/intention/lew-ld-meta-outcomes?framework=lewisham", "main table[class*=metric-table]",
                           None, False),
}

# Each word of each rendered table cell: on how many lines does it lie?
SPLIT_WORDS = r"""() => {
  const split = [];
  let measured = 0;
  const lines = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => r.top);
    return tops.length && Math.max(...tops) - Math.min(...tops) > 4 ? 2 : 1;
  };
  for (const cell of document.querySelectorAll("main td, main th")) {
    if (!cell.getClientRects().length) continue;  // not rendered
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.textContent.matchAll(/\S+/g)) {
        // Letters alone may break at their own hyphen: measure each piece between hyphens.
        const pieces = /\d/.test(word[0]) ? [[0, word[0].length]]
          : [...word[0].matchAll(/[^-]+-?/g)].map(p => [p.index, p.index + p[0].length]);
        for (const [from, to] of pieces) {
          measured += 1;
          if (lines(node, word.index + from, word.index + to) > 1) {
            split.push(`"${word[0]}" in "${cell.textContent.trim().slice(0, 60)}"`);
          }
        }
      }
    }
  }
  return {measured, split};
}"""


def show_everything(page) -> None:
    """Every <details> open: the tables of figures and the forms behind "Update this milestone"."""
    page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")
    page.wait_for_function("[...document.querySelectorAll('main details')].every(d => d.open)")


@pytest.mark.parametrize("name", list(PAGES))
def test_no_word_in_a_table_wraps_and_the_forms_pass_axe(open_page, name: str) -> None:
    """At 390 px, then widened to 1280: no word split, nothing wider than the screen, and axe-core finds nothing
    with every form shown (on the pages with milestone forms)."""
    path, ready, forms, checked_closed = PAGES[name]
    page = open_page(path, ready, width=390, person=LEAD)
    if forms is not None:
        page.wait_for_selector(forms)
    show_everything(page)
    if forms is not None:
        assert page.get_by_role("button", name="Save milestone").count() >= 1
    headings = page.locator("main table[class*=metric-columns] thead th").all_inner_texts()
    assert "Progress" in headings and "Status" in headings
    for width in (390, 1280):
        widen(page, width)
        found = page.evaluate(SPLIT_WORDS)
        assert found["measured"] >= 40, found  # the tables were there to measure
        assert found["split"] == [], f"words split across lines at {width} px: {found['split']}"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            f"the page is wider than the screen at {width} px")
        # a picture for people (not the assertion): of the viewport, which waits for no element to keep still
        screenshots.keep(page, f"table-{name}-{width}.png")
        if forms is not None:
            within = ("main details",) if checked_closed else ()
            assert axe_violations(page, within=within) == [], f"at {width} px"


def test_every_metric_table_has_the_same_columns(open_page) -> None:
    """Two intentions with very different metrics: the same headings, each column as wide."""
    widths = []
    for name in ("intention", "intention-lewisham"):
        path, ready, _, _ = PAGES[name]
        page = open_page(path, ready, width=1280)
        table = page.locator(ready).first
        widths.append([round(b["width"]) for b in
                       (th.bounding_box() for th in table.locator("thead th").all())])
        headings = table.locator("thead th").all_inner_texts()
        assert headings == ["Metric", "Latest value", "Target", "Status", "Progress"]
    assert widths[0] == widths[1]


def test_lewisham_at_risk_figure_does_not_read_as_its_target(open_page) -> None:
    path, ready, _, _ = PAGES["intention-lewisham"]
    page = open_page(path, ready, width=1280)
    row = page.locator("main tr[data-metric='lew_ld_meta_outcomes_achieved']").first
    cells = dict(zip(["value", "target", "status", "progress"], row.locator("td").all_inner_texts()))
    assert "At risk" in cells["status"]
    assert cells["progress"] == "99.5%"  # 99.596...: never "100%" short of the target
    assert cells["value"].startswith("69.9%") and cells["target"].startswith("70.0%")


def _update(item, status: str, evidence: str) -> None:
    """Record progress with the milestone widget ``item`` (an li[data-milestone]) and wait for it to say so."""
    summary = item.locator("summary")
    if summary.count():
        summary.click()
    item.get_by_label("Status").select_option(status)
    item.get_by_label("Evidence (text or a link)").fill(evidence)
    item.get_by_role("button", name="Save milestone").click()
    item.get_by_role("status").filter(has_text="Milestone saved").wait_for()
    assert evidence in item.locator(".milestone-evidence").inner_text()


@pytest.mark.parametrize("where, path, ready, milestone", [
    ("review-dated", f"/review?framework={FRAMEWORK}&period={EARLY}", "#review-led-milestones",
     "#review-led-milestones li[data-milestone='fe-6-over-next-four#0']"),
    ("review-undated", f"/review?framework={FRAMEWORK}&period={PERIOD}", "#review-led-milestones",
     "#review-led-milestones li[data-milestone='ddd-6-ensure-reviewed-provider#0']"),
    ("intention-dated", f"/intention/fe-6-over-next-four?framework={FRAMEWORK}&period={EARLY}",
     "li[data-milestone]", "li[data-milestone='fe-6-over-next-four#0']"),
    ("intention-undated", f"/intention/ddd-7-tender-subregional-advocacy?framework={FRAMEWORK}",
     "li[data-milestone]", "li[data-milestone='ddd-7-tender-subregional-advocacy#0']"),
])
def test_a_lead_updates_a_milestone_that_is_not_late(open_page, where, path, ready, milestone) -> None:
    page = open_page(path, ready, width=1280, person=LEAD)
    listed = page.locator("#review-led-milestones > details > summary")  # "Show the 65 milestones"
    if listed.count():
        listed.click()
    item = page.locator(milestone)
    state = item.locator("[data-milestone-state]").get_attribute("data-milestone-state")
    assert state != "late"
    assert ("Date to be confirmed" in item.inner_text()) == where.endswith("undated")
    _update(item, "in_progress", f"Progress recorded from the {where} page")
    assert item.locator("[data-milestone-state]").get_attribute("data-milestone-state") == "in_progress"


@pytest.mark.parametrize("path, ready", [
    (f"/review?framework={FRAMEWORK}&period={PERIOD}", "#review-summary"),
    (f"/intention/ddd-7-tender-subregional-advocacy?framework={FRAMEWORK}", "main table")])
def test_a_viewer_is_shown_no_milestone_form(open_page, path, ready) -> None:
    page = open_page(path, ready, width=1280, person=VIEWER)
    assert page.get_by_role("button", name="Save milestone").count() == 0
    assert page.locator("#review-led-milestones").count() == 0


def test_a_due_date_that_does_not_exist_is_refused_naming_the_field(open_page) -> None:
    from playwright.sync_api import expect

    path, _, _, _ = PAGES["review"]
    page = open_page(path, "#review-summary", width=390, person=LEAD)
    falls = page.locator(FALLS_ITEM)
    group = falls.get_by_role("group", name="Due date")
    assert "For example, 27 3 2027" in group.inner_text()
    falls.get_by_label("What will be done").fill("Review the falls pathway with the ambulance service")
    falls.get_by_label("Owner").fill("Falls service manager")
    day, month, year = (group.get_by_label(box, exact=True) for box in ("Day", "Month", "Year"))
    day.fill("31")
    month.fill("2")
    year.fill("2030")
    falls.get_by_role("button", name="Add action").click()
    message = falls.locator(".govuk-error-message")
    message.wait_for()
    assert message.text_content() == "Error: Due date: must be a real date: February 2030 has 28 days"
    expect(day).to_have_attribute("aria-invalid", "true")  # the box at fault, tied to the message
    assert day.get_attribute("aria-describedby") == message.get_attribute("id")
    assert month.get_attribute("aria-invalid") is None and year.get_attribute("aria-invalid") is None
    falls.locator(".error-summary-link").click()
    assert page.evaluate("document.activeElement.id") == day.get_attribute("id")
    assert (day.input_value(), month.input_value(), year.input_value()) == ("31", "2", "2030")  # kept
    screenshots.keep(page, "review-date-error-390.png")  # the focused box, its message above
    # The error state, where it shows (the rest of the lead's page: tests/test_wcag_browser.py, whole).
    assert axe_violations(page, within=(FALLS_ITEM,)) == []

    day.fill("28")
    falls.get_by_role("button", name="Add action").click()
    falls.get_by_role("status").filter(has_text="Action added, due 28 February 2030.").wait_for()
    expect(falls.locator(".govuk-error-message")).to_have_count(0)
    assert "Due 28 February 2030." in falls.locator(".review-action").filter(
        has_text="Review the falls pathway").inner_text()
    assert (day.input_value(), month.input_value(), year.input_value()) == ("", "", "")
