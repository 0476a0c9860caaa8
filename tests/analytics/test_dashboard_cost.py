"""The dashboard reads rollups: its SQL statement count does not grow with history (a small
version of tests/bench/analytics.py; the timing target belongs to the benchmark)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from challenges.extensions import db
from challenges.models import Role
from jobs.analytics import store_rollups
from tests.bench.analytics import add_history


def test_the_dashboards_sql_count_does_not_grow_with_history(
        client, login, make_user, frozen_clock, sql_statements):
    now = datetime(2030, 1, 2, 12, tzinfo=UTC)  # a Wednesday
    frozen_clock.set(now)
    current = now.date() - timedelta(days=now.weekday())
    login(client, make_user(role=Role.EDITOR))

    def statements_of_one_request() -> int:
        db.session.remove()  # each request starts with an empty session, as in production
        sql_statements.clear()
        assert client.get("/admin/analytics/").status_code == 200
        # Only the current week and the running challenge are counted live; every other week
        # and challenge comes from its stored rollup.
        live = [s for s in sql_statements if "member_activity_days" in s]
        assert len(live) == 2
        return len(sql_statements)

    add_history(current - timedelta(weeks=1), 2, members=6, entrants=3, votes_each=2)
    store_rollups()
    two_weeks = statements_of_one_request()
    add_history(current - timedelta(weeks=25), 23, members=6, entrants=3, votes_each=2)
    store_rollups()
    assert statements_of_one_request() == two_weeks
