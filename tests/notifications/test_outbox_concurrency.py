"""Exactly once: concurrent senders, and a worker SIGKILLed mid-batch then rerun."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.notifications.mail import make_message_id
from challenges.notifications.outbox import EmailOutbox, OutboxStatus
from challenges.notifications.sending import LEASE, send_due, send_email
from jobs.connection import rq_connection
from tests.rewards.processes import spawn, wait_for  # noqa: F401  (spawn is a fixture)
from tests.support.concurrency import run_concurrently
from tests.support.smtp import run_outbox


def _pending(count: int) -> list[int]:
    """Rows as queue_email leaves them, but added directly: no send job runs after this commit,
    so the test decides who sends them."""
    now = utcnow()
    rows = [EmailOutbox(key=f"test:{i}", kind="test", to_address=f"user{i}@example.test",
                        subject=f"Message {i}", text_body=f"Hello {i}",
                        html_body=f"<p>Hello {i}</p>", message_id=make_message_id(),
                        next_attempt_at=now, created_at=now) for i in range(count)]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def _statuses() -> Counter[str]:
    db.session.expire_all()
    return Counter(db.session.scalars(select(EmailOutbox.status)))


def _received(smtp_server) -> Counter[str]:
    return Counter(str(m["To"]) for m in smtp_server.messages)


def test_two_senders_of_one_row_send_one_message(app, smtp_server):
    ids = _pending(10)

    for row_id in ids:
        results = run_concurrently(app, lambda _i, row_id=row_id: send_email(row_id), 2)
        assert not any(isinstance(r, BaseException) for r in results), results
        assert sum(r is not None for r in results) == 1

    assert _received(smtp_server) == Counter({f"user{i}@example.test": 1 for i in range(10)})
    assert _statuses() == Counter({OutboxStatus.SENT.value: 10})


def test_concurrent_sweeps_send_every_row_once(app, smtp_server):
    _pending(60)

    results = run_concurrently(app, lambda _i: send_due(), 3)

    assert not any(isinstance(r, BaseException) for r in results), results
    assert sum(results) == 60
    assert _received(smtp_server) == Counter({f"user{i}@example.test": 1 for i in range(60)})


@pytest.mark.slow
def test_a_worker_killed_mid_batch_and_the_batch_rerun_sends_every_message_once(
        app, smtp_server, spawn, frozen_clock):  # noqa: F811
    frozen_clock.set(datetime.now(UTC))  # the worker runs on the real clock
    _pending(20)
    smtp_server.hold_next(after=7)  # the worker is mid-conversation on its 8th message
    worker = spawn("worker", "jobs.worker", MAIL_URL=smtp_server.url)
    Queue(app.config["RQ_QUEUE"], connection=rq_connection()).enqueue("jobs.mail.send_due")

    wait_for(smtp_server.holding.is_set, 60, "the 8th message to reach the server", (worker,))
    worker.kill_group()
    smtp_server.release()
    assert len(smtp_server.messages) == 7
    assert _statuses() == Counter({"sent": 7, "sending": 1, "pending": 12})

    assert run_outbox() == 12  # the rerun: the killed row is still leased
    frozen_clock.set(datetime.now(UTC) + LEASE + timedelta(seconds=1))
    assert run_outbox() == 1  # its lease expired: taken over

    assert _received(smtp_server) == Counter({f"user{i}@example.test": 1 for i in range(20)})
    assert _statuses() == Counter({"sent": 20})
    killed = db.session.scalar(select(EmailOutbox).where(EmailOutbox.attempts == 2))
    assert killed is not None  # the row the worker died on: its try and the rerun's
    assert db.session.scalar(select(func.count()).select_from(EmailOutbox)
                             .where(EmailOutbox.attempts == 1)) == 19
