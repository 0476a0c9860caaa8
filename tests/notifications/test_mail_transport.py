"""MAIL_URL: the three schemes, credentials URL-decoded; unset, .eml files and one log line."""

from __future__ import annotations

import logging
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from challenges.notifications.mail import MailConfigError, MailServer, parse_mail_url
from challenges.notifications.outbox import queue_email
from challenges.transactions import commit_with_retry
from tests.support.ports import free_port
from tests.support.smtp import SMTPServer


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.test:2525",
     MailServer("mail.example.test", 2525, "plain")),
    ("smtp+starttls://ada%40example.test:p%40ss%3Aw%2Frd@smtp.example.test:587",
     MailServer("smtp.example.test", 587, "starttls", "ada@example.test", "p@ss:w/rd")),
    ("smtp+ssl://apikey:s3cret@smtp.example.test",
     MailServer("smtp.example.test", 465, "ssl", "apikey", "s3cret")),
    ("smtp+starttls://smtp.example.test", MailServer("smtp.example.test", 587, "starttls")),
    ("smtp://localhost", MailServer("localhost", 25, "plain")),
])
def test_mail_url_gives_host_port_security_and_decoded_credentials(url, expected):
    assert parse_mail_url(url) == expected


@pytest.mark.parametrize("url", [
    "http://mail.example.test", "smtps://mail.example.test", "smtp://", "smtp://host:notaport",
])
def test_an_unusable_mail_url_is_refused(url):
    with pytest.raises(MailConfigError):
        parse_mail_url(url)


def _queue(key: str = "test:file") -> None:
    commit_with_retry(lambda: queue_email(to="ada@example.test", kind="test", key=key,
                                          template="test", context={}))


def test_without_mail_url_each_email_is_an_eml_file_and_one_log_line(app, tmp_path,
                                                                    monkeypatch, caplog):
    monkeypatch.setitem(app.config, "MAIL_URL", "")
    monkeypatch.setitem(app.config, "INSTANCE_PATH", str(tmp_path))
    caplog.set_level(logging.INFO, logger="challenges.notifications.mail")

    _queue()

    [path] = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "ada@example.test"
    assert message.get_body(preferencelist=("html",)) is not None
    lines = [r.getMessage() for r in caplog.records
             if r.name == "challenges.notifications.mail"]
    assert lines == [f"mail to ada@example.test: Test email from Weekly Challenges -> {path}"]


def test_credentials_from_the_url_log_in_to_the_smtp_server(app, monkeypatch):
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    handler = SMTPServer()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_URL",
                            f"smtp://ada%40example.test:p%40ss%20word@127.0.0.1:{port}")
        _queue("test:auth")
    finally:
        controller.stop()

    assert logins == [(b"ada@example.test", b"p@ss word")]
    assert len(handler.messages) == 1


def test_flask_notify_test_sends_a_message_now_and_says_where(runner, smtp_server):
    result = runner.invoke(args=["notify", "test", "grace@example.test"])

    assert result.exit_code == 0, result.output
    assert f"Sent a test email to grace@example.test: {smtp_server.url}" in result.output
    [message] = smtp_server.to("grace@example.test")
    assert message["Subject"] == "Test email from Weekly Challenges"


def test_flask_notify_test_without_mail_url_names_the_folder(app, runner, tmp_path: Path,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", "")
    monkeypatch.setitem(app.config, "INSTANCE_PATH", str(tmp_path))

    result = runner.invoke(args=["notify", "test", "grace@example.test"])

    assert result.exit_code == 0, result.output
    assert str(tmp_path / "mail") in result.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_an_unusable_mail_url_stops_the_app_at_start_up(app_config):
    from challenges import create_app

    with pytest.raises(MailConfigError):
        create_app({**app_config, "MAIL_URL": "smtps://mail.example.test"})
