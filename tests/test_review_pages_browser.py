"""The monthly review in Chromium: a sample lead signs in and writes on an off-track metric and a
milestone; the performance officer sees it on the review pack and signs off. Plus axe-core on
the sign-in page and the review pack, and screenshots to look at (tests/screenshots.py).

The session app (``dash_app``) runs with built-in accounts and the sample people of
``review.sample``. Every wait is on the DOM, never a fixed sleep."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import screenshots
from tests.test_wcag_browser import axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def page(reader_page):
    """This module's pages are read as nobody: a page in the worker's kept browser context (conftest.py)."""
    return reader_page


# Not the latest period: the snapshots page test compares the latest snapshots of the session store.
FRAMEWORK, PERIOD = "warwickshire", "2025-02"
FALLS = "metric:falls_admissions_65plus"
MILESTONE_INTENTION = "aad-14-align-with-coventry"  # its milestone is dated (the document's "next four years"), so late by 2025


def sign_in(page, live_server: str, username: str, password: str) -> None:
    page.goto(f"{live_server}/signin?next=/review?framework={FRAMEWORK}%26period={PERIOD}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#signed-in-as")
    page.wait_for_selector("#review-summary")


def test_sign_in_page_is_accessible_and_says_what_went_wrong(page, live_server: str) -> None:
    page.goto(f"{live_server}/signin")
    assert page.locator("h1").inner_text() == "Sign in"
    # axe on the page as first shown: tests/test_wcag_browser.py, at 320 and 1280 px ([sign-in]); here its error state.
    page.get_by_label("Username").fill("sample.lead")
    page.get_by_label("Password").fill("wrong password here")
    # Submitted from the keyboard.
    page.get_by_label("Password").press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "The username or password is not right" in alert.inner_text()
    assert page.title().startswith("Error: ")
    assert page.get_by_label("Username").input_value() == "sample.lead"
    assert axe_violations(page) == []
    screenshots.keep(page, "signin-error.png", full_page=True)


def test_lead_writes_officer_sees_and_signs_off(open_page, browser, live_server: str, app_store) -> None:
    """The lead writes in the worker's kept browser context of the lead (``open_page``, which fails the test on any
    browser error); the officer signs in through the sign-in page, in a context of their own."""
    page = open_page(f"/review?framework={FRAMEWORK}&period={PERIOD}", "#review-summary",
                     person=("sample.lead", "sample-lead-pass"))
    assert "Sam Lead" in page.locator("#signed-in-as").inner_text()

    falls = page.locator(f"section[data-key='{FALLS}']")
    assert "Off track" in falls.locator(".status-badge").first.inner_text()
    # Commentary, with markup typed in: it must come back as text.
    words = "Admissions rose over winter <b>not bold</b>; the new falls service starts in April."
    falls.get_by_label(re.compile("^Your commentary on")).fill(words)
    falls.get_by_role("button", name="Save commentary").click()
    falls.get_by_role("status").filter(has_text="Saved as version 1").wait_for()
    assert falls.locator(".commentary-current .commentary-text").inner_text() == words
    assert falls.locator(".commentary-current b").count() == 0

    falls.get_by_label("What will be done").fill("Extend the falls response service to care homes")
    falls.get_by_label("Owner").fill("Falls service manager")
    for box, typed in (("Day", "30"), ("Month", "6"), ("Year", "2025")):  # GOV.UK's date input
        falls.get_by_label(box, exact=True).fill(typed)
    falls.get_by_role("button", name="Add action").click()
    falls.get_by_role("status").filter(has_text="Action added").wait_for()
    falls.locator(".review-action").filter(has_text="Extend the falls response service").wait_for()

    screenshots.keep(falls, "review-item-lead.png")
    milestone = page.locator(f"#review-exceptions li[data-milestone='{MILESTONE_INTENTION}#0']")
    assert "Late" in milestone.locator("[data-milestone-state]").inner_text()
    milestone.get_by_label("Status").select_option("done")
    for box, typed in (("Day", "14"), ("Month", "2"), ("Year", "2025")):
        milestone.get_by_label(box, exact=True).fill(typed)
    milestone.get_by_label("Evidence (text or a link)").fill("Contracts review report to the board, 14 February")
    milestone.get_by_role("button", name="Save milestone").click()
    milestone.get_by_role("status").filter(has_text="Milestone saved").wait_for()
    assert milestone.locator("[data-milestone-state]").get_attribute("data-milestone-state") == "done"
    # The lead cannot sign off: the control is not there (and the domain refuses a forged one).
    assert page.get_by_role("button", name=re.compile("^Sign off")).count() == 0

    officer = browser.new_context(viewport={"width": 1280, "height": 900})
    page = officer.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, "sample.officer", "sample-officer-pass")
    falls = page.locator(f"section[data-key='{FALLS}']")
    assert falls.locator(".commentary-current .commentary-text").inner_text() == words
    assert "sample.lead" in falls.locator(".commentary-current").inner_text()
    assert falls.locator(".review-action").filter(has_text="Extend the falls response service to care homes").count() == 1
    # Done, so no longer late: it leaves the exceptions and shows among the milestones done this period.
    assert page.locator(f"#review-exceptions li[data-milestone='{MILESTONE_INTENTION}#0']").count() == 0
    milestone_text = page.locator(f"li[data-done-milestone='{MILESTONE_INTENTION}#0']").inner_text()
    assert "Done" in milestone_text and "Contracts review report to the board" in milestone_text
    screenshots.keep(page, "review-pack.png")
    assert axe_violations(page) == []
    screenshots.keep(page.locator("#review-signoff"), "review-signoff.png")

    page.get_by_role("button", name=f"Sign off {PERIOD}").click()
    done = page.locator("#signoff-done")
    done.wait_for()
    snapshot_id = int(re.search(r"snapshot #(\d+)", done.inner_text()).group(1))
    # A second sign-off without a reason is refused in words.
    page.get_by_role("button", name=f"Sign off {PERIOD}").click()
    page.get_by_role("alert").filter(has_text="already signed off").wait_for()
    officer.close()
    assert errors == []

    import snapshots

    payload = snapshots.load(app_store, snapshot_id).record.payload
    assert payload["commentary"]["falls_admissions_65plus"][0]["text"] == words
    assert any(a["text"].startswith("Extend the falls response") for a in payload["actions"])
    _check_exceptions_pdf(app_store, snapshot_id, words)


def _check_exceptions_pdf(store, snapshot_id: int, words: str) -> None:
    """The snapshot's exceptions-scope PDF (the committee report) carries the commentary and the action. Its words
    are read, so its charts are blank images of their shape (tests/report_charts.py): drawing them would start
    Chromium (kaleido) for nothing read here; real chart images are checked in tests/test_exports.py."""
    import io
    import tempfile

    from pypdf import PdfReader

    import snapshots
    from reports.export import export
    from tests.report_charts import blank_charts

    snap = snapshots.load(store, snapshot_id)
    with tempfile.TemporaryDirectory() as tmp, blank_charts():
        paths = export(snap, "pdf", Path(tmp), scope="exceptions")
        reader = PdfReader(io.BytesIO(paths[0].read_bytes()))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Admissions rose over winter" in text
    assert "Extend the falls response service to care homes" in text


def test_reader_needs_no_sign_in_and_sees_no_forms(page, live_server: str) -> None:
    page.goto(f"{live_server}/review?framework={FRAMEWORK}&period={PERIOD}")
    page.wait_for_selector("#review-summary")
    assert page.get_by_role("link", name="Sign in").first.is_visible()
    assert page.get_by_role("button", name="Save commentary").count() == 0
    assert page.locator("section[data-key]").count() > 0


def test_overview_links_to_the_review_pack(page, live_server: str) -> None:
    page.goto(f"{live_server}/?framework={FRAMEWORK}&period={PERIOD}")
    page.get_by_role("link", name=f"Review pack for {PERIOD}").click()
    page.wait_for_selector("#review-summary")
    assert page.locator("h1").inner_text() == f"Review pack: Warwickshire People Group Commissioning Intentions, {PERIOD}"
