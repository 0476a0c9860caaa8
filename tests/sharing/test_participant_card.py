"""The participant share card (SPEC §12): one for every participant of a completed challenge,
showing the rank and votes the final board shows and the points the ledger holds; drafts,
unfinished challenges and non-participants get 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard import ranks
from challenges.models import ChallengeSubmission, LedgerEntry, WeeklyChallenge
from challenges.sharing.service import participant_card
from challenges.timefmt import format_votes

from ..core.helpers import submit, vote
from ..rewards.helpers import withdraw
from .helpers import finalized_challenge, meta_tags, png_size, site_path, text_of


@pytest.fixture
def results(frozen_clock):
    return finalized_challenge(frozen_clock)


def ledger_points(challenge_id, user_id) -> int:
    return int(db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.challenge_id == challenge_id, LedgerEntry.user_id == user_id,
            LedgerEntry.currency == "points")))


def test_every_participant_has_a_card_with_the_boards_rank_and_votes_and_the_ledgers_points(
        client, results):
    challenge = results.challenge
    board = ranks.board_page(challenge, None, ranks.FIRST, utcnow(), size=100)
    assert board.participants == len(results.members)
    assert [row.user_id for row in board.rows] != [m.id for m in results.members]  # reordered
    for row in board.rows:
        points = ledger_points(challenge.id, row.user_id)
        assert points > 0
        page = client.get(f"/challenges/{challenge.slug}/results/{row.username}")
        assert page.status_code == 200, row.username
        html = page.get_data(as_text=True)
        card = participant_card(challenge.slug, row.username, None, utcnow())
        assert (card.rank, card.participants, card.counted_votes, card.points) == (
            row.rank, board.participants, row.counted_votes, points)
        # What the page says, in words: "#2 of 6 · 5 votes · +…".
        assert (f'data-rank="{row.rank}"' in html and f'data-points="{points}"' in html)
        votes = format_votes(row.counted_votes)
        vote_word = "vote" if row.counted_votes == 1 else "votes"
        expected = (f"#{row.rank} of {board.participants} · {votes} {vote_word} · "
                    f"+{points:,} points")
        assert expected in text_of(html), (expected, row.username)
        # Final ranks stored by finalization agree as well.
        stored = db.session.scalar(select(func.min(ChallengeSubmission.final_rank)).where(
            ChallengeSubmission.challenge_id == challenge.id,
            ChallengeSubmission.user_id == row.user_id))
        assert stored == row.rank


def test_the_card_shows_the_best_entry_and_the_challenge(client, results):
    member = results.members[1]  # two entries: "Dream 1" (5 votes) and "Second dream" (1)
    html = client.get(f"/challenges/{results.challenge.slug}/results/{member.username}"
                      ).get_data(as_text=True)
    assert "Dream 1" in html and "Second dream" not in html
    assert "Dream Week" in html and "Sponsored by DreamLabs" in html
    assert "theme-teal" in html


def test_the_card_image_is_a_1200_by_630_png_and_names_its_key(client, results):
    slug, name = results.challenge.slug, results.members[0].username
    tags = meta_tags(client.get(f"/challenges/{slug}/results/{name}").get_data(as_text=True))
    assert "/card.png?" in tags["og:image"] and "v=" in tags["og:image"]
    image = client.get(site_path(tags["og:image"]))
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert png_size(image.data) == (1200, 630)
    assert "immutable" in image.headers["Cache-Control"]
    plain = client.get(f"/challenges/{slug}/results/{name}/card.png")
    assert plain.status_code == 200 and plain.data == image.data
    assert "immutable" not in plain.headers["Cache-Control"]  # follows the card
    stale = client.get(f"/challenges/{slug}/results/{name}/card.png?v=00000000000000000000")
    assert stale.status_code == 302 and stale.headers["Location"] == tags["og:image"]


def test_non_participants_get_404(client, results, make_user):
    slug = results.challenge.slug
    for name in (results.outsider.username, make_user().username, "nobody-here", "x" * 40,
                 "bad%00name"):
        assert client.get(f"/challenges/{slug}/results/{name}").status_code == 404, name
        assert client.get(f"/challenges/{slug}/results/{name}/card.png").status_code == 404


def test_a_member_whose_entries_were_all_withdrawn_gets_404(client, frozen_clock, make_user,
                                                            make_challenge):
    from ..rewards.helpers import finalize

    challenge = make_challenge("active", now=frozen_clock())
    stays, leaves = make_user(), make_user()
    submit(challenge, stays)
    withdraw(submit(challenge, leaves))
    frozen_clock.set(challenge.voting_deadline + timedelta(minutes=1))
    finalize(challenge)
    assert client.get(f"/challenges/{challenge.slug}/results/{stays.username}"
                      ).status_code == 200
    assert client.get(f"/challenges/{challenge.slug}/results/{leaves.username}"
                      ).status_code == 404


def test_drafts_and_unfinished_challenges_get_404_even_for_their_participants(
        client, frozen_clock, make_user, make_challenge, login):
    from challenges.models import Role

    member = make_user()
    voting = make_challenge("active", now=frozen_clock())
    submit(voting, member)
    vote_for = submit(voting, make_user())
    vote(vote_for, member)
    frozen_clock.set(voting.submission_deadline + timedelta(minutes=1))  # voting now
    assert client.get(f"/challenges/{voting.slug}/results/{member.username}").status_code == 404
    frozen_clock.set(voting.voting_deadline + timedelta(minutes=1))  # completed, not finalized
    assert client.get(f"/challenges/{voting.slug}/results/{member.username}").status_code == 404
    # A finalized challenge turned back into a draft: no card, not even for an editor.
    from ..rewards.helpers import finalize

    finalize(voting)
    assert client.get(f"/challenges/{voting.slug}/results/{member.username}").status_code == 200
    challenge = db.session.get(WeeklyChallenge, voting.id)
    challenge.status = "draft"
    db.session.commit()
    login(client, make_user(role=Role.EDITOR))
    assert client.get(f"/challenges/{voting.slug}/results/{member.username}").status_code == 404
    assert client.get(f"/challenges/{voting.slug}/results/{member.username}/card.png"
                      ).status_code == 404


def test_a_username_in_capitals_redirects_to_the_card(client, results):
    slug, name = results.challenge.slug, results.members[2].username
    response = client.get(f"/challenges/{slug}/results/{name.upper()}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/challenges/{slug}/results/{name}")


def test_the_profile_links_each_card_without_a_query_per_challenge(client, frozen_clock,
                                                                   make_challenge, results,
                                                                   login):
    from ..rewards.helpers import finalize

    member = results.members[0]
    login(client, member)

    def statements_for_profile() -> tuple[int, str]:
        seen: list[str] = []

        def record(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            html = client.get(f"/u/{member.username}").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(seen), html

    one, html = statements_for_profile()
    assert html.count("Share your card") == 1
    assert f"/challenges/{results.challenge.slug}/results/{member.username}" in html
    for _ in range(2):  # two more completed challenges the member took part in
        frozen_clock.set(utcnow() + timedelta(days=20))
        other = make_challenge("active", now=frozen_clock())
        submit(other, member)
        frozen_clock.set(other.voting_deadline + timedelta(minutes=1))
        finalize(other)
    three, html = statements_for_profile()
    assert html.count("Share your card") == 3
    assert three == one
