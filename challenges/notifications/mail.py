"""Email transport: templates to text, MAIL_URL to a connection, a message to SMTP or a file.

``MAIL_URL`` is ``smtp://user:pass@host:port`` (plain, no TLS), ``smtp+starttls://`` (upgrade
with STARTTLS) or ``smtp+ssl://`` (TLS from the start); user and password are URL-decoded.
Unset, every message is written as an ``.eml`` file under ``INSTANCE_PATH/mail`` and one log line
says where: a developer sees every email without a server.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import force_locale

from ..clock import utcnow
from ..i18n import DEFAULT_LOCALE, is_supported

log = logging.getLogger(__name__)

SCHEMES = {"smtp": "plain", "smtp+starttls": "starttls", "smtp+ssl": "ssl"}
DEFAULT_PORTS = {"plain": 25, "starttls": 587, "ssl": 465}


class MailConfigError(ValueError):
    """MAIL_URL cannot be used (unknown scheme, no host)."""


@dataclass(frozen=True)
class MailServer:
    """A parsed ``MAIL_URL``."""

    host: str
    port: int
    security: str  # "plain", "starttls" or "ssl"
    username: str | None = None
    password: str | None = None


def parse_mail_url(url: str) -> MailServer:
    """Parse ``MAIL_URL``; raise ``MailConfigError`` for a scheme or host we cannot use."""
    parts = urlsplit(url)
    security = SCHEMES.get(parts.scheme.lower())
    if security is None:
        raise MailConfigError(
            f"MAIL_URL scheme must be one of {', '.join(sorted(SCHEMES))}, not {parts.scheme!r}"
        )
    if not parts.hostname:
        raise MailConfigError("MAIL_URL has no host")
    try:
        port = parts.port or DEFAULT_PORTS[security]
    except ValueError as error:
        raise MailConfigError(f"MAIL_URL has a bad port: {error}") from error
    return MailServer(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def recipient_locale(preference: str | None) -> str:
    """The language to write to a member in: their saved preference (``User.locale``), else
    English. Not the language of whoever caused the message (a job has no browser to ask, and
    a vote or an admin's action must not decide the language someone else reads)."""
    return preference if preference is not None and is_supported(preference) \
        else DEFAULT_LOCALE


@contextmanager
def in_locale(preference: str | None) -> Iterator[str]:
    """Render and translate in the recipient's language (``recipient_locale``) for the block:
    gettext, templates and Babel's dates and numbers all follow it; yields the locale."""
    locale = recipient_locale(preference)
    with force_locale(locale):
        yield locale


def render_email(template: str, context: dict[str, Any],
                 locale: str | None = None) -> RenderedEmail:
    """Render ``email/<template>.txt`` and ``.html`` in ``locale`` (the recipient's
    preference; None: English); the subject is the ``.txt`` template's ``subject`` block, with
    whitespace collapsed (a header is one line)."""
    with in_locale(locale) as language:
        return _render_email(template, {"lang": language, **context})


def _render_email(template: str, context: dict[str, Any]) -> RenderedEmail:
    env = current_app.jinja_env
    values = {"site_url": site_url(), "site_url_for": site_url_for, **context}
    text_template = env.get_template(f"email/{template}.txt")
    subject_block = text_template.blocks.get("subject")
    if subject_block is None:
        raise LookupError(f"email/{template}.txt has no {{% block subject %}}")
    subject = " ".join(
        "".join(subject_block(text_template.new_context(values))).split()
    )[:300]  # the column's size; a Subject is a line, not a paragraph
    values["subject"] = subject
    return RenderedEmail(
        subject=subject,
        text=text_template.render(values).strip() + "\n",
        html=env.get_template(f"email/{template}.html").render(values),
    )


def site_url() -> str:
    """``SITE_URL`` without its trailing slash: the base of every link in an email."""
    return str(current_app.config["SITE_URL"]).rstrip("/")


def site_url_for(endpoint: str, **values: Any) -> str:
    """An absolute URL under ``SITE_URL`` for ``endpoint``; works in jobs (no request, no
    ``SERVER_NAME``), which is where emails are rendered."""
    parts = urlsplit(site_url())
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


# Headers fold at RFC 5322's hard limit (998), not the default 78: the standard library encodes a
# long header without spaces (a List-Unsubscribe URL) as an RFC 2047 encoded-word, which mail
# providers do not read as a URL. Non-ASCII text (a subject) is still encoded, as it must be.
MESSAGE_POLICY = policy.default.clone(max_line_length=998)


def make_message_id() -> str:
    """A Message-ID in the site's domain (SITE_URL's host)."""
    return make_msgid(domain=urlsplit(site_url()).hostname or "localhost")


def build_message(*, to: str, subject: str, text: str, html: str, message_id: str,
                  headers: dict[str, str] | None = None) -> EmailMessage:
    """A multipart/alternative message (plain text, then HTML) with every header set."""
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class Transport:
    """Delivers messages: over one SMTP connection (opened on first use, reused for a batch),
    or into ``.eml`` files when ``MAIL_URL`` is unset. Use as a context manager."""

    def __init__(self, mail_url: str, timeout: float, folder: Path) -> None:
        self.server = parse_mail_url(mail_url) if mail_url else None
        self.timeout = timeout
        self.folder = folder
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def send(self, message: EmailMessage) -> str:
        """Deliver ``message``; return where it went (for logs and ``flask notify test``).
        SMTP errors propagate (``smtplib.SMTPException`` or ``OSError``); the connection is
        dropped after one, so the next message starts clean."""
        if self.server is None:
            return self._write_file(message)
        try:
            smtp = self._connection()
            smtp.send_message(message)
        except BaseException:
            self.close()  # whatever broke, the next message starts on a fresh connection
            raise
        log.info("mail to %s: %s -> %s", message["To"], message["Subject"], self.describe())
        return self.describe()

    def describe(self) -> str:
        """Where this transport delivers (the SMTP server, or the folder of .eml files)."""
        if self.server is None:
            return str(self.folder)
        return f"smtp://{self.server.host}:{self.server.port}"

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        server = self.server
        assert server is not None
        smtp: smtplib.SMTP
        if server.security == "ssl":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            if server.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        try:
            if server.username:
                smtp.login(server.username, server.password or "")
        except (smtplib.SMTPException, OSError):
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _write_file(self, message: EmailMessage) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        name = re.sub(r"[^A-Za-z0-9@._-]", "", str(message["Message-ID"]))[:120]
        path = self.folder / f"{stamp}-{name}.eml"
        path.write_bytes(message.as_bytes())
        log.info("mail to %s: %s -> %s", message["To"], message["Subject"], path)
        return str(path)


def open_transport() -> Transport:
    """The transport the app's settings describe (MAIL_URL, MAIL_TIMEOUT_SECONDS)."""
    config = current_app.config
    return Transport(config.get("MAIL_URL") or "", float(config["MAIL_TIMEOUT_SECONDS"]),
                     Path(config["INSTANCE_PATH"]) / "mail")
