"""The rebuild benchmark: ``python -m tests.bench.rebuild [--members 1000000]``.

Same harness as the core-loop benchmark (real PostgreSQL from pgserver, real Valkey, schema from
the migrations, data loaded with COPY). An active challenge with ``--members`` participants, one
entry each, is built in Redis once; then a separate process casts votes on that challenge through
the real service (``cast_vote`` + ``commit_with_retry``, one voter and entry at random per vote)
for ``--baseline`` seconds, and keeps voting while the board is rebuilt from the database
(``leaderboard.rebuild.rebuild``: a snapshot read without the challenge row lock, staged in
chunks, swapped in). It prints the p50/p99 vote latency without and during the rebuild, the
rebuild's time, and checks that the rebuilt board equals the database (no vote lost).

The voter is a separate process, as a web worker would be: it measures what the rebuild does to
the database and Redis, not the rebuild's Python work competing for the GIL.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .core import log, start_postgres, start_valkey


def config(database_url: str, redis_url: str, work: Path) -> dict[str, Any]:
    from challenges.config import normalize_database_url

    return {"SECRET_KEY": "bench", "INSTANCE_PATH": str(work),
            "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
            "REDIS_URL": redis_url, "RATELIMIT_STORAGE_URI": redis_url}


def vote_loop(app_config: dict[str, Any], challenge_id: str, members: int, stop: Any,
              started: Any, out: Any) -> None:
    """Cast votes until ``stop`` is set; send back (start time, seconds, ok) per vote."""
    import uuid

    from sqlalchemy import select

    from challenges import create_app
    from challenges.clock import utcnow
    from challenges.extensions import db
    from challenges.models import ChallengeSubmission, User
    from challenges.services.votes import cast_vote
    from challenges.transactions import commit_with_retry

    app = create_app(app_config)
    rng = random.Random(5)
    samples: list[tuple[float, float, bool]] = []
    with app.app_context():
        cid = uuid.UUID(challenge_id)
        entry_of = dict(db.session.execute(
            select(ChallengeSubmission.user_id, ChallengeSubmission.id)
            .where(ChallengeSubmission.challenge_id == cid,
                   ChallengeSubmission.user_id <= 2000)).tuples().all())
        db.session.rollback()
        started.set()
        while not stop.is_set():
            author = rng.randint(1, 2000)  # votes land all over a 1M board's top and tail
            voter_id = rng.randint(2001, members)
            begin = time.time()
            t0 = time.perf_counter()
            ok = True
            try:
                voter = db.session.get(User, voter_id)
                commit_with_retry(lambda: cast_vote(entry_of[author], voter, utcnow()))
            except Exception:  # counted as a failed vote in the report
                db.session.rollback()
                ok = False
            samples.append((begin, time.perf_counter() - t0, ok))
        db.session.remove()
    out.put(samples)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=float, default=15.0,
                        help="seconds of votes without a rebuild (default 15)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from challenges import create_app
    from challenges.extensions import db, get_redis
    from challenges.leaderboard import keys
    from challenges.leaderboard.rebuild import rebuild
    from challenges.leaderboard.scores import encode
    from challenges.models import ChallengeSubmission

    from . import data

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wc-bench-rb-")))
        log("starting PostgreSQL and Valkey")
        app_config = config(start_postgres(stack, work), start_valkey(stack, work), work)
        app = create_app(app_config)
        with app.app_context():
            upgrade()
            started = time.monotonic()
            challenge = data._challenge("bench-rebuild", "Benchmark Rebuild",
                                        datetime.now(UTC).replace(microsecond=0))
            db.session.commit()
            cid = challenge.id
            db.session.close()
            log(f"loading {args.members:,} members with one entry each")
            data.load_huge(cid, args.members, 0)
            data.analyze()
            load_time = time.monotonic() - started
            log(f"loaded in {load_time:.1f} s")
            client = get_redis()
            started = time.monotonic()
            rebuild(client, cid, datetime.now(UTC))
            first_build = time.monotonic() - started
            log(f"first build (no votes running) in {first_build:.1f} s")
            db.engine.dispose()

        ctx = multiprocessing.get_context("spawn")
        stop, ready, out = ctx.Event(), ctx.Event(), ctx.Queue()
        voter = ctx.Process(target=vote_loop,
                            args=(app_config, str(cid), args.members, stop, ready, out))
        voter.start()
        stack.callback(voter.terminate)  # never outlive a failed run
        ready.wait(120)
        log(f"votes without a rebuild for {args.baseline:.0f} s")
        time.sleep(args.baseline)
        try:
            with app.app_context():
                log("rebuilding while the votes go on")
                t0 = time.time()
                version = rebuild(get_redis(), cid, datetime.now(UTC))
                t1 = time.time()
                log(f"rebuilt at version {version} in {t1 - t0:.1f} s")
                time.sleep(2)
        finally:
            stop.set()
        samples = out.get(timeout=120)
        voter.join(60)

        with app.app_context():
            db.session.expire_all()
            totals = dict(db.session.execute(
                select(ChallengeSubmission.user_id,
                       func.sum(ChallengeSubmission.counted_votes))
                .where(ChallengeSubmission.challenge_id == cid,
                       ChallengeSubmission.user_id <= 2000)
                .group_by(ChallengeSubmission.user_id)).all())
            numbers = dict(db.session.execute(
                select(ChallengeSubmission.user_id, ChallengeSubmission.entry_number)
                .where(ChallengeSubmission.challenge_id == cid,
                       ChallengeSubmission.user_id <= 2000)).all())
            held = client.zmscore(keys.board(cid), list(totals))
            wrong = sum(1 for (u, votes), score in zip(totals.items(), held, strict=True)
                        if score != encode(float(votes), numbers[u]))
            card = client.zcard(keys.board(cid))
            db.session.rollback()
            db.engine.dispose()

    before = [s for b, s, ok in samples if b < t0]
    during = [s for b, s, ok in samples if t0 <= b <= t1]
    failed = sum(1 for _, _, ok in samples if not ok)
    print(f"Rebuild benchmark: {args.members:,} board members, PostgreSQL, votes from a "
          "separate process")
    print(f"  load (COPY)                 {load_time:8.1f} s")
    print(f"  first build, no votes       {first_build:8.1f} s")
    print(f"  rebuild while voting        {t1 - t0:8.1f} s")
    for name, values in (("votes without rebuild", before), ("votes during rebuild", during)):
        print(f"  {name:<26} n={len(values):5d}  p50 {percentile(values, 50) * 1000:7.1f} ms  "
              f"p99 {percentile(values, 99) * 1000:7.1f} ms  max "
              f"{(max(values) if values else float('nan')) * 1000:7.1f} ms  mean "
              f"{(statistics.fmean(values) if values else float('nan')) * 1000:6.1f} ms")
    print(f"  failed votes                {failed:8d}")
    print(f"  board after: {card:,} members; {wrong} of {len(totals):,} voted-on members "
          f"differ from SQL (0 = no vote lost)")
    return 0 if wrong == 0 and failed == 0 and card == args.members else 1


if __name__ == "__main__":
    sys.exit(main())
