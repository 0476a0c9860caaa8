"""The phase function (SPEC §2): every boundary, one microsecond either side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from challenges.models import ChallengeStatus
from challenges.phase import accepts_submissions, accepts_votes, phase_at

T0 = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
US = timedelta(microseconds=1)


@dataclass
class Schedule:
    status: str = "active"
    starts_at: datetime = T0
    submission_deadline: datetime = T0 + timedelta(days=5)
    voting_deadline: datetime = T0 + timedelta(days=7)


S = Schedule()


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (S.starts_at - US, ChallengeStatus.UPCOMING),
        (S.starts_at, ChallengeStatus.ACTIVE),
        (S.starts_at + US, ChallengeStatus.ACTIVE),
        (S.submission_deadline - US, ChallengeStatus.ACTIVE),
        (S.submission_deadline, ChallengeStatus.VOTING),
        (S.submission_deadline + US, ChallengeStatus.VOTING),
        (S.voting_deadline - US, ChallengeStatus.VOTING),
        (S.voting_deadline, ChallengeStatus.COMPLETED),
        (S.voting_deadline + US, ChallengeStatus.COMPLETED),
    ],
    ids=lambda v: v.isoformat() if isinstance(v, datetime) else str(v),
)
def test_phase_at_each_boundary(moment, expected):
    assert phase_at(S, moment) == expected


@pytest.mark.parametrize("stored_status", ["upcoming", "active", "voting", "completed"])
def test_phase_of_published_challenge_ignores_the_lagging_status_column(stored_status):
    challenge = Schedule(status=stored_status)
    assert phase_at(challenge, S.starts_at + timedelta(days=1)) == ChallengeStatus.ACTIVE


@pytest.mark.parametrize("status", ["draft", "cancelled"])
@pytest.mark.parametrize(
    "offset", [-timedelta(days=1), timedelta(days=1), timedelta(days=6), timedelta(days=30)]
)
def test_draft_and_cancelled_stay_what_they_are_at_any_time(status, offset):
    challenge = Schedule(status=status)
    assert phase_at(challenge, T0 + offset) == ChallengeStatus(status)
    assert not accepts_submissions(challenge, T0 + offset)
    assert not accepts_votes(challenge, T0 + offset)


def test_voting_period_of_zero_length_goes_straight_to_completed():
    challenge = Schedule(voting_deadline=S.submission_deadline)
    assert phase_at(challenge, S.submission_deadline - US) == ChallengeStatus.ACTIVE
    assert phase_at(challenge, S.submission_deadline) == ChallengeStatus.COMPLETED


def test_naive_times_are_read_as_utc():
    assert phase_at(S, (S.starts_at - US).replace(tzinfo=None)) == ChallengeStatus.UPCOMING
    assert phase_at(S, S.starts_at.replace(tzinfo=None)) == ChallengeStatus.ACTIVE


def test_other_time_zones_compare_by_instant():
    from zoneinfo import ZoneInfo

    just_before = (S.starts_at - US).astimezone(ZoneInfo("America/New_York"))
    assert phase_at(S, just_before) == ChallengeStatus.UPCOMING


def test_submissions_only_while_active_and_votes_while_active_or_voting():
    assert not accepts_submissions(S, S.starts_at - US)
    assert accepts_submissions(S, S.starts_at)
    assert not accepts_submissions(S, S.submission_deadline)
    assert not accepts_votes(S, S.starts_at - US)
    assert accepts_votes(S, S.starts_at)
    assert accepts_votes(S, S.voting_deadline - US)
    assert not accepts_votes(S, S.voting_deadline)


def test_phase_boundaries_survive_a_database_round_trip(make_challenge):
    """Microseconds are stored on both databases, so boundaries hold for saved challenges."""
    from challenges.extensions import db
    from challenges.models import WeeklyChallenge

    start = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=UTC)
    saved = make_challenge(
        "active",
        starts_at=start,
        submission_deadline=start + timedelta(days=2),
        voting_deadline=start + timedelta(days=3),
        ends_at=start + timedelta(days=3),
    )
    db.session.expire_all()
    loaded = db.session.get(WeeklyChallenge, saved.id)
    assert loaded.starts_at == start
    assert phase_at(loaded, start - US) == ChallengeStatus.UPCOMING
    assert phase_at(loaded, start) == ChallengeStatus.ACTIVE
