"""Property: each rule's Python form and its SQL twin agree, on the real database.

For random challenges (any status, random ordered deadlines that often coincide) and random
clocks (often exactly on a deadline, or one microsecond either side, in any time zone):
``phase_at`` vs ``in_phase``, ``accepts_votes`` vs ``in_any_phase(VOTING_PHASES)``,
``WeeklyChallenge.is_published`` vs its expression, and ``ChallengeSubmission.counts`` vs its
expression. Every example inserts its rows in one transaction and rolls it back.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import ChallengeStatus, ChallengeSubmission, WeeklyChallenge
from challenges.phase import (
    SUBMISSION_PHASES,
    VOTING_PHASES,
    accepts_submissions,
    accepts_votes,
    in_any_phase,
    in_phase,
    phase_at,
)
from tests.support.factories import create_user

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
US = timedelta(microseconds=1)
ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]

# Deadlines on a coarse grid of hours, so that challenges share boundaries and the clock lands
# on them; submission and voting deadlines may coincide (the schema allows it).
hours = st.integers(min_value=0, max_value=12)


@st.composite
def schedules(draw: st.DrawFn) -> dict[str, object]:
    start = draw(hours)
    submit = start + draw(st.integers(min_value=1, max_value=6))
    vote = submit + draw(st.integers(min_value=0, max_value=6))
    return {
        "status": draw(st.sampled_from([s.value for s in ChallengeStatus])),
        "starts_at": T0 + timedelta(hours=start),
        "submission_deadline": T0 + timedelta(hours=submit),
        "voting_deadline": T0 + timedelta(hours=vote),
    }


@st.composite
def clocks(draw: st.DrawFn) -> datetime:
    """On the grid (every deadline is on it), one microsecond either side, or anywhere."""
    on_grid = T0 + timedelta(hours=draw(st.integers(min_value=-1, max_value=26)))
    moment = draw(st.one_of(
        st.sampled_from([on_grid, on_grid - US, on_grid + US]),
        st.datetimes(min_value=datetime(2026, 12, 6), max_value=datetime(2026, 12, 9),
                     timezones=st.just(UTC)),
    ))
    return moment.astimezone(draw(st.sampled_from(ZONES)))


entry_flags = st.tuples(st.booleans(), st.booleans())  # (is_withdrawn, is_disqualified)


def insert_challenges(rows: list[dict[str, object]]) -> list[WeeklyChallenge]:
    challenges = []
    for n, fields in enumerate(rows):
        slug = f"twin-{uuid.uuid4().hex[:12]}-{n}"
        challenges.append(WeeklyChallenge(
            title=slug, slug=slug, description="", prompt="", week_number=1, year=2026,
            ends_at=fields["voting_deadline"], **fields,
        ))
    db.session.add_all(challenges)
    db.session.flush()
    return challenges


def selected(*where: object) -> set[uuid.UUID]:
    return set(db.session.scalars(select(WeeklyChallenge.id).where(*where)))


@pytest.fixture
def author():
    return create_user()


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(schedules(), min_size=1, max_size=6),
       clock=st.lists(clocks(), min_size=1, max_size=3))
def test_phase_and_published_rules_agree_in_python_and_sql(rows, clock):
    try:
        challenges = insert_challenges(rows)
        db.session.expire_all()  # read back what the database stored (time zones, precision)
        ours = {c.id: c for c in challenges}
        mine = WeeklyChallenge.id.in_(list(ours))
        assert selected(mine, WeeklyChallenge.is_published) == {
            i for i, c in ours.items() if c.is_published}
        assert selected(mine, ~WeeklyChallenge.is_published) == {
            i for i, c in ours.items() if not c.is_published}
        for now in clock:
            for phase in ChallengeStatus:
                expected = {i for i, c in ours.items() if phase_at(c, now) == phase}
                assert selected(mine, in_phase(phase, now)) == expected, (phase, now)
            assert selected(mine, in_any_phase(VOTING_PHASES, now)) == {
                i for i, c in ours.items() if accepts_votes(c, now)}
            assert selected(mine, in_any_phase(SUBMISSION_PHASES, now)) == {
                i for i, c in ours.items() if accepts_submissions(c, now)}
    finally:
        db.session.rollback()


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(flags=st.lists(entry_flags, min_size=1, max_size=8))
def test_counting_entry_rule_agrees_in_python_and_sql(author, flags):
    try:
        (challenge,) = insert_challenges([{
            "status": "active", "starts_at": T0, "submission_deadline": T0 + timedelta(days=1),
            "voting_deadline": T0 + timedelta(days=2)}])
        entries = [
            ChallengeSubmission(
                challenge_id=challenge.id, user_id=author.id, title=f"entry {n}",
                entry_number=n + 1, is_withdrawn=withdrawn, is_disqualified=disqualified,
                slot=None if withdrawn else n + 1,
            )
            for n, (withdrawn, disqualified) in enumerate(flags)
        ]
        db.session.add_all(entries)
        db.session.flush()
        db.session.expire_all()
        S = ChallengeSubmission
        mine = S.challenge_id == challenge.id
        counting = set(db.session.scalars(select(S.id).where(mine, S.counts)))
        not_counting = set(db.session.scalars(select(S.id).where(mine, ~S.counts)))
        assert counting == {e.id for e in entries if e.counts}
        assert not_counting == {e.id for e in entries if not e.counts}
    finally:
        db.session.rollback()


# --- Each rule is written once: no copy of it outside its definition ---------------------------

ROOT = Path(__file__).resolve().parents[2]
# pattern -> (what it re-codes, the definition to use instead)
COPIES = {
    r"notin_\(|not_in\(|[\"']draft[\"'],\s*[\"']cancelled[\"']": (
        "published", "WeeklyChallenge.is_published"),
    r"is_disqualified\.is_\(False\)|is_disqualified\s*\||not [\w.]*is_disqualified and not": (
        "counting entry", "ChallengeSubmission.counts"),
    r"(starts_at|submission_deadline|voting_deadline)\s*[<>]=?\s*now\b"
    r"|\bnow\s*[<>]=?\s*[\w.]*(starts_at|submission_deadline|voting_deadline)": (
        "phase", "phase_at / in_phase (challenges/phase.py)"),
    r"allow_voting\s+and|and\s+[\w.]*allow_voting|not\s+[\w.]*allow_voting": (
        "voting is open", "services.votes.voting_refusal"),
    r"phase\s+in\s+\(|phase\s*[!=]=\s*['\"](upcoming|active|voting|completed)['\"]": (
        "phase rule in a template", "a refusal or phase_at from the view"),
}
DEFINED_IN = {"challenges/models/challenge.py", "challenges/models/submission.py",
              "challenges/phase.py", "challenges/services/votes.py"}
# "The board is final" once the voting deadline passed: the poll path answers it from Redis
# meta, with no row to hand to phase_at (docs/decisions.md).
LEFT_ON_PURPOSE = {"challenges/leaderboard/live.py"}


def test_each_rule_is_defined_once():
    copies = []
    files = [*ROOT.glob("challenges/**/*.py"), *ROOT.glob("templates/**/*.html")]
    for path in files:
        name = path.relative_to(ROOT).as_posix()
        if name in DEFINED_IN | LEFT_ON_PURPOSE:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for pattern, (rule, use) in COPIES.items():
                if re.search(pattern, line):
                    copies.append(f"{name}:{number}: re-codes {rule!r}; use {use}: {line.strip()}")
    assert not copies, "\n".join(copies)
