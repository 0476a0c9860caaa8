"""Failed sends are retried with backoff, then marked failed and shown to editors."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from flask import g
from sqlalchemy import select, update

from challenges.extensions import db
from challenges.models import Role
from challenges.notifications.outbox import EmailOutbox, OutboxStatus, queue_email
from challenges.notifications.sending import BACKOFF, LEASE, MAX_ATTEMPTS
from challenges.transactions import commit_with_retry
from tests.support.ports import free_port
from tests.support.smtp import run_outbox

TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _queue(key: str = "test:retry", to: str = "ada@example.test") -> None:
    commit_with_retry(lambda: queue_email(to=to, kind="test", key=key,
                                          template="test", context={}))


def _row() -> EmailOutbox:
    db.session.expire_all()
    row = db.session.scalar(select(EmailOutbox))
    assert row is not None
    return row


def test_a_server_failing_the_first_two_tries_gets_the_email_once_on_the_third(
        smtp_server, frozen_clock):
    smtp_server.fail_next(2)

    _queue()  # the send job runs after the commit: try 1 fails
    assert (_row().status, _row().attempts) == (OutboxStatus.PENDING, 1)
    assert _row().next_attempt_at == frozen_clock.now + BACKOFF[0]
    assert "451" in (_row().last_error or "")
    assert run_outbox() == 0  # not due before its backoff

    frozen_clock.advance(BACKOFF[0])
    assert run_outbox() == 0  # try 2 fails
    assert _row().next_attempt_at == frozen_clock.now + BACKOFF[1]

    frozen_clock.advance(BACKOFF[1])
    assert run_outbox() == 1  # try 3
    frozen_clock.advance(hours=3)
    assert run_outbox() == 0

    assert len(smtp_server.messages) == 1
    row = _row()
    assert (row.status, row.attempts, row.sent_at) == (OutboxStatus.SENT, 3, frozen_clock.now
                                                       - timedelta(hours=3))


def test_after_the_last_try_the_email_is_failed_with_its_error(smtp_server, frozen_clock):
    smtp_server.fail_next(MAX_ATTEMPTS, "554 5.7.1 Rejected by policy")

    _queue()
    for wait in BACKOFF:
        frozen_clock.advance(wait)
        run_outbox()
    frozen_clock.advance(days=1)
    assert run_outbox() == 0

    row = _row()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert "554" in (row.last_error or "") and "Rejected by policy" in (row.last_error or "")
    assert smtp_server.messages == []


def test_an_unreachable_server_is_a_failed_try_not_an_error_for_the_caller(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")

    _queue()

    row = _row()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "Connection refused" in (row.last_error or "") or "Errno" in (row.last_error or "")


def test_a_row_held_by_a_dead_sender_is_sent_once_its_lease_expires(smtp_server, frozen_clock):
    smtp_server.fail_next(1)
    _queue()
    # As a worker killed mid-send leaves it: claimed, lease running.
    db.session.execute(update(EmailOutbox).values(
        status=OutboxStatus.SENDING.value, claimed_until=frozen_clock.now + LEASE,
        next_attempt_at=frozen_clock.now))
    db.session.commit()

    frozen_clock.advance(LEASE - timedelta(seconds=1))
    assert run_outbox() == 0
    frozen_clock.advance(seconds=2)
    assert run_outbox() == 1

    assert len(smtp_server.messages) == 1
    assert _row().status == OutboxStatus.SENT


def _editor(client, make_user, login):
    login(client, make_user("editor", role=Role.EDITOR))
    g.pop("csrf_token", None)
    return client


def test_editors_see_failed_emails_with_their_error_and_can_retry_them(
        client, make_user, login, smtp_server, frozen_clock):
    smtp_server.fail_next(MAX_ATTEMPTS, "554 5.7.1 <b>Rejected</b>")
    _queue("test:failed")
    for wait in BACKOFF:
        frozen_clock.advance(wait)
        run_outbox()
    _queue("test:fine", to="bob@example.test")
    row_id = db.session.scalar(select(EmailOutbox.id).where(EmailOutbox.key == "test:failed"))
    editor = _editor(client, make_user, login)

    page = editor.get("/admin/outbox/?flt0_status_equals=failed")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;b&gt;Rejected&lt;/b&gt;" in body  # the error, escaped
    assert "<b>Rejected</b>" not in body
    assert "Retry failed" in body
    assert "ada@example.test" in body and "bob@example.test" not in body  # only failed ones
    assert "bob@example.test" in editor.get("/admin/outbox/").get_data(as_text=True)

    token = TOKEN_RE.search(body)
    assert token
    response = editor.post("/admin/outbox/action/", data={
        "csrf_token": token.group(1), "action": "retry", "rowid": [str(row_id)]})

    assert response.status_code == 302
    assert "1 failed email queued again" in html.unescape(
        editor.get(response.headers["Location"]).get_data(as_text=True))
    db.session.expire_all()
    row = db.session.get(EmailOutbox, row_id)
    assert row is not None and row.status == OutboxStatus.SENT
    assert [str(m["To"]) for m in smtp_server.messages] == ["bob@example.test",
                                                            "ada@example.test"]


def test_members_cannot_see_the_outbox(client, make_user, login):
    login(client, make_user())
    assert client.get("/admin/outbox/").status_code == 403


def test_a_row_whose_sender_died_on_its_last_try_is_failed_not_retried(smtp_server,
                                                                       frozen_clock):
    smtp_server.fail_next(1)
    _queue()
    db.session.execute(update(EmailOutbox).values(
        status=OutboxStatus.SENDING.value, attempts=MAX_ATTEMPTS,
        claimed_until=frozen_clock.now + LEASE))
    db.session.commit()

    frozen_clock.advance(LEASE + timedelta(seconds=1))
    assert run_outbox() == 0

    row = _row()
    assert row.status == OutboxStatus.FAILED
    assert "stopped during the last try" in (row.last_error or "")
    assert smtp_server.messages == []
