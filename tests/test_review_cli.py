"""`outcomes user|comment|action|milestone|signoff|audit`: exit codes, messages, the same checks."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from datasources import store
from datasources.store import Store
from review.sample import seed_sample_people

FW = ("--framework", "warwickshire")
FALLS = ("--metric", "falls_admissions_65plus")


def _command_line(folder):
    """The command line on a store of its own in ``folder``, with the sample people."""
    url = f"sqlite:///{folder / 'outcomes.db'}"
    db = Store(url)
    seed_sample_people(db)
    db.dispose()
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, list(args), env={store.STORE_ENV: url, **(env or {})})

    return run


@pytest.fixture(scope="module")
def cli(tmp_path_factory, sample_db):
    """Shared by the module's tests, which add nothing another of them reads."""
    return _command_line(tmp_path_factory.mktemp("reviewcli"))


@pytest.fixture
def own_cli(tmp_path, sample_db):
    """A store of this test's own: its audit trail holds what this test did and nothing else (a refused
    sign-off elsewhere in the module is audited too)."""
    return _command_line(tmp_path)


def test_users_and_grants(cli):
    added = cli("user", "add", "dementia.lead", "--name", "Dementia lead", "--role", "lead",
                "--password-from-env", env={"OUTCOMES_NEW_PASSWORD": "a long password"})
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["role"] == "lead"
    granted = cli("user", "grant", "dementia.lead", "--lead", "Dementia Commissioning Lead", *FW)
    assert granted.exit_code == 0, granted.output
    listed = json.loads(cli("user", "list", "--format", "json").stdout)
    mine = next(r for r in listed if r["username"] == "dementia.lead")
    assert mine["grants"] == ["lead 'Dementia Commissioning Lead' on warwickshire"]
    assert "password" not in json.dumps(listed)


def test_comment_action_milestone_signoff_and_audit(own_cli):
    cli = own_cli
    said = cli("comment", "add", *FW, "--period", "2025-03", *FALLS, "--text", "<b>Falls</b> rose", "--as",
               "sample.lead")
    assert said.exit_code == 0, said.output
    assert json.loads(said.stdout)["text"] == "<b>Falls</b> rose"
    again = cli("comment", "add", *FW, "--period", "2025-03", *FALLS, "--text", "Second", "--as", "sample.lead")
    assert json.loads(again.stdout)["version"] == 2
    stale = cli("comment", "add", *FW, "--period", "2025-03", *FALLS, "--text", "Stale", "--as", "sample.lead",
                "--based-on", str(json.loads(said.stdout)["id"]))
    assert stale.exit_code == 1 and "someone else saved" in stale.stderr and "Second" in stale.stderr
    raised = cli("action", "add", *FW, "--period", "2025-03", *FALLS, "--text", "Falls service", "--owner",
                 "Falls lead", "--due", "2025-02-28", "--as", "sample.lead")
    assert raised.exit_code == 0, raised.output
    action_id = json.loads(raised.stdout)["id"]
    listed = json.loads(cli("action", "list", *FW, "--period", "2025-03", "--format", "json").stdout)
    assert [a["id"] for a in listed] == [action_id] and listed[0]["overdue"]
    updated = cli("action", "update", str(action_id), "--status", "done", "--as", "sample.lead")
    assert updated.exit_code == 0 and json.loads(updated.stdout)["status"] == "done"
    marked = cli("milestone", "update", *FW, "--intention", "aad-14-align-with-coventry", "--title",
                 "Commission a minimum of 10 Shared Lives carers in Warwickshire over the next four years to provide a minimum of 15 placements", "--status", "done", "--done-on", "2025-02-20",
                 "--evidence", "Plan agreed", "--as", "sample.lead")
    assert marked.exit_code == 0, marked.output
    signed = cli("signoff", *FW, "--period", "2025-03", "--as", "sample.officer")
    assert signed.exit_code == 0, signed.output
    shown = json.loads(cli("snapshot", "show", str(json.loads(signed.stdout)["id"])).stdout)
    assert shown["period"] == "2025-03"
    twice = cli("signoff", *FW, "--period", "2025-03", "--as", "sample.officer")
    assert twice.exit_code == 1 and "already signed off" in twice.stderr
    events = json.loads(cli("audit", "--who", "sample.lead", "--format", "json").stdout)
    assert [e["action"] for e in events] == ["milestone.update", "action.update", "action.add",
                                             "commentary.conflict", "commentary.save", "commentary.save"]
    assert json.loads(cli("audit", "--action", "signoff", "--format", "json").stdout)[0]["who"] == "sample.officer"


@pytest.mark.parametrize("args, message", [
    (("comment", "add", *FW, "--period", "2025-03", "--metric", "dementia_diagnosis_rate_65plus", "--text", "x",
      "--as", "sample.lead"), "may not write"),
    (("comment", "add", *FW, "--period", "2025-03", *FALLS, "--text", "x", "--as", "sample.viewer"), "viewer"),
    (("comment", "add", *FW, "--period", "2025-03", *FALLS, "--text", "x", "--as", "nobody"), "no person 'nobody'"),
    (("comment", "add", *FW, "--period", "2025-03", "--metric", "nope", "--text", "x", "--as", "sample.lead"),
     "not a metric of warwickshire"),
    (("action", "add", *FW, "--period", "2025-03", *FALLS, "--text", "x", "--owner", "y", "--due", "31/03/2025",
      "--as", "sample.lead"), "YYYY-MM-DD"),
    (("action", "update", "9999", "--status", "done", "--as", "sample.lead"), "no action with id 9999"),
    (("milestone", "update", *FW, "--intention", "fe-13-falls-prevention", "--title", "Nope", "--status", "done",
      "--as", "sample.lead"), "not a milestone"),
    (("signoff", *FW, "--period", "2025-03", "--as", "sample.lead"), "only a performance officer"),
    (("signoff", *FW, "--period", "1999-01", "--as", "sample.officer"), "no data for 1999-01"),
    (("user", "add", "Bad Name!", "--name", "x"), "username"),
    (("user", "grant", "sample.viewer", "--role", "performance_officer"), "name it"),
    (("audit", "--since", "yesterday"), "YYYY-MM-DD"),
])
def test_bad_input_exits_1_with_a_message(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr


def test_password_and_milestone_history(cli):
    missing = cli("user", "password", "sample.viewer", "--as", "sample.viewer")
    assert missing.exit_code == 1 and "OUTCOMES_NEW_PASSWORD" in missing.stderr
    other = cli("user", "password", "sample.lead", "--as", "sample.viewer",
                env={"OUTCOMES_NEW_PASSWORD": "someone else's"})
    assert other.exit_code == 1 and "only an admin" in other.stderr
    own = cli("user", "password", "sample.viewer", "--as", "sample.viewer",
              env={"OUTCOMES_NEW_PASSWORD": "my new viewer password"})
    assert own.exit_code == 0, own.output
    history = cli("milestone", "history", "--framework", "lewisham", "--intention", "lew-mh-information-advice",
                  "--title", "Two-year information and advice contract awarded (Bromley Mind)")
    assert history.exit_code == 0, history.output
    assert [(u["recorded_by"], u["status"]) for u in json.loads(history.stdout)] == [("config", "done")]
