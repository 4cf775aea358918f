"""The monthly cycle driven day by day with --today on the sample data, against a real SMTP
server (aiosmtpd with STARTTLS and a login) started here: reminders to the right lead once,
an alert when a status turns, the signed-off snapshot delivered once, an SMTP failure
retried without a duplicate."""

from __future__ import annotations

import email
import itertools
import ssl
import subprocess
from datetime import date, timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from conftest import free_port
from cycle import ledger
from cycle.contacts import set_alerts, set_email
from cycle.mail import Email, Line, Section, render_html
from cycle.run import run
from cycle.schedule import reminder_date, review_date
import snapshots
from cli.main import app
from datasources.store import STORE_ENV, Store
from reports.export_cache import cached_export
from metrics.definitions.models import ReviewSchedule
from review.commentary import save_commentary
from review.errors import Forbidden
from review.people import add_person, find_person, grant
from review.sample import seed_sample_people
from review.signoff import sign_off
from review.this_month import this_month

USER, PASSWORD = "cycle-mailer", "not-a-real-secret"
_databases = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def cycle_store(request, tmp_path):
    """A fresh store on each database (the cycle's tables come from migration 0003)."""
    if request.param == "sqlite":
        db = Store(f"sqlite:///{tmp_path / 'cycle.db'}")
    else:
        server = request.getfixturevalue("postgres_url")
        name = f"cycle_{next(_databases)}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        db = Store(server.rsplit("/", 1)[0] + f"/{name}")
    yield db
    db.dispose()


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, _server, _session, envelope):  # aiosmtpd's hook for each message
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in str(m["To"])]


def _login(_server, _session, _envelope, _mechanism, auth_data):
    return AuthResult(success=auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode())


class SmtpServer:
    def __init__(self, folder: Path):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                       check=True, capture_output=True)
        self.cafile = str(folder / "cert.pem")
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, tls_context=self.context,
                                     require_starttls=True, authenticator=_login, auth_required=True,
                                     auth_require_tls=True)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def environ(self, outbox: Path) -> dict[str, str]:
        return {"OUTCOMES_SMTP_HOST": "127.0.0.1", "OUTCOMES_SMTP_PORT": str(self.port),
                "OUTCOMES_SMTP_USER": USER, "OUTCOMES_SMTP_PASSWORD": PASSWORD,
                "OUTCOMES_SMTP_FROM": "Outcomes monitor <outcomes@example.org>", "OUTCOMES_SMTP_CAFILE": self.cafile,
                "OUTCOMES_BASE_URL": "https://outcomes.example.org", "OUTCOMES_OUTBOX": str(outbox)}


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _people(store):
    people = {p.username: p for p in seed_sample_people(store)}
    for name, person in people.items():
        set_email(store, person, name, f"{name.replace('.', '-')}@example.org")
    # A lead of the dementia intention who switched alerts off, and a person with no grant at all.
    add_person(store, None, "dementia.lead", "Dee Mentia-Lead", "lead", "dementia-lead-pass")
    grant(store, None, "dementia.lead", lead="Dementia Commissioning Lead", framework_id="warwickshire")
    dementia = find_person(store, "dementia.lead")
    set_email(store, dementia, "dementia.lead", "dementia-lead@example.org")
    set_alerts(store, dementia, "dementia.lead", False)
    add_person(store, None, "no.grant", "No Grant", "viewer", "no-grant-pass-1")
    set_email(store, find_person(store, "no.grant"), "no.grant", "no-grant@example.org")
    return people


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


@pytest.fixture
def charts_blank():
    """The delivered reports' charts as blank images of their shape (``tests/report_charts.py``): the month is
    checked by the files delivered, byte for byte as the export cache holds them, and their names, never by a
    chart's pixels, and kaleido's Chromium drew the exceptions paper's charts for nothing. Real chart images are
    checked in tests/test_report_insights.py and tests/test_chart_images_stored.py."""
    from tests.report_charts import blank_charts

    with blank_charts():
        yield


@pytest.mark.usefixtures("charts_blank")
def test_a_month_of_cycle_runs(service, temp_store, smtp, tmp_path):
    store = temp_store
    people = _people(store)
    env = smtp.environ(tmp_path / "outbox")
    inbox = smtp.inbox
    # July 2024 reviews June 2024 (the latest period before July): the review is on the 20th, a
    # Saturday, so Friday 19 July; reminders go 3 working days before, on Tuesday 16 July.
    schedule = service.framework("warwickshire").review
    assert review_date(schedule, 2024, 7) == date(2024, 7, 19)
    assert reminder_date(schedule, 2024, 7) == date(2024, 7, 16)

    def day(d: date):
        return run(store, service, d, "warwickshire", environ=env, root=tmp_path)

    for d in _days(date(2024, 6, 24), date(2024, 6, 30)):   # June: reviewing May, first run records a baseline
        day(d)
    june_mail = len(inbox.messages)
    alerts_july_1 = day(date(2024, 7, 1))                      # June's figures are in: falls turned off track
    falls = [m for m in inbox.to("sample-lead@example.org") if "lert" in m["Subject"]]
    assert len(inbox.messages) > june_mail, alerts_july_1.lines
    lead_alerts = [m for m in inbox.messages[june_mail:] if "sample-lead" in str(m["To"])]
    assert len(lead_alerts) == 1, [m["Subject"] for m in lead_alerts]   # several events, one digest
    body = lead_alerts[0].get_body(("plain",)).get_content()
    assert "Falls" in body or "falls" in body
    assert "Off track" in body
    # The dementia lead switched alerts off; the person with no grant is never emailed.
    assert not inbox.to("dementia-lead@example.org")
    assert falls  # the digest is addressed to the lead of the falls intention

    for d in _days(date(2024, 7, 2), date(2024, 7, 15)):
        day(d)
    assert not [m for m in inbox.messages if "Commentary needed" in m["Subject"]]  # not before the reminder day
    before_reminders = len(inbox.messages)
    day(date(2024, 7, 16))
    day(date(2024, 7, 16))                                     # a second run the same day sends nothing new
    reminders = [m for m in inbox.messages[before_reminders:] if "Commentary needed" in m["Subject"]]
    to = sorted(str(m["To"]) for m in reminders)
    assert len(reminders) == 2, to
    assert any("sample-lead@example.org" in t for t in to) and any("dementia-lead@example.org" in t for t in to)
    lead_reminder = next(m for m in reminders if "sample-lead" in str(m["To"]))
    html = lead_reminder.get_body(("html",)).get_content()
    assert '<html lang="en-GB">' in html and "<h1" in html and "<h2" in html
    assert "https://outcomes.example.org/review?framework=warwickshire&amp;period=2024-06" in html  # & escaped
    plain = lead_reminder.get_body(("plain",)).get_content()
    assert "https://outcomes.example.org/review?framework=warwickshire&period=2024-06" in plain

    # The lead writes commentary; the officer signs off on the 18th while the mail server is down.
    lead = people["sample.lead"]
    save_commentary(store, service, lead, "warwickshire", "2024-06", "Falls rose after a winter of outbreaks; "
                    "the strength-and-balance service is being expanded.", metric_id="falls_admissions_65plus")
    day(date(2024, 7, 17))
    assert this_month(store, "warwickshire", "2024-06").delivery_words == \
        "Not delivered: the period is not signed off yet."
    signed = sign_off(store, service, people["sample.officer"], "warwickshire", "2024-06")
    assert "not delivered yet" in this_month(store, "warwickshire", "2024-06").delivery_words
    smtp.stop()
    down = day(date(2024, 7, 18))
    assert down.failures and all(f["kind"] == "snapshot" for f in down.failures)
    assert (tmp_path / "data/deliveries/warwickshire/2024-06").is_dir()
    folder = tmp_path / "data/deliveries/warwickshire/2024-06"
    files = sorted(p.name for p in folder.iterdir())
    stem = f"warwickshire-2024-06-v{signed.version}"
    # The files the review pack offers, byte for byte: the exceptions paper (PDF and Word) and the workbook.
    assert files == sorted([f"{stem}-exceptions.pdf", f"{stem}-exceptions.docx", f"{stem}.xlsx"]), files
    comparison = snapshots.comparison_of(store, signed)
    for fmt, scope in (("pdf", "exceptions"), ("docx", "exceptions"), ("xlsx", "full")):
        [cached] = cached_export(store, signed, comparison, fmt, scope)
        assert (folder / cached.name).read_bytes() == cached.read_bytes()
    # The "This month" panel and `outcomes cycle status` say so after sign-off, not "not signed off yet".
    words = this_month(store, "warwickshire", "2024-06").delivery_words
    assert f"Signed off (snapshot #{signed.id}); 3 file(s) written to the delivery folder on 2024-07-18" in words
    assert f"{stem}-exceptions.pdf" in words
    status = CliRunner().invoke(app, ["cycle", "status", "--framework", "warwickshire", "--period", "2024-06"],
                                env={STORE_ENV: store.url})
    assert status.exit_code == 0 and f"delivery: {words}" in status.stdout, status.output
    smtp.start()
    for d in _days(date(2024, 7, 19), date(2024, 7, 31)):
        day(d)
    delivered = inbox.to("sample-officer@example.org")
    signed = [m for m in delivered if "signed off" in m["Subject"]]
    assert len(signed) == 1                                     # retried once the server is back, never twice
    attached = sorted(part.get_filename() for part in signed[0].iter_attachments())
    assert any(a.endswith(".xlsx") for a in attached) and any(a.endswith(".pdf") for a in attached)
    rows = ledger.deliveries(store, kind="snapshot")
    assert [(r["status"], r["attempts"]) for r in rows] == [("sent", 2)]

    # Nobody got a second reminder; nobody without a grant got anything; nothing went to the outbox.
    assert len([m for m in inbox.messages if "Commentary needed" in m["Subject"]]) == 2
    assert not inbox.to("no-grant@example.org")
    assert not (tmp_path / "outbox").exists()

    # A --today before the last run does nothing new.
    count = len(inbox.messages)
    back = day(date(2024, 7, 1))
    assert len(inbox.messages) == count and any("before the last run" in line for line in back.lines)


def test_no_email_server_writes_the_outbox_and_says_so(service, cycle_store, tmp_path):
    temp_store = cycle_store
    _people(temp_store)
    env = {"OUTCOMES_OUTBOX": str(tmp_path / "outbox"), "OUTCOMES_BASE_URL": "https://outcomes.example.org"}
    report = run(temp_store, service, date(2024, 7, 16), "warwickshire", environ=env, root=tmp_path)
    assert "no email server configured" in report.mail
    written = sorted((tmp_path / "outbox").glob("*.eml"))
    subjects = [email.message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"] for p in written]
    assert len([s for s in subjects if s.startswith("Commentary needed")]) == 2, subjects
    assert len(written) == len(ledger.deliveries(temp_store))
    assert all(r["status"] == "outbox" for r in ledger.deliveries(temp_store))
    again = run(temp_store, service, date(2024, 7, 16), "warwickshire", environ=env, root=tmp_path)
    assert len(sorted((tmp_path / "outbox").glob("*.eml"))) == len(written) and not again.sent


def test_late_data_is_reported_not_guessed(service, temp_store, tmp_path):
    report = run(temp_store, service, date(2025, 4, 20), "warwickshire",
                 environ={"OUTCOMES_OUTBOX": str(tmp_path / "o")}, root=tmp_path)
    line = next(line for line in report.lines if "pcdd_dementia_65plus" in line)
    assert "LATE" in line and "January 2025" in line and "February 2025 was due by 2025-04-11" in line
    assert report.late_sources == ["pcdd_dementia_65plus"]
    early = run(temp_store, service, date(2025, 4, 10), "warwickshire",
                environ={"OUTCOMES_OUTBOX": str(tmp_path / "o")}, root=tmp_path)
    assert "pcdd_dementia_65plus" not in early.late_sources


def test_html_escapes_what_people_wrote():
    html = render_html(Email("a@example.org", "A", "<b>subject</b>", "Heading & <script>x</script>",
                             ("intro <i>",), (Section("S", (Line("<img src=x>", "https://x/?a=1&b=\"2\""),)),)))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html
    assert 'href="https://x/?a=1&amp;b=&quot;2&quot;"' in html


def test_only_the_person_or_an_admin_changes_email_settings(temp_store):
    people = {p.username: p for p in seed_sample_people(temp_store)}
    with pytest.raises(Forbidden):
        set_email(temp_store, people["sample.viewer"], "sample.lead", "x@example.org")
    with pytest.raises(Exception, match="email"):
        set_email(temp_store, people["sample.lead"], "sample.lead", "not an address")


def test_malformed_review_schedule_is_a_check_error_with_file_and_line(tmp_path):
    import shutil

    from metrics.definitions.loader import ConfigError, load_config

    config = tmp_path / "config"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", config)
    path = config / "frameworks" / "warwickshire.yaml"
    text = path.read_text().replace("day_of_month: 20", "day_of_month: 40")
    path.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "day_of_month: 40" in t)
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    shown = [str(i) for i in caught.value.issues]
    assert any(f"warwickshire.yaml:{line}" in s and "day_of_month" in s for s in shown), shown


def test_this_month_summarises_what_the_cycle_did(service, cycle_store, tmp_path):
    temp_store = cycle_store
    from review.this_month import this_month

    _people(temp_store)
    env = {"OUTCOMES_OUTBOX": str(tmp_path / "outbox")}
    run(temp_store, service, date(2024, 7, 16), "warwickshire", environ=env, root=tmp_path)
    month = this_month(temp_store, "warwickshire", "2024-06")
    assert sorted(r["recipient"] for r in month.reminders) == ["dementia.lead", "sample.lead"]
    assert all(r["status"] == "outbox" for r in month.reminders)
    assert any(a["kind"] == "status_worse" and "falls" in a["subject"] for a in month.alerts)
    assert month.deliveries == []
    assert {v["source_id"] for v in month.vintages} == {"pcdd_dementia_65plus", "ascof_care_home_admissions"}


def test_cycle_command(tmp_path, sample_db):
    from typer.testing import CliRunner

    from cli.main import app
    from datasources import store as store_module
    from datasources.store import Store

    url = f"sqlite:///{tmp_path / 'outcomes.db'}"
    db = Store(url)
    seed_sample_people(db)
    db.dispose()
    env = {store_module.STORE_ENV: url, "OUTCOMES_OUTBOX": str(tmp_path / "outbox"), "OUTCOMES_SMTP_HOST": ""}
    runner = CliRunner()
    result = runner.invoke(app, ["cycle", "email", "sample.lead", "sam@example.org", "--as", "sample.lead"], env=env)
    assert result.exit_code == 0, result.output
    refused = runner.invoke(app, ["cycle", "alerts", "off", "sample.lead", "--as", "sample.viewer"], env=env)
    assert refused.exit_code == 1 and "only sample.lead or an admin" in refused.output
    bad = runner.invoke(app, ["cycle", "run", "--today", "16/07/2024"], env=env)
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.output
    first = runner.invoke(app, ["cycle", "run", "--framework", "warwickshire", "--today", "2024-07-16"], env=env)
    assert first.exit_code == 0, first.output
    assert "no email server configured" in first.output and "reminder to sample.lead" in first.output
    again = runner.invoke(app, ["cycle", "run", "--framework", "warwickshire", "--today", "2024-07-16"], env=env)
    assert "reminder to" not in again.output and "nothing new today" in again.output
    status = runner.invoke(app, ["cycle", "status", "--framework", "warwickshire", "--period", "2024-06"], env=env)
    assert status.exit_code == 0 and "reminder to sample.lead: outbox (attempts 1)" in status.output, status.output


def test_review_and_reminder_days_skip_weekends_and_english_bank_holidays():
    from cycle.schedule import period_under_review, reminders_due

    schedule = ReviewSchedule(day_of_month=26, remind_working_days_before=3)
    assert review_date(schedule, 2025, 5) == date(2025, 5, 23)       # Spring bank holiday Monday -> Friday
    assert reminder_date(schedule, 2025, 5) == date(2025, 5, 20)
    december = ReviewSchedule(day_of_month=27, remind_working_days_before=3)
    assert reminder_date(december, 2024, 12) == date(2024, 12, 20)   # Christmas Day and Boxing Day skipped
    assert review_date(ReviewSchedule(day_of_month=31), 2025, 2) == date(2025, 2, 28)
    assert reminders_due(schedule, date(2025, 5, 19)) is None
    assert reminders_due(schedule, date(2025, 5, 21)) == date(2025, 5, 23)
    assert reminders_due(schedule, date(2025, 5, 24)) is None       # after the meeting: too late
    assert period_under_review(["2025-03", "2025-02"], date(2025, 3, 10)) == "2025-02"


def test_smtp_refuses_a_server_without_starttls_or_with_an_untrusted_certificate(tmp_path):
    from cycle.mail import MailError, SmtpMailer, build

    message = build(Email("a@example.org", "A", "Subject", "Heading"), "Outcomes <outcomes@example.org>")
    plain = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    plain.start()
    try:
        with pytest.raises(MailError, match="does not offer STARTTLS"):
            SmtpMailer("127.0.0.1", plain.port, USER, PASSWORD).send(message)
    finally:
        plain.stop()
    server = SmtpServer(tmp_path)
    server.start()
    try:
        with pytest.raises(MailError, match="SSL|certificate"):   # a server whose certificate we do not trust
            SmtpMailer("127.0.0.1", server.port, USER, PASSWORD).send(message)
        SmtpMailer("127.0.0.1", server.port, USER, PASSWORD, cafile=server.cafile).send(message)
        assert len(server.inbox.messages) == 1
    finally:
        server.stop()
