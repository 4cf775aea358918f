"""Writes through the pages are authorised on the server: forged Dash callback requests (a POST to
``/_dash-update-component`` with a hand-made body, as anyone can send without the page) from a
viewer, from a lead on someone else's intention, or from nobody, are refused and change nothing.

The person comes from the session cookie; nothing in the request body can name one."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from datasources.store import actions, audit_events, commentary, milestone_updates, signoffs

FRAMEWORK, PERIOD = "warwickshire", "2025-03"
FALLS = "metric:falls_admissions_65plus"          # led by the sample lead
DEMENTIA = "metric:dementia_diagnosis_rate_65plus"  # someone else's intention


def counts(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (commentary, actions, milestone_updates, signoffs)}


@pytest.fixture
def client(dash_app):
    return dash_app.server.test_client()


def sign_in(client, username: str, password: str) -> None:
    page = client.get("/signin").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/signin", data={"username": username, "password": password, "csrf_token": csrf})
    assert answer.status_code == 303, answer.get_data(as_text=True)


def callback_key(dash_app, output_type: str) -> str:
    return next(k for k in dash_app.callback_map if f'"type":"{output_type}"' in k)


def pid(kind: str, key: str, field: str = "key") -> dict:
    return {field: key, "type": kind}


def forge(client, dash_app, output_types: list, inputs: list[tuple], state: list[tuple],
          error_fields: tuple[str, ...] = ()):
    """A callback request as the renderer would send it, made by hand. ``output_types`` are "type.property"
    (the id made from the first input's key) or (id, property) pairs; ``error_fields`` are the form's
    per-field error slots (outputs after them)."""
    def prop(item):
        ident, name, value = item
        return {"id": ident, "property": name, "value": value}

    def output(named):
        if isinstance(named, tuple):
            return {"id": named[0], "property": named[1]}
        kind, name = named.split(".")
        return {"id": pid(kind, inputs[0][0].get("key") or inputs[0][0].get("action"),
                          "action" if "action" in inputs[0][0] else "key"), "property": name}

    key = callback_key(dash_app, output_types[0].split(".")[0])
    outputs = [output(o) for o in output_types]
    outputs += [{"id": {"field": name, "key": inputs[0][0].get("key"), "type": "field-error"}, "property": "children"}
                for name in error_fields]
    first = inputs[0][0]
    changed = json.dumps(first, sort_keys=True, separators=(",", ":")) + "." + inputs[0][1]
    single = outputs[0] if len(outputs) == 1 else outputs  # one output goes unlisted, as the renderer sends it
    body = {"output": key, "outputs": single, "inputs": [prop(i) for i in inputs],
            "state": [prop(s) for s in state], "changedPropIds": [changed]}
    return client.post("/_dash-update-component", json=body, headers={"Origin": "http://localhost"})


def forge_comment(client, dash_app, key: str, text: str):
    ctx = {"framework": FRAMEWORK, "period": PERIOD}
    return forge(client, dash_app,
                 ["comment-result.children", "comment-shown.children", "comment-based-on.data"],
                 [(pid("comment-save", key), "n_clicks", 1)],
                 [(pid("comment-save", key), "id", pid("comment-save", key)),
                  (pid("comment-text", key), "value", text), (pid("comment-based-on", key), "data", None),
                  ("review-context", "data", ctx)], error_fields=("commentary",))


def date_parts(kind: str, key: str, day: str, month: str, year: str) -> list[tuple]:
    """The Day, Month and Year boxes of a date input (GOV.UK's pattern), as the renderer sends them."""
    return [({"key": key, "part": part, "type": kind}, "value", value)
            for part, value in (("day", day), ("month", month), ("year", year))]


def action_outputs(key: str) -> list:
    return ["action-result.children", "action-list.children", "action-text.value", "action-owner.value",
            *[({"key": key, "part": part, "type": "action-due"}, "value") for part in ("day", "month", "year")]]


def forge_action(client, dash_app, key: str, due: tuple[str, str, str] = ("30", "6", "2025")):
    ctx = {"framework": FRAMEWORK, "period": PERIOD}
    return forge(client, dash_app, action_outputs(key),
                 [(pid("action-add", key), "n_clicks", 1)],
                 [(pid("action-add", key), "id", pid("action-add", key)),
                  (pid("action-text", key), "value", "forged action"), (pid("action-owner", key), "value", "X"),
                  *date_parts("action-due", key, *due), ("review-context", "data", ctx)],
                 error_fields=("action", "owner", "due"))


def forge_signoff(client, dash_app):
    ctx = {"framework": FRAMEWORK, "period": "2024-03"}
    return forge(client, dash_app, ["signoff-result.children"],
                 [(pid("signoff-button", "pack"), "n_clicks", 1)],
                 [(pid("signoff-reason", "pack"), "value", None), ("review-context", "data", ctx)],
                 error_fields=("reason",))


def test_forged_writes_from_a_viewer_are_refused(client, dash_app, app_store) -> None:
    sign_in(client, "sample.viewer", "sample-viewer-pass")
    before = counts(app_store)
    for response in (forge_comment(client, dash_app, FALLS, "forged by a viewer"),
                     forge_action(client, dash_app, FALLS), forge_signoff(client, dash_app)):
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        text = response.get_data(as_text=True)
        assert '"role":"alert"' in text and ("sample.viewer is a viewer" in text or "not one" in text), text[:400]
    assert counts(app_store) == before


def test_a_lead_cannot_write_on_another_leads_intention(client, dash_app, app_store) -> None:
    sign_in(client, "sample.lead", "sample-lead-pass")
    before = counts(app_store)
    response = forge_comment(client, dash_app, DEMENTIA, "not my intention")
    text = response.get_data(as_text=True)
    assert "Not saved" in text and "may not write on" in text and "Dementia Commissioning Lead" in text
    assert "Not added" in forge_action(client, dash_app, DEMENTIA).get_data(as_text=True)
    assert "only a performance officer" in forge_signoff(client, dash_app).get_data(as_text=True)
    assert counts(app_store) == before


def test_nobody_signed_in_cannot_write(client, dash_app, app_store) -> None:
    before = counts(app_store)
    text = forge_comment(client, dash_app, FALLS, "anonymous").get_data(as_text=True)
    assert "sign in to write" in text
    assert counts(app_store) == before


def test_the_body_cannot_name_a_person(client, dash_app, app_store) -> None:
    """Whatever extra fields a forger adds, the person is the session's: here, nobody."""
    before = counts(app_store)
    ctx = {"framework": FRAMEWORK, "period": PERIOD, "person": "sample.officer", "username": "sample.officer"}
    response = forge(client, dash_app, ["comment-result.children", "comment-shown.children",
                                        "comment-based-on.data"],
                     [(pid("comment-save", FALLS), "n_clicks", 1)],
                     [(pid("comment-save", FALLS), "id", pid("comment-save", FALLS)),
                      (pid("comment-text", FALLS), "value", "x"), (pid("comment-based-on", FALLS), "data", None),
                      ("review-context", "data", ctx)], error_fields=("commentary",))
    assert "sign in to write" in response.get_data(as_text=True)
    assert counts(app_store) == before


def test_the_lead_writes_through_the_same_request(client, dash_app, app_store) -> None:
    """The hand-made request is a real one: the same body from the lead on their own intention
    is saved, so the refusals above are the access check, not a malformed request."""
    sign_in(client, "sample.lead", "sample-lead-pass")
    before = counts(app_store)
    text = forge_action(client, dash_app, FALLS).get_data(as_text=True)
    assert "Action added" in text
    assert counts(app_store)["actions"] == before["actions"] + 1
    with app_store.engine.connect() as conn:
        who = conn.execute(select(audit_events.c.who).where(audit_events.c.action == "action.add")
                           .order_by(audit_events.c.id.desc())).first()[0]
    assert who == "sample.lead"


def test_a_stale_edit_is_refused_with_the_other_text_and_keeps_both(client, dash_app, app_store) -> None:
    """Two people start from the same (empty) commentary: the second save is refused, shows the
    first person's words, and stores nothing over them."""
    from review.commentary import commentary_history

    key = "intention:ddd-3-with-partners-develop"  # a People Group intention: the sample lead's
    sign_in(client, "sample.lead", "sample-lead-pass")
    first = forge_comment(client, dash_app, key, "Community services pilot starts in two areas.")
    assert "Saved as version 1" in first.get_data(as_text=True)
    officer = dash_app.server.test_client()
    sign_in(officer, "sample.officer", "sample-officer-pass")
    second = forge_comment(officer, dash_app, key, "Pilot delayed to May.").get_data(as_text=True)
    assert "someone else saved this commentary first" in second
    assert "Community services pilot starts in two areas." in second  # the other person's text, shown
    assert "Your text is still in the box" in second
    history = commentary_history(app_store, FRAMEWORK, PERIOD, intention_id="ddd-3-with-partners-develop")
    assert [c.text for c in history] == ["Community services pilot starts in two areas."]


def test_cross_site_callback_posts_are_refused(client, dash_app, app_store) -> None:
    sign_in(client, "sample.lead", "sample-lead-pass")
    before = counts(app_store)
    response = client.post("/_dash-update-component", json={"output": "x"}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert counts(app_store) == before


def test_audit_page_is_for_admins_only(client, dash_app, app_store) -> None:
    import sys

    from flask import g

    from review.people import Person, Role, find_person

    audit_page = next(m for n, m in sys.modules.items() if n.endswith("pages.audit"))

    def shown(person) -> str:
        with dash_app.server.test_request_context("/"):
            g.outcomes_person = person  # what auth.current_person() worked out for this request
            return json.dumps(audit_page.layout(who="sample.lead").to_plotly_json(),
                              default=lambda o: o.to_plotly_json())

    assert "Only admins can see the audit trail" in shown(None)
    assert "Only admins can see the audit trail" in shown(find_person(app_store, "sample.officer"))
    sign_in(client, "sample.lead", "sample-lead-pass")  # an event to see
    page = shown(Person(0, "an.admin", "An Admin", Role.admin))
    assert "audit-table" in page and "sign_in" in page and "sample.lead" in page


def test_a_refused_field_gets_its_own_error_message(client, dash_app, app_store) -> None:
    """Beside the error summary, the field the domain named gets GOV.UK's error message, pointing
    at its control (a11y.js ties them with aria-describedby); the other fields get none."""
    sign_in(client, "sample.lead", "sample-lead-pass")
    before = counts(app_store)
    ctx = {"framework": FRAMEWORK, "period": PERIOD}
    response = forge(client, dash_app, action_outputs(FALLS),
                     [(pid("action-add", FALLS), "n_clicks", 1)],
                     [(pid("action-add", FALLS), "id", pid("action-add", FALLS)),
                      (pid("action-text", FALLS), "value", "Audit care-home falls"),
                      (pid("action-owner", FALLS), "value", "Falls lead"),
                      *date_parts("action-due", FALLS, "31", "6", "2025"), ("review-context", "data", ctx)],
                     error_fields=("action", "owner", "due"))
    assert response.status_code == 200, response.get_data(as_text=True)
    slots = {json.loads(k)["field"]: v["children"] for k, v in response.get_json()["response"].items()
             if '"field-error"' in k}
    assert slots["action"] is None and slots["owner"] is None
    message = slots["due"]["props"]
    assert message["className"] == "govuk-error-message"
    # The box at fault: the day (June has 30 days).
    day = {"key": FALLS, "part": "day", "type": "action-due"}
    assert message["data-error-for"] == json.dumps(day, sort_keys=True, separators=(",", ":"))
    hidden, words = message["children"]
    assert hidden["props"]["children"] == "Error: " and hidden["props"]["className"] == "visually-hidden"
    assert words == "Due date: must be a real date: June 2025 has 30 days"
    assert counts(app_store) == before


def forge_milestone(client, dash_app, key: str, status: str, done_on: tuple[str, str, str] = ("", "", ""),
                    period: str = PERIOD):
    ctx = {"framework": FRAMEWORK, "period": period}
    return forge(client, dash_app, ["milestone-result.children", "milestone-shown.children"],
                 [(pid("milestone-save", key), "n_clicks", 1)],
                 [(pid("milestone-save", key), "id", pid("milestone-save", key)),
                  (pid("milestone-status", key), "value", status), *date_parts("milestone-done-on", key, *done_on),
                  (pid("milestone-evidence", key), "value", f"evidence for {key}"), ("review-context", "data", ctx)],
                 error_fields=("status", "done on", "evidence"))


# The one milestone widget, where it is shown: the review pack's list of a lead's milestones ("led"), an
# exception ("exception") and the intention page ("intention"). Neither milestone is late: one has no date, the
# other is due in October 2017, looked at in 2016-03.
UNDATED = ("ddd-4-continue-populate-warwickshire", 0)
DATED = ("fe-6-over-next-four", 0)


@pytest.mark.parametrize("place, milestone, period", [("led", UNDATED, PERIOD), ("intention", UNDATED, PERIOD),
                                                      ("led", DATED, "2016-03"), ("intention", DATED, "2016-03")])
def test_a_lead_updates_a_milestone_that_is_not_late_from_either_page(client, dash_app, app_store, place, milestone,
                                                                      period) -> None:
    from metrics.periods import parse_month
    from review.milestones import milestone_states

    intention_id, position = milestone
    key = f"{place}:{intention_id}#{position}"
    service = dash_app.server.extensions["outcomes"].service
    framework = service.framework(FRAMEWORK)
    title = framework.intention(intention_id).milestones[position].title
    before = next(m for m in milestone_states(app_store, framework, parse_month(period))
                  if (m.intention_id, m.title) == (intention_id, title))
    assert before.state != "late"
    sign_in(client, "sample.lead", "sample-lead-pass")
    text = forge_milestone(client, dash_app, key, "in_progress", period=period).get_data(as_text=True)
    assert "Milestone saved: In progress" in text, text[:400]
    after = next(m for m in milestone_states(app_store, framework, parse_month(period))
                 if (m.intention_id, m.title) == (intention_id, title))
    assert (after.status, after.evidence, after.recorded_by) == ("in_progress", f"evidence for {key}", "sample.lead")


def test_a_milestone_update_from_someone_else_is_refused(client, dash_app, app_store) -> None:
    """Forged from the intention page's or the review pack's widget, by a lead of other intentions and by a
    viewer: the domain refuses and nothing is written."""
    from review.people import Person, Role, add_person, find_person, grant

    if find_person(app_store, "other.lead") is None:
        admin = Person(0, "test.admin", "Test Admin", Role.admin)
        add_person(app_store, admin, "other.lead", "Olu Other (a lead of other intentions)", Role.lead,
                   "other-lead-pass")
        grant(app_store, admin, "other.lead", lead="Dementia Commissioning Lead", framework_id=FRAMEWORK)
    for username, password, said in (("other.lead", "other-lead-pass", "other.lead may not write on"),
                                     ("sample.viewer", "sample-viewer-pass", "sample.viewer is a viewer")):
        sign_in(client, username, password)
        before = counts(app_store)
        for place in ("led", "intention", "exception"):
            text = forge_milestone(client, dash_app, f"{place}:{UNDATED[0]}#0", "done", ("14", "2", "2025")) \
                .get_data(as_text=True)
            assert "Not saved" in text and said in text, text[:400]
        assert counts(app_store) == before


def test_a_date_done_is_checked_on_the_server_and_names_the_box(client, dash_app, app_store) -> None:
    sign_in(client, "sample.lead", "sample-lead-pass")
    before = counts(app_store)
    key = f"intention:{UNDATED[0]}#0"
    response = forge_milestone(client, dash_app, key, "done", ("29", "2", "2025"))
    slots = {json.loads(k)["field"]: v["children"] for k, v in response.get_json()["response"].items()
             if '"field-error"' in k}
    message = slots["done on"]["props"]
    assert message["children"][1] == "Date done: must be a real date: February 2025 has 28 days"
    assert json.loads(message["data-error-for"]) == {"key": key, "part": "day", "type": "milestone-done-on"}
    assert slots["status"] is None and slots["evidence"] is None
    assert counts(app_store) == before
