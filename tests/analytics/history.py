"""Test data for the analytics: rows inserted straight into the tables the metrics read (the
growth feature writes activity days, counters and referrals; here their values are chosen)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from challenges.extensions import db
from challenges.models import (
    ChallengeDailyCounter,
    ChallengeSubmission,
    ChallengeVote,
    MemberActivityDay,
    SponsorInquiry,
    User,
    WeeklyChallenge,
)
from tests.support.factories import create_challenge, create_user

_numbers = itertools.count(1)


def at(day: str, hour: int = 12, minute: int = 0) -> datetime:
    """A UTC time on ``day`` ("2026-03-02")."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


def member(name: str, created: str = "2026-02-01", **fields: object) -> User:
    return create_user(name, created_at=at(created), **fields)


def challenge_between(start: str, submit: str, vote: str, **fields: object) -> WeeklyChallenge:
    """A published challenge from ``start`` 00:00 to the voting deadline ``vote`` 00:00 UTC."""
    begins, closes, ends = at(start, 0), at(submit, 0), at(vote, 0)
    return create_challenge("completed", starts_at=begins, submission_deadline=closes,
                            voting_deadline=ends, ends_at=ends, status="completed", **fields)


@dataclass
class Entries:
    challenge: WeeklyChallenge
    by_user: dict[int, ChallengeSubmission] = field(default_factory=dict)


def enter(challenge: WeeklyChallenge, user: User, when: datetime, *, withdrawn: bool = False,
          disqualified: bool = False) -> ChallengeSubmission:
    """An entry as the submit service leaves it (a slot while live), inserted directly."""
    entry = ChallengeSubmission(
        challenge_id=challenge.id, user_id=user.id, title=f"Entry {next(_numbers)}",
        entry_number=next(_numbers), slot=None if withdrawn else 1, is_withdrawn=withdrawn,
        is_disqualified=disqualified, submitted_at=when, image_url="https://img.example/a.png",
        image_alt_text="art",
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def vote(entry: ChallengeSubmission, voter: User, when: datetime) -> ChallengeVote:
    row = ChallengeVote(submission_id=entry.id, voter_id=voter.id,
                        challenge_id=entry.challenge_id, weight=1.0, created_at=when)
    db.session.add(row)
    db.session.commit()
    return row


def active_on(user: User, *days: str) -> None:
    db.session.add_all(MemberActivityDay(user_id=user.id, day=date.fromisoformat(d))
                       for d in days)
    db.session.commit()


def count(challenge: WeeklyChallenge, day: str, views: int = 0, clicks: int = 0,
          shares: int = 0) -> None:
    db.session.add(ChallengeDailyCounter(challenge_id=challenge.id, day=date.fromisoformat(day),
                                         views=views, sponsor_clicks=clicks, share_visits=shares))
    db.session.commit()


def inquiry(when: datetime, company: str = "Acme") -> None:
    db.session.add(SponsorInquiry(company=company, contact_name="Ann", contact_email="a@x.example",
                                  budget_range="1k_5k", message="Hello", status="new",
                                  created_at=when))
    db.session.commit()


@dataclass
class ThreeChallenges:
    c1: WeeklyChallenge
    c2: WeeklyChallenge
    c3: WeeklyChallenge
    now: datetime


NOW = at("2026-03-30", 12)


def three_challenges(**fields: object) -> ThreeChallenges:
    """Three consecutive weekly challenges (weeks of 2 March, 9 March and 16 March 2026) with
    known entrants, voters, activity days, referrals, inquiries and counters. The expected
    values are worked out in tests/analytics/test_metrics.py."""
    a, b, c, d, e, f, g = (member(n) for n in "abcdefg")
    c1 = challenge_between("2026-03-02", "2026-03-05", "2026-03-07", title="First", **fields)
    c2 = challenge_between("2026-03-09", "2026-03-12", "2026-03-14", title="Second", **fields)
    c3 = challenge_between("2026-03-16", "2026-03-19", "2026-03-21", title="Third", **fields)

    # Challenge 1: a, b, c enter; d enters and withdraws; e and a vote; f is only signed in;
    # g is signed in on Sunday 8 March (in the week, after the window).
    e1 = {u.username: enter(c1, u, at("2026-03-02", 9)) for u in (a, b, c)}
    enter(c1, d, at("2026-03-03"), withdrawn=True)
    vote(e1["a"], e, at("2026-03-02", 1, 30))
    vote(e1["b"], e, at("2026-03-02", 1, 45))
    vote(e1["b"], a, at("2026-03-03", 0, 10))
    active_on(f, "2026-03-03")
    active_on(g, "2026-03-08")
    count(c1, "2026-03-02", views=10, clicks=4, shares=2)
    count(c1, "2026-03-06", views=5, clicks=1)
    count(c1, "2026-03-07", views=100)  # after the window, still in the week
    inquiry(at("2026-03-03"))

    # Challenge 2: a, b, e enter; c, d, a vote; g is signed in; i registers (no referral).
    e2 = {u.username: enter(c2, u, at("2026-03-09", 8)) for u in (a, b, e)}
    vote(e2["a"], c, at("2026-03-10"))
    vote(e2["b"], c, at("2026-03-10", 13))
    vote(e2["a"], d, at("2026-03-11"))
    vote(e2["e"], a, at("2026-03-11", 14))
    active_on(g, "2026-03-10")
    member("i", created="2026-03-10")
    count(c2, "2026-03-09", views=20, clicks=6, shares=3)

    # Challenge 3: a and h (new, brought by a's share of challenge 2) enter; f is
    # disqualified; b votes twice; c is signed in on two days; j registers through a share
    # of challenge 3.
    h = member("h", created="2026-03-16", referred_by_id=a.id, referred_challenge_id=c2.id)
    e3a = enter(c3, a, at("2026-03-16", 9))
    e3h = enter(c3, h, at("2026-03-16", 13))
    enter(c3, f, at("2026-03-17"), disqualified=True)
    vote(e3a, b, at("2026-03-19", 2))
    vote(e3h, b, at("2026-03-19", 3))
    active_on(c, "2026-03-17", "2026-03-18")
    member("j", created="2026-03-18", referred_by_id=a.id, referred_challenge_id=c3.id)
    count(c3, "2026-03-16", views=7, clicks=2, shares=1)
    inquiry(at("2026-03-17"))
    inquiry(at("2026-03-17", 15), company="Globex")
    return ThreeChallenges(c1, c2, c3, NOW)


def challenge_ids(data: ThreeChallenges) -> list[uuid.UUID]:
    return [data.c1.id, data.c2.id, data.c3.id]


def monday(day: str) -> date:
    return date.fromisoformat(day)


WEEK = timedelta(days=7)
