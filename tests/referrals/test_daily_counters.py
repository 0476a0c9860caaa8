"""SPEC §8, §11: views, sponsor clicks and share visits are counted in Redis on the page path,
then flushed to the challenge's totals and to its row for the UTC day they were counted on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, select

from challenges.extensions import db
from challenges.models import ChallengeDailyCounter, WeeklyChallenge
from challenges.services.sponsors import flush_counters, record
from jobs.stats import flush_sponsor_counters

NEAR_MIDNIGHT = datetime(2031, 3, 9, 23, 59, 58, tzinfo=UTC)


def daily(challenge_id) -> dict[date, tuple[int, int, int]]:
    db.session.expire_all()
    rows = db.session.scalars(select(ChallengeDailyCounter)
                              .where(ChallengeDailyCounter.challenge_id == challenge_id))
    return {r.day: (r.views, r.sponsor_clicks, r.share_visits) for r in rows}


def test_counts_taken_just_before_midnight_land_on_their_own_day(frozen_clock, make_sponsor,
                                                                make_challenge):
    frozen_clock.set(NEAR_MIDNIGHT)
    challenge = make_challenge("active", sponsor=make_sponsor())
    record(challenge.id, "views")
    record(challenge.id, "clicks")
    frozen_clock.advance(seconds=5)  # 00:00:03 the next day, before any flush ran
    record(challenge.id, "views")
    record(challenge.id, "share_visits")
    assert flush_sponsor_counters() == 1
    assert daily(challenge.id) == {date(2031, 3, 9): (1, 1, 0), date(2031, 3, 10): (1, 0, 1)}
    stored = db.session.get(WeeklyChallenge, challenge.id)
    assert (stored.view_count, stored.sponsor_click_count) == (2, 1)


def test_a_later_flush_adds_to_the_days_row_and_the_totals(frozen_clock, make_challenge):
    frozen_clock.set(NEAR_MIDNIGHT - timedelta(hours=2))
    challenge = make_challenge("active")
    for _ in range(3):
        record(challenge.id, "views")
    flush_sponsor_counters()
    record(challenge.id, "views")
    record(challenge.id, "share_visits")
    flush_sponsor_counters()
    assert flush_sponsor_counters() == 0  # nothing left: nothing counted twice
    assert daily(challenge.id) == {date(2031, 3, 9): (4, 0, 1)}
    assert db.session.get(WeeklyChallenge, challenge.id).view_count == 4


def test_the_landing_page_counts_without_sql_writes(client, app, make_sponsor, make_challenge):
    """The page path adds no statement for the counter: only the flush writes."""
    challenge = make_challenge("active", sponsor=make_sponsor())
    client.get(f"/challenges/{challenge.slug}/")  # warm: the board is built on first read
    writes: list[str] = []

    def spy(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        assert client.get(f"/challenges/{challenge.slug}/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    assert writes == []
    flush_sponsor_counters()
    assert sum(v for v, _, _ in daily(challenge.id).values()) == 2


def test_counts_of_a_deleted_challenge_do_not_break_the_flush(make_challenge):
    kept, gone = make_challenge("active"), make_challenge("active")
    record(kept.id, "views")
    record(gone.id, "views")
    db.session.delete(gone)
    db.session.commit()
    assert flush_counters() == 1
    db.session.commit()
    assert sum(v for v, _, _ in daily(kept.id).values()) == 1


def test_counts_recorded_before_days_were_kept_are_filed_under_the_flush_day(
        frozen_clock, redis_client, make_challenge):
    """A hash field without a day (written by the previous release) still counts."""
    frozen_clock.set(NEAR_MIDNIGHT)
    challenge = make_challenge("active")
    redis_client.hincrby(f"challenge:{{{challenge.id}}}:counters", "views", 2)
    redis_client.sadd("challenge:counters:dirty", str(challenge.id))
    flush_sponsor_counters()
    assert daily(challenge.id) == {date(2031, 3, 9): (2, 0, 0)}
