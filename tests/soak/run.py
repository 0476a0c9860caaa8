"""The soak: ``make soak`` (or ``python -m tests.soak.run``). See tests/soak/README.md.

The real stack (``python -m challenges.runner`` on PostgreSQL and a Valkey the soak owns) under
200 voters and 1,000 pollers for 5 minutes, with faults: one gunicorn web worker SIGKILLed, Valkey
SIGKILLed and restarted half-way, the RQ worker SIGKILLed. Then: requests by type and status,
latency percentiles, the outage windows, 5xx outside the documented 503s, every confirmed vote
against the database, and every open board in Redis against SQL after the reconcile job ran.
Exit status 0 only if no vote was lost, no unexpected 5xx came back and every board equals SQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import signal
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from tests.bench import client as web
from tests.bench.core import free_port, log, start_postgres

from . import load, verify
from .load import Belief, Recorder
from .stack import Runner, Valkey, start_valkey

GENEROUS = "100000 per minute"  # rate limits the soak must never reach (it measures faults)
GRACE = 5.0  # seconds after an outage during which its effects may still show


@dataclass
class Window:
    """One fault: what was killed, when (seconds since the load started) and when it was back."""

    name: str
    start: float
    end: float | None = None
    detail: str = ""

    def covers(self, at: float, grace: float = GRACE) -> bool:
        end = self.end if self.end is not None else float("inf")
        return self.start <= at <= end + grace


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.soak.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float,
                   default=float(os.environ.get("SOAK_SECONDS", "300")),
                   help="seconds of load (300; or SOAK_SECONDS)")
    p.add_argument("--voters", type=int, default=200)
    p.add_argument("--pollers", type=int, default=1000)
    p.add_argument("--entries", type=int, default=20, help="entries per challenge (2 challenges)")
    p.add_argument("--poll-interval", type=float, default=5.0, help="seconds between ticks (5)")
    p.add_argument("--vote-pause", type=float, nargs=2, default=(2.0, 6.0), metavar=("MIN", "MAX"),
                   help="seconds a voter waits between clicks, uniform (2 6)")
    p.add_argument("--favourites", type=int, default=8,
                   help="entries each voter keeps clicking, drawn at random (8): few enough that "
                        "votes and unvotes alternate on the same pairs")
    p.add_argument("--page-chance", type=float, default=0.01,
                   help="chance per tick that a poller reloads the page (0.01)")
    p.add_argument("--valkey-down", type=float, default=5.0, help="seconds Valkey stays dead (5)")
    p.add_argument("--reconcile-interval", type=int, default=15,
                   help="RECONCILE_INTERVAL_SECONDS for the run (15)")
    p.add_argument("--web-workers", type=int, default=2, help="WEB_CONCURRENCY (2)")
    p.add_argument("--no-faults", action="store_true", help="load only (for comparison)")
    p.add_argument("--seed", type=int, default=None, help="random seed")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    random.seed(args.seed)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop what we started
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wc-soak-")))
        os.chmod(work, 0o755)  # pgserver runs PostgreSQL as its own user when we are root
        return run(stack, work, args)


def run(stack: ExitStack, work: Path, args: argparse.Namespace) -> int:
    load_before = os.getloadavg()
    log(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
        f"({os.cpu_count()} CPUs)")
    log("starting PostgreSQL and Valkey")
    pg_uri = start_postgres(stack, work)
    valkey = start_valkey(stack, work)
    from flask_migrate import upgrade

    from challenges import create_app
    from challenges.config import normalize_database_url
    from challenges.extensions import db, get_redis

    from .seed import seed

    secret = uuid.uuid4().hex * 2
    instance = work / "instance"
    app = create_app({"SECRET_KEY": secret, "INSTANCE_PATH": str(instance),
                      "SQLALCHEMY_DATABASE_URI": normalize_database_url(pg_uri),
                      "REDIS_URL": valkey.url, "RATELIMIT_STORAGE_URI": valkey.url})
    with app.app_context():
        log("migrating and seeding")
        upgrade()
        world = seed(args.voters, args.entries)
        db.session.remove()
    port = free_port()
    runner_log = Path(tempfile.mkstemp(prefix="wc-soak-runner-", suffix=".log")[1])
    env = {"DATABASE_URL": pg_uri, "REDIS_URL": valkey.url, "INSTANCE_PATH": str(instance),
           "PORT": str(port), "SECRET_KEY": secret, "WEB_CONCURRENCY": str(args.web_workers),
           "RECONCILE_INTERVAL_SECONDS": str(args.reconcile_interval),
           # 200 logins come from one address in a few seconds: lift the login limits (per
           # account and IP, and per IP). Votes keep the product's per-member limit
           # (VOTE_RATE_LIMIT): a voter clicks ~15 times a minute, under it, so the limiter
           # runs (and falls back to memory while Valkey is down) without refusing anyone.
           "LOGIN_RATE_LIMIT": GENEROUS, "LOGIN_IP_RATE_LIMIT": GENEROUS,
           "REGISTER_RATE_LIMIT": GENEROUS}
    log(f"starting the runner on port {port} (log: {runner_log})")
    runner = Runner(env, runner_log)
    stack.callback(runner.stop)
    wait_until_serving(runner)
    base = f"http://127.0.0.1:{port}"

    log(f"logging {len(world.voters)} voters in through the login form")
    logins = log_in_all(port, world.voters, world.password, world.slugs[0])

    rec = Recorder()
    beliefs: dict[int, dict[object, Belief]] = {uid: {} for uid in world.voters.values()}
    windows: list[Window] = []
    log(f"load: {args.voters} voters, {args.pollers} pollers for {args.duration:.0f} s")
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    asyncio.run(drive(args, base, world, logins, rec, beliefs, windows, runner, valkey))
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime
                  - cpu_before.ru_utime - cpu_before.ru_stime)
    log(f"load done: {len(rec.outcomes):,} requests")
    runner_alive = runner.alive()

    with app.app_context():
        client = get_redis()
        log("waiting for the reconcile job to bring every board equal to SQL")
        settle_started = time.monotonic()
        # A dead runner reconciles nothing: look once and report.
        deadline = settle_started + (3 * args.reconcile_interval + 60 if runner_alive else 0)
        while True:
            try:
                boards = verify.compare_boards(client)
            except OSError as error:  # Valkey still coming back
                log(f"  boards unreadable: {error}")
                boards = []
            if boards and all(b.equal for b in boards) or time.monotonic() > deadline:
                break
            time.sleep(2)
        settle = time.monotonic() - settle_started
        votes = verify.check_votes(
            {uid: mine for uid, mine in beliefs.items()}, world.challenge_ids)
        db.session.remove()
    load_after = os.getloadavg()
    ok = report(args, rec, windows, votes, boards, settle, runner_alive, load_before, load_after,
                client_cpu)
    if not ok:
        log(f"FAILED; the runner's log: {runner_log}")
        sys.stderr.write(runner.tail() + "\n")
    return 0 if ok else 1


def wait_until_serving(runner: Runner, timeout: float = 120) -> None:
    """The runner migrates, then starts its children: wait for /healthz and for all three."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not runner.alive():
            raise SystemExit(f"the runner exited with {runner.proc.returncode}:\n{runner.tail()}")
        try:
            status, _, _ = web.Browser(runner.port).request("GET", "/healthz")
        except OSError:
            status = 0
        if (status == 200 and runner.gunicorn_workers() and runner.rq_worker()
                and runner.scheduler()):
            return
        time.sleep(0.5)
    raise SystemExit(f"the stack did not come up within {timeout:.0f} s:\n{runner.tail()}")


def log_in_all(port: int, voters: dict[str, int], password: str, slug: str
               ) -> dict[int, tuple[str, dict[str, str]]]:
    """user id -> (CSRF token, cookies), each voter logged in through the real form (the
    benchmark's cookie-keeping client); a few at a time, as Argon2 is deliberately slow."""
    landing = f"/challenges/{slug}/submissions/"

    def one(item: tuple[str, int]) -> tuple[int, tuple[str, dict[str, str]]]:
        username, uid = item
        browser = web.Browser(port)
        token = browser.log_in(username, password, landing)
        browser.conn.close()
        return uid, (token, browser.cookies)

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(one, voters.items()))


async def drive(args: argparse.Namespace, base: str, world, logins, rec: Recorder,
                beliefs: dict[int, dict[object, Belief]], windows: list[Window],
                runner: Runner, valkey: Valkey) -> None:
    stop = asyncio.Event()
    rec.started = time.monotonic()
    async with load.pollers_session() as session:
        tasks = [asyncio.create_task(load.poller(
            base, world.slugs[i % len(world.slugs)], args.poll_interval, stop, session, rec,
            args.page_chance)) for i in range(args.pollers)]
        tasks += [asyncio.create_task(load.voter(
            base, random.sample(world.entries, min(args.favourites, len(world.entries))),
            token, cookies, tuple(args.vote_pause), stop, rec,
            beliefs[uid])) for uid, (token, cookies) in logins.items()]
        faults = None if args.no_faults else asyncio.create_task(
            inject_faults(args, rec, windows, runner, valkey))
        ended = rec.started + args.duration
        while time.monotonic() < ended:
            await asyncio.sleep(min(1.0, max(0.0, ended - time.monotonic())))
            if not runner.alive():
                log(f"the runner exited with {runner.proc.returncode}; stopping the load")
                break
        stop.set()
        if faults is not None:
            await faults
        await asyncio.gather(*tasks)


async def inject_faults(args: argparse.Namespace, rec: Recorder, windows: list[Window],
                        runner: Runner, valkey: Valkey) -> None:
    """At 30% one gunicorn worker, at 50% Valkey (restarted after ``--valkey-down`` s), at 70%
    the RQ worker; each window closes when the process is back."""
    d = args.duration
    loop = asyncio.get_running_loop()

    async def at(fraction: float) -> None:
        await asyncio.sleep(max(0.0, rec.started + fraction * d - time.monotonic()))

    await at(0.3)
    workers = runner.gunicorn_workers()
    if workers:
        victim = random.choice(workers)
        window = Window("gunicorn web worker SIGKILL", rec.now(), detail=f"pid {victim.pid}")
        windows.append(window)
        log(f"fault: SIGKILL gunicorn worker {victim.pid}")
        victim.kill()
        window.end = await wait_for(lambda: _replaced(runner.gunicorn_workers(), victim.pid,
                                                      len(workers)), rec)
    await at(0.5)
    window = Window("Valkey SIGKILL + restart", rec.now())
    windows.append(window)
    log("fault: SIGKILL Valkey")
    await loop.run_in_executor(None, valkey.kill)
    await asyncio.sleep(args.valkey_down)
    await loop.run_in_executor(None, valkey.start)
    window.end = rec.now()
    window.detail = f"down {window.end - window.start:.1f} s, restarted on port {valkey.port}"
    log(f"fault: Valkey back after {window.end - window.start:.1f} s")
    await at(0.7)
    worker = runner.rq_worker()
    if worker is not None:
        window = Window("RQ worker SIGKILL", rec.now(), detail=f"pid {worker.pid}")
        windows.append(window)
        log(f"fault: SIGKILL RQ worker {worker.pid}")
        worker.kill()
        window.end = await wait_for(lambda: _rq_back(runner, worker.pid), rec)
        if window.end is None:
            window.detail += "; NOT restarted"


def _replaced(workers, old_pid: int, count: int) -> bool:
    return len(workers) >= count and all(w.pid != old_pid for w in workers)


def _rq_back(runner: Runner, old_pid: int) -> bool:
    worker = runner.rq_worker()
    return worker is not None and worker.pid != old_pid


async def wait_for(condition, rec: Recorder, timeout: float = 60) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return rec.now()
        await asyncio.sleep(0.2)
    return None


# --- The report -------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(args, rec: Recorder, windows: list[Window], votes: verify.VoteCheck,
           boards: list[verify.BoardDiff], settle: float, runner_alive: bool,
           load_before: tuple[float, float, float], load_after: tuple[float, float, float],
           client_cpu: float) -> bool:
    out = sys.stdout.write
    valkey_windows = [w for w in windows if w.name.startswith("Valkey")]
    out(f"\nSoak: {args.voters} voters, {args.pollers} pollers, {args.duration:.0f} s, "
        f"gunicorn {args.web_workers} workers x 4 threads, PostgreSQL + Valkey\n")
    out(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"(1 min; {os.cpu_count()} CPUs); the load generator itself used {client_cpu:.0f} CPU-s "
        f"({client_cpu / args.duration:.0%} of one CPU)\n")
    polls = sum(1 for o in rec.outcomes if o.kind in ("poll", "page"))
    clicks = sum(1 for o in rec.outcomes if o.kind in ("vote", "unvote"))
    pause = sum(args.vote_pause) / 2
    out(f"offered vs served: polls {args.pollers / args.poll_interval:.0f}/s asked, "
        f"{polls / args.duration:.0f}/s answered or failed; votes and unvotes "
        f"~{args.voters / pause:.0f}/s asked (if answered at once), {clicks / args.duration:.0f}/s"
        f"\n\nRequests by type and status\n")
    for kind, statuses in sorted(rec.by_type().items()):
        total = sum(statuses.values())
        listed = ", ".join(f"{s}: {n:,}" for s, n in sorted(statuses.items(), key=str))
        out(f"  {kind:<7} {total:>8,}  {listed}\n")
    out("\nLatency (ms, answered requests)\n")
    out(f"  {'type':<7} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}\n")
    kinds = sorted({o.kind for o in rec.outcomes})
    for kind in kinds:
        ms = [o.ms for o in rec.outcomes if o.kind == kind and isinstance(o.status, int)]
        if ms:
            out(f"  {kind:<7} {statistics.median(ms):8.1f} {percentile(ms, 0.95):8.1f} "
                f"{percentile(ms, 0.99):8.1f} {max(ms):8.1f}\n")
    out("\nOutage windows (seconds since the load started)\n")
    for w in windows:
        end = f"{w.end:7.1f}" if w.end is not None else "  never"
        out(f"  {w.name:<30} {w.start:7.1f} -> {end}  {w.detail}\n")
    if not windows:
        out("  none (--no-faults)\n")

    # 5xx: a 503 on a read (poll, page) while Valkey is down is documented; nothing else is.
    unexpected = [o for o in rec.outcomes if isinstance(o.status, int) and o.status >= 500
                  and not (o.status == 503 and o.kind in ("poll", "page")
                           and any(w.covers(o.at) for w in valkey_windows))]
    documented = sum(1 for o in rec.outcomes if o.status == 503) - sum(
        1 for o in unexpected if o.status == 503)
    no_answer = [o for o in rec.outcomes if isinstance(o.status, str)]
    stray = [o for o in no_answer if not any(w.covers(o.at) for w in windows)]
    out(f"\n5xx: {len(unexpected)} unexpected, {documented} documented 503s during the Valkey "
        f"outage\n")
    for o in unexpected[:10]:
        out(f"  {o.kind} {o.status} at {o.at:.1f} s\n")
    out(f"No answer (connection error or timeout): {len(no_answer)}, {len(stray)} of them "
        f"outside every outage window\n")
    for o in stray[:10]:
        out(f"  {o.kind} {o.status} at {o.at:.1f} s\n")

    out(f"\nVotes: {votes.pairs:,} (voter, entry) pairs touched; {votes.believed_voted:,} "
        f"confirmed voted at the end vs {votes.rows:,} vote rows in the database\n")
    out(f"  lost (confirmed voted, no row): {len(votes.lost)}; ghosts (confirmed unvoted, a "
        f"row): {len(votes.ghosts)}\n")
    out(f"  unknown (last request unanswered): {votes.unknown}, read back from the database: "
        f"{votes.unknown_voted} voted, {votes.unknown - votes.unknown_voted} not\n")
    expected_rows = votes.believed_voted + votes.unknown_voted
    confirmed = sum(1 for o in rec.outcomes
                    if o.kind in ("vote", "unvote") and isinstance(o.status, int)
                    and 200 <= o.status < 300) - rec.signed_out
    out(f"  answered with the vote button: {confirmed:,}; answered as signed out: "
        f"{rec.signed_out:,}\n")
    out(f"  confirmed voted + unknown-but-voted = {expected_rows:,} "
        f"{'==' if expected_rows == votes.rows else '!='} {votes.rows:,} rows\n")

    out(f"\nBoards, Redis vs SQL, {settle:.0f} s after the load stopped "
        f"(RECONCILE_INTERVAL_SECONDS={args.reconcile_interval})\n")
    for b in boards:
        verdict = "equal" if b.equal else "DIFFERENT"
        out(f"  {b.challenge_id}  {b.members} members, {b.entries} entries: {verdict}"
            f"{'' if b.equal else f' ({vars(b)})'}\n")
    if not boards:
        out("  no board could be read\n")
    out(f"\nThe runner {'is still running' if runner_alive else 'EXITED during the load'}\n")

    ok = (not unexpected and not votes.lost and not votes.ghosts and expected_rows == votes.rows
          and bool(boards) and all(b.equal for b in boards) and runner_alive and not stray
          and all(w.end is not None for w in windows) and not rec.signed_out and confirmed > 0)
    out(f"\n{'PASS' if ok else 'FAIL'}\n")
    sys.stdout.flush()
    return ok


if __name__ == "__main__":
    sys.exit(main())
