"""WCAG 2.2 AA checks that axe alone cannot make, in Chromium (issue 12).

Reflow at 320 and 390 px (1.4.10), page titles naming their subject (2.4.2), the framework select
that does not navigate on an arrow key (3.2.2), focus moved to the new heading after navigation
(2.4.3), aria-current on the header link, a short live region (4.1.3), the grid as one Tab stop,
charts legible at 320 px, and axe-core on every page at 1280 px and at 320 px.

Each page is loaded once, at 320 px, and then widened to 390 and 1280 px, as a phone turned on its side or a
window made wider: its own scripts refit the charts and tables on a resize (dashboard/assets), and the checks
wait for that. Pages open in the worker's kept browser context of the person signed in (``open_page``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

pytestmark = pytest.mark.browser

FRAMEWORK, PERIOD = "warwickshire", "2016-03"
REVIEW_PERIOD = "2025-02"  # as tests/test_review_pages_browser.py: not the latest period
METRIC = "falls_admissions_65plus"
INTENTION = "fe-13-falls-prevention"
ADMIN, ADMIN_PASSWORD = "wcag.admin", "wcag-admin-password"
FALLS_ITEM = "section[data-key='metric:falls_admissions_65plus']"  # an exception of the review pack, with its forms


@dataclass(frozen=True)
class Shown:
    """A page as a person reaches it: its address, what shows it has loaded, who is signed in."""
    name: str
    path: str
    ready: str
    signed_in: tuple[str, str] | None = None


PAGES = [
    Shown("overview", f"/?framework={FRAMEWORK}&period={PERIOD}", "[data-metric]"),
    Shown("overview-lewisham", "/framework/lewisham", "[data-intention]"),
    Shown("intention", f"/intention/{INTENTION}?framework={FRAMEWORK}&period={PERIOD}", ".js-plotly-plot .main-svg"),
    Shown("metric", f"/metric/{METRIC}?framework={FRAMEWORK}&period={PERIOD}", ".ag-cell"),
    Shown("frameworks", "/frameworks", "#frameworks-summary"),
    Shown("about", "/about", "main table"),
    Shown("provenance", "/provenance", "#provenance-warwickshire table"),  # the default framework's; the others:
    # tests/test_provenance_browser.py
    Shown("snapshots", "/snapshots", "#snapshot-table"),
    Shown("sign-in", "/signin", "form"),
    Shown("review-reader", f"/review?framework={FRAMEWORK}&period={REVIEW_PERIOD}", "#review-summary"),
    Shown("review-lead", f"/review?framework={FRAMEWORK}&period={REVIEW_PERIOD}", "#review-summary",
          ("sample.lead", "sample-lead-pass")),
    Shown("audit", "/admin/audit", "#audit-table", (ADMIN, ADMIN_PASSWORD)),
    Shown("people", "/people/lewisham", "#person-outcomes-person", ("sample.lead", "sample-lead-pass")),
]


@pytest.fixture(scope="module")
def shown_data(service, app_store) -> None:
    """A snapshot for the snapshots page and an admin for the audit trail, in the session store."""
    import snapshots
    from review.people import add_person, find_person

    if not snapshots.list_all(app_store, "lewisham"):
        snapshots.create(service, app_store, "lewisham", None, "wcag-test")
    if find_person(app_store, ADMIN) is None:
        # Added by an admin already there if another test of the session made one (then no one else may add
        # people), else as the store's first admin.
        from review.people import Role, list_people

        acting = next((p for p in list_people(app_store) if p.role == Role.admin), None)
        add_person(app_store, acting, ADMIN, "Wren Admin (test admin)", "admin", ADMIN_PASSWORD)


#: True once every chart is fitted to the width it has now (assets/charts.js marks it) and Plotly has drawn it
#: at that width: the first drawing, and again after the window is resized.
CHARTS_FITTED = """() => [...document.querySelectorAll('.js-plotly-plot')].every(gd => {
    const svg = gd.querySelector('.main-svg');
    const want = gd.offsetWidth < 576 ? String(gd.offsetWidth) : 'wide';
    return gd.dataset.fittedFor === want && svg !== null
        && Math.abs(svg.getBoundingClientRect().width - gd.offsetWidth) <= 1;
})"""


def open_shown(open_page, shown: Shown, width: int):
    """``shown`` loaded at ``width`` px, signed in if the page needs it, its charts fitted."""
    page = open_page(shown.path, shown.ready, width=width, height=800, person=shown.signed_in)
    page.wait_for_function(CHARTS_FITTED)
    return page


def widen(page, width: int) -> None:
    """The window made ``width`` px wide; returns once the charts are fitted and drawn again."""
    page.set_viewport_size({"width": width, "height": 800})
    page.wait_for_function("w => window.innerWidth === w", arg=width)
    page.evaluate(NEXT_FRAMES)  # the resize handlers have run
    page.wait_for_function(CHARTS_FITTED)


def axe_violations(page, within: tuple[str, ...] = ()) -> list[str]:
    """axe-core's violations on the page, or only ``within`` those parts (CSS selectors) of it: for a page whose
    rest was checked already in the same state (axe takes seconds on a big page, most of it colour contrast).

    axe-core (as axe-playwright-python ships it) is put in the page once: its 570 kB were sent and compiled again
    for each run, and a page widened and checked again keeps it (a new page or a reload does not)."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("() => typeof window.axe?.run === 'function'"):
        page.evaluate(AXE_SCRIPT)
    context = {"include": [[part] for part in within]} if within else None
    violations = page.evaluate("([context, options]) => axe.run(context || document, options)"
                               ".then(results => results.violations)", [context, {"resultTypes": ["violations"]}])
    return [f"{v['id']} ({v['impact']}): {v['help']} ({len(v['nodes'])} nodes: "
            f"{', '.join(str(n['target'][0]) for n in v['nodes'][:3])})" for v in violations]


def page_width(page) -> dict:
    return page.evaluate(r"""() => {
        const doc = document.documentElement;
        const wider = [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1 && e.closest('.ag-root-wrapper, .table-scroll, svg') === null)
            .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className}`);
        // A word in a table cell laid out on two lines: it was broken mid-way ("Val ue", "177 .1"). Each
        // word's own boxes, in its own font (a JSON value in <pre> is monospace); breaks after a hyphen and
        // visually hidden text (one pixel wide by design) are not counted.
        const broken = [];
        document.querySelectorAll('.table-scroll th, .table-scroll td').forEach(cell => {
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode;
                if (node.parentElement.closest('.visually-hidden, .visually-hidden-focusable')) { continue; }
                for (const match of node.textContent.matchAll(/[^\s-]+/g)) {
                    const range = document.createRange();
                    range.setStart(node, match.index);
                    range.setEnd(node, match.index + match[0].length);
                    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                          .map(r => Math.round(r.top)));
                    if (lines.size > 1) { broken.push(match[0]); }
                }
            }
        });
        return {scroll: doc.scrollWidth, client: doc.clientWidth, wider, broken: broken.slice(0, 5)};
    }""")


def expected_title(service, shown: Shown) -> str:
    """What the tab says, from the config (not from the page)."""
    suffix = " – Outcomes monitor"
    warwickshire = service.framework(FRAMEWORK).title
    return {
        "overview": f"Overview: {warwickshire}",
        "overview-lewisham": f"Overview: {service.framework('lewisham').title}",
        "intention": "Intention: " + service.framework(FRAMEWORK).intention(INTENTION).title[:40],
        "metric": f"Metric: {service.metric(METRIC).display_title}",
        "frameworks": "Frameworks", "about": "About the data",
        "provenance": f"Where the targets come from: {service.framework().title}", "snapshots": "Snapshots", "sign-in": "Sign in",
        "review-reader": f"Review pack {REVIEW_PERIOD}: {warwickshire}",
        "review-lead": f"Review pack {REVIEW_PERIOD}: {warwickshire}",
        "audit": "Audit trail",
        "people": f"People's meta outcomes: {service.framework('lewisham').title}",
    }[shown.name] + ("" if shown.name == "intention" else suffix)


def reflows(page, where: str) -> None:
    measured = page_width(page)
    assert measured["scroll"] <= measured["client"], (
        f"{where} is {measured['scroll']} px wide; wider than the screen: {measured['wider']}")
    assert measured["broken"] == [], f"{where} breaks words in table cells: {measured['broken']}"


@pytest.mark.usefixtures("shown_data")
@pytest.mark.parametrize("shown", PAGES, ids=lambda s: s.name)
def test_page_reflows_names_its_subject_and_axe_finds_nothing(open_page, service, shown: Shown) -> None:
    """Reflow at 320 and 390 px, the title, and axe at 320 px (the narrowest layout is the one most likely to
    break a rule) and at 1280 px."""
    from playwright.sync_api import expect

    page = open_shown(open_page, shown, 320)
    want = expected_title(service, shown)
    if shown.name == "intention":  # a long intention is cut at a word in the tab
        expect(page).to_have_title(re.compile("^" + re.escape(want)))
    else:
        expect(page).to_have_title(want)
    reflows(page, f"{shown.path} at 320 px")
    assert axe_violations(page) == [], "at 320 px"
    widen(page, 390)
    reflows(page, f"{shown.path} at 390 px")
    widen(page, 1280)
    assert axe_violations(page) == [], "at 1280 px"


#: Counts the Dash callbacks in flight: requests to the app's callback route, until each answer has been read
#: whole and the turn of the event loop that applies it has run.
COUNT_CALLBACKS = """() => {
    window.callbacksInFlight = 0;
    const fetchAsDash = window.fetch;
    window.fetch = function (resource) {
        const url = typeof resource === 'string' ? resource : resource.url;
        if (!String(url).includes('_dash-update-component')) { return fetchAsDash.apply(this, arguments); }
        window.callbacksInFlight += 1;
        const answer = fetchAsDash.apply(this, arguments);
        answer.then(response => response.clone().text(), () => null)  // its whole body read
            .finally(() => setTimeout(() => { window.callbacksInFlight -= 1; }));
        return answer;
    };
}"""
#: Resolves once the browser has handled what is queued: two frames drawn, then a turn of the event loop.
NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done))))"


def test_framework_select_does_not_navigate_on_arrow_keys(open_page, service) -> None:
    page = open_page(f"/?framework={FRAMEWORK}&period={PERIOD}", "[data-metric]")
    heading = service.framework(FRAMEWORK).title
    choose = page.locator("#framework-select")
    choose.focus()
    page.evaluate(COUNT_CALLBACKS)
    page.keyboard.press("ArrowDown")
    chosen = choose.input_value()
    assert chosen != FRAMEWORK  # the arrow key moved the choice...
    # ...and once the change has been handled (any callback it started answered), nothing navigated:
    # waits for those events, not for a length of time.
    page.evaluate(NEXT_FRAMES)
    page.wait_for_function("() => window.callbacksInFlight === 0")
    page.evaluate(NEXT_FRAMES)
    assert f"framework={FRAMEWORK}" in page.url
    assert page.evaluate("document.activeElement.id") == "framework-select"
    assert page.locator("main h1").inner_text() == heading
    # The button applies the choice; focus then starts at the new page's heading.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Show framework"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"framework={chosen}"))
    new_heading = service.framework(chosen).title
    page.wait_for_function("t => document.activeElement.tagName === 'H1' && document.activeElement.textContent === t",
                           arg=new_heading)


def test_following_a_link_moves_focus_to_the_heading_and_marks_the_nav(open_page) -> None:
    page = open_page(f"/?framework={FRAMEWORK}&period={PERIOD}", "[data-metric]")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Overview").get_attribute("aria-current") == "page"
    nav.get_by_role("link", name="Snapshots").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/snapshots$"))
    page.wait_for_function("document.activeElement.tagName === 'H1' && document.activeElement.textContent === 'Snapshots'")
    assert nav.get_by_role("link", name="Snapshots").get_attribute("aria-current") == "page"
    assert nav.get_by_role("link", name="Overview").get_attribute("aria-current") is None


def test_filter_change_announces_a_short_summary_only(open_page) -> None:
    page = open_page(f"/?framework={FRAMEWORK}&period={PERIOD}", "[data-metric]")
    # The body (tens of thousands of characters) is not a live region; a one-sentence status is.
    assert page.locator("[aria-live]").filter(has=page.locator("[data-metric]")).count() == 0
    assert page.locator("#overview-body").get_attribute("aria-live") is None
    page.select_option("#period-select", "2025-03")
    status = page.locator("#overview-status")
    page.wait_for_function("document.querySelector('#overview-status').textContent.includes('2025-03')")
    assert status.get_attribute("role") == "status"
    said = status.text_content()
    assert re.fullmatch(r"Showing \d+ intentions at 2025-03: .*\.", said), said
    assert len(said) < 200
    assert "Figures at 2025-03" in page.locator("#overview-body").inner_text()


IN_GRID = """() => ({inGrid: document.querySelector('.ag-root-wrapper').contains(document.activeElement),
                     what: `${document.activeElement.tagName.toLowerCase()}.${document.activeElement.className}`})"""


def test_data_grid_is_one_tab_stop_with_arrow_keys_inside(open_page) -> None:
    page = open_page(f"/metric/{METRIC}?framework={FRAMEWORK}&period={PERIOD}", ".ag-cell")
    page.locator("#metric-download-button").focus()
    page.keyboard.press("Tab")
    assert page.evaluate(IN_GRID)["inGrid"], "Tab from the button before the grid goes into the grid"
    # ...onto a column header, whose focus is visible (3:1 against the page)
    assert page.evaluate("document.activeElement.classList.contains('ag-header-cell')")
    focused = page.evaluate(f"({FOCUS_STYLE})(document.activeElement)")
    rings = _ring_colours(focused)
    assert rings and max(_contrast(c, "rgb(255, 255, 255)") for c in rings) >= 3, focused
    page.keyboard.press("ArrowDown")  # the grid's own keys move from the header into the cells
    assert page.evaluate("!!document.activeElement.closest('.ag-cell, .ag-row')")
    # Every row is reachable with the arrow keys alone: no pager to find first.
    rows = page.locator(".ag-center-cols-container .ag-row").count()
    for _ in range(60):
        page.keyboard.press("ArrowDown")
    last_index = int(page.evaluate("document.activeElement.closest('.ag-row').getAttribute('row-index')"))
    assert last_index >= 60 or last_index == rows - 1
    # Tab presses from inside the grid until focus is out of it (the pager is inside its wrapper):
    # one, as the grid is one stop and has no pager; the pager's five buttons made it six.
    tabs, where = 0, page.evaluate(IN_GRID)
    while where["inGrid"] and tabs < 20:
        page.keyboard.press("Tab")
        tabs, where = tabs + 1, page.evaluate(IN_GRID)
    assert tabs == 1, f"{tabs} Tabs to leave the grid; focus on {where['what']}"
    assert page.locator(".ag-paging-panel:visible").count() == 0


def test_charts_are_legible_at_320px(open_page) -> None:
    shown = next(s for s in PAGES if s.name == "metric")
    page = open_shown(open_page, shown, 320)
    # the page's charts are drawn after its layout arrives: wait until two have their plot area
    page.locator(".js-plotly-plot .nsewdrag").nth(1).wait_for(state="attached")
    charts = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
        const box = gd.getBoundingClientRect();
        const outside = [...gd.querySelectorAll('text')].filter(t => {
            const r = t.getBoundingClientRect();
            return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1);
        }).map(t => t.textContent);
        const plot = gd.querySelector('.nsewdrag').getBoundingClientRect();
        const title = gd.querySelector('.gtitle').getBoundingClientRect();
        return {title: gd.querySelector('.gtitle').textContent, plot: plot.height, outside,
                overlap: title.bottom > plot.top};
    })""")
    assert len(charts) >= 2
    for chart in charts:
        assert chart["outside"] == [], f"{chart['title']}: text cut off at the edge: {chart['outside']}"
        assert chart["plot"] >= 200, f"{chart['title']}: the plot is {chart['plot']} px tall under its legend"
        assert not chart["overlap"], f"{chart['title']}: the title runs into the plot"


def test_review_form_error_summary_links_to_the_field_and_keeps_the_text(open_page) -> None:
    from playwright.sync_api import expect

    review = next(s for s in PAGES if s.name == "review-lead")
    page = open_shown(open_page, review, 1280)
    falls = page.locator(FALLS_ITEM)
    falls.get_by_label("Owner").fill("Falls service manager")
    due = {"Day": "30", "Month": "6", "Year": "2025"}  # GOV.UK's date input: three boxes
    for box, typed in due.items():
        falls.get_by_label(box, exact=True).fill(typed)
    falls.get_by_role("button", name="Add action").click()  # "What will be done" left empty
    summary = falls.get_by_role("alert").filter(has_text="There is a problem")
    summary.wait_for()
    link = summary.get_by_role("link")
    assert "Not added: What will be done: is empty" in link.inner_text()  # the field as its label names it
    what = falls.get_by_label("What will be done")
    # The field carries its own message (GOV.UK's error message), tied to it for a screen reader.
    expect(what).to_have_attribute("aria-invalid", "true")
    message = falls.locator(".govuk-error-message")
    assert message.count() == 1
    assert message.text_content() == "Error: What will be done: is empty; write some text"
    assert message.locator(".visually-hidden").inner_text() == "Error:"
    assert message.get_attribute("id") in what.get_attribute("aria-describedby").split()
    assert message.bounding_box()["y"] < what.bounding_box()["y"]  # between the label and the box
    for other in ("Owner", "Day", "Month", "Year"):  # fields not at fault say nothing
        assert falls.get_by_label(other, exact=other != "Owner").get_attribute("aria-invalid") is None
    link.click()
    assert page.evaluate("document.activeElement.id") == what.get_attribute("id")
    # Nothing typed is lost when a write is refused.
    assert falls.get_by_label("Owner").input_value() == "Falls service manager"
    assert {box: falls.get_by_label(box, exact=True).input_value() for box in due} == due
    # The summary sits above the form's fields, where it is met first.
    assert summary.bounding_box()["y"] < what.bounding_box()["y"]
    # The error state too: the item's section, where it shows (the rest of the lead's page is checked whole by
    # test_page_reflows_names_its_subject_and_axe_finds_nothing[review-lead]).
    assert axe_violations(page, within=(FALLS_ITEM,)) == []

    # Corrected and added: the message and the marks go.
    what.fill("Audit care-home falls pathways")
    falls.get_by_role("button", name="Add action").click()
    falls.get_by_role("status").filter(has_text="Action added").wait_for()
    expect(falls.locator(".govuk-error-message")).to_have_count(0)
    expect(what).not_to_have_attribute("aria-invalid", "true")
    assert what.get_attribute("aria-describedby") is None


@pytest.mark.parametrize("form", ["milestone", "commentary"])
def test_other_review_forms_mark_the_field_in_error(open_page, form: str) -> None:
    from playwright.sync_api import expect

    review = next(s for s in PAGES if s.name == "review-lead")
    page = open_shown(open_page, review, 390)
    if form == "milestone":  # a date done without status "done" is refused, naming "Date done"
        scope = page.locator("li[data-milestone]").filter(has=page.get_by_role("button", name="Save milestone")).first
        where = f"li[data-milestone='{scope.get_attribute('data-milestone')}']"
        scope.get_by_label("Status").select_option("in_progress")
        field = scope.get_by_label("Day", exact=True)  # the first box of the date done
        field.fill("10")
        scope.get_by_label("Month", exact=True).fill("2")
        scope.get_by_label("Year", exact=True).fill("2025")
        scope.get_by_role("button", name="Save milestone").click()
        said = "Error: Date done: give a date done only with status 'done'"
    else:  # empty commentary is refused
        where = FALLS_ITEM
        scope = page.locator(FALLS_ITEM)
        field = scope.get_by_label(re.compile("^Your commentary on"))
        field.fill("   ")
        scope.get_by_role("button", name="Save commentary").click()
        said = "Error: Commentary: is empty; write some text"
    expect(field).to_have_attribute("aria-invalid", "true")
    message = scope.locator(".govuk-error-message")
    assert message.text_content() == said
    assert field.get_attribute("aria-describedby").split() == [message.get_attribute("id")]
    scope.locator(".error-summary-link").click()
    assert page.evaluate("document.activeElement.id") == field.get_attribute("id")
    measured = page_width(page)  # the error state reflows too
    assert measured["scroll"] <= measured["client"], measured
    assert axe_violations(page, within=(where,)) == []  # where the error shows; the rest as checked [review-lead]


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two computed CSS colours ("rgb(r, g, b)" or "rgba(r, g, b, a)", a
    translucent one seen over white, as Bootstrap's pale focus glow is)."""
    def luminance(colour: str) -> float:
        numbers = [float(c) for c in re.findall(r"[\d.]+", colour)]
        alpha = numbers[3] if len(numbers) > 3 else 1.0
        channels = [(alpha * c + (1 - alpha) * 255) / 255 for c in numbers[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


FOCUS_STYLE = """el => { const s = getComputedStyle(el); return {outline: s.outlineColor, outlineWidth: s.outlineWidth,
    outlineStyle: s.outlineStyle, shadow: s.boxShadow, border: s.borderTopColor}; }"""


def _ring_colours(style: dict) -> list[str]:
    """The colours of the focus indicator: the outline and each box-shadow ring (at least 2 px wide)."""
    colours = re.findall(r"rgba?\([^)]*\)", style["shadow"]) if style["shadow"] != "none" else []
    if style["outlineStyle"] != "none" and float(style["outlineWidth"].rstrip("px")) >= 2:
        colours.append(style["outline"])
    return colours


def test_controls_show_a_focus_ring_of_3_to_1(open_page) -> None:
    page = open_page(f"/?framework={FRAMEWORK}&period={PERIOD}", "[data-metric]")
    for control in ("#framework-select", "#period-select", "#framework-apply"):  # one page, each in turn
        element = page.locator(control)
        at_rest = element.evaluate(FOCUS_STYLE)
        if control.endswith("select"):  # the edge of a select at rest (Bootstrap's is 1.3:1)
            assert _contrast(at_rest["border"], "rgb(255, 255, 255)") >= 3, f"{control}: {at_rest}"
        element.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # reached from the keyboard, so :focus-visible holds
        assert page.evaluate("document.activeElement.id") == control[1:]
        focused = element.evaluate(FOCUS_STYLE)
        rings = _ring_colours(focused)
        assert rings, f"{control} shows no focus indicator: {focused}"
        assert max(_contrast(c, "rgb(255, 255, 255)") for c in rings) >= 3, f"{control}: {focused}"


def test_sign_in_error_state_reflows_and_passes_axe(open_page) -> None:
    page = open_page("/signin", "form", width=320, height=800)
    page.get_by_label("Username").fill("sample.lead")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="There is a problem").wait_for()
    for label in ("Username", "Password"):
        field = page.get_by_label(label)
        assert field.get_attribute("aria-invalid") == "true"
        assert page.locator(f"#{field.get_attribute('aria-describedby')}").inner_text().startswith("There is a problem")
    for width in (320, 390):
        widen(page, width)
        measured = page_width(page)
        assert measured["scroll"] <= measured["client"], f"sign-in error at {width} px: {measured}"
        assert axe_violations(page) == [], f"at {width} px"


def test_person_select_works_from_the_keyboard_and_axe_finds_nothing(open_page) -> None:
    """Tab to the person select, choose with the arrow keys: their history appears in the live region."""
    page = open_shown(open_page, PAGES[-1], 1280)
    chooser = page.locator("#person-outcomes-person")
    chooser.focus()
    page.keyboard.press("ArrowDown")
    first = chooser.evaluate("el => el.value")
    assert first.startswith("LD")
    page.wait_for_selector(f"text=Review history of person {first}")
    assert page.locator("#person-outcomes-detail table tbody tr").count() == 4
    # Where the history appeared; the rest of the page as checked by [people], at 1280 px too.
    assert axe_violations(page, within=("#person-outcomes-detail",)) == []
