"""Email: one message built as plain text plus accessible HTML (``lang="en-GB"``, real
headings and lists, every piece of text escaped), sent by SMTP with STARTTLS and the
credentials in the environment, or, when no server is configured, written to an outbox
folder as ``.eml`` files so nothing is lost and the run says where they went.

Environment: ``OUTCOMES_SMTP_HOST`` (no host: the outbox), ``OUTCOMES_SMTP_PORT`` (587),
``OUTCOMES_SMTP_USER`` / ``OUTCOMES_SMTP_PASSWORD`` (both or neither), ``OUTCOMES_SMTP_FROM``,
``OUTCOMES_SMTP_CAFILE`` (a CA bundle to trust instead of the system's, e.g. an internal CA),
``OUTCOMES_SMTP_STARTTLS=off`` only for a relay on the same machine that has no TLS
(credentials are then refused, never sent in clear)."""

from __future__ import annotations

import html
import mimetypes
import smtplib
import ssl
import textwrap
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any, Mapping, Protocol


class MailError(Exception):
    """The message could not be handed to the server; the text says why (recorded, retried)."""


@dataclass(frozen=True)
class Line:
    text: str
    link: str | None = None


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Email:
    address: str
    name: str
    subject: str
    heading: str
    intro: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    closing: tuple[str, ...] = ()
    attachments: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Email":
        sections = tuple(Section(s["heading"], tuple(Line(**ln) for ln in s["lines"])) for s in data["sections"])
        return cls(data["address"], data["name"], data["subject"], data["heading"], tuple(data["intro"]), sections,
                   tuple(data["closing"]), tuple(data["attachments"]))


def shorten(text: str, width: int = 100) -> str:
    """Cut at a word, marked with an ellipsis (titles in lists; the full text is one link away)."""
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder="…")


def render_text(email: Email) -> str:
    out = [email.heading, "=" * len(email.heading), ""]
    for paragraph in email.intro:
        out += [paragraph, ""]
    for section in email.sections:
        out += [section.heading, "-" * len(section.heading)]
        for line in section.lines:
            out.append(f"- {line.text}" + (f"\n  {line.link}" if line.link else ""))
        out.append("")
    for paragraph in email.closing:
        out += [paragraph, ""]
    return "\n".join(out).rstrip() + "\n"


def render_html(email: Email) -> str:
    e = html.escape
    parts = ['<!DOCTYPE html>', '<html lang="en-GB">', '<head><meta charset="utf-8">',
             f'<title>{e(email.subject)}</title></head>',
             '<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c;">',
             f'<h1 style="font-size: 24px;">{e(email.heading)}</h1>']
    parts += [f"<p>{e(p)}</p>" for p in email.intro]
    for section in email.sections:
        parts.append(f'<h2 style="font-size: 19px;">{e(section.heading)}</h2>')
        parts.append("<ul>")
        for line in section.lines:
            if line.link:  # the link's own text says where it goes (read out alone by screen readers)
                parts.append(f'<li><a href="{e(line.link, quote=True)}" style="color: #1d70b8;">{e(line.text)}</a></li>')
            else:
                parts.append(f"<li>{e(line.text)}</li>")
        parts.append("</ul>")
    parts += [f"<p>{e(p)}</p>" for p in email.closing]
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def build(email: Email, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = sender
    message["To"] = formataddr((email.name, email.address))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "outcomes.invalid")
    message.set_content(render_text(email))
    message.add_alternative(render_html(email), subtype="html")
    for name in email.attachments:
        path = Path(name)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return message


class Mailer(Protocol):
    description: str

    def send(self, message: EmailMessage) -> None: ...


class OutboxMailer:
    """No email server: each message is written to ``folder`` as a ``.eml`` file."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.description = f"no email server configured (OUTCOMES_SMTP_HOST unset): messages written to {self.folder}"
        self.is_outbox = True

    def send(self, message: EmailMessage) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = "".join(c if c.isalnum() else "-" for c in str(message["Message-ID"]).strip("<>"))[:120]
        path = self.folder / f"{stem}.eml"
        partial = path.with_suffix(".eml.partial")
        partial.write_bytes(bytes(message))
        partial.replace(path)
        return path


class SmtpMailer:
    def __init__(self, host: str, port: int, user: str | None, password: str | None, starttls: bool = True,
                 cafile: str | None = None, timeout: float = 30):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.cafile, self.timeout = starttls, cafile, timeout
        self.description = f"SMTP {host}:{port}" + (" with STARTTLS" if starttls else " (no TLS)")
        self.is_outbox = False

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    if not smtp.has_extn("starttls"):
                        raise MailError(f"{self.host}:{self.port} does not offer STARTTLS; refusing to send "
                                        "(set OUTCOMES_SMTP_STARTTLS=off only for a relay on this machine)")
                    smtp.starttls(context=ssl.create_default_context(cafile=self.cafile))
                    smtp.ehlo()
                if self.user:
                    if not self.starttls:
                        raise MailError("refusing to send SMTP credentials without STARTTLS")
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except MailError:
            raise
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise MailError(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}".strip()) from exc


def sender_from(environ: Mapping[str, str]) -> str:
    return environ.get("OUTCOMES_SMTP_FROM") or "Outcomes monitor <outcomes@localhost>"


def mailer_from_environment(environ: Mapping[str, str], outbox: Path) -> SmtpMailer | OutboxMailer:
    host = (environ.get("OUTCOMES_SMTP_HOST") or "").strip()
    if not host:
        return OutboxMailer(outbox)
    port_text = environ.get("OUTCOMES_SMTP_PORT") or "587"
    try:
        port = int(port_text)
    except ValueError:
        raise MailError(f"OUTCOMES_SMTP_PORT is '{port_text}'; give a port number such as 587") from None
    user, password = environ.get("OUTCOMES_SMTP_USER") or None, environ.get("OUTCOMES_SMTP_PASSWORD") or None
    if bool(user) != bool(password):
        raise MailError("set both OUTCOMES_SMTP_USER and OUTCOMES_SMTP_PASSWORD, or neither")
    starttls = (environ.get("OUTCOMES_SMTP_STARTTLS") or "on").lower() not in ("off", "0", "no", "false")
    return SmtpMailer(host, port, user, password, starttls, environ.get("OUTCOMES_SMTP_CAFILE") or None)
