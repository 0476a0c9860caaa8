"""Benchmark data: loaded fast with COPY (psycopg) and made consistent the way the app keeps it.

The world:
- ``bench-week``: the active challenge of the core loop. ``AUTHORS`` members with two entries each
  (entry_number 1..N), ``VOTERS`` members (authors included) with ``VOTES_PER_VOTER`` votes each,
  skewed towards popular entries, spread over the last three days. Each entry's ``vote_count`` and
  ``counted_votes``, and the challenge's counters, equal what the votes table says.
- ``bench-small``: 1,000 members with one entry each and a few real votes (the 1k board).
- ``bench-huge``: a 1,000,000-member board (Redis only, written as ``rebuild.rebuild`` writes it).
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from challenges.extensions import db
from challenges.leaderboard import keys
from challenges.leaderboard.scores import encode
from challenges.leaderboard.store import DAY_TTL, day_start, meta_fields
from challenges.models import WeeklyChallenge
from challenges.services.accounts import hash_password
from challenges.services.challenges import prepare_challenge

PASSWORD = "bench-password-1"
DAY = timedelta(days=1)
USER_COLUMNS = ("id", "username", "email", "password_hash", "role", "is_verified", "created_at",
                "points_balance", "tokens_balance", "session_token")
ENTRY_COLUMNS = ("id", "challenge_id", "user_id", "title", "description", "image_url",
                 "image_alt_text", "external_url", "prompt_used", "tool_used", "vote_count",
                 "counted_votes", "is_featured", "is_disqualified", "disqualification_reason",
                 "is_withdrawn", "slot", "entry_number", "submitted_at", "updated_at")
# Trust (issue 13): every bench member is verified and 30 days old, so ``vote_weight`` gives
# their votes 1.0 for "full", and the loaded votes say the same (weight = cast_weight = 1.0).
# Issue 14: loaded votes are rewarded already (``rewarded_at`` set), or the sweep job would pay
# a million of them.
VOTE_COLUMNS = ("id", "submission_id", "voter_id", "challenge_id", "weight", "cast_weight",
                "weight_reason", "created_at", "rewarded_at")


def username(user_id: int) -> str:
    return f"member{user_id:07d}"


@dataclass
class World:
    """What the load generator needs to know about the loaded data."""

    now: datetime
    week_id: uuid.UUID
    small_id: uuid.UUID
    huge_id: uuid.UUID
    users: int
    authors: int
    entries: list[uuid.UUID]  # bench-week entries, index = entry_number - 1
    author_of: list[int]  # bench-week entry index -> author id
    voted: dict[int, set[int]] = field(default_factory=dict)  # voter id -> entry indexes
    votes: int = 0


def _challenge(slug: str, title: str, now: datetime) -> WeeklyChallenge:
    challenge = WeeklyChallenge(
        title=title, slug=slug, description="A benchmark challenge.",
        prompt="Make something fast.", starts_at=now - 3 * DAY,
        submission_deadline=now + 2 * DAY, voting_deadline=now + 4 * DAY, ends_at=now + 4 * DAY,
        status="active", require_project_link=False, week_number=0, year=0,
        # Issue 13: a freeze in the last day of voting (days away: the board is live) and
        # community judging, as most challenges run.
        freeze_hours=24, judging_mode="community",
        prizes={"1st": {"type": "cash", "amount": 100, "currency": "USD"},
                "2nd": {"type": "tokens", "amount": 500000},
                "participation": {"type": "tokens", "amount": 1000}},
    )
    prepare_challenge(challenge)
    db.session.add(challenge)
    return challenge


def _copy(table: str, columns: tuple[str, ...], rows: object, bare: bool = False) -> None:
    """COPY ``rows`` into ``table`` on the app's engine (psycopg 3).

    ``bare``: drop the table's keys, indexes and foreign keys first and put them back after
    (exactly as the migration made them: their definitions are read from the catalog). Building
    an index once is far faster than maintaining it row by row, and re-adding a foreign key checks
    every row in one join instead of one lookup per row. Other tables' foreign keys that point at
    ``table`` (e.g. ``vote_ring_flag_votes.vote_id``) depend on its keys: they are dropped first
    and re-added last, so the referring tables must not gain rows meanwhile."""
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            restore: list[str] = []
            cursor.execute("SET LOCAL lock_timeout = '10s'")  # fail, never hang, on a lock
            if bare:
                restore = _drop_keys_and_indexes(cursor, table)
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:  # type: ignore[attr-defined]
                    copy.write_row(row)
            for statement in restore:
                cursor.execute(statement)
        raw.commit()
    finally:
        raw.close()


def _drop_keys_and_indexes(cursor, table: str) -> list[str]:
    """Drop ``table``'s constraints that carry an index or a trigger, and the foreign keys of
    other tables that refer to it (they depend on its primary or unique key); return how to
    restore them (keys first, then plain indexes, then every foreign key)."""
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f')", (table,))
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND conrelid <> confrelid AND contype = 'f'", (table,))
    referring = cursor.fetchall()
    for other, name, _ in referring:  # before the keys they depend on
        cursor.execute(f'ALTER TABLE {other} DROP CONSTRAINT "{name}"')
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        (table, table))
    indexes = cursor.fetchall()
    for name, _kind, _ in sorted(constraints, key=lambda c: c[1] != "f"):  # foreign keys first
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    keys_ = [f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}' for n, k, d in constraints if k != "f"]
    fks = [f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}' for n, k, d in constraints if k == "f"]
    referring_fks = [f'ALTER TABLE {other} ADD CONSTRAINT "{n}" {d}' for other, n, d in referring]
    return keys_ + [definition for _, definition in indexes] + fks + referring_fks


def load(users: int, authors: int, votes_per_voter: int, small_members: int,
         seed: int = 7) -> World:
    """Fill the database; returns the ids and vote layout the benchmark needs."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    week = _challenge("bench-week", "Benchmark Week", now)
    small = _challenge("bench-small", "Benchmark Small Board", now)
    huge = _challenge("bench-huge", "Benchmark Huge Board", now)
    db.session.commit()
    week_id, small_id, huge_id, start = week.id, small.id, huge.id, week.starts_at
    db.session.commit()  # end the read transaction: the COPYs below take table locks

    password_hash = hash_password(PASSWORD)  # argon2 once; every member shares it
    _copy("users", USER_COLUMNS, (
        (i, username(i), f"{username(i)}@bench.example", password_hash, "member", True,
         now - 30 * DAY, 0, 0, secrets.token_urlsafe(32))
        for i in range(1, users + 1)
    ))
    db.session.execute(text("SELECT setval('users_id_seq', :n)"), {"n": users})
    db.session.commit()

    # bench-week: two entries per author, interleaved so entry numbers mix authors.
    n_entries = 2 * authors
    author_of = [(i % authors) + 1 for i in range(n_entries)]
    entry_ids = [uuid.uuid4() for _ in range(n_entries)]
    world = World(now, week_id, small_id, huge_id, users, authors, entry_ids, author_of)

    counts: Counter[int] = Counter()
    vote_rows: list[tuple] = []
    span = (now - start).total_seconds()
    for voter in range(1, users + 1):
        chosen: set[int] = set()
        while len(chosen) < votes_per_voter:
            # Skewed towards low indexes (a few popular entries, a long tail), no self-votes.
            index = int(n_entries * rng.random() ** 2)
            if author_of[index] != voter:
                chosen.add(index)
        world.voted[voter] = chosen
        counts.update(chosen)
        for index in chosen:
            created = start + timedelta(seconds=span * rng.random())
            vote_rows.append((uuid.uuid4(), entry_ids[index], voter, week_id, 1.0, 1.0, "full",
                              created, created))
    world.votes = len(vote_rows)

    def entries():
        for index, entry_id in enumerate(entry_ids):
            number = index + 1
            submitted = start + timedelta(seconds=span * number / (n_entries + 1) * 0.5)
            yield (entry_id, week_id, author_of[index], f"Entry {number}: a dreamscape",
                   "A benchmark entry with a short description.",
                   f"https://img.bench.example/{number}.png", f"Picture number {number}", "",
                   "", "", counts[index], float(counts[index]), number % 50 == 0, False,
                   "", False, 1 if index < authors else 2, number, submitted, submitted)

    _copy("challenge_submissions", ENTRY_COLUMNS, entries())
    _copy("challenge_votes", VOTE_COLUMNS, vote_rows, bare=True)
    del vote_rows

    # bench-small: one entry per member 1..small_members, a few real votes from others.
    small_entries = [uuid.uuid4() for _ in range(small_members)]
    small_counts: Counter[int] = Counter()
    small_votes = []
    for voter in range(small_members + 1, min(users, small_members * 3) + 1):
        for index in rng.sample(range(small_members), 10):
            small_counts[index] += 1
            cast_at = start + timedelta(seconds=span * rng.random())
            small_votes.append((uuid.uuid4(), small_entries[index], voter, small_id, 1.0, 1.0,
                                "full", cast_at, cast_at))
    _copy("challenge_submissions", ENTRY_COLUMNS, (
        (entry_id, small_id, index + 1, f"Small entry {index + 1}", "", "", "", "", "", "",
         small_counts[index], float(small_counts[index]), False, False, "", False, 1,
         index + 1, start, start)
        for index, entry_id in enumerate(small_entries)
    ))
    _copy("challenge_votes", VOTE_COLUMNS, small_votes)

    db.session.execute(
        text("UPDATE weekly_challenges SET submission_count = :s, participant_count = :p, "
             "total_votes = :v, entries_created = :s, board_version = :b WHERE id = :id"),
        [{"s": n_entries, "p": authors, "v": world.votes, "b": world.votes, "id": week_id},
         {"s": small_members, "p": small_members, "v": len(small_votes), "b": len(small_votes),
          "id": small_id},
         {"s": 0, "p": 1_000_000, "v": 0, "b": 1, "id": huge_id}],
    )
    # Issue 14: every author's board-member row (their version), as submitting creates it.
    db.session.execute(text(
        "INSERT INTO board_members (challenge_id, user_id, version) "
        "SELECT DISTINCT challenge_id, user_id, 1 FROM challenge_submissions"))
    db.session.commit()
    return world


def analyze() -> None:
    """What a database in steady state has: fresh statistics and visibility maps, and the bulk
    load's dirty pages already written (a checkpoint would otherwise flush them during the
    measurement)."""
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        with raw.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute("VACUUM (ANALYZE) users, challenge_submissions, challenge_votes, "
                           "weekly_challenges")
            cursor.execute("CHECKPOINT")
    finally:
        raw.driver_connection.autocommit = False  # type: ignore[union-attr]
        raw.close()


def load_huge(challenge_id: uuid.UUID, members: int, existing_users: int,
              seed: int = 11) -> None:
    """SQL rows behind a ``members``-strong board, for building it with ``rebuild.rebuild``: the
    missing members, and one entry each with a long-tail vote count (the counters only: no vote
    rows, so nobody has "+N today")."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    password_hash = hash_password(PASSWORD)
    _copy("users", USER_COLUMNS, (
        (i, username(i), f"{username(i)}@bench.example", password_hash, "member", True,
         now - 30 * DAY, 0, 0, secrets.token_urlsafe(32))
        for i in range(existing_users + 1, members + 1)
    ))
    db.session.execute(text("SELECT setval('users_id_seq', :n)"), {"n": max(members,
                                                                          existing_users)})
    db.session.commit()
    start = now - 3 * DAY
    _copy("challenge_submissions", ENTRY_COLUMNS, (
        (uuid.uuid4(), challenge_id, i, f"Entry {i}", "", "", "", "", "", "", votes,
         float(votes), False, False, "", False, 1, i, start, start)
        for i in range(1, members + 1) for votes in (int(2000 * rng.random() ** 6),)
    ))
    db.session.execute(
        text("UPDATE weekly_challenges SET submission_count = :n, participant_count = :n, "
             "entries_created = :n WHERE id = :id"), {"n": members, "id": challenge_id})
    db.session.commit()


def fill_huge_board(client, challenge: WeeklyChallenge, members: int, now: datetime,
                    include: dict[int, str], seed: int = 11) -> None:
    """A ``members``-strong board written key for key as ``store._swap_in`` writes it (board,
    names, today's set, version, floor, meta, slug, built), without the SQL rows behind it.

    ``include`` are real users (id -> username) who must be on it (the viewer)."""
    rng = random.Random(seed)
    cid = challenge.id
    today = day_start(now).date()
    live = {"board": keys.board(cid), "names": keys.names(cid), "day": keys.day(cid, today)}
    client.delete(*live.values(), keys.member_versions(cid), keys.submissions(cid))
    chunk = 10_000
    for first in range(1, members + 1, chunk):
        ids = range(first, min(first + chunk, members + 1))
        board, names, day = {}, {}, {}
        for user_id in ids:
            votes = int(2000 * rng.random() ** 6)  # a long tail, like real boards
            board[user_id] = encode(float(votes), user_id)
            names[user_id] = include.get(user_id, username(user_id))
            if votes and rng.random() < 0.2:
                day[user_id] = float(1 + int(votes * rng.random() * 0.3))
        pipe = client.pipeline(transaction=False)
        pipe.zadd(live["board"], board)
        pipe.hset(live["names"], mapping=names)
        if day:
            pipe.zadd(live["day"], day)
        pipe.execute()
    version = challenge.board_version or 1
    tx = client.pipeline(transaction=True)
    tx.expire(live["day"], DAY_TTL)
    tx.set(keys.version(cid), version)
    tx.hset(keys.meta(cid), mapping=meta_fields(challenge))
    tx.hset(keys.SLUGS, challenge.slug, str(cid))
    tx.set(keys.built(cid), 1)
    tx.execute()
