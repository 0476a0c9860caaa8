"""Where one request's time goes, measured in-process (Flask's test client: no HTTP, no gunicorn):
the app's own CPU time, the wall time (CPU plus waiting on PostgreSQL and Redis), and how many SQL
statements and Redis round trips it makes. Unlike req/s this barely depends on what else the
machine is doing, so it explains the throughput figures."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis.connection
from flask import Flask
from sqlalchemy import event

from . import data

CSRF_INPUT_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HX_TOKEN_RE = re.compile(r'"X-CSRFToken": "([^&"]+)"')


@dataclass(frozen=True)
class Anatomy:
    label: str
    cpu_ms: float
    wall_ms: float
    sql: float
    redis: float


@contextmanager
def counting(engine: Any) -> Iterator[dict[str, int]]:
    """Count SQL statements on ``engine`` and Redis round trips (one packed send each)."""
    counts = {"sql": 0, "redis": 0}

    def on_sql(*_: Any) -> None:
        counts["sql"] += 1

    original = redis.connection.AbstractConnection.send_packed_command

    def send(self: Any, command: Any, check_health: bool = True) -> None:
        counts["redis"] += 1
        original(self, command, check_health)

    event.listen(engine, "before_cursor_execute", on_sql)
    redis.connection.AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        redis.connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", on_sql)


def log_in(client: Any, username: str, password: str, landing: str) -> str:
    """Log in through the form with the test client; returns the X-CSRFToken value."""
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_INPUT_RE.search(page)
    assert token, "no csrf_token on the login page"
    response = client.post("/login", data={"csrf_token": token.group(1), "login": username,
                                           "password": password, "next": ""})
    assert response.status_code == 302, response.status_code
    page = client.get(landing).get_data(as_text=True)
    header = HX_TOKEN_RE.search(page)
    assert header, "no X-CSRFToken on the page"
    return header.group(1)


def measure(app: Flask, engine: Any, label: str, send: Callable[[int], Any], n: int,
            expect: int, warmup: int = 20) -> Anatomy:
    """Median CPU and wall time of ``send(i)`` over ``n`` calls, and mean SQL/Redis counts."""
    for i in range(warmup):
        send(-1 - i)
    cpu, wall = [], []
    with counting(engine) as counts:
        for i in range(n):
            c0, w0 = time.process_time(), time.perf_counter()
            response = send(i)
            wall.append((time.perf_counter() - w0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert response.status_code == expect, (label, response.status_code)
    return Anatomy(label, statistics.median(cpu), statistics.median(wall), counts["sql"] / n,
                   counts["redis"] / n)


def endpoints(app: Flask, engine: Any, world: data.World, viewer_id: int,
              voter: int) -> list[Anatomy]:
    """Each endpoint through Flask's test client: CPU, wall, SQL statements, Redis round trips.
    ``voter`` casts the votes: a member who is not an author and whom the HTTP run does not use."""
    week = "/challenges/bench-week"
    n = 200
    viewer, voter_client, anonymous = app.test_client(), app.test_client(), app.test_client()
    log_in(viewer, data.username(viewer_id), data.PASSWORD, f"{week}/")
    token = log_in(voter_client, data.username(voter), data.PASSWORD, f"{week}/")
    fresh = [world.entries[i] for i in range(len(world.entries))
             if i not in world.voted[voter] and world.author_of[i] != voter]
    assert len(fresh) >= n + 20
    htmx = {"HX-Request": "true"}
    body = viewer.get(f"{week}/leaderboard/live", headers=htmx).get_data(as_text=True)
    version = int(body.split('data-version="')[1].split('"')[0])

    def vote(i: int) -> Any:
        return voter_client.post(f"{week}/submissions/{fresh[i]}/vote",
                                 data={"next": f"{week}/submissions/"},
                                 headers={"X-CSRFToken": token, **htmx})

    runs = [
        ("/healthz", lambda i: viewer.get("/healthz"), 200),
        # A tab one version behind (no digest: what it shows is out of date), as htmx asks.
        ("leaderboard fragment, changed (200)",
         lambda i: viewer.get(f"{week}/leaderboard/live?v={version - 1}", headers=htmx), 200),
        ("leaderboard fragment, changed, anonymous",
         lambda i: anonymous.get(f"{week}/leaderboard/live?v={version - 1}", headers=htmx), 200),
        ("leaderboard fragment, unchanged (204)",
         lambda i: viewer.get(f"{week}/leaderboard/live?v={version}", headers=htmx), 204),
        ("vote POST (htmx)", vote, 200),
        ("gallery page", lambda i: viewer.get(f"{week}/submissions/"), 200),
        ("landing page", lambda i: viewer.get(f"{week}/"), 200),
    ]
    return [measure(app, engine, label, send, n, expect) for label, send, expect in runs]


def raw_insert(database_url: str) -> Anatomy:
    """The raw-insert anchor's one request in-process, on its own bare app (``anchor.py``):
    what one INSERT, one UPDATE and a COMMIT cost with nothing of the app around them."""
    from . import anchor

    bare = anchor.create_anchor_app(database_url)
    engine = bare.extensions["anchor_engine"]
    client = bare.test_client()
    try:
        return measure(bare, engine, "raw insert anchor (bare Flask)",
                       lambda i: client.post(anchor.PATH, data={"next": "/"}), 200, 200)
    finally:
        engine.dispose()


def render(rows: list[Anatomy]) -> str:
    head = (f"  {'':<46} {'app CPU':>9} {'wall':>9} {'SQL':>6} {'Redis':>6}\n"
            f"  {'':<46} {'ms':>9} {'ms':>9} {'stmts':>6} {'trips':>6}\n")
    return head + "\n".join(
        f"  {r.label:<46} {r.cpu_ms:9.2f} {r.wall_ms:9.2f} {r.sql:6.1f} {r.redis:6.1f}"
        for r in rows
    ) + "\n"
