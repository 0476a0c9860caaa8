"""SPEC §11's metrics, exactly: three consecutive challenges with known entrants, voters,
activity days, referrals, inquiries and counters, and every metric's value per challenge and
per ISO week (on SQLite and on PostgreSQL: ``TEST_DATABASE=postgres``)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from challenges.analytics.metrics import (
    ChallengeMetrics,
    challenge_metrics,
    previous_challenge,
    week_metrics,
)

from .history import ThreeChallenges, monday, three_challenges


@pytest.fixture
def history() -> ThreeChallenges:
    return three_challenges()


def assert_rate(value: float | None, expected: Fraction | None) -> None:
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(float(expected), abs=1e-12)


def test_each_challenge_metric_has_its_exact_value(history):
    c1, c2, c3 = (challenge_metrics(c, history.now) for c in (history.c1, history.c2, history.c3))

    # Active in the window: an activity day, a vote or an entry (a withdrawn one too).
    assert (c1.active_members, c2.active_members, c3.active_members) == (6, 6, 5)
    # Entrants: live entries only (withdrawn and disqualified ones do not count).
    assert (c1.entrants, c2.entrants, c3.entrants) == (3, 3, 2)
    assert_rate(c1.participation_rate, Fraction(3, 6))
    assert_rate(c2.participation_rate, Fraction(3, 6))
    assert_rate(c3.participation_rate, Fraction(2, 5))

    assert [(m.votes, m.voters) for m in (c1, c2, c3)] == [(3, 2), (4, 3), (2, 1)]
    assert_rate(c1.votes_per_voter, Fraction(3, 2))
    assert_rate(c2.votes_per_voter, Fraction(4, 3))
    assert_rate(c3.votes_per_voter, Fraction(2, 1))
    assert_rate(c1.votes_per_active_member, Fraction(3, 6))
    assert_rate(c2.votes_per_active_member, Fraction(4, 6))
    assert_rate(c3.votes_per_active_member, Fraction(2, 5))

    # Return rate: entered this one and the previous completed one / entered the previous one.
    assert (c1.previous_entrants, c1.returning_entrants) == (None, None)
    assert_rate(c1.return_rate, None)
    assert (c2.previous_entrants, c2.returning_entrants) == (3, 2)
    assert_rate(c2.return_rate, Fraction(2, 3))
    assert (c3.previous_entrants, c3.returning_entrants) == (3, 1)
    assert_rate(c3.return_rate, Fraction(1, 3))
    assert c2.previous_challenge_id == str(history.c1.id)
    assert c3.previous_challenge_id == str(history.c2.id)

    assert [m.inquiries for m in (c1, c2, c3)] == [1, 0, 2]
    assert [(m.new_members, m.new_members_from_shares) for m in (c1, c2, c3)] == [
        (0, 0), (1, 0), (2, 2)]
    # Members attributed to a share link of this challenge (whenever they registered).
    assert [m.members_from_challenge for m in (c1, c2, c3)] == [0, 1, 1]
    # Funnel: views of the window's days only (the 100 on 7 March are after C1's window).
    assert [(m.visits, m.share_visits) for m in (c1, c2, c3)] == [(15, 2), (20, 3), (7, 1)]
    assert all(m.final for m in (c1, c2, c3))


def test_votes_per_hour_covers_the_window_hour_by_hour(history):
    c1 = challenge_metrics(history.c1, history.now)
    assert isinstance(c1, ChallengeMetrics)
    assert c1.first_hour == "2026-03-02T00:00:00+00:00"
    assert len(c1.votes_per_hour) == 5 * 24  # 2 March 00:00 to 7 March 00:00
    assert c1.votes_per_hour[1] == 2 and c1.votes_per_hour[24] == 1
    assert sum(c1.votes_per_hour) == c1.votes == 3


def test_each_week_metric_has_its_exact_value(history):
    w1, w2, w3 = (week_metrics(monday(d), history.now)
                  for d in ("2026-03-02", "2026-03-09", "2026-03-16"))
    assert w1.start == "2026-03-02T00:00:00+00:00" and w1.end == "2026-03-09T00:00:00+00:00"
    # Week 1 also counts g, signed in on Sunday 8 March, after challenge 1's window.
    assert (w1.active_members, w2.active_members, w3.active_members) == (7, 6, 5)
    assert (w1.entrants, w2.entrants, w3.entrants) == (3, 3, 2)
    assert_rate(w1.participation_rate, Fraction(3, 7))
    assert_rate(w2.participation_rate, Fraction(3, 6))
    assert_rate(w3.participation_rate, Fraction(2, 5))
    assert [(m.votes, m.voters) for m in (w1, w2, w3)] == [(3, 2), (4, 3), (2, 1)]
    assert_rate(w1.votes_per_active_member, Fraction(3, 7))
    # Return: entered this week and the week before / entered the week before.
    assert (w1.previous_entrants, w1.returning_entrants) == (0, 0)
    assert_rate(w1.return_rate, None)  # nobody entered the week before
    assert_rate(w2.return_rate, Fraction(2, 3))
    assert_rate(w3.return_rate, Fraction(1, 3))
    assert [m.inquiries for m in (w1, w2, w3)] == [1, 0, 2]
    assert [(m.new_members, m.new_members_from_shares) for m in (w1, w2, w3)] == [
        (0, 0), (1, 0), (2, 2)]
    assert [(m.visits, m.share_visits) for m in (w1, w2, w3)] == [(115, 2), (20, 3), (7, 1)]


def test_the_previous_challenge_is_the_last_completed_before_it(history, make_challenge):
    make_challenge("draft", status="draft")  # drafts never count
    assert previous_challenge(history.c1, history.now) is None
    assert previous_challenge(history.c3, history.now).id == history.c2.id
