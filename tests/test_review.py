"""The review domain (issue 8): access checks inside every write, versioned commentary with the
stale-edit conflict, actions, milestone updates, sign-off snapshots and the audit trail,
each on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

import snapshots
from datasources import store as tables
from datasources.store import Store
from review import audit
from review.access import can_sign_off, can_write
from review.actions import add_action, list_actions, update_action
from review.commentary import commentary_history, current_commentary, save_commentary
from review.errors import Conflict, Forbidden, ReviewInputError, SignedOff
from review.milestones import milestone_history, milestone_states, update_milestone
from review.exceptions import snapshot_exceptions
from metrics.evaluation.exceptions import Concern
from review.pack import review_pack
from review.people import Role, add_person, find_person, grant, set_password, verify_password
from review.sample import seed_sample_people
from review.signoff import sign_off, signed_off

FW = "warwickshire"
PERIOD = "2025-03"
FALLS = "falls_admissions_65plus"                 # off track; lead: Head of Strategic Commissioning (Older People)
DEMENTIA = "dementia_diagnosis_rate_65plus"       # lead: Dementia Commissioning Lead
PEOPLE_GROUP_INTENTION = "aad-14-align-with-coventry"
PEOPLE_GROUP_MILESTONE = "Commission a minimum of 10 Shared Lives carers in Warwickshire over the next four years to provide a minimum of 15 placements"
WRITE_TABLES = (tables.people, tables.grants, tables.commentary, tables.actions, tables.milestone_updates,
                tables.signoffs, tables.snapshots, tables.audit_events)
_databases = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def review_store(request, tmp_path):
    """A fresh store with the sample people, on each database."""
    if request.param == "sqlite":
        db = Store(f"sqlite:///{tmp_path / 'outcomes.db'}")
    else:
        server = request.getfixturevalue("postgres_url")
        name = f"review_{next(_databases)}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        db = Store(server.rsplit("/", 1)[0] + f"/{name}")
    seed_sample_people(db)
    yield db
    db.dispose()


def people(db: Store):
    return find_person(db, "sample.lead"), find_person(db, "sample.officer"), find_person(db, "sample.viewer")


def counts(db: Store) -> dict[str, int]:
    """Rows of every table a write changes, but the audit trail (a refused write is recorded there)."""
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in WRITE_TABLES
                if t is not tables.audit_events}


def refusals(db: Store) -> list[tuple[str, str, str]]:
    """(who, action, why) of every refused write recorded, oldest first."""
    return [(e.who, e.action, e.after["reason"]) for e in reversed(audit.list_events(db, kinds=(audit.REFUSED,)))]


# ------------------------------------------------------------------ access

def test_viewer_write_is_refused_and_changes_nothing(service, review_store):
    lead, _officer, viewer = people(review_store)
    before = counts(review_store)
    attempts = [
        lambda: save_commentary(review_store, service, viewer, FW, PERIOD, "forged", metric_id=FALLS),
        lambda: add_action(review_store, service, viewer, FW, PERIOD, "forged", "me", "2025-06-30", metric_id=FALLS),
        lambda: update_milestone(review_store, service, viewer, FW, PEOPLE_GROUP_INTENTION, PEOPLE_GROUP_MILESTONE,
                                 "done", None, "forged"),
        lambda: sign_off(review_store, service, viewer, FW, PERIOD),
        lambda: grant(review_store, viewer, "sample.viewer", lead="Dementia Commissioning Lead"),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden):
            attempt()
    assert counts(review_store) == before
    # Each refusal is recorded: who tried, what, and why (issue 22: refused writes were not recorded at all).
    recorded = refusals(review_store)
    assert [(who, action) for who, action, _ in recorded] == [
        ("sample.viewer", f"{kind}.refused") for kind in ("commentary.save", "action.add", "milestone.update",
                                                          "signoff", "grant.add")]
    assert all("sample.viewer" in why for _, _, why in recorded[:4])
    assert "only an admin may grant access" in recorded[4][2]
    attempted = audit.list_events(review_store, action="commentary.save.refused")[0]
    assert attempted.entity == f"commentary:{FW}/{PERIOD}/metric:{FALLS}"
    assert attempted.after["attempted"]["text"] == "forged"


def test_lead_cannot_write_on_another_leads_intention(service, review_store):
    lead, officer, _viewer = people(review_store)
    framework = service.framework(FW)
    assert can_write(review_store, lead, framework, framework.intention("fe-13-falls-prevention"))
    assert not can_write(review_store, lead, framework, framework.intention("fe-18-dementia-diagnosis"))
    theirs = add_action(review_store, service, officer, FW, PERIOD, "Dementia audit", "GP lead", "2025-06-30",
                        metric_id=DEMENTIA)
    before = counts(review_store)
    with pytest.raises(Forbidden, match="Dementia Commissioning Lead"):
        save_commentary(review_store, service, lead, FW, PERIOD, "not mine", metric_id=DEMENTIA)
    with pytest.raises(Forbidden):
        add_action(review_store, service, lead, FW, PERIOD, "not mine", "me", "2025-06-30", metric_id=DEMENTIA)
    with pytest.raises(Forbidden):
        update_action(review_store, service, lead, theirs.id, status="dropped")
    assert counts(review_store) == before
    assert list_actions(review_store, FW)[0].status == "open"
    # Their own intention is fine, and a grant may be limited to another framework.
    save_commentary(review_store, service, lead, FW, PERIOD, "mine", metric_id=FALLS)


def test_framework_limited_grants(service, review_store):
    add_person(review_store, None, "dementia.other", "Elsewhere", Role.lead)
    add_person(review_store, None, "po.one", "PO for Warwickshire", Role.lead)
    grant(review_store, None, "dementia.other", lead="Dementia Commissioning Lead", framework_id="somewhere_else")
    grant(review_store, None, "po.one", framework_id=FW, role=Role.performance_officer)
    framework = service.framework(FW)
    other, po = find_person(review_store, "dementia.other"), find_person(review_store, "po.one")
    assert not can_write(review_store, other, framework, framework.intention("fe-18-dementia-diagnosis"))
    assert can_write(review_store, po, framework, framework.intention("fe-18-dementia-diagnosis"))
    assert can_sign_off(review_store, po, FW) and not can_sign_off(review_store, po, "somewhere_else")


def test_only_admins_manage_people_once_one_exists(review_store):
    admin = add_person(review_store, None, "admin", "Admin", Role.admin, "an admin password")
    with pytest.raises(Forbidden):
        add_person(review_store, None, "late.bootstrap", "Nobody", Role.admin)
    with pytest.raises(Forbidden):
        add_person(review_store, find_person(review_store, "sample.officer"), "x.y", "X", Role.viewer)
    added = add_person(review_store, admin, "new.lead", "New Lead", "lead")
    assert find_person(review_store, "new.lead") == added
    with pytest.raises(ReviewInputError, match="taken"):
        add_person(review_store, admin, "new.lead", "Again", "lead")


# ------------------------------------------------------------------ passwords

def test_passwords_are_argon2id_and_failures_give_no_hint(review_store):
    with review_store.engine.connect() as conn:
        stored = conn.execute(select(tables.people.c.password_hash)
                              .where(tables.people.c.username == "sample.lead")).scalar_one()
    assert stored.startswith("$argon2id$") and "sample-lead-pass" not in stored
    assert verify_password(review_store, "sample.lead", "sample-lead-pass").username == "sample.lead"
    assert verify_password(review_store, "sample.lead", "wrong password") is None
    assert verify_password(review_store, "nobody.here", "sample-lead-pass") is None
    failed = audit.list_events(review_store, action="sign_in.failed")
    assert {e.who for e in failed} == {"sample.lead", "nobody.here"}
    with pytest.raises(ReviewInputError, match="too short"):
        set_password(review_store, find_person(review_store, "sample.lead"), "sample.lead", "short")
    set_password(review_store, find_person(review_store, "sample.lead"), "sample.lead", "a brand new password")
    assert verify_password(review_store, "sample.lead", "sample-lead-pass") is None
    assert verify_password(review_store, "sample.lead", "a brand new password") is not None


def test_the_product_hashes_passwords_at_argon2s_recommended_cost():
    """The tests hash at the lowest cost, for time (tests/conftest.py); the product keeps the library's
    recommended cost or more, which is what slows someone guessing at a copied hash."""
    from argon2 import PasswordHasher

    import conftest

    product, recommended = conftest.PRODUCT_HASHER, PasswordHasher()
    assert product is not None, "conftest's cheap_password_hashes kept the product's hasher"
    assert product.type == recommended.type
    assert product.time_cost >= recommended.time_cost and product.memory_cost >= recommended.memory_cost


# ------------------------------------------------------------------ commentary

def test_concurrent_edit_is_refused_and_both_texts_are_kept(service, review_store):
    lead, officer, _viewer = people(review_store)
    first = save_commentary(review_store, service, lead, FW, PERIOD, "Falls rose after the winter.", metric_id=FALLS)
    # Both open the editor on version 1; the officer saves first.
    mine = save_commentary(review_store, service, officer, FW, PERIOD, "Officer: rise is seasonal.",
                           metric_id=FALLS, based_on=first.id)
    with pytest.raises(Conflict) as refused:
        save_commentary(review_store, service, lead, FW, PERIOD, "Lead: new falls service from April.",
                        metric_id=FALLS, based_on=first.id)
    assert refused.value.current == mine
    assert refused.value.attempted == "Lead: new falls service from April."
    history = commentary_history(review_store, FW, PERIOD, metric_id=FALLS)
    assert [(c.version, c.text) for c in history] == [(1, "Falls rose after the winter."),
                                                      (2, "Officer: rise is seasonal.")]
    kept = audit.list_events(review_store, action="commentary.conflict")
    assert kept[0].after == {"refused_text": "Lead: new falls service from April."}
    assert kept[0].before["text"] == "Officer: rise is seasonal."
    # Starting again from the officer's version works.
    third = save_commentary(review_store, service, lead, FW, PERIOD, "Lead: agreed, and a new service.",
                            metric_id=FALLS, based_on=mine.id)
    assert third.version == 3 and current_commentary(review_store, FW, PERIOD)[f"metric:{FALLS}"] == third


def test_commentary_is_plain_text_within_limits(service, review_store):
    lead, _officer, _viewer = people(review_store)
    markup = '<script>alert("x")</script><b>bold</b> & more'
    saved = save_commentary(review_store, service, lead, FW, PERIOD, markup, metric_id=FALLS)
    assert saved.text == markup  # kept exactly; pages show it as text
    before = counts(review_store)
    bad = [
        (dict(text="x" * 4001, metric_id=FALLS), "limit is 4000"),
        (dict(text="   ", metric_id=FALLS), "empty"),
        (dict(text="ok", metric_id="not_a_metric"), "not a metric of warwickshire"),
        (dict(text="ok"), "name the metric"),
    ]
    for kwargs, message in bad:
        with pytest.raises(ReviewInputError, match=message):
            save_commentary(review_store, service, lead, FW, PERIOD, based_on=saved.id, **kwargs)
    with pytest.raises(ReviewInputError, match="YYYY-MM"):
        save_commentary(review_store, service, lead, FW, "March 2025", "ok", metric_id=FALLS, based_on=saved.id)
    assert counts(review_store) == before


# ------------------------------------------------------------------ actions and milestones

def test_actions_carry_forward_and_flag_overdue(service, review_store):
    lead, _officer, _viewer = people(review_store)
    early = add_action(review_store, service, lead, FW, "2025-01", "Audit care-home falls", "Falls lead",
                       "2025-02-15", metric_id=FALLS)
    later = add_action(review_store, service, lead, FW, "2025-04", "Later one", "Falls lead", "2025-05-31",
                       metric_id=FALLS)
    at_march = list_actions(review_store, FW, PERIOD)
    assert [a.id for a in at_march] == [early.id]  # carried forward from January; April's not yet raised
    assert early.overdue(date(2025, 3, 1)) and not early.overdue(date(2025, 2, 1))
    done = update_action(review_store, service, lead, early.id, status="done")
    assert not done.overdue(date(2025, 3, 1)) and done.closed_at is not None
    assert [a.id for a in list_actions(review_store, FW, open_only=True)] == [later.id]
    before = counts(review_store)
    for kwargs, message in [(dict(due="31/03/2025"), "YYYY-MM-DD"), (dict(status="finished"), "open, done"),
                            (dict(), "nothing to change")]:
        with pytest.raises(ReviewInputError, match=message):
            update_action(review_store, service, lead, later.id, **kwargs)
    with pytest.raises(ReviewInputError, match="YYYY-MM-DD"):
        add_action(review_store, service, lead, FW, PERIOD, "x", "y", "2025-13-01", metric_id=FALLS)
    assert counts(review_store) == before


def test_config_milestone_status_is_the_first_recorded_update(service, review_store):
    lead, _officer, _viewer = people(review_store)
    framework = service.framework(FW)
    state = next(m for m in milestone_states(review_store, framework, date(2025, 3, 1))
                 if m.title == PEOPLE_GROUP_MILESTONE)
    assert state.state == "late" and state.recorded_by == "config"
    saved = update_milestone(review_store, service, lead, FW, PEOPLE_GROUP_INTENTION, PEOPLE_GROUP_MILESTONE,
                             "done", "2025-02-20", "https://example.org/plan.pdf")
    history = milestone_history(review_store, service, FW, PEOPLE_GROUP_INTENTION, PEOPLE_GROUP_MILESTONE)
    assert [(h.recorded_by, h.status) for h in history] == [("config", state.status), ("sample.lead", "done")]
    state = next(m for m in milestone_states(review_store, framework, date(2025, 3, 1))
                 if m.title == PEOPLE_GROUP_MILESTONE)
    assert (state.state, state.done_on, state.evidence) == ("done", date(2025, 2, 20), saved.evidence)
    with pytest.raises(ReviewInputError, match="not a milestone"):
        update_milestone(review_store, service, lead, FW, PEOPLE_GROUP_INTENTION, "No such", "done")
    with pytest.raises(ReviewInputError, match="only with status 'done'"):
        update_milestone(review_store, service, lead, FW, PEOPLE_GROUP_INTENTION, PEOPLE_GROUP_MILESTONE,
                         "in_progress", "2025-02-20")


# ------------------------------------------------------------------ sign-off and audit

def test_signoff_snapshot_holds_the_review_and_is_refused_twice(service, review_store):
    lead, officer, _viewer = people(review_store)
    save_commentary(review_store, service, lead, FW, PERIOD, "Falls up; new service in April.", metric_id=FALLS)
    action = add_action(review_store, service, lead, FW, PERIOD, "Commission falls service", "Falls lead",
                        "2025-04-30", metric_id=FALLS)
    update_milestone(review_store, service, lead, FW, PEOPLE_GROUP_INTENTION, PEOPLE_GROUP_MILESTONE, "done",
                     "2025-02-20", "Plan agreed")
    with pytest.raises(Forbidden):
        sign_off(review_store, service, lead, FW, PERIOD)
    snap = sign_off(review_store, service, officer, FW, PERIOD)
    loaded = snapshots.load(review_store, snap.id)
    assert loaded.commentary[FALLS][0]["text"] == "Falls up; new service in April."
    assert [a["id"] for a in loaded.record.payload["actions"]] == [action.id]
    frozen = next(m for m in loaded.milestones if m["title"] == PEOPLE_GROUP_MILESTONE)
    assert (frozen["state"], frozen["evidence"]) == ("done", "Plan agreed")
    assert loaded.record.payload["signoff"]["signed_by"] == "sample.officer"
    assert signed_off(review_store, FW, PERIOD).snapshot_id == snap.id

    before = counts(review_store)
    with pytest.raises(SignedOff, match="already signed off by sample.officer"):
        sign_off(review_store, service, officer, FW, PERIOD)
    assert counts(review_store) == before
    # Commentary written after sign-off is an addendum; the snapshot does not change.
    late = save_commentary(review_store, service, lead, FW, PERIOD, "Addendum: April data confirm it.",
                           metric_id=FALLS, based_on=current_commentary(review_store, FW, PERIOD)[f"metric:{FALLS}"].id)
    assert late.addendum
    assert snapshots.load(review_store, snap.id).commentary[FALLS][0]["text"] == "Falls up; new service in April."
    again = sign_off(review_store, service, officer, FW, PERIOD, reason="April data revised the March figures")
    assert again.version == 2 and again.commentary[FALLS][0]["addendum"] is True
    assert signed_off(review_store, FW, PERIOD).reason == "April data revised the March figures"


def test_signoff_of_a_period_without_data_changes_nothing(service, review_store):
    _lead, officer, _viewer = people(review_store)
    before = counts(review_store)
    with pytest.raises(ReviewInputError, match="no data for 1999-01"):  # a period long past, before any data
        sign_off(review_store, service, officer, FW, "1999-01")
    with pytest.raises(ReviewInputError, match="no framework"):
        sign_off(review_store, service, officer, "nowhere", PERIOD)
    assert counts(review_store) == before


def test_audit_holds_every_write_with_before_and_after(service, review_store):
    lead, officer, _viewer = people(review_store)
    first = save_commentary(review_store, service, lead, FW, PERIOD, "v1", metric_id=FALLS)
    save_commentary(review_store, service, lead, FW, PERIOD, "v2", metric_id=FALLS, based_on=first.id)
    action = add_action(review_store, service, lead, FW, PERIOD, "Do it", "Me", "2025-04-30", metric_id=FALLS)
    update_action(review_store, service, lead, action.id, status="done")
    update_milestone(review_store, service, lead, FW, PEOPLE_GROUP_INTENTION, PEOPLE_GROUP_MILESTONE, "in_progress")
    grant(review_store, None, "sample.viewer", lead="Dementia Commissioning Lead")
    sign_off(review_store, service, officer, FW, PERIOD)
    events = list(reversed(audit.list_events(review_store, since=None)))
    writes = [e for e in events if e.who != "setup"]
    assert [e.action for e in writes] == ["commentary.save", "commentary.save", "action.add", "action.update",
                                          "milestone.update", "signoff"]
    saves = [e for e in writes if e.action == "commentary.save"]
    assert saves[0].before is None and saves[0].after["text"] == "v1"
    assert saves[1].before["text"] == "v1" and saves[1].after["text"] == "v2"
    update = next(e for e in writes if e.action == "action.update")
    assert (update.before["status"], update.after["status"]) == ("open", "done")
    milestone = next(e for e in writes if e.action == "milestone.update")
    assert milestone.before["recorded_by"] == "config" and milestone.after["status"] == "in_progress"
    granted = [e for e in events if e.action == "grant.add"][-1]
    assert granted.after["lead"] == "Dementia Commissioning Lead" and granted.before is None
    assert all(e.who == "sample.lead" for e in writes[:5])
    assert [e.action for e in audit.list_events(review_store, who="sample.officer")] == ["signoff"]
    assert len(audit.list_events(review_store, entity=f"action:{action.id}")) == 2


def test_audit_trail_is_append_only_in_the_database(review_store):
    with pytest.raises(DBAPIError, match="append-only"):
        with review_store.engine.begin() as conn:
            conn.execute(tables.audit_events.update().values(who="someone else"))
    with pytest.raises(DBAPIError, match="append-only"):
        with review_store.engine.begin() as conn:
            conn.execute(tables.audit_events.delete())
    assert audit.list_events(review_store)


# ------------------------------------------------------------------ review pack

def test_review_pack_holds_exceptions_with_their_commentary_and_actions(service, review_store):
    lead, officer, _viewer = people(review_store)
    note = save_commentary(review_store, service, lead, FW, PERIOD, "Falls up.", metric_id=FALLS)
    action = add_action(review_store, service, lead, FW, PERIOD, "Falls service", "Falls lead", "2025-02-28",
                        metric_id=FALLS)
    pack = review_pack(review_store, service, FW, PERIOD)
    falls = next(i for i in pack.items if i.metric_id == FALLS)
    assert falls.concerns == (Concern.OFF_TRACK, Concern.ACTION_OVERDUE)
    assert falls.reasons[1] == "1 overdue action"
    assert falls.commentary == note and [a.id for a in falls.actions] == [action.id]
    result = service.evaluate_framework(FW, PERIOD)
    off = {e.metric_id for e in result.evaluations if e.status in ("off_track", "at_risk")}
    assert off <= {i.metric_id for i in pack.items if i.kind == "metric"}
    # each metric counted once, however many intentions it evidences
    assert sum(pack.status_counts.values()) == len({e.metric_id for e in result.evaluations})
    # ranked: no item is listed before one with a more pressing concern
    ranks = [min(c.rank for c in i.concerns) for i in pack.items]
    assert ranks == sorted(ranks)
    assert pack.milestones_late == sum(1 for i in pack.items if i.kind == "intention"
                                       for m in i.milestones if m.late)
    assert pack.actions_overdue == 1 and pack.signoff is None
    sign_off(review_store, service, officer, FW, PERIOD)
    assert review_pack(review_store, service, FW, PERIOD).signoff is not None


def test_pack_and_snapshot_exceptions_show_status_changed_since_the_last_signoff(service, review_store):
    lead, officer, _viewer = people(review_store)
    earlier = sign_off(review_store, service, officer, FW, "2024-03")
    changed = "permanent_care_home_admissions_65plus"  # off track at 2024-03, achieved at 2025-03
    assert next(e for e in earlier.evaluations if e["metric_id"] == changed)["status"] == "off_track"
    pack = review_pack(review_store, service, FW, PERIOD)
    # better than at the last sign-off: an improvement, listed apart, not an exception
    assert not any(i.metric_id == changed for i in pack.items)
    better = next(g for g in pack.improvements if g.metric_id == changed)
    assert better.reasons[0] == "Better than at the 2024-03 sign-off: Off track then, Achieved now"
    assert pack.compared_with.snapshot_id == earlier.id
    add_action(review_store, service, lead, FW, PERIOD, "Chase the plan", "Lead", "2025-01-31",
               intention_id=PEOPLE_GROUP_INTENTION)
    later = sign_off(review_store, service, officer, FW, PERIOD)
    found = snapshot_exceptions(later, snapshots.stored_comparison(later).status_before)
    assert [g.reasons[0] for g in found.improvements if g.metric_id == changed] == [
        "Better than at the previous snapshot: Off track then, Achieved now"]
    assert {i.metric_id for i in found.items} >= {e["metric_id"] for e in later.evaluations
                                                  if e["status"] in ("off_track", "at_risk")}
    people_group = next(i for i in found.items if i.kind == "intention" and i.intention_id == PEOPLE_GROUP_INTENTION)
    assert people_group.concerns[-2:] == (Concern.MILESTONE_LATE, Concern.ACTION_OVERDUE)
    assert people_group.reasons[-1] == "1 overdue action"
    on_track = [e for e in later.evaluations if e["status"] == "achieved" and e["metric_id"] != changed]
    assert on_track and not any(found.has_metric(e["metric_id"], e["intention_id"]) for e in on_track
                                if not _concern(e))
    # the same rule as the live pack for the same audience (a snapshot is published, its small numbers
    # withheld, and a status that would give one away with them): the same items in the same order
    live = review_pack(review_store, service, FW, PERIOD, suppress=True)
    assert [i.key for i in live.items if i.kind == "metric"] == [i.key for i in found.items if i.kind == "metric"]


def _concern(evaluation) -> bool:
    spc = (evaluation.get("insights") or {}).get("spc") or {}
    trend = (evaluation.get("insights") or {}).get("trend") or {}
    return spc.get("variation") == "concern" or trend.get("assessment") == "worsening"


def test_racing_saves_from_the_same_version_keep_one_and_refuse_the_rest(service, review_store):
    import threading

    lead, officer, _viewer = people(review_store)
    first = save_commentary(review_store, service, lead, FW, PERIOD, "v1", metric_id=FALLS)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def save(n: int) -> None:
        start.wait()
        try:
            save_commentary(review_store, service, officer, FW, PERIOD, f"racer {n}", metric_id=FALLS,
                            based_on=first.id)
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "saved"]
    history = commentary_history(review_store, FW, PERIOD, metric_id=FALLS)
    assert [c.version for c in history] == [1, 2]
    refused = {e.after["refused_text"] for e in audit.list_events(review_store, action="commentary.conflict")}
    assert refused | {history[1].text} == {f"racer {n}" for n in range(4)}  # every text kept somewhere
