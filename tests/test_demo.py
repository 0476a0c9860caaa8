"""`flask demo` loads a small living world, and loading it again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import (
    ChallengeSponsor,
    ChallengeSubmission,
    ChallengeVote,
    User,
    WeeklyChallenge,
)
from challenges.phase import phase_at


def counts():
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, ChallengeSponsor, WeeklyChallenge, ChallengeSubmission, ChallengeVote)
    }


def test_demo_is_idempotent_and_prints_the_logins(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "editor" in first.output and "password" in first.output
    after_first = counts()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert counts() == after_first


def test_demo_has_a_sponsor_and_challenges_in_every_phase(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    challenges = db.session.scalars(select(WeeklyChallenge)).all()
    phases = {phase_at(c, utcnow()).value for c in challenges}
    assert {"draft", "upcoming", "active", "voting", "completed"} <= phases
    assert db.session.scalar(select(func.count()).select_from(ChallengeSponsor)) >= 1
    assert db.session.scalar(select(User).where(User.role == "editor")) is not None


def test_demo_if_empty_skips_a_database_with_users(runner, make_user):
    make_user()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(WeeklyChallenge)) == 0
