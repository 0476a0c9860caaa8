"""The email outbox: every email is one row, inserted once per key, sent by a job.

``queue_email`` / ``queue_emails`` render the templates and insert rows with
``INSERT ... ON CONFLICT (key) DO NOTHING``, so a job run twice, two schedulers or a double click
queue one email. They flush only; after the caller commits, a send job is enqueued. Sending
(claiming a row, SMTP, retries) is in ``sending.py``; the transport in ``mail.py``.

Templates: ``templates/email/<template>.txt`` and ``.html``; the subject is the ``subject``
block of the ``.txt`` template (``{% block subject %}...{% endblock %}``), whitespace collapsed.
Both templates get the caller's context plus ``subject``, ``site_url`` and ``site_url_for``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import redis
from flask import Flask
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import Model, db, get_queue
from ..models.base import BigIntPK
from ..models.types import UTCDateTime
from ..transactions import after_commit
from .cli import notify
from .mail import make_message_id, parse_mail_url, render_email

log = logging.getLogger(__name__)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


OUTBOX_STATUSES = tuple(s.value for s in OutboxStatus)


class EmailOutbox(Model):
    """One email to send. ``key`` is unique: the same email is never queued (or sent) twice.

    A sender claims a row by compare-and-set (``pending`` and due, or ``sending`` with an expired
    lease: a worker died mid-send), sends it, and marks it ``sent``; failures go back to
    ``pending`` with a later ``next_attempt_at`` until the last try marks the row ``failed``.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (
        CheckConstraint(f"status IN {OUTBOX_STATUSES!r}", name="status_known"),
        # The sender's scan: what is due, oldest first.
        Index("ix_email_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    challenge_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("weekly_challenges.id", ondelete="SET NULL")
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # Chosen at queue time, so every retry of one email carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value,
                                        server_default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<EmailOutbox {self.id} {self.key} {self.status}>"


@dataclass(frozen=True)
class EmailToQueue:
    """One email for ``queue_emails``: the arguments of ``queue_email``."""

    to: str
    kind: str
    key: str
    template: str
    context: dict[str, Any]
    user_id: int | None = None
    challenge_id: uuid.UUID | None = None
    headers: dict[str, str] | None = field(default=None)
    locale: str | None = None  # the recipient's preference (User.locale); None: English


def queue_email(*, to: str, kind: str, key: str, template: str, context: dict[str, Any],
                user_id: int | None = None, challenge_id: uuid.UUID | None = None,
                headers: dict[str, str] | None = None, locale: str | None = None) -> bool:
    """Render ``templates/email/<template>.txt`` and ``.html`` in the recipient's ``locale``
    (their ``User.locale``; None: English) and insert one outbox row.

    ``key`` makes it exactly-once (convention: ``"<kind>:<challenge_id>:<user_id>"`` for
    notifications; account emails use their own, e.g. with a token id). Returns True if this
    call inserted the row. Flushes only: the caller commits, and after the commit a send job is
    enqueued. ``headers`` are extra headers (List-Unsubscribe and the like).
    """
    return queue_emails([EmailToQueue(to=to, kind=kind, key=key, template=template,
                                      context=context, user_id=user_id,
                                      challenge_id=challenge_id, headers=headers,
                                      locale=locale)]) == 1


def queue_emails(messages: Sequence[EmailToQueue]) -> int:
    """``queue_email`` for many at once (fan-out): one INSERT for the whole batch, no per-row
    SELECT; keys already queued are skipped. Returns how many rows were new."""
    if not messages:
        return 0
    now = utcnow()
    rows = [_row(message, now) for message in messages]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        new_ids = _insert_postgresql(rows)
    else:
        table = EmailOutbox.__table__
        new_ids = [row_id for (row_id,) in connection.execute(
            # SQLAlchemy types a model's __table__ as FromClause; it is a Table.
            sqlite.insert(table).on_conflict_do_nothing()  # type: ignore[arg-type, unused-ignore]
            .returning(table.c.id),
            rows,
        ).all()]
    if new_ids:
        after_commit(send_after_commit(new_ids))
    return len(new_ids)


def _row(message: EmailToQueue, now: datetime) -> dict[str, Any]:
    rendered = render_email(message.template, message.context, message.locale)
    return {
        "key": message.key,
        "kind": message.kind,
        "user_id": message.user_id,
        "challenge_id": message.challenge_id,
        "to_address": message.to,
        "subject": rendered.subject,
        "text_body": rendered.text,
        "html_body": rendered.html,
        "headers": dict(message.headers) if message.headers else None,
        "message_id": make_message_id(),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


_PG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "text"), ("kind", "text"), ("user_id", "integer"), ("challenge_id", "uuid"),
    ("to_address", "text"), ("subject", "text"), ("text_body", "text"), ("html_body", "text"),
    ("headers", "text"), ("message_id", "text"),
)


def _insert_postgresql(rows: list[dict[str, Any]]) -> list[int]:
    """One ``INSERT ... SELECT FROM unnest(arrays)``: a single statement and a dozen parameters
    however many rows (a multi-row VALUES would hit PostgreSQL's 65,535-parameter limit)."""
    names = ", ".join(name for name, _ in _PG_COLUMNS)
    arrays = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _PG_COLUMNS)
    selected = ", ".join(
        "CAST(headers AS json)" if name == "headers" else name for name, _ in _PG_COLUMNS
    )
    params: dict[str, Any] = {
        name: [json.dumps(row[name]) if name == "headers" and row[name] is not None
               else row[name] for row in rows]
        for name, _ in _PG_COLUMNS
    }
    params["now"] = rows[0]["created_at"]
    statement = text(
        # The SQL is built from the constant column list above, never from input.
        f"INSERT INTO email_outbox ({names}, status, attempts, next_attempt_at, created_at) "  # noqa: S608
        f"SELECT {selected}, 'pending', 0, :now, :now FROM unnest({arrays}) AS m({names}) "
        "ON CONFLICT (key) DO NOTHING RETURNING id"
    )
    result = db.session.connection().execute(statement, params)
    return [row_id for (row_id,) in result.all()]


# Seconds a sweep job may run (RQ's job timeout), for the fan-out job and the scheduled sweep.
SEND_DUE_TIMEOUT = 3600
# Beyond this many new rows one job sends them all (a fan-out enqueues one job, not thousands).
_ONE_JOB_PER_ROW_UP_TO = 10


def send_after_commit(new_ids: list[int]) -> Callable[[], None]:
    """The after-commit hook that has ``new_ids`` sent: one job per row, or one sweep."""
    def enqueue() -> None:
        try:
            queue = get_queue()
            if len(new_ids) <= _ONE_JOB_PER_ROW_UP_TO:
                for outbox_id in new_ids:
                    queue.enqueue("jobs.mail.send_email", outbox_id)
            else:
                # A fan-out of thousands takes minutes; RQ's default timeout (180 s) would kill
                # the job mid-batch (harmless, but the row in flight would wait for its lease).
                queue.enqueue("jobs.mail.send_due", job_timeout=SEND_DUE_TIMEOUT)
        except redis.RedisError as error:
            # The rows are committed; the every-minute sweep (jobs.mail.send_due) sends them.
            log.warning("mail: could not enqueue the send job (%s); the sweep will send it",
                        error)

    return enqueue


def init_app(app: Flask) -> None:
    """The outbox's part of the feature: ``flask notify test`` and the admin view. A MAIL_URL
    that cannot work stops the app at start-up, not at the first email."""
    if app.config.get("MAIL_URL"):
        parse_mail_url(app.config["MAIL_URL"])
    from .outbox_admin import add_views
    from .sending import test_command

    notify.add_command(test_command)
    app.extensions.setdefault("wc_admin_views", []).append(add_views)
