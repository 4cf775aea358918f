"""The audit page a person can read (issue 22): /admin/audit showed raw JSON in its Before and After
columns, clipped at the right edge, and refused writes were not recorded at all. Now each event says what
happened and what changed, field by field, in words; refused writes (who tried, what, why) and failed
sign-ins are there; it filters by who, kind, what it was about and dates; nothing is cut off at any width."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import pytest

from review.audit import AuditEvent
from review.audit_words import describe

ADMIN, ADMIN_PASSWORD = "audit.admin", "audit-admin-password"
LONG_TEXT = ("Falls admissions rose again in the winter quarter; the community falls service starts in April with "
             "two extra therapists and a link to https://example.org/a/very/long/address/that/does/not/break/"
             "anywhere/without/help/0123456789abcdef0123456789abcdef")


def event(action: str, before, after, who: str = "sample.lead", entity: str = "action:12") -> AuditEvent:
    return AuditEvent(1, datetime(2025, 4, 2, 9, 30, tzinfo=timezone.utc), who, action, entity, before, after)


def test_an_update_is_said_field_by_field() -> None:
    words = describe(event("action.update", {"status": "open", "due": "2025-06-30", "owner": "Falls lead"},
                           {"status": "done", "due": "2025-06-30", "owner": "Falls lead"}))
    assert words.headline == "Action changed"
    assert words.changes == ("Status: was “open”, now “done”.",)


def test_a_new_thing_lists_what_it_holds_and_a_refusal_says_who_what_why() -> None:
    made = describe(event("commentary.save", None, {"text": "Falls up", "version": 1, "addendum": False,
                                                     "metric_id": "falls_admissions_65plus", "based_on": None}))
    assert made.headline == "Commentary saved"
    assert made.changes == ("Text: “Falls up”.", "Version: “1”.", "Addendum: no.",
                            "Metric: “falls_admissions_65plus”.")
    refused = describe(event("signoff.refused", None, {
        "reason": "only a performance officer for warwickshire may sign off; sample.lead is not one",
        "attempted": {"framework_id": "warwickshire", "period": "2025-03"}}))
    assert refused.headline == "Refused: tried to sign off a period"
    assert refused.why.startswith("only a performance officer")
    assert refused.changes == ("Framework: “warwickshire”.", "Period: “2025-03”.")
    failed = describe(event("sign_in.failed", None, {"method": "password", "ok": False, "address": "203.0.113.9",
                                                      "reason": "the username or password was not right"}))
    assert failed.headline == "Sign-in failed with a password from 203.0.113.9"
    assert failed.why == "the username or password was not right"


@pytest.fixture
def audit_layout(dash_app, app_store):
    """The page's layout for an admin, as JSON text, with the filters given."""
    from flask import g

    from review.people import Person, Role

    page = next(m for n, m in sys.modules.items() if n.endswith("pages.audit"))

    def shown(**filters) -> str:
        with dash_app.server.test_request_context("/"):
            g.outcomes_person = Person(0, "an.admin", "An Admin", Role.admin)
            return json.dumps(page.layout(**filters).to_plotly_json(), default=lambda o: o.to_plotly_json(),
                              ensure_ascii=False)
    return shown


def test_refused_writes_through_the_pages_are_recorded_and_shown(dash_app, app_store, audit_layout) -> None:
    """A viewer's forged write from the dashboard: refused, and on the audit page with who, what and why."""
    from tests.test_review_pages import FALLS, forge_comment, sign_in

    client = dash_app.server.test_client()
    sign_in(client, "sample.viewer", "sample-viewer-pass")
    forge_comment(client, dash_app, FALLS, "written by a viewer")
    shown = audit_layout(who="sample.viewer", kind="refused")
    assert "Refused: tried to save commentary" in shown
    assert "sample.viewer is a viewer and may only read" in shown
    assert "Text: “written by a viewer”." in shown
    assert '"data-action": "sign_in"' not in shown  # the kind filter: refusals only


def test_failed_sign_ins_and_filters(dash_app, app_store, audit_layout) -> None:
    client = dash_app.server.test_client()
    page = client.get("/signin").get_data(as_text=True)
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/signin", data={"username": "sample.officer", "password": "not it", "csrf_token": csrf},
                environ_base={"REMOTE_ADDR": "198.51.100.23"})
    failed = audit_layout(who="sample.officer", kind="failed")
    assert "Sign-in failed with a password from 198.51.100.23" in failed
    assert "the username or password was not right" in failed
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert "Sign-in failed" in audit_layout(who="sample.officer", since=today, until=today)
    assert "No event matches the filters." in audit_layout(who="sample.officer", until="2000-01-01")
    bad = audit_layout(since="last tuesday")
    assert "There is a problem" in bad and "From: 'last tuesday' is not a date" in bad
    assert "No event matches the filters." in audit_layout(about="nothing-is-about-this")


@pytest.fixture(scope="module")
def audit_data(service, app_store) -> None:
    """An admin, and events with long words, in the session store."""
    from review.actions import add_action, update_action
    from review.commentary import current_commentary, save_commentary
    from review.people import add_person, find_person, list_people

    if find_person(app_store, ADMIN) is None:
        # once any admin exists in the session's store (another test may have made one), only an admin adds people
        admin = next((p for p in list_people(app_store) if p.role == "admin"), None)
        add_person(app_store, admin, ADMIN, "Audrey Admin (test admin)", "admin", ADMIN_PASSWORD)
    lead = find_person(app_store, "sample.lead")
    current = current_commentary(app_store, "warwickshire", "2024-11").get("metric:falls_admissions_65plus")
    save_commentary(app_store, service, lead, "warwickshire", "2024-11", LONG_TEXT,
                    metric_id="falls_admissions_65plus", based_on=current.id if current else None)
    action = add_action(app_store, service, lead, "warwickshire", "2024-11", LONG_TEXT, "Falls lead",
                        "2025-06-30", metric_id="falls_admissions_65plus")
    update_action(app_store, service, lead, action.id, status="done")


@pytest.mark.browser
@pytest.mark.usefixtures("audit_data")
@pytest.mark.parametrize("width", [320, 768, 1280, 1920])
def test_nothing_is_cut_off_at_any_width_and_axe_finds_nothing(browser, live_server, width: int) -> None:
    from tests.test_wcag_browser import axe_violations

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    try:
        page.goto(f"{live_server}/signin")
        page.get_by_label("Username").fill(ADMIN)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("#signed-in-as")
        page.goto(f"{live_server}/admin/audit?who=sample.lead")
        page.wait_for_selector("#audit-table .audit-event")
        assert page.get_by_text("Status: was “open”, now “done”.").first.is_visible()
        measured = page.evaluate("""() => {
            const width = document.documentElement.clientWidth;
            const events = [...document.querySelectorAll('.audit-event')];
            return {page: document.documentElement.scrollWidth, width, events: events.length,
                    clipped: events.filter(e => e.scrollWidth > e.clientWidth + 1
                                             || e.getBoundingClientRect().right > width + 1)
                                   .map(e => e.dataset.event)};
        }""")
        assert measured["events"] > 0
        assert measured["page"] <= measured["width"], measured
        assert measured["clipped"] == [], f"events cut off at {width} px: {measured['clipped']}"
        assert axe_violations(page) == []
    finally:
        context.close()
    assert errors == []
