"""Issue #14: a member's landing page reads their entries used and votes cast in one statement
(``services.status.viewer_status``), each by its rule's own query: live entries only (not a
withdrawn one), this challenge only, this member only."""

from __future__ import annotations

from challenges.clock import utcnow
from challenges.services.entries import withdraw_entry
from challenges.transactions import commit_with_retry

from ..core.helpers import submit, vote


def test_the_status_card_counts_the_members_live_entries_and_votes_in_one_read(
        client, login, make_challenge, make_user, count_sql):
    challenge, elsewhere = make_challenge("active"), make_challenge("active")
    member, other = make_user(), make_user()
    submit(challenge, member)
    gone = submit(challenge, member)
    commit_with_retry(lambda: withdraw_entry(gone.id, member, utcnow()))
    submit(elsewhere, member)  # another challenge's entry
    theirs = [submit(challenge, other), submit(challenge, make_user())]
    for entry in theirs:
        vote(entry, member)
    vote(submit(elsewhere, other), member)  # another challenge's vote
    vote(submit(challenge, make_user()), other)  # another member's vote
    login(client, member)
    count_sql.clear()
    page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert "<strong>1</strong> of 3 entries used" in page
    assert "<strong>2</strong> votes cast" in page
    counts = [sql for sql in count_sql if "count(*)" in sql.lower()
              and ("challenge_votes" in sql or "challenge_submissions" in sql)]
    assert len(counts) == 1, counts  # both counts, one round trip
