"""The pages work under the Content-Security-Policy: in Chromium, the overview, a metric page with its
charts, the intention page, the review pack, the snapshots page and the sign-in page render with no
policy violation (a ``securitypolicyviolation`` event or a console error)."""

from __future__ import annotations

import pytest

import snapshots

pytestmark = pytest.mark.browser

#: Listens before any page script runs, so a violation during start-up is caught too.
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
    e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));
"""

PAGES = [
    ("/?framework=warwickshire", "#overview-body #intention-table"),
    ("/metric/falls_admissions_65plus?framework=warwickshire&period=2016-03", ".chart-box svg.main-svg"),
    ("/intention/fe-13-falls-prevention?framework=warwickshire", ".chart-box svg.main-svg"),
    ("/review?framework=warwickshire&period=2025-03", "#review-summary"),
    # the latest snapshot in the session's store may be another test's, with no earlier one to compare with
    ("/snapshots", "#snapshot-compare-table, #snapshot-compare-none"),
    ("/about", "table"),
    ("/signin", "form"),
]


@pytest.fixture(scope="module")
def csp_context(browser):
    """A browser context under the app's policy (other browser tests bypass it, so that Playwright's own string
    predicates can run), kept for the module: its pages reuse the scripts already fetched, and the policy is
    enforced on every document whether its scripts come from the network or the cache."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=False)
    yield context
    context.close()


@pytest.fixture
def page(csp_context):
    """A page under the policy: any blocked script or style fails the test."""
    pg = csp_context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    yield pg
    found = list(errors)
    pg.close()
    assert not found, "browser reported errors:\n" + "\n".join(found)


@pytest.fixture
def two_snapshots(service, app_store):
    """The snapshots page with something to list and compare."""
    return [snapshots.create(service, app_store, "warwickshire", period, "tester") for period in ("2024-03", "2025-03")]


@pytest.mark.usefixtures("two_snapshots")
@pytest.mark.parametrize("path,ready", PAGES)
def test_page_renders_with_no_policy_violation(page, live_server, path: str, ready: str) -> None:
    page.add_init_script(LISTEN)
    response = page.goto(live_server + path)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(ready).first.wait_for()
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations")
    assert violations == []
    # the `page` fixture also fails the test on any console error (a blocked script or style logs one)


def test_a_violation_would_be_seen(csp_context, live_server) -> None:
    """The listener catches what the policy blocks: an inline script added to a page is refused."""
    page = csp_context.new_page()
    try:
        page.add_init_script(LISTEN)
        page.goto(live_server + "/about")
        page.locator("table").first.wait_for()
        ran = page.evaluate("""() => { window.__ran = false; const s = document.createElement('script');
            s.textContent = 'window.__ran = true'; document.body.appendChild(s); return window.__ran; }""")
        assert ran is False
        page.wait_for_function("window.__cspViolations.length > 0")
        assert "script-src" in page.evaluate("window.__cspViolations")[0]
    finally:
        page.close()
