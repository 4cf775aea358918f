"""A milestone retitled in config keeps the progress people recorded (``formerly``), and progress no milestone
reads any more is named by ``outcomes check`` with its fix: nothing a user wrote is ever lost, or unseen."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from datasources.store import Store
from metrics.service import MetricsService
from review.milestones import milestone_history, milestone_states, recorded_progress, update_milestone
from review.people import find_person
from review.sample import seed_sample_people
from tests.test_config_validation import FRAMEWORK, ln, problems, write_config

PROJECT = Path(__file__).resolve().parent.parent
FW = "warwickshire"
INTENTION = "aad-14-align-with-coventry"
OLD = ("Commission a minimum of 10 Shared Lives carers in Warwickshire over the next four years to provide a "
       "minimum of 15 placements")
NEW = "Commission a minimum of 10 Shared Lives carers in Warwickshire"  # still the document's words
MARCH = date(2025, 3, 1)


@pytest.fixture
def store(tmp_path):
    db = Store(f"sqlite:///{tmp_path / 'outcomes.db'}")
    seed_sample_people(db)
    yield db
    db.dispose()


@pytest.fixture
def recorded(service, store):
    """The milestone marked done by its lead, under its present title."""
    update_milestone(store, service, find_person(store, "sample.lead"), FW, INTENTION, OLD, "done", "2025-02-20",
                     "https://example.org/carers.pdf")
    return store


def retitled(tmp_path: Path, formerly: bool) -> Path:
    """A copy of the project's config with the milestone retitled (the ledger follows), with or without
    ``formerly: [old title]``; ``sample_data`` beside it, as the project has it, so its sources resolve."""
    root = tmp_path / "project"
    config = root / "config"
    shutil.copytree(PROJECT / "config", config)
    (root / "sample_data").symlink_to(PROJECT / "sample_data")
    framework = config / "frameworks" / f"{FW}.yaml"
    line = f'        - title: "{OLD}"\n'
    text = framework.read_text()
    assert text.count(line) == 1
    new = f'        - title: "{NEW}"\n' + (f'          formerly: ["{OLD}"]\n' if formerly else "")
    framework.write_text(text.replace(line, new))
    ledger = config / "ledgers" / f"{FW}.yaml"
    ledger.write_text(ledger.read_text().replace(OLD, NEW))
    return config


def state_of(store: Store, service: MetricsService, title: str):
    return next(m for m in milestone_states(store, service.framework(FW), MARCH)
                if (m.intention_id, m.title) == (INTENTION, title))


def test_progress_recorded_under_a_former_title_is_the_milestones(recorded, tmp_path):
    service = MetricsService.from_config_dir(retitled(tmp_path, formerly=True))
    state = state_of(recorded, service, NEW)
    assert (state.state, state.done_on, state.recorded_by) == ("done", date(2025, 2, 20), "sample.lead")
    assert recorded_progress(recorded, service.framework(FW))[(INTENTION, NEW)].status == "done"
    history = milestone_history(recorded, service, FW, INTENTION, NEW)
    assert [(h.recorded_by, h.status, h.milestone_title) for h in history] == [
        ("config", "not_started", OLD), ("sample.lead", "done", OLD)]
    # A new update continues the same history (no second copy of the config's status), under the new title.
    update_milestone(recorded, service, find_person(recorded, "sample.lead"), FW, INTENTION, NEW, "in_progress")
    history = milestone_history(recorded, service, FW, INTENTION, NEW)
    assert [(h.recorded_by, h.status, h.milestone_title) for h in history] == [
        ("config", "not_started", OLD), ("sample.lead", "done", OLD), ("sample.lead", "in_progress", NEW)]
    assert state_of(recorded, service, NEW).status == "in_progress"


def check(config: Path, store: Store):
    return CliRunner().invoke(app, ["check", "--config", str(config)], env={"OUTCOMES_STORE_URL": store.url})


def test_check_names_progress_no_milestone_reads_and_the_fix(recorded, tmp_path):
    config = retitled(tmp_path, formerly=False)
    service = MetricsService.from_config_dir(config)
    assert state_of(recorded, service, NEW).recorded_by == "config"  # what the check is there to make visible
    result = check(config, recorded)
    # A warning, not a failure: an intention dropped on purpose must not fail the check for ever.
    assert result.exit_code == 0, result.stdout
    warned = [line for line in result.stdout.splitlines() if "recorded milestone update" in line]
    intention_line = ln((config / "frameworks" / f"{FW}.yaml").read_text(), f"- id: {INTENTION}")
    assert len(warned) == 1, result.stdout
    assert warned[0].startswith(f"config/frameworks/{FW}.yaml:")
    assert int(warned[0].split(":")[1]) > intention_line  # at the intention's milestones
    for words in (f"2 recorded milestone update(s) under '{OLD}'", f"framework {FW}", f"intention {INTENTION}",
                  f'add `formerly: ["{OLD}"]` to the milestone it was renamed to in config/frameworks/{FW}.yaml'):
        assert words in warned[0]
    assert "1 warning(s) about recorded milestone progress" in result.stdout

    linked = retitled(tmp_path / "fixed", formerly=True)
    assert "recorded milestone update" not in check(linked, recorded).stdout


MILESTONES = FRAMEWORK.replace("      metrics: [falls_rate]\n", """\
      metrics: [falls_rate]
      milestones:
        - title: Agree the strategy
          formerly: [Draft the strategy, Write the strategy, Draft the strategy]
        - title: Publish the strategy
          formerly: [Write the strategy, Agree the strategy]
""")


def test_former_titles_are_checked_with_file_line_and_field(tmp_path):
    found = problems(write_config(tmp_path, MILESTONES))
    first = ln(MILESTONES, "formerly: [Draft")
    second = ln(MILESTONES, "formerly: [Write")
    expected = [
        f"config/framework.yaml:{first}: framework.intentions[0].milestones[0].formerly[2]: 'Draft the strategy' "
        "is listed twice; list it once",
        f"config/framework.yaml:{second}: framework.intentions[0].milestones[1].formerly[0]: 'Write the strategy' "
        "is already a former title of 'Agree the strategy' in intention 'falls'",
        f"config/framework.yaml:{second}: framework.intentions[0].milestones[1].formerly[1]: 'Agree the strategy' "
        "is another milestone's title in intention 'falls'; remove it from 'formerly'",
    ]
    for words in expected:
        assert any(p.startswith(words) for p in found), (words, found)


def test_two_milestones_of_an_intention_may_not_share_a_title(tmp_path):
    twice = MILESTONES.replace("title: Publish the strategy", "title: Agree the strategy").replace(
        "formerly: [Write the strategy, Agree the strategy]", "formerly: []")
    found = problems(write_config(tmp_path, twice))
    line = ln(twice, "- title: Agree the strategy\n          formerly: []")
    assert any(p.startswith(f"config/framework.yaml:{line}: framework.intentions[0].milestones[1].title: "
                            "milestone title 'Agree the strategy' is used twice") for p in found), found


def test_the_check_creates_no_store_where_there_is_none(tmp_path, monkeypatch):
    """On a fresh checkout (no OUTCOMES_STORE_URL, no default store file) the check reads nothing and makes no
    store: opening a store would create its file."""
    from cli.milestone_links import unlinked_progress_warnings
    from datasources import store as store_module
    from metrics.definitions.loader import load_config

    absent = tmp_path / "data" / "outcomes.db"
    monkeypatch.delenv(store_module.STORE_ENV, raising=False)
    monkeypatch.setattr(store_module, "default_url", lambda: f"sqlite:///{absent}")
    assert unlinked_progress_warnings(load_config(Path(__file__).resolve().parent.parent / "config")) == []
    assert not absent.exists() and not absent.parent.exists()
