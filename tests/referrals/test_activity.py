"""SPEC §11 "active member": the UTC days a signed-in member used the site, recorded in Redis
on the request path (no SQL) and flushed to ``member_activity_days`` every minute."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import event, select

from challenges.extensions import db
from challenges.models import MemberActivityDay
from jobs.stats import flush_sponsor_counters

MONDAY = datetime(2031, 3, 10, 23, 0, tzinfo=UTC)


def activity_rows() -> set[tuple[int, date]]:
    db.session.expire_all()
    return {(r.user_id, r.day) for r in db.session.scalars(select(MemberActivityDay))}


def test_a_visit_today_and_tomorrow_makes_two_days(client, frozen_clock, login, make_user):
    frozen_clock.set(MONDAY)
    member = make_user()
    login(client, member)
    client.get("/challenges/")
    frozen_clock.advance(hours=2)  # 01:00 the next day
    client.get("/")
    flush_sponsor_counters()
    assert activity_rows() == {(member.id, date(2031, 3, 10)), (member.id, date(2031, 3, 11))}


def test_flushing_twice_changes_nothing(client, frozen_clock, login, make_user, redis_client):
    frozen_clock.set(MONDAY)
    member = make_user()
    login(client, member)
    for _ in range(3):
        client.get("/")
    flush_sponsor_counters()
    assert activity_rows() == {(member.id, date(2031, 3, 10))}
    assert redis_client.scard("activity:{2031-03-10}:pending") == 0
    flush_sponsor_counters()
    client.get("/")  # the same day again: already counted
    flush_sponsor_counters()
    assert activity_rows() == {(member.id, date(2031, 3, 10))}


def test_the_poll_fragments_record_no_activity(client, frozen_clock, login, make_user,
                                               make_challenge):
    frozen_clock.set(MONDAY)
    challenge = make_challenge("active")
    member = make_user()
    login(client, member)
    flush_sponsor_counters()
    frozen_clock.advance(days=1)
    for _ in range(2):
        client.get(f"/challenges/{challenge.slug}/leaderboard/live")
        client.get("/notifications/bell")
        client.get("/static/css/app.css").close()
    flush_sponsor_counters()
    assert activity_rows() == {(member.id, date(2031, 3, 10))}


def test_visitors_record_no_activity(client, frozen_clock, make_user):
    frozen_clock.set(MONDAY)
    make_user()
    client.get("/")
    flush_sponsor_counters()
    assert activity_rows() == set()


def test_recording_activity_runs_no_sql(client, frozen_clock, login, make_user):
    """The page's own statements only: the page with and without a new active day run the
    same number of statements."""
    frozen_clock.set(MONDAY)
    login(client, make_user())
    client.get("/challenges/")
    counts = []
    for _ in range(2):
        statements: list[str] = []

        def spy(conn, cursor, statement, *args, seen=statements):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", spy)
        try:
            client.get("/challenges/")
        finally:
            event.remove(db.engine, "before_cursor_execute", spy)
        counts.append(len(statements))
        frozen_clock.advance(days=1)  # the next request is a member's first of a new day
    assert counts[0] == counts[1]
    assert not any("member_activity_days" in s for s in statements)


def test_an_api_token_caller_is_active(client, frozen_clock, make_user):
    from challenges.services.api_tokens import create_token

    frozen_clock.set(MONDAY)
    member = make_user()
    _, token = create_token(member, "sync", MONDAY)
    db.session.commit()
    response = client.get("/api/challenges/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    flush_sponsor_counters()
    assert activity_rows() == {(member.id, date(2031, 3, 10))}
