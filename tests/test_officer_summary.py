"""The officer's summary (issue 21): written by a performance officer for a framework's period, versioned like
commentary (history, never overwritten, audited), authorised in the domain, frozen by sign-off into the
snapshot, first in the committee paper after the cover; a draft from the signals that a person edits."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cli.main import app
from datasources import store as tables
from reports import content
from review.errors import Conflict, Forbidden
from review.officer_summary import current_summary, draft_summary, save_summary, summary_history
from review.pack import paper_draft, review_pack
from review.people import find_person
from review.sample import seed_sample_people
from review.signoff import sign_off

FW, PERIOD = "warwickshire", "2025-03"
WORDS = "Falls are the concern this month <b>not bold</b>.\n- The community falls service starts in April.\n" \
        "The committee is asked to note the dementia diagnosis rate."


def test_versions_are_kept_and_only_an_officer_writes(any_store, service):
    seed_sample_people(any_store)
    officer, lead = find_person(any_store, "sample.officer"), find_person(any_store, "sample.lead")
    with pytest.raises(Forbidden):
        save_summary(any_store, service, lead, FW, PERIOD, "A lead may not write the summary.")
    first = save_summary(any_store, service, officer, FW, PERIOD, "First words.")
    second = save_summary(any_store, service, officer, FW, PERIOD, "Second words.", based_on=first.id)
    with pytest.raises(Conflict) as refused:  # written on top of an old version: refused, not overwritten
        save_summary(any_store, service, officer, FW, PERIOD, "Stale words.", based_on=first.id)
    assert refused.value.current.id == second.id
    assert [(s.version, s.text) for s in summary_history(any_store, FW, PERIOD)] == [(1, "First words."),
                                                                                    (2, "Second words.")]
    assert current_summary(any_store, FW, PERIOD).text == "Second words."
    with any_store.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(tables.audit_events).where(
            tables.audit_events.c.entity == f"officer_summary:{FW}/{PERIOD}"))]
    assert actions.count("officer_summary.save") == 2 and "officer_summary.conflict" in actions
    assert len(actions) == 4, actions  # and the lead's refused try


def test_draft_from_the_signals_is_never_saved_by_itself(temp_store, service):
    seed_sample_people(temp_store)
    pack = review_pack(temp_store, service, FW, PERIOD)
    draft = draft_summary(pack)
    assert f"{len(pack.intentions)} commissioning intentions were assessed" in draft
    assert pack.items and all("; ".join(item.reasons) in draft for item in pack.items[:3])
    assert summary_history(temp_store, FW, PERIOD) == []


def test_sign_off_freezes_the_summary_first_in_the_paper(temp_store, service, tmp_path):
    seed_sample_people(temp_store)
    officer = find_person(temp_store, "sample.officer")
    save_summary(temp_store, service, officer, FW, PERIOD, WORDS)
    snap = sign_off(temp_store, service, officer, FW, PERIOD)
    assert snap.record.payload["officer_summary"]["text"] == WORDS
    save_summary(temp_store, service, officer, FW, PERIOD, "Written after sign-off.",
                 based_on=current_summary(temp_store, FW, PERIOD).id)  # an addendum: the snapshot keeps its words
    import snapshots
    assert snapshots.load(temp_store, snap.id).record.payload["officer_summary"]["text"] == WORDS
    for scope in ("exceptions", "full"):
        blocks = content.build(snap, scope=scope)
        assert isinstance(blocks[0], content.Cover)
        assert isinstance(blocks[1], content.Heading) and blocks[1].text == "Officer's summary"
        assert blocks[2].text == "Falls are the concern this month <b>not bold</b>."  # as typed
        assert blocks[3].items == ("The community falls service starts in April.",)
    pypdf = pytest.importorskip("pypdf")
    from reports.export import export
    from tests.report_charts import blank_charts
    with blank_charts():  # the first page's words are read: its charts need not be drawn
        [pdf] = export(snap, "pdf", tmp_path, scope="exceptions")
    first = " ".join(pypdf.PdfReader(str(pdf)).pages[0].extract_text().split())
    assert first.index("Officer's summary") < first.index("Executive summary")
    assert "<b>not bold</b>" in first


def test_the_drafts_counts_are_the_papers(temp_store, service):
    """The draft opens the committee paper, so it counts intentions as the paper's table does: Warwickshire's
    Winterbourne repatriations (3, under 5) is withheld in the paper, and its intention with it, so the draft
    may not call that intention off track (before: "17 off track" above a table of 16 off track, 1 no data)."""
    seed_sample_people(temp_store)
    officer = find_person(temp_store, "sample.officer")
    draft = paper_draft(temp_store, service, FW, PERIOD)
    snap = sign_off(temp_store, service, officer, FW, PERIOD)
    shown = ", ".join(f"{n} {s.words.lower()}" for s, n in snap.intention_counts().items() if n)
    assert f"{len(snap.intentions)} commissioning intentions were assessed: {shown}." in draft
    result = CliRunner().invoke(app, ["summary", "show", "--framework", FW, "--period", PERIOD, "--draft"],
                                env={tables.STORE_ENV: temp_store.url})
    assert result.exit_code == 0, result.output
    assert f"were assessed: {shown}." in result.output


def test_summary_command(temp_store, service):
    seed_sample_people(temp_store)
    env = {tables.STORE_ENV: temp_store.url}
    runner = CliRunner()
    drafted = runner.invoke(app, ["summary", "show", "--framework", FW, "--period", PERIOD, "--draft"], env=env)
    assert drafted.exit_code == 0 and "commissioning intentions were assessed" in drafted.stdout
    refused = runner.invoke(app, ["summary", "add", "--framework", FW, "--period", PERIOD, "--text", "Mine.",
                                  "--as", "sample.lead"], env=env)
    assert refused.exit_code == 1 and "performance officer" in refused.stderr
    added = runner.invoke(app, ["summary", "add", "--framework", FW, "--period", PERIOD, "--text", "Ours.",
                                "--as", "sample.officer"], env=env)
    assert added.exit_code == 0, added.output
    shown = json.loads(runner.invoke(app, ["summary", "show", "--framework", FW, "--period", PERIOD],
                                     env=env).stdout)
    assert shown["current"]["text"] == "Ours." and len(shown["history"]) == 1


@pytest.mark.browser
def test_officer_writes_the_summary_on_the_review_pack(open_page):
    """Signed in as the performance officer, start from the draft, edit it, save: saved as typed, shown as text;
    axe finds nothing on the form. A reader sees the summary and no form.

    Pages in the worker's kept browser contexts (``open_page``): the officer signs in through the sign-in page in
    tests/test_review_pages_browser.py. axe looks at the summary's part of the page: the officer's review pack
    is checked whole there, after the officer's writes."""
    from tests.test_wcag_browser import axe_violations

    period = "2025-01"  # no other test writes this period's summary
    page = open_page(f"/review?framework={FW}&period={period}", "#review-officer-summary",
                     person=("sample.officer", "sample-officer-pass"))
    assert "Pat Officer" in page.locator("#signed-in-as").inner_text()
    box = page.get_by_label("Your summary of the period")
    assert box.input_value() == ""
    page.get_by_role("button", name="Start from a draft").click()
    page.get_by_text("A draft is in the box").wait_for()
    draft = box.input_value()
    assert "commissioning intentions were assessed" in draft
    box.fill(draft.replace("[Say here what the figures mean, what is being done, and what the committee is asked "
                           "to note.]", "Falls <script>alert(1)</script> are the concern."))
    page.get_by_role("button", name="Save summary").click()
    page.get_by_text("Summary saved as version 1.").wait_for()
    shown = page.locator("#officer-summary-shown").inner_text()
    assert "Falls <script>alert(1)</script> are the concern." in shown
    assert axe_violations(page, within=("#review-officer-summary",)) == []
    reader = open_page(f"/review?framework={FW}&period={period}", "#review-officer-summary")
    assert "Falls <script>alert(1)</script> are the concern." in reader.locator("#officer-summary-shown").inner_text()
    assert reader.get_by_role("button", name="Save summary").count() == 0
