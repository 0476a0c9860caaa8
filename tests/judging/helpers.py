"""Shared steps of the judging tests."""

from __future__ import annotations

from typing import Any

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.judging.service import save_scores
from challenges.models import ChallengeJudge, JudgeScore, User, WeeklyChallenge
from challenges.transactions import commit_with_retry

RUBRIC = [{"name": "Originality", "weight": 0.6}, {"name": "Craft", "weight": 0.4}]


def assign(challenge: WeeklyChallenge, *judges: User) -> None:
    """Make ``judges`` judges of ``challenge`` (as the admin's Judges view does)."""
    for judge in judges:
        db.session.add(ChallengeJudge(challenge_id=challenge.id, user_id=judge.id))
    db.session.commit()


def score(entry: Any, judge: User, *scores: int) -> JudgeScore:
    return commit_with_retry(lambda: save_scores(entry, judge, list(scores), utcnow()))
