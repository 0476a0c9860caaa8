"""Freeze in the gallery (issue #13, SPEC §2: "the public board and vote counts show their state
at the freeze"): during the frozen hours every vote count a page or the API shows is the one at
the freeze, "Most voted" (which would give the hidden order away) is not offered, and votes cast
meanwhile still count in the database; once the results are out the counts are live again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from challenges.extensions import db
from challenges.models import ChallengeSubmission
from challenges.phase import freeze_starts_at

from ..core.helpers import submit, vote


@pytest.fixture
def frozen_gallery(frozen_clock, make_challenge, make_user):
    """@early's entry had 2 votes at the freeze and receives 2 more after it; @later's had 0
    and receives 3: live, @later leads; frozen, @early does."""
    challenge = make_challenge("active", freeze_hours=12)
    early, later = make_user(username="early"), make_user(username="later")
    voters = [make_user(username=f"fan{i}") for i in range(3)]
    entries = {"early": submit(challenge, early), "later": submit(challenge, later)}
    vote(entries["early"], voters[0])
    vote(entries["early"], voters[1])
    frozen_clock.set(freeze_starts_at(challenge) + timedelta(minutes=30))
    vote(entries["early"], voters[2])
    for voter in voters:
        vote(entries["later"], voter)
    return challenge, entries, frozen_clock


def test_cards_entry_pages_and_the_api_show_the_counts_at_the_freeze(client, frozen_gallery):
    challenge, entries, _ = frozen_gallery
    live = {name: db.session.get(ChallengeSubmission, e.id).vote_count
            for name, e in entries.items()}
    assert live == {"early": 3, "later": 3}  # the votes cast during the freeze count

    gallery = client.get(f"/challenges/{challenge.slug}/submissions/?sort=newest")
    body = gallery.get_data(as_text=True)
    assert 'data-testid="gallery-frozen-note"' in body
    assert sorted(re.findall(r"♡ (\d+)", body)) == ["0", "2"]

    detail = client.get(f"/challenges/{challenge.slug}/submissions/{entries['later'].id}/")
    assert re.search(r'data-testid="raw-votes">0 votes<', detail.get_data(as_text=True))

    api = client.get(f"/api/challenges/{challenge.slug}/submissions/?sort=newest").get_json()
    counts = {item["vote_count"] for item in api["results"]}
    assert counts == {0, 2}


def test_most_voted_is_not_offered_while_frozen(client, frozen_gallery):
    challenge, entries, _ = frozen_gallery
    body = client.get(f"/challenges/{challenge.slug}/submissions/").get_data(as_text=True)
    assert "sort=votes" not in body
    assert client.get(f"/challenges/{challenge.slug}/submissions/?sort=votes").status_code == 200
    api = client.get(f"/api/challenges/{challenge.slug}/submissions/?sort=votes").get_json()
    # Served newest first instead (live "Most voted" would put @early first: 3 votes each, and
    # the earlier first entry wins the tie).
    assert [item["id"] for item in api["results"]] == [str(entries["later"].id),
                                                       str(entries["early"].id)]


def test_after_the_results_are_out_the_counts_are_live(client, frozen_gallery):
    challenge, _, clock = frozen_gallery
    clock.set(challenge.ends_at + timedelta(minutes=1))
    body = client.get(f"/challenges/{challenge.slug}/submissions/?sort=newest").get_data(
        as_text=True)
    assert 'data-testid="gallery-frozen-note"' not in body
    assert re.findall(r"♥ (\d+)|♡ (\d+)", body)
    assert sorted(a or b for a, b in re.findall(r"♥ (\d+)|♡ (\d+)", body)) == ["3", "3"]
