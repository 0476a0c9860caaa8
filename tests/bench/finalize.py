"""The finalization benchmark: ``make bench-finalize`` (or ``python -m tests.bench.finalize``).

Same harness as the core-loop benchmark (real PostgreSQL from pgserver, real Valkey, schema from
the migrations, data loaded with COPY). A completed challenge with 10,000 participants, 30,000
entries and 300,000 votes is finalized by the real job function; the report prints, in one run:
the job's time; the time of a plain SQLAlchemy Core bulk insert of the same number of ledger rows
(the baseline) and the ratio; the time and new-row count of a second run; then the time of
disqualifying the winner's entries after results (re-rank and compensate) and of reinstating
them, each with the ledger rows it wrote.
Targets: job <= 1.5 x baseline; second run <= 0.3 x the first, with 0 new rows.
"""

from __future__ import annotations

import random
import secrets
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, select, text

from .core import log, start_postgres, start_valkey
from .data import ENTRY_COLUMNS, USER_COLUMNS, VOTE_COLUMNS, _copy, username

PARTICIPANTS, ENTRIES_EACH, VOTES_EACH = 10_000, 3, 30


def load_world(now: datetime) -> uuid.UUID:
    """A challenge whose voting closed an hour ago, with its entries and votes, consistent."""
    from challenges.extensions import db
    from challenges.models import WeeklyChallenge
    from challenges.services.accounts import hash_password
    from challenges.services.challenges import prepare_challenge

    rng = random.Random(11)
    start = now - timedelta(days=8)
    challenge = WeeklyChallenge(
        title="Bench Finale", slug="bench-finale", description="Finalization benchmark.",
        prompt="Anything.", starts_at=start, submission_deadline=start + timedelta(days=5),
        voting_deadline=now - timedelta(hours=1), ends_at=now - timedelta(hours=1),
        status="voting", require_project_link=False, week_number=0, year=0,
        max_submissions_per_user=ENTRIES_EACH,
        prizes={"1st": {"type": "cash", "amount": 500, "currency": "USD"},
                "2nd": {"type": "tokens", "amount": 500000},
                "3rd": {"type": "tokens", "amount": 250000},
                "participation": {"type": "tokens", "amount": 10000},
                "voting_reward": {"type": "tokens", "amount": 1000, "min_votes": 10}},
    )
    prepare_challenge(challenge)
    db.session.add(challenge)
    db.session.commit()
    cid = challenge.id
    db.session.close()  # no transaction of ours may hold locks while COPY rebuilds tables
    password = hash_password("bench-password-1")
    _copy("users", USER_COLUMNS, (
        (uid, username(uid), f"{username(uid)}@bench.example", password, "member", False, now,
         0, 0, secrets.token_urlsafe(24))
        for uid in range(1, PARTICIPANTS + 1)))
    entries: list[tuple[uuid.UUID, int]] = []  # (id, author)
    for uid in range(1, PARTICIPANTS + 1):
        entries.extend((uuid.uuid4(), uid) for _ in range(ENTRIES_EACH))
    votes_on: dict[int, int] = {}
    vote_rows = []
    for voter in range(1, PARTICIPANTS + 1):
        candidates = rng.sample(range(len(entries)), VOTES_EACH + ENTRIES_EACH)
        for index in [i for i in candidates if entries[i][1] != voter][:VOTES_EACH]:
            votes_on[index] = votes_on.get(index, 0) + 1
            cast_at = start + timedelta(days=5, seconds=rng.randrange(86_400))
            vote_rows.append((uuid.uuid4(), entries[index][0], voter, cid, 1.0, 1.0, "full",
                              cast_at, cast_at))
    _copy("challenge_submissions", ENTRY_COLUMNS, (
        (sid, cid, author, f"Entry {i + 1}", "", "", "", "https://bench.example/w", "", "",
         votes_on.get(i, 0), float(votes_on.get(i, 0)), i % 1500 == 0, False, "", False,
         i % ENTRIES_EACH + 1, i + 1, start + timedelta(seconds=i), start + timedelta(seconds=i))
        for i, (sid, author) in enumerate(entries)), bare=False)
    _copy("challenge_votes", VOTE_COLUMNS, vote_rows, bare=True)
    db.session.execute(text(
        "UPDATE weekly_challenges SET entries_created = :n, submission_count = :n, "
        "participant_count = :p, total_votes = :v WHERE id = :cid"),
        {"n": len(entries), "p": PARTICIPANTS, "v": len(vote_rows), "cid": cid})
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    log(f"loaded {PARTICIPANTS:,} participants, {len(entries):,} entries, "
        f"{len(vote_rows):,} votes")
    return cid


def bulk_insert_baseline(rows: int, now: datetime) -> float:
    """Plain SQLAlchemy Core executemany of ``rows`` ledger rows (committed), then removed."""
    from challenges.extensions import db
    from challenges.models import LedgerEntry

    batch = [{"user_id": (i % PARTICIPANTS) + 1, "currency": "tokens", "amount": 1,
              "reason": "baseline", "idempotency_key": f"baseline:{i}", "challenge_id": None,
              "submission_id": None, "created_at": now} for i in range(rows)]
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(insert(LedgerEntry.__table__), batch)
    elapsed = time.perf_counter() - started
    with db.engine.begin() as conn:
        conn.execute(delete(LedgerEntry.__table__).where(LedgerEntry.reason == "baseline"))
    return elapsed


def main() -> int:
    from flask_migrate import upgrade

    from challenges import clock, create_app
    from challenges.config import normalize_database_url
    from challenges.extensions import db
    from challenges.models import LedgerEntry

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wc-bench-fin-")))
        database_url = normalize_database_url(start_postgres(stack, work))
        redis_url = start_valkey(stack, work)
        app = create_app({"SECRET_KEY": "bench", "INSTANCE_PATH": str(work),
                          "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url,
                          "RATELIMIT_STORAGE_URI": redis_url})
        now = datetime.now(UTC).replace(microsecond=0)
        clock.set_source(lambda: now)
        with app.app_context():
            upgrade()
            challenge_id = load_world(now)
            from jobs.finalize import finalize_challenge

            started = time.perf_counter()
            first = finalize_challenge(str(challenge_id))
            first_time = time.perf_counter() - started
            started = time.perf_counter()
            second = finalize_challenge(str(challenge_id))
            second_time = time.perf_counter() - started
            rows = db.session.scalar(select(func.count()).select_from(LedgerEntry))
            db.session.rollback()
            moderation = time_moderation(challenge_id)
            baseline = bulk_insert_baseline(first["ledger_rows"], now)
            db.engine.dispose()

    ratio, rerun = first_time / baseline, second_time / first_time
    print("Finalization benchmark: 10,000 participants, 30,000 entries, 300,000 votes "
          "(PostgreSQL)")
    print(f"  job, first run          {first_time * 1000:9.1f} ms   {first['ledger_rows']:,} "
          f"ledger rows, {first['payouts']} payout(s), {first['ranked']:,} ranked")
    print(f"  Core bulk insert        {baseline * 1000:9.1f} ms   same {first['ledger_rows']:,} "
          f"rows (baseline)")
    print(f"  job / baseline          {ratio:9.2f} x    target <= 1.50  "
          f"{'PASS' if ratio <= 1.5 else 'MISS'}")
    print(f"  second run              {second_time * 1000:9.1f} ms   {second['ledger_rows']} new "
          f"rows (ledger holds {rows:,})")
    print(f"  second / first          {rerun:9.3f} x    target <= 0.30, 0 new rows  "
          f"{'PASS' if rerun <= 0.3 and second['ledger_rows'] == 0 else 'MISS'}")
    for action, (seconds, written) in moderation.items():
        print(f"  {action + ' the winner':<23} {seconds * 1000:9.1f} ms   {written} ledger rows "
              "(re-rank, compensate, payouts)")
    return 0


def time_moderation(challenge_id: uuid.UUID) -> dict[str, tuple[float, int]]:
    """Disqualify the 1st-place member's entries after results, then reinstate them."""
    from challenges.clock import utcnow
    from challenges.extensions import db
    from challenges.models import ChallengeSubmission, LedgerEntry
    from challenges.services.entries import disqualify_entry, reinstate_entry
    from challenges.transactions import commit_with_retry

    winner = db.session.scalar(select(ChallengeSubmission.user_id).where(
        ChallengeSubmission.challenge_id == challenge_id, ChallengeSubmission.final_rank == 1))
    entries = list(db.session.scalars(select(ChallengeSubmission.id).where(
        ChallengeSubmission.challenge_id == challenge_id, ChallengeSubmission.user_id == winner)))
    db.session.rollback()
    timings = {}
    for action in ("disqualify", "reinstate"):
        before = db.session.scalar(select(func.count()).select_from(LedgerEntry))
        db.session.rollback()
        started = time.perf_counter()
        for entry_id in entries:
            if action == "disqualify":
                commit_with_retry(lambda e=entry_id: disqualify_entry(
                    e, None, "bench", utcnow(), operator="bench"))
            else:
                commit_with_retry(lambda e=entry_id: reinstate_entry(
                    e, None, utcnow(), operator="bench"))
        elapsed = time.perf_counter() - started
        after = db.session.scalar(select(func.count()).select_from(LedgerEntry))
        db.session.rollback()
        timings[action] = (elapsed, after - before)
    return timings


if __name__ == "__main__":
    sys.exit(main())
