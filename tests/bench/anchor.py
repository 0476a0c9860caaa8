"""The "raw insert" anchor: the physical floor of a write on this stack (issue 14).

A minimal Flask app, served by the benchmark with the same gunicorn settings as the real app
(``gunicorn 'tests.bench.anchor:from_env()'``, 2 sync workers), whose one endpoint does what
the cheapest possible vote would do: one INSERT of a row, one UPDATE of a counter, one COMMIT,
on the same PostgreSQL as the app, through the same driver stack (SQLAlchemy's pool and
psycopg 3). No sessions, no CSRF, no login, no limiter, no templates, no Redis. "vote POST /
raw insert" then says how much of a vote's cost is the app's own work rather than the
database's floor.

Its own two tables (``bench_anchor_rows``, ``bench_anchor_counters``) live in the app's database;
``create_tables`` makes them before gunicorn starts. The UPDATE picks one of ``COUNTERS`` rows at
random, as votes spread over entries (one hot row would serialise the two workers on its lock,
which no vote path does for votes on different entries).
"""

from __future__ import annotations

import os
import random

from flask import Flask, Response
from sqlalchemy import Engine, create_engine, text

COUNTERS = 1_000
PATH = "/anchor/insert"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS bench_anchor_rows (id bigserial PRIMARY KEY, "
    "counter_id integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS bench_anchor_counters (id integer PRIMARY KEY, "
    "total bigint NOT NULL DEFAULT 0)",
)


def create_tables(engine: Engine) -> None:
    """The anchor's tables, with its counter rows (idempotent)."""
    with engine.begin() as conn:
        for statement in _SCHEMA:
            conn.execute(text(statement))
        conn.execute(text("INSERT INTO bench_anchor_counters (id) SELECT generate_series(1, :n) "
                          "ON CONFLICT DO NOTHING"), {"n": COUNTERS})


def inserted(engine: Engine) -> int:
    """Rows the endpoint has inserted so far."""
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM bench_anchor_rows")) or 0)


def create_anchor_app(database_url: str) -> Flask:
    """The anchor app on ``database_url`` (a SQLAlchemy URL, psycopg 3 driver)."""
    app = Flask(__name__)
    engine = create_engine(database_url, pool_size=2, pool_pre_ping=False)
    app.extensions["anchor_engine"] = engine  # for whoever must dispose of it (the tests)

    @app.post(PATH)
    def insert() -> Response:
        counter = random.randint(1, COUNTERS)  # noqa: S311 (spreads the UPDATE, not a secret)
        with engine.begin() as conn:  # one transaction: INSERT, UPDATE, COMMIT
            conn.execute(text("INSERT INTO bench_anchor_rows (counter_id) VALUES (:c)"),
                         {"c": counter})
            conn.execute(text("UPDATE bench_anchor_counters SET total = total + 1 "
                              "WHERE id = :c"), {"c": counter})
        return Response("ok", mimetype="text/plain")

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok", mimetype="text/plain")

    return app


def from_env() -> Flask:
    """The anchor app on ``DATABASE_URL``: ``gunicorn 'tests.bench.anchor:from_env()'``."""
    from challenges.config import normalize_database_url

    return create_anchor_app(normalize_database_url(os.environ["DATABASE_URL"]))
