"""Sending the outbox: claim a row by compare-and-set, send it, mark it sent; retry with backoff.

Each step is its own short transaction on a private session (not ``db.session``): the send job
may run inside another unit of work's after-commit hook (an inline RQ queue) or in a worker, and
its claim must be durable before the SMTP conversation starts, whatever the caller's session is
doing. A worker killed mid-send leaves its row ``sending`` with a lease; once the lease expires
the next sweep claims it again. The window between the SMTP server's "250 OK" and our "sent"
commit is the one place a message could go out twice; it is a few milliseconds wide.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime, timedelta

import click
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..clock import utcnow
from ..extensions import db
from ..transactions import after_commit, commit_with_retry
from .mail import Transport, build_message, open_transport
from .outbox import EmailOutbox, OutboxStatus, queue_email, send_after_commit

log = logging.getLogger(__name__)

# Wait before each retry: 1, 5, 30, 120 minutes; the try after the last wait is the last one.
BACKOFF: tuple[timedelta, ...] = tuple(timedelta(minutes=m) for m in (1, 5, 30, 120))
MAX_ATTEMPTS = len(BACKOFF) + 1
# How long a claim holds a row. Far above one SMTP conversation (10 s timeouts), so only a dead
# sender's row is ever taken over.
LEASE = timedelta(minutes=5)
# Rows read per sweep query; the sweep loops until nothing is due.
SWEEP_BATCH = 200


def due_condition(now: datetime) -> ColumnElement[bool]:
    """A row a sender may claim now: pending and due, or ``sending`` with an expired lease."""
    return or_(
        and_(EmailOutbox.status == OutboxStatus.PENDING.value,
             EmailOutbox.next_attempt_at <= now),
        and_(EmailOutbox.status == OutboxStatus.SENDING.value,
             EmailOutbox.claimed_until < now, EmailOutbox.attempts < MAX_ATTEMPTS),
    )


def backoff_after(attempts: int) -> timedelta | None:
    """The wait before the next try after ``attempts`` failed tries; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return BACKOFF[attempts - 1]


def send_email(outbox_id: int) -> str | None:
    """Send one outbox row if it is due and nobody else holds it. Returns where it went (a file
    path or the SMTP server), or None if it was not sent by this call."""
    with open_transport() as transport:
        return _claim_and_send(transport, outbox_id)


def send_due() -> int:
    """Send every row that is due now (the every-minute sweep, and fan-out). Safe to run in
    several processes at once: each row is claimed by one. Returns how many this call sent."""
    sent = 0
    _fail_abandoned(utcnow())
    with open_transport() as transport:
        while True:
            with Session(db.engine) as session:
                ids = session.scalars(
                    select(EmailOutbox.id)
                    .where(due_condition(utcnow()))
                    .order_by(EmailOutbox.next_attempt_at, EmailOutbox.id)
                    .limit(SWEEP_BATCH)
                ).all()
            if not ids:
                return sent
            for outbox_id in ids:
                if _claim_and_send(transport, outbox_id) is not None:
                    sent += 1


def retry_failed(ids: list[int]) -> int:
    """Put failed rows back in the queue, due now, with a fresh set of tries (the admin's
    "retry" action). Flushes only. Returns how many rows it moved."""
    result = db.session.execute(
        update(EmailOutbox)
        .where(EmailOutbox.id.in_(ids), EmailOutbox.status == OutboxStatus.FAILED.value)
        .values(status=OutboxStatus.PENDING.value, attempts=0, next_attempt_at=utcnow(),
                claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    moved = int(getattr(result, "rowcount", 0) or 0)
    if moved:
        after_commit(send_after_commit(ids))
    return moved


def _claim_and_send(transport: Transport, outbox_id: int) -> str | None:
    row = _claim(outbox_id)
    if row is None:
        return None
    try:
        message = build_message(to=row.to_address, subject=row.subject, text=row.text_body,
                                html=row.html_body, message_id=row.message_id,
                                headers=row.headers)
    except ValueError as error:  # a header we cannot write will never send: no retries
        _record_failure(row, error, give_up=True)
        return None
    try:
        destination = transport.send(message)
    except (smtplib.SMTPException, OSError) as error:  # the server, the network: try again
        _record_failure(row, error)
        return None
    except ValueError as error:  # e.g. an address the server cannot take (non-ASCII)
        _record_failure(row, error, give_up=True)
        return None
    _mark_sent(row)
    return destination


def _claim(outbox_id: int) -> EmailOutbox | None:
    """Compare-and-set: take the row only if it is still claimable; one sender wins."""
    now = utcnow()
    with Session(db.engine, expire_on_commit=False) as session:
        row = session.scalars(
            update(EmailOutbox)
            .where(EmailOutbox.id == outbox_id, due_condition(now))
            .values(status=OutboxStatus.SENDING.value, claimed_until=now + LEASE,
                    attempts=EmailOutbox.attempts + 1)
            .returning(EmailOutbox)  # the claimed row itself: no second round trip
        ).first()
        session.commit()
        return row


def _fail_abandoned(now: datetime) -> None:
    """A row whose sender died during its last try is not taken over again: it is failed."""
    with Session(db.engine) as session:
        session.execute(
            update(EmailOutbox)
            .where(EmailOutbox.status == OutboxStatus.SENDING.value,
                   EmailOutbox.claimed_until < now, EmailOutbox.attempts >= MAX_ATTEMPTS)
            .values(status=OutboxStatus.FAILED.value, claimed_until=None,
                    last_error="The sender stopped during the last try (worker killed?).")
            .execution_options(synchronize_session=False)
        )
        session.commit()


def _mark_sent(row: EmailOutbox) -> None:
    now = utcnow()
    with Session(db.engine) as session:
        session.execute(
            update(EmailOutbox)
            .where(EmailOutbox.id == row.id, EmailOutbox.status == OutboxStatus.SENDING.value)
            .values(status=OutboxStatus.SENT.value, sent_at=now, claimed_until=None,
                    last_error=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def _record_failure(row: EmailOutbox, error: Exception, give_up: bool = False) -> None:
    """Schedule the next try with backoff, or mark the row failed after the last one."""
    wait = None if give_up else backoff_after(row.attempts)
    description = f"{type(error).__name__}: {error}"[:2000]
    values: dict[str, object] = {"last_error": description, "claimed_until": None}
    if wait is None:
        values["status"] = OutboxStatus.FAILED.value
        log.warning("mail %s to %s failed for good after %d tries: %s", row.key,
                    row.to_address, row.attempts, description)
    else:
        values["status"] = OutboxStatus.PENDING.value
        values["next_attempt_at"] = utcnow() + wait
        log.info("mail %s to %s failed (try %d), next try in %s: %s", row.key,
                 row.to_address, row.attempts, wait, description)
    with Session(db.engine) as session:
        session.execute(
            update(EmailOutbox)
            .where(EmailOutbox.id == row.id, EmailOutbox.status == OutboxStatus.SENDING.value)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        session.commit()


@click.command("test")
@click.argument("email")
def test_command(email: str) -> None:
    """Queue a test email to EMAIL and send it now; print where it went."""
    key = f"test:{uuid.uuid4()}"
    commit_with_retry(lambda: queue_email(to=email, kind="test", key=key, template="test",
                                          context={}))
    row_id = db.session.scalar(select(EmailOutbox.id).where(EmailOutbox.key == key))
    db.session.rollback()
    assert row_id is not None
    destination = send_email(row_id)
    row = db.session.get(EmailOutbox, row_id)
    assert row is not None
    if destination is not None:
        click.echo(f"Sent a test email to {email}: {destination}")
    elif row.status == OutboxStatus.SENT.value:  # the send job queued by the commit was first
        with open_transport() as transport:
            click.echo(f"Sent a test email to {email}: {transport.describe()}")
    else:
        raise click.ClickException(
            f"Not sent ({row.status}, {row.attempts} tries): {row.last_error or 'no error'}")
