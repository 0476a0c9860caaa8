"""Through the pages (issue 13): the vote path stores a keyed network hash; RELIABILITY #7 end to
end (ten new accounts on one address vote for one entry: flagged, logged, voided in the admin,
the board recomputes); the entry page shows raw and counted votes and the voter's reason; an
editor's flag in the users admin makes a member's votes count 0 and the boards follow."""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard.live import board_for_page
from challenges.models import ChallengeSubmission, ChallengeVote, LedgerEntry, Role, User
from challenges.services.votes import network_hash
from jobs.trust import detect_vote_rings
from tests.core.helpers import redis_board, redis_order, sql_truth, submit, vote


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def vote_path(entry) -> str:
    return f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/vote"


def entry_page(client, entry) -> str:
    response = client.get(f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_reliability_7_new_accounts_on_one_address_are_flagged_and_voiding_recomputes(
        app, make_challenge, make_user, login, frozen_clock, redis_client, caplog):
    """RELIABILITY #7: 10 accounts under 1 h old, same IP, vote for one entry: flagged for
    review (logged), an editor voids them in the admin (weight 0, their "receive vote" points
    taken back) and the leaderboard recomputes."""
    challenge = make_challenge("active")
    entry, rival = submit(challenge, make_user()), submit(challenge, make_user())
    board_for_page(challenge, None, utcnow())
    vote(rival, make_user())
    vote(rival, make_user())
    ring = [make_user(created_at=utcnow() - timedelta(minutes=30)) for _ in range(10)]
    for n, member in enumerate(ring):
        client = client_at(app, "192.0.2.44")
        # A forged X-Forwarded-For changes nothing (TRUSTED_PROXIES is 0).
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"10.0.{n}.1"
        login(client, member)
        frozen_clock.advance(minutes=1)
        response = client.post_form(vote_path(entry))
        assert response.status_code == 302
    hashes = set(db.session.scalars(select(ChallengeVote.network_hash).where(
        ChallengeVote.submission_id == entry.id)))
    assert hashes == {network_hash("192.0.2.44", app.config["SECRET_KEY"])}
    assert redis_order(redis_client, challenge)[0] == entry.user_id  # 10 x 0.5 beat 2

    with caplog.at_level(logging.WARNING, logger="jobs.trust"):
        [flag_id] = detect_vote_rings()["flags"]
    assert "vote rings" in caplog.text

    editor_client = client_at(app, "198.51.100.1")
    login(editor_client, make_user(role=Role.EDITOR))
    listing = html.unescape(editor_client.get("/admin/vote_rings/").get_data(as_text=True))
    assert network_hash("192.0.2.44", app.config["SECRET_KEY"])[:12] in listing
    assert "192.0.2.44" not in listing
    details = html.unescape(editor_client.get(
        f"/admin/vote_rings/details/?id={flag_id}").get_data(as_text=True))
    assert all(f"@{member.username}" in details for member in ring)
    response = editor_client.post_form("/admin/vote_rings/void/", {"id": str(flag_id),
                                                                  "note": "one address"})
    assert response.status_code == 302
    assert "10 votes voided" in html.unescape(
        editor_client.get(response.location).get_data(as_text=True))

    db.session.expire_all()
    assert set(db.session.scalars(select(ChallengeVote.weight).where(
        ChallengeVote.submission_id == entry.id))) == {0.0}
    assert redis_order(redis_client, challenge)[0] == rival.user_id
    assert redis_board(redis_client, challenge) == {
        user_id: votes for user_id, votes, _ in sql_truth(challenge)}
    received = db.session.scalar(select(func.sum(LedgerEntry.amount)).where(
        LedgerEntry.user_id == entry.user_id, LedgerEntry.submission_id == entry.id,
        LedgerEntry.reason.in_(("vote_received", "vote_received_reversal"))))
    assert received == 0
    # The voters see why on the entry page; everyone sees raw and counted votes.
    member_client = client_at(app, "192.0.2.44")
    login(member_client, ring[0])
    page = entry_page(member_client, entry)
    assert "10 votes" in page and "0 counted" in page
    assert "Your vote doesn't count: an editor set it aside after a review." in page


def test_the_entry_page_shows_raw_and_counted_votes_and_why_a_vote_counts_less(
        app, client, make_challenge, make_user, login, frozen_clock):
    entry = submit(make_challenge("active"), make_user())
    young = make_user(created_at=utcnow() - timedelta(hours=2))
    unverified = make_user(is_verified=False)
    full = make_user()
    for member in (young, unverified, full):
        vote(entry, member)
    page = entry_page(client, entry)  # a visitor
    assert "3 votes" in page and "2 counted" in page
    assert "Your vote" not in page
    expectations = {
        young.id: "Your vote counts 0.5: your account was less than a day old when you voted.",
        unverified.id: "Your vote counts 0.5 until your email is verified.",
    }
    for member in (young, unverified, full):
        member_client = app.test_client()
        login(member_client, member)
        page = entry_page(member_client, entry)
        if member.id in expectations:
            assert expectations[member.id] in page
        else:
            assert 'data-testid="vote-weight-reason"' not in page


def test_an_editor_flags_a_member_in_the_admin_and_their_open_votes_count_zero(
        app, client, make_challenge, make_user, login, frozen_clock, redis_client):
    """RELIABILITY #7 (SPEC §4): a flagged account's votes count 0 where voting is open; the
    boards follow; unflagging gives them back."""
    open_entry = submit(make_challenge("active"), make_user())
    closes = utcnow() + timedelta(days=2, hours=1)  # an hour after its submission deadline
    closed = make_challenge("active", voting_deadline=closes, ends_at=closes)
    closed_entry = submit(closed, make_user())
    board_for_page(open_entry.challenge, None, utcnow())
    member = make_user()
    vote(open_entry, member)
    vote(closed_entry, member)
    frozen_clock.advance(days=2, hours=2)  # voting in ``closed`` is over: its vote keeps its weight
    login(client, make_user(role=Role.EDITOR))

    def edit(flagged: bool) -> None:
        data = {"role": "member", "is_verified": "y", "sponsor": "__None",
                "flagged_reason": "same card as @someone" if flagged else "",
                "csrf_token": client.csrf_token()}
        if flagged:
            data["is_flagged"] = "y"
        response = client.post(f"/admin/users/edit/?id={member.id}", data=data)
        assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-1500:]
        db.session.expire_all()

    edit(True)
    flagged = db.session.get(User, member.id)
    assert flagged.is_flagged and flagged.flagged_at == utcnow()
    assert flagged.flagged_reason == "same card as @someone"
    assert db.session.get(ChallengeSubmission, open_entry.id).counted_votes == 0
    assert db.session.get(ChallengeSubmission, closed_entry.id).counted_votes == 1
    assert redis_board(redis_client, open_entry.challenge) == {open_entry.user_id: 0.0}
    member_client = app.test_client()
    login(member_client, member)
    assert "while your account is under review" in entry_page(member_client, open_entry)

    edit(False)
    assert not db.session.get(User, member.id).is_flagged
    assert db.session.get(ChallengeSubmission, open_entry.id).counted_votes == 1
    assert redis_board(redis_client, open_entry.challenge) == {open_entry.user_id: 1.0}
