"""Settings checked at start, dates that have not come refused, and the command line under the web's
rules (issue 22, finding 10).

The red team: a production secret of one space was accepted and ``OUTCOMES_ENV=prod`` quietly ran as
non-production; a milestone could be done on 2099-01-01 and commentary written for 2099-01; ``outcomes
comment add --intention`` let a lead write where the review pack refuses them (Cornwall: a metric under two
intentions with different leads); ``outcomes snapshot create --by <any text>`` made a new version of a
signed-off period with no role, no reason and no audit entry; ``user grant`` took a misspelt lead in
silence; ``user add`` without ``--as`` said "sign in as one" without naming the flag."""

from __future__ import annotations

import json
import secrets
from datetime import date

import pytest
from typer.testing import CliRunner

from cli.main import app
from dashboard.auth import AuthConfigError, AuthSettings
from datasources import store as store_module

FUTURE = "2099-01"
CORNWALL_METRIC = "corn_ascof_sds_people"  # under corn-3 (lead: Cornwall Council) and corn-4 (another lead)
FIRST_LEAD, SECOND_LEAD = "Cornwall Council", "Cornwall Council and NHS Kernow joint commissioning"


# ------------------------------------------------------------------ settings checked at start

@pytest.mark.parametrize("secret, why", [(" ", "spaces"), ("  " + "0123456789abcdef" * 4, "spaces"),
                                         ("short-secret", "fewer than 32"), ("k" * 40, "only 1 different")])
def test_production_refuses_a_weak_secret(secret: str, why: str) -> None:
    with pytest.raises(AuthConfigError, match=f"too weak for production.*{why}"):
        AuthSettings.from_environment({"OUTCOMES_ENV": "production", "OUTCOMES_SECRET_KEY": secret})
    strong = AuthSettings.from_environment({"OUTCOMES_ENV": "production", "OUTCOMES_SECRET_KEY": secrets.token_hex(32)})
    assert strong.production


def test_an_unknown_environment_is_refused_not_taken_for_development() -> None:
    with pytest.raises(AuthConfigError, match="'prod' is not an environment.*did you mean production"):
        AuthSettings.from_environment({"OUTCOMES_ENV": "prod"})
    assert not AuthSettings.from_environment({"OUTCOMES_ENV": "development"}).production
    assert not AuthSettings.from_environment({}).production
    served = CliRunner().invoke(app, ["serve", "--port", "1"], env={"OUTCOMES_ENV": "prod"})
    assert served.exit_code == 1 and "is not an environment" in served.output


def test_a_public_flag_that_is_neither_on_nor_off_is_refused(sample_db) -> None:
    done = CliRunner().invoke(app, ["evaluate", "--framework", "lewisham", "--format", "json"],
                              env={"OUTCOMES_PUBLIC": "ture"})
    assert done.exit_code == 1 and "OUTCOMES_PUBLIC: 'ture' is neither on nor off" in done.output


# ------------------------------------------------------------------ the command line, under the web's rules

def _postgres_database(server_url: str) -> str:
    import uuid

    import sqlalchemy as sa

    name = f"rules_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def cli(request, tmp_path, sample_db):
    """The command line on a store of this test's own (SQLite and PostgreSQL), with a first admin."""
    url = f"sqlite:///{tmp_path / 'store' / 'outcomes.db'}" if request.param == "sqlite" else \
        _postgres_database(request.getfixturevalue("postgres_url"))
    env = {store_module.STORE_ENV: url}
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), env=env)

    assert run("user", "add", "boss", "--name", "Admin", "--role", "admin").exit_code == 0
    run.store_url = env[store_module.STORE_ENV]
    return run


def test_user_add_without_as_names_the_flag(cli) -> None:
    done = cli("user", "add", "someone", "--name", "Some One", "--role", "viewer")
    assert done.exit_code == 1 and "--as ADMIN_USERNAME" in done.stderr, done.stderr


def test_user_grant_warns_when_the_lead_matches_no_intention(cli) -> None:
    assert cli("user", "add", "dem", "--name", "Dementia lead", "--role", "lead", "--as", "boss").exit_code == 0
    typo = cli("user", "grant", "dem", "--lead", "Dementia Comissioning Lead", "--framework", "warwickshire",
               "--as", "boss")
    assert typo.exit_code == 0, typo.output  # kept: a lead may come with the next config
    assert ("warning: no intention of warwickshire has the lead 'Dementia Comissioning Lead'; did you mean "
            "'Dementia Commissioning Lead'?") in typo.stderr
    right = cli("user", "grant", "dem", "--lead", "Dementia Commissioning Lead", "--framework", "warwickshire",
                "--as", "boss")
    assert right.exit_code == 0 and "warning" not in right.stderr


def test_a_lead_refused_by_the_review_pack_is_refused_by_the_command_line(cli, service) -> None:
    """The metric's commentary and actions belong to its first intention (as the review pack writes them):
    naming its second intention, whose lead this person holds, changed who could write them."""
    from datasources.store import Store
    from review.commentary import save_commentary
    from review.errors import Forbidden
    from review.people import find_person

    for name, lead in (("second", SECOND_LEAD), ("first", FIRST_LEAD)):
        assert cli("user", "add", name, "--name", name, "--role", "lead", "--as", "boss").exit_code == 0
        assert cli("user", "grant", name, "--lead", lead, "--framework", "cornwall", "--as", "boss").exit_code == 0
    where = ["--framework", "cornwall", "--period", "2024-03", "--metric", CORNWALL_METRIC,
             "--intention", "corn-4-funding-and-quality-assurance"]
    refused = [cli("comment", "add", *where, "--text", "x", "--as", "second"),
               cli("action", "add", *where, "--text", "x", "--owner", "x", "--due", "2030-01-31", "--as", "second")]
    for done in refused:
        assert done.exit_code == 1 and "second may not write on" in done.stderr, done.output
    store = Store(cli.store_url)
    with pytest.raises(Forbidden, match="second may not write on"):  # the review pack's own call
        save_commentary(store, service, find_person(store, "second"), "cornwall", "2024-03", "x",
                        metric_id=CORNWALL_METRIC)
    store.dispose()
    allowed = cli("comment", "add", *where, "--text", "Personal budgets up", "--as", "first")
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.stdout)["intention_id"] == "corn-3-personalisation"


def test_snapshot_create_needs_a_person_who_may_sign_off_a_reason_and_leaves_an_audit_event(cli) -> None:
    for name, role in (("officer", "performance_officer"), ("viewer", "viewer")):
        assert cli("user", "add", name, "--name", name, "--role", role, "--as", "boss").exit_code == 0
    at = ["snapshot", "create", "--framework", "lewisham", "--period", "2025-01"]  # its latest period with data
    nobody = cli(*at)
    assert nobody.exit_code == 2 and "--as" in nobody.output  # no person, no snapshot: --by is gone
    viewer = cli(*at, "--as", "viewer")
    assert viewer.exit_code == 1 and "only a performance officer for lewisham may sign off" in viewer.stderr
    first = cli(*at, "--as", "officer")
    assert first.exit_code == 0, first.output
    assert cli("signoff", "--framework", "lewisham", "--period", "2025-01", "--as", "officer").exit_code == 0
    unexplained = cli(*at, "--as", "officer")
    assert unexplained.exit_code == 1 and "a new version of its snapshot needs the reason" in unexplained.stderr
    explained = cli(*at, "--as", "officer", "--reason", "Q4 figures revised by the provider")
    assert explained.exit_code == 0, explained.output
    made = json.loads(cli("audit", "--action", "snapshot.create", "--format", "json").stdout)
    assert [e["who"] for e in made] == ["officer", "officer"]
    assert made[0]["after"]["reason"] == "Q4 figures revised by the provider"  # newest first
    assert made[0]["after"]["snapshot_id"] == json.loads(explained.stdout)["id"]
    refused = json.loads(cli("audit", "--action", "snapshot.create.refused", "--format", "json").stdout)
    assert sorted(e["who"] for e in refused) == ["officer", "viewer"]


# ------------------------------------------------------------------ dates that have not come

def test_dates_still_to_come_are_refused_where_they_make_no_sense(cli) -> None:
    assert cli("user", "add", "officer", "--name", "Officer", "--role", "performance_officer",
               "--as", "boss").exit_code == 0
    milestone = cli("milestone", "update", "--framework", "warwickshire", "--intention", "fe-13-falls-prevention",
                    "--title", "Jointly commission a falls prevention strategy", "--status", "done",
                    "--done-on", f"{FUTURE}-01", "--as", "officer")
    assert milestone.exit_code == 1 and f"{FUTURE}-01 is still to come" in milestone.stderr, milestone.output
    on = ["--framework", "warwickshire", "--period", FUTURE]
    for args in (["comment", "add", *on, "--metric", "falls_admissions_65plus", "--text", "x"],
                 ["action", "add", *on, "--metric", "falls_admissions_65plus", "--text", "x", "--owner", "x",
                  "--due", "2099-03-31"],
                 ["signoff", *on], ["snapshot", "create", *on]):
        done = cli(*args, "--as", "officer")
        assert done.exit_code == 1 and f"{FUTURE} has not begun yet" in done.stderr, (args, done.output)
    this_month = date.today().strftime("%Y-%m")
    today = cli("comment", "add", "--framework", "warwickshire", "--period", this_month, "--metric",
                "falls_admissions_65plus", "--text", "This month so far", "--as", "officer")
    assert today.exit_code == 0, today.output  # a period that has begun is fine
    done_today = cli("milestone", "update", "--framework", "warwickshire", "--intention", "fe-13-falls-prevention",
                     "--title", "Jointly commission a falls prevention strategy", "--status", "done",
                     "--done-on", date.today().isoformat(), "--as", "officer")
    assert done_today.exit_code == 0, done_today.output
