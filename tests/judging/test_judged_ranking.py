"""SPEC §4a, the final ranking of judged challenges, against examples computed by hand.

Both examples share one cast. Rubric: Originality 0.6, Craft 0.4. Judges: J1 and J2.

| member | entries (counted votes) | J1 scores -> weighted   | J2 scores -> weighted    | mean   |
|--------|-------------------------|-------------------------|--------------------------|--------|
| A      | a (4)                   | (2, 2) -> 2.0           | (2, 2) -> 2.0            | 2.0    |
| B      | b (3)                   | (9, 8) -> 5.4+3.2 = 8.6 | (8, 9) -> 4.8+3.6 = 8.4  | 8.5    |
| C      | c (1)                   | (10, 10) -> 10.0        | (10, 9) -> 6.0+3.6 = 9.6 | 9.8    |
| D      | d1 (1), d2 (1)          | d1 (3, 3) -> 3.0        | d1 (3, 3) -> 3.0         | d1 3.0 |
|        |                         | d2 (7, 7) -> 7.0        | d2 (7, 7) -> 7.0         | d2 7.0 |

Community score = counted votes / top counted votes (A's 4):
A 4/4 = 1.0, B 3/4 = 0.75, C 1/4 = 0.25, D (1+1)/4 = 0.5.
Judge score = the mean weighted score of the member's best entry / 10:
A 0.20, B 0.85, C 0.98, D 0.70 (d2, the better of D's entries).

Blend with community_share 0.7: 0.7 x community + 0.3 x judges
A 0.70 + 0.060 = 0.760; B 0.525 + 0.255 = 0.780; C 0.175 + 0.294 = 0.469;
D 0.35 + 0.210 = 0.560  ->  B, A, D, C  (the votes alone say A, B, D, C).
Judges only: C 0.98, B 0.85, D 0.70, A 0.20  ->  C, B, D, A.
Each entry's judge_score is its mean (a 2.0, b 8.5, c 9.8, d1 3.0, d2 7.0).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import ChallengeSubmission

from ..core.helpers import submit, vote
from ..rewards.helpers import final_ranks, finalize
from .helpers import RUBRIC, assign, score


def _build(make_challenge, make_user, frozen_clock, **judging):
    challenge = make_challenge("voting", rubric=RUBRIC, **judging)
    frozen_clock.set(challenge.starts_at + timedelta(hours=1))
    a, b, c, d = (make_user(name) for name in ("ann", "bea", "cal", "dov"))
    entries = {"a": submit(challenge, a), "b": submit(challenge, b), "c": submit(challenge, c),
               "d1": submit(challenge, d), "d2": submit(challenge, d)}
    voters = [make_user() for _ in range(4)]
    for name, count in (("a", 4), ("b", 3), ("c", 1), ("d1", 1)):
        for voter in voters[:count]:
            vote(entries[name], voter)
    vote(entries["d2"], voters[1])
    frozen_clock.set(challenge.submission_deadline + timedelta(hours=1))  # judging open
    j1, j2 = make_user("judge1"), make_user("judge2")
    assign(challenge, j1, j2)
    for name, first, second in (("a", (2, 2), (2, 2)), ("b", (9, 8), (8, 9)),
                                ("c", (10, 10), (10, 9)), ("d1", (3, 3), (3, 3)),
                                ("d2", (7, 7), (7, 7))):
        score(entries[name], j1, *first)
        score(entries[name], j2, *second)
    frozen_clock.set(challenge.voting_deadline + timedelta(minutes=1))
    return challenge, {"A": a, "B": b, "C": c, "D": d}, entries


def _order(challenge, members) -> list[str]:
    ranks = final_ranks(challenge.id)
    by_id = {user.id: name for name, user in members.items()}
    return [by_id[user_id] for user_id, _ in sorted(ranks.items(), key=lambda kv: kv[1])]


def test_a_blended_challenge_ranks_as_computed_by_hand(make_challenge, make_user,
                                                       frozen_clock, client):
    challenge, members, entries = _build(make_challenge, make_user, frozen_clock,
                                         judging_mode="blend", community_share=0.7)
    finalize(challenge)
    assert _order(challenge, members) == ["B", "A", "D", "C"]
    db.session.expire_all()
    stored = {name: db.session.get(ChallengeSubmission, entry.id).judge_score
              for name, entry in entries.items()}
    assert stored == pytest.approx({"a": 2.0, "b": 8.5, "c": 9.8, "d1": 3.0, "d2": 7.0})
    # The results page shows both scores for every member.
    page = client.get(f"/challenges/{challenge.slug}/results/").get_data(as_text=True)
    assert 'data-testid="judging-results"' in page
    row = page[page.index('data-testid="judged-bea"'):]
    row = row[:row.index("</tr>")]
    assert "0.75" in row and "0.85" in row and "0.78" in row


def test_a_judges_only_challenge_ranks_by_the_judges(make_challenge, make_user, frozen_clock):
    challenge, members, _entries = _build(make_challenge, make_user, frozen_clock,
                                          judging_mode="judges")
    finalize(challenge)
    assert _order(challenge, members) == ["C", "B", "D", "A"]
    again = finalize(challenge)  # idempotent: nothing moves, nothing is granted twice
    assert _order(challenge, members) == ["C", "B", "D", "A"]
    assert again is not None


def test_a_community_challenge_ignores_judges_scores(make_challenge, make_user, frozen_clock,
                                                     client):
    challenge, members, _entries = _build(make_challenge, make_user, frozen_clock,
                                          judging_mode="community")
    finalize(challenge)
    assert _order(challenge, members) == ["A", "B", "D", "C"]  # the votes alone
    scores = db.session.scalars(select(ChallengeSubmission.judge_score)
                                .where(ChallengeSubmission.challenge_id == challenge.id)).all()
    assert scores == [None] * 5
    page = client.get(f"/challenges/{challenge.slug}/results/").get_data(as_text=True)
    assert 'data-testid="judging-results"' not in page


def test_judged_ties_go_to_the_earlier_first_entry(make_challenge, make_user, frozen_clock):
    """Two members with no votes and the same judge scores tie at 0.5 x 0 + 0.5 x 0.5: the
    member whose first entry came earlier ranks higher (SPEC §5)."""
    challenge = make_challenge("voting", rubric=[{"name": "Overall", "weight": 1}],
                               judging_mode="blend", community_share=0.5)
    frozen_clock.set(challenge.starts_at + timedelta(hours=1))
    early, late = make_user("early"), make_user("late")
    first = submit(challenge, early)
    late_entry = submit(challenge, late)
    frozen_clock.set(challenge.submission_deadline + timedelta(hours=1))
    judge = make_user("judge")
    assign(challenge, judge)
    score(late_entry, judge, 5)
    score(first, judge, 5)
    frozen_clock.set(challenge.voting_deadline + timedelta(minutes=1))
    finalize(challenge)
    assert final_ranks(challenge.id) == {early.id: 1, late.id: 2}
