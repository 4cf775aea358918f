"""The review pack's "This month" panel, `outcomes ingest` recording the new data vintage, and
progress shown on long commands (a bar on a terminal, log lines otherwise)."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cli.main import app
from cli.progress import LogLines, TerminalBar
from cycle import vintages
from cycle.vintages import Vintage
from dashboard import this_month as panel_module
from datasources import progress
from datasources.store import STORE_ENV, Store, cycle_vintages
from review.this_month import ThisMonth, this_month
from tests.test_pages import find, text_of

WORKBOOKS = Path(__file__).resolve().parent.parent / "sample_data" / "real" / "nhs_pcdd_workbooks"


def _vintage(source_id: str, late: bool, latest: date) -> Vintage:
    return Vintage(source_id, source_id, latest, 100, 10, latest + timedelta(days=31 if late else 0), late,
                   f"{source_id}: {'LATE' if late else 'up to date'}")


def _month(**kw) -> ThisMonth:
    base = dict(vintages=[], reminders=[], alerts=[], deliveries=[])
    base.update(kw)
    return ThisMonth(**base)


REMINDER = {"recipient": "sam@example.org", "subject": "Commentary due", "status": "outbox", "attempts": 1,
            "sent_at": None, "last_error": None, "day": date(2024, 7, 16)}
ALERT = {"kind": "status_worse", "subject": "Falls", "day": date(2024, 7, 16),
         "text": "Falls admissions 65+ turned from at risk to off track", "baseline": False}
LATE_SOURCE = {"source_id": "pcdd", "day": date(2024, 7, 16), "latest_period": "2024-04-01", "rows": 7722,
               "rows_latest": 594, "expected_period": "2024-05-01", "late": True, "message": "pcdd: LATE"}


def test_panel_shows_who_was_emailed_only_to_someone_signed_in_on_a_private_page() -> None:
    month = _month(vintages=[LATE_SOURCE], reminders=[REMINDER], alerts=[ALERT, {**ALERT, "baseline": True}])
    signed = text_of(panel_module.panel(month, "2024-06", {"pcdd": "Dementia diagnosis workbook"}, True, False))
    assert "1 of 1 data sources late." in signed and "Dementia diagnosis workbook" in signed
    assert "Late" in signed and "2024-04" in signed and "2024-05" in signed
    assert "sam@example.org" in signed and "Reminders sent (1)" in signed
    assert signed.count("turned from at risk to off track") == 1
    assert "Alerts raised (1)" in signed and "1 already so when the cycle first ran" in signed
    for signed_in, public in ((False, False), (True, True)):
        shown = text_of(panel_module.panel(month, "2024-06", {}, signed_in, public))
        assert "Reminders sent (1)" in shown and "Alerts raised (1)" in shown and "Status worse: 1" in shown
        assert "sam@example.org" not in shown and "turned from" not in shown


def test_vintages_table_names_each_value_when_stacked_on_a_phone() -> None:
    """On a phone the table's rows are stacked (.metric-table): each value is shown under its column's name."""
    from dash import html

    def cells(node) -> list:
        found = [node] if isinstance(node, html.Td) else []
        children = getattr(node, "children", None)
        for child in children if isinstance(children, (list, tuple)) else [children] if children is not None else []:
            found += cells(child)
        return found

    shown = panel_module.panel(_month(vintages=[LATE_SOURCE]), "2024-06", {}, True, False)
    labels = [getattr(td, "data-label", None) for td in cells(shown)]
    assert labels == ["Latest period", "Expected by now", "State", "Checked on"]


def test_panel_before_the_cycle_has_run_says_so() -> None:
    shown = text_of(panel_module.panel(_month(), "2024-06", {}, True, False))
    assert "has not run for 2024-06 yet" in shown and "No data check recorded yet" in shown


def test_this_month_keeps_each_sources_newest_check(temp_store) -> None:
    vintages.record(temp_store, [_vintage("ascof", False, date(2023, 4, 1)), _vintage("pcdd", True, date(2024, 3, 1))],
                    date(2024, 7, 1))
    vintages.record(temp_store, [_vintage("pcdd", False, date(2024, 5, 1))], date(2024, 7, 2), replace=True)
    month = this_month(temp_store, "warwickshire", "2024-06")
    assert {v["source_id"]: (v["latest_period"], v["late"]) for v in month.vintages} == {
        "ascof": ("2023-04-01", False), "pcdd": ("2024-05-01", False)}
    assert month.late_sources == []


def test_replace_updates_the_days_check_and_the_cycle_keeps_its_first(temp_store) -> None:
    day = date(2024, 7, 2)
    vintages.record(temp_store, [_vintage("pcdd", True, date(2024, 3, 1))], day)
    vintages.record(temp_store, [_vintage("pcdd", False, date(2024, 5, 1))], day)  # the cycle's second run
    assert this_month(temp_store, "w", "2024-06").vintages[0]["late"]
    vintages.record(temp_store, [_vintage("pcdd", False, date(2024, 5, 1))], day, replace=True)  # after ingest
    with temp_store.engine.connect() as conn:
        rows = conn.execute(select(cycle_vintages.c.late).where(cycle_vintages.c.source_id == "pcdd")).all()
    assert [r.late for r in rows] == [False]


def test_review_pack_shows_the_panel_with_the_late_source(dash_app, app_store, service) -> None:
    from dashboard.pages import review

    period = service.available_periods("warwickshire")[0]
    vintages.record(app_store, [_vintage("zz_panel_test_source", True, date(2020, 1, 1))], date.today(),
                    replace=True)
    with dash_app.server.test_request_context("/"):
        page = review.layout(framework="warwickshire", period=period)
    [section] = find(page, lambda c: getattr(c, "id", None) == panel_module.PANEL_ID)
    text = text_of(section)
    assert "This month" in text and "zz_panel_test_source" in text
    assert "Late" in text and "Reminders sent" in text


def test_ingest_records_the_vintage_it_loaded(tmp_path, live_copy, monkeypatch) -> None:
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv(STORE_ENV, store_url)
    newest = sorted(WORKBOOKS.glob("pcdd-summary-*.xlsx"))[-1]
    result = CliRunner().invoke(app, ["ingest", "pcdd_dementia_65plus", "--file", str(newest)])
    assert result.exit_code == 0, result.output
    assert "vintage: pcdd_dementia_65plus:" in result.output and "(checked after outcomes ingest)" in result.output
    store = Store(store_url)
    [recorded] = this_month(store, "warwickshire", "2025-03").vintages
    store.dispose()
    assert recorded["source_id"] == "pcdd_dementia_65plus" and recorded["day"] == date.today()
    assert recorded["rows"] > recorded["rows_latest"] > 0


def test_ingest_into_another_database_says_the_vintage_is_not_recorded(tmp_path) -> None:
    newest = sorted(WORKBOOKS.glob("pcdd-summary-*.xlsx"))[-1]
    result = CliRunner().invoke(app, ["ingest", "pcdd_dementia_65plus", "--file", str(newest),
                                      "--database", f"sqlite:///{tmp_path / 'other.db'}"])
    assert result.exit_code == 0, result.output
    assert "data vintages not recorded" in result.output and "vintage: " not in result.output


def test_ingest_not_on_a_terminal_logs_plain_progress_lines(tmp_path) -> None:
    newest = sorted(WORKBOOKS.glob("pcdd-summary-*.xlsx"))[-1]
    result = CliRunner().invoke(app, ["ingest", "pcdd_dementia_65plus", "--file", str(newest),
                                      "--database", f"sqlite:///{tmp_path / 'other.db'}"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if f"ingest reading {newest.name}" in line]
    assert lines[0].endswith(": 0 of " + lines[-1].rsplit(" of ", 1)[1]) and ": done, " in lines[-1]
    assert "\r" not in result.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("listener_kind", ["terminal", "log"])
def test_a_stage_reports_every_step(listener_kind) -> None:
    out = _Terminal() if listener_kind == "terminal" else io.StringIO()
    listener = TerminalBar(out) if listener_kind == "terminal" else LogLines(out, "snapshot")
    with progress.listening(listener):
        with progress.stage("drawing report charts", 3) as tick:
            for _ in range(3):
                tick(1)
    text = out.getvalue()
    if listener_kind == "terminal":
        assert "drawing report charts" in text and "3/3" in text
    else:
        assert text.splitlines()[-1].endswith("snapshot drawing report charts: done, 3 of 3")


def test_no_listener_makes_a_stage_silent(capsys) -> None:
    with progress.stage("anything", 5) as tick:
        tick(5)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_report_charts_report_their_progress() -> None:
    import plotly.graph_objects as go

    from reports.chart_images import images as chart_images_of

    # Three different figures no earlier test drew: images are kept by figure digest, so a repeat is not drawn.
    fresh = uuid.uuid4().hex
    figures = [go.Figure(go.Scatter(x=[1, 2], y=[3, 4 + n]), layout={"title": f"{fresh} {n}"}) for n in range(3)]
    out = io.StringIO()
    with progress.listening(LogLines(out, "snapshot")):
        images = chart_images_of(figures)
    assert len(images) == 3 and all(i.startswith(b"\xff\xd8\xff") for i in images)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("snapshot drawing report charts: 0 of 3")
    assert lines[-1].endswith("snapshot drawing report charts: done, 3 of 3")
