"""The outbox: queued once per key, both parts and every header received by a real SMTP server."""

from __future__ import annotations

from sqlalchemy import func, select

from challenges.extensions import db
from challenges.notifications.outbox import (
    EmailOutbox,
    EmailToQueue,
    OutboxStatus,
    queue_email,
    queue_emails,
)
from challenges.transactions import commit_with_retry
from tests.support.smtp import run_outbox

UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://example.test/unsubscribe/abc>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def _queue_test(key: str = "test:1", to: str = "ada@example.test", **extra: object) -> bool:
    return commit_with_retry(lambda: queue_email(to=to, kind="test", key=key, template="test",
                                                 context={}, **extra))  # type: ignore[arg-type]


def _rows() -> list[EmailOutbox]:
    return list(db.session.scalars(select(EmailOutbox).order_by(EmailOutbox.id)))


def test_an_email_arrives_with_a_text_and_an_html_part(smtp_server):
    assert _queue_test()

    [message] = smtp_server.messages
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "This is a test message" in text.get_content()
    assert "Email works" in html.get_content()
    assert "#6d28d9" in html.get_content()  # the product's purple, inline
    assert message["Subject"] == "Test email from Weekly Challenges"


def test_every_email_carries_message_id_date_from_to_and_its_extra_headers(smtp_server, app):
    _queue_test(headers=UNSUBSCRIBE)

    [message] = smtp_server.messages
    [row] = _rows()
    assert message["Message-ID"] == row.message_id
    assert message["Message-ID"].endswith("@127.0.0.1>")  # the site's domain (SITE_URL)
    assert message["Date"].datetime is not None
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["To"] == "ada@example.test"
    assert message["List-Unsubscribe"] == UNSUBSCRIBE["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert smtp_server.envelopes == [("noreply@localhost", ["ada@example.test"])]


def test_the_same_key_queued_twice_is_one_row_and_one_message(smtp_server):
    """RELIABILITY #29: an email queued twice (a reminder job run twice) is sent once."""
    assert _queue_test(key="results:c1:7") is True
    assert _queue_test(key="results:c1:7") is False
    run_outbox()

    assert len(_rows()) == 1
    assert len(smtp_server.messages) == 1
    assert _rows()[0].status == OutboxStatus.SENT


def test_queueing_flushes_only_so_a_rollback_queues_nothing(smtp_server):
    queue_email(to="ada@example.test", kind="test", key="test:rolled-back", template="test",
                context={})
    db.session.rollback()

    assert run_outbox() == 0
    assert _rows() == []
    assert smtp_server.messages == []


def test_a_fan_out_inserts_a_batch_and_skips_keys_already_queued(smtp_server):
    _queue_test(key="digest:w1:0", to="user0@example.test")
    batch = [EmailToQueue(to=f"user{i}@example.test", kind="digest", key=f"digest:w1:{i}",
                          template="test", context={}) for i in range(120)]

    new = commit_with_retry(lambda: queue_emails(batch))
    run_outbox()

    assert new == 119
    assert db.session.scalar(select(func.count()).select_from(EmailOutbox)) == 120
    received = sorted(str(m["To"]) for m in smtp_server.messages)
    assert received == sorted(f"user{i}@example.test" for i in range(120))


def test_the_queued_row_keeps_who_what_and_the_rendered_parts(make_user, make_challenge):
    user = make_user()
    challenge = make_challenge()
    key = f"challenge_started:{challenge.id}:{user.id}"
    commit_with_retry(lambda: queue_email(
        to=user.email, kind="challenge_started", key=key, template="test", context={},
        user_id=user.id, challenge_id=challenge.id, headers=UNSUBSCRIBE))

    [row] = _rows()
    assert (row.key, row.kind, row.user_id, row.challenge_id) == (
        key, "challenge_started", user.id, challenge.id)
    assert row.headers == UNSUBSCRIBE
    assert row.subject == "Test email from Weekly Challenges"
    assert "This is a test message" in row.text_body
    assert "<html" in row.html_body


def test_a_header_injection_in_the_address_is_never_sent(smtp_server):
    _queue_test(key="test:inject", to="ada@example.test\r\nBcc: eve@example.test")

    [row] = _rows()
    assert row.status == OutboxStatus.FAILED
    assert smtp_server.messages == []


def test_links_in_emails_are_absolute_under_site_url(app):
    from challenges.notifications.mail import site_url_for

    assert site_url_for("pages.home") == app.config["SITE_URL"].rstrip("/") + "/"


def test_a_commit_only_queues_a_send_job_it_never_talks_smtp_itself(app, smtp_server,
                                                                     monkeypatch, redis_url):
    from rq import Queue

    from jobs.connection import rq_connection

    monkeypatch.setitem(app.config, "LEADERBOARD_REBUILD_ASYNC", True)  # a worker's queue
    app.extensions.pop("wc_rq", None)

    _queue_test(key="test:async")

    [row] = _rows()
    assert row.status == OutboxStatus.PENDING
    assert smtp_server.messages == []
    queue = Queue(app.config["RQ_QUEUE"], connection=rq_connection(redis_url))
    [job] = queue.get_jobs()
    assert (job.func_name, job.args) == ("jobs.mail.send_email", (row.id,))

    job.perform()  # what the worker does
    assert len(smtp_server.messages) == 1


def test_a_fan_out_of_thousands_is_one_insert_and_no_select(app):
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lstrip().split()[0].upper())

    batch = [EmailToQueue(to=f"user{i}@example.test", kind="digest", key=f"digest:w2:{i}",
                          template="test", context={}) for i in range(2500)]
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        new = queue_emails(batch)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    db.session.rollback()

    assert new == 2500
    assert "SELECT" not in statements
    # PostgreSQL: one INSERT ... SELECT FROM unnest; SQLite: SQLAlchemy sends the rows in
    # pages of 1,000 through one prepared statement.
    expected = 1 if db.engine.dialect.name == "postgresql" else 3
    assert statements.count("INSERT") == expected


def test_a_fan_out_queues_one_sweep_job_not_one_job_per_email(app, monkeypatch, redis_url):
    from rq import Queue

    from challenges.notifications.outbox import SEND_DUE_TIMEOUT
    from jobs.connection import rq_connection

    monkeypatch.setitem(app.config, "LEADERBOARD_REBUILD_ASYNC", True)  # a worker's queue
    app.extensions.pop("wc_rq", None)
    batch = [EmailToQueue(to=f"user{i}@example.test", kind="digest", key=f"digest:w3:{i}",
                          template="test", context={}) for i in range(50)]

    commit_with_retry(lambda: queue_emails(batch))

    queue = Queue(app.config["RQ_QUEUE"], connection=rq_connection(redis_url))
    [job] = queue.get_jobs()
    assert (job.func_name, job.timeout) == ("jobs.mail.send_due", SEND_DUE_TIMEOUT)
