"""The full-leaderboard paging benchmark: ``python -m tests.bench.board_pages``.

A board of 100,000 members written straight into a real Valkey (as a rebuild leaves it), paged
through the "load more" fragment (in-process test client: routing, the Redis reads, rendering),
50 rows a page. Prints the median time of the first pages, of pages in the middle and of the
last pages, and the ratio last / first: keyset paging costs O(log N + page) in Redis, so the
ratio should stay near 1 (target <= 2). Also the Redis commands one page costs, and the SQL
statements the fragments ran (target 0).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .core import start_valkey

SAMPLE = 20  # pages timed at each end
ROUNDS = 5  # each sample page is fetched this many times; the median counts


def median_ms(client: Any, urls: list[str]) -> float:
    times = []
    for url in urls:
        for _ in range(ROUNDS):
            started = time.perf_counter()
            response = client.get(url, headers={"HX-Request": "true"})
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import event

    from challenges import clock, create_app
    from challenges.extensions import db, get_redis
    from challenges.leaderboard import ranks
    from challenges.models import WeeklyChallenge
    from challenges.services.challenges import prepare_challenge
    from tests.support.boards import leave_board_as_a_rebuild_would

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wc-bench-ranks-")))
        redis_url = start_valkey(stack, work)
        app = create_app({"SECRET_KEY": "bench", "INSTANCE_PATH": str(work),
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}",
                          "REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url})
        now = datetime.now(UTC).replace(microsecond=0)
        clock.set_source(lambda: now)
        with app.app_context():
            upgrade()
            challenge = WeeklyChallenge(
                title="Bench Board", slug="bench-board", description="Paging benchmark.",
                prompt="Anything.", starts_at=now - timedelta(days=2),
                submission_deadline=now + timedelta(days=3),
                voting_deadline=now + timedelta(days=5), ends_at=now + timedelta(days=5),
                status="active", require_project_link=False, week_number=0, year=0)
            prepare_challenge(challenge)
            db.session.add(challenge)
            db.session.commit()
            client_redis = get_redis()
            started = time.perf_counter()
            leave_board_as_a_rebuild_would(client_redis, challenge, args.members)
            load_time = time.perf_counter() - started
            slug = challenge.slug

            # The cursor chain of 50-row pages, walked once through the service.
            chain = [ranks.FIRST]
            cursor: ranks.Cursor | None = ranks.FIRST
            while cursor is not None:
                page = ranks.fragment_page(slug, None, cursor, now, ranks.PAGE_SIZE).page
                assert page is not None
                cursor = page.next_cursor
                if cursor is not None:
                    chain.append(cursor)
            pages = len(chain)

            def url(at: ranks.Cursor) -> str:
                query = "&".join(f"{k}={v}" for k, v in at.query().items())
                return f"/challenges/{slug}/leaderboard/ranks" + (f"?{query}" if query else "")

            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute",
                         lambda *a: statements.append(a[2]))
            client = app.test_client()
            median_ms(client, [url(chain[0])])  # warm: script load, template compile
            calls_before = _calls(client_redis)
            client.get(url(chain[-1]), headers={"HX-Request": "true"})
            per_page = _calls(client_redis) - calls_before
            first = median_ms(client, [url(c) for c in chain[:SAMPLE]])
            middle_at = pages // 2
            middle = median_ms(client, [url(c) for c in chain[middle_at:middle_at + SAMPLE]])
            last = median_ms(client, [url(c) for c in chain[-SAMPLE:]])
            db.engine.dispose()

    ratio = last / first
    print(f"Full leaderboard paging: {args.members:,} members, {pages:,} pages of "
          f"{ranks.PAGE_SIZE} (load-more fragment, in-process)")
    print(f"  board written to Redis   {load_time * 1000:9.1f} ms")
    print(f"  first {SAMPLE} pages, median {first:9.2f} ms")
    print(f"  middle {SAMPLE} pages, median{middle:9.2f} ms")
    print(f"  last {SAMPLE} pages, median  {last:9.2f} ms")
    print(f"  last / first             {ratio:9.2f} x    target <= 2.00  "
          f"{'PASS' if ratio <= 2 else 'MISS'}")
    print(f"  Redis commands a page    {per_page:9d}      (scripted reads included)")
    print(f"  SQL statements           {len(statements):9d}      target 0  "
          f"{'PASS' if not statements else 'MISS'}")
    return 0


def _calls(client: Any) -> int:
    stats = client.info("commandstats")
    return sum(value["calls"] for name, value in stats.items() if name != "cmdstat_info")


if __name__ == "__main__":
    sys.exit(main())
