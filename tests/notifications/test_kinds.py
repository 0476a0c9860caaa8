"""Every notification kind, as a real SMTP server (aiosmtpd) receives it: who gets which email
over a challenge's life, what each says (both parts), its headers, and links that work when the
test client follows them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import LedgerEntry, Payout, Role
from challenges.notifications.due import run_due
from challenges.notifications.kinds import KINDS, NotificationKind
from challenges.notifications.preferences import preferences_of
from challenges.services.payouts import move_payout
from challenges.timefmt import utc_label
from challenges.transactions import commit_with_retry
from tests.core.helpers import submit, vote
from tests.rewards.helpers import finalize
from tests.support.tampering import tamper

from .test_due import D, H, schedule, turn

K = NotificationKind
PRIZES = {"1st": {"type": "cash", "amount": 100, "currency": "USD"},
          "2nd": {"type": "tokens", "amount": 500},
          "voting_reward": {"type": "tokens", "amount": 50, "min_votes": 2}}


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None and part.get_content_type() == "text/plain"
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None and part.get_content_type() == "text/html"
    return part.get_content()


def path_of(url: str) -> str:
    """What the test client requests for an absolute link of an email."""
    parts = urlsplit(url.replace("&amp;", "&"))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links(message: EmailMessage) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html_of(message)))


def kind_of(message: EmailMessage) -> NotificationKind:
    """The kind of a received notification, read from its unsubscribe link."""
    match = re.search(r"/notifications/unsubscribe/(\w+)/", message["List-Unsubscribe"])
    assert match, message["List-Unsubscribe"]
    return NotificationKind(match.group(1))


@dataclass
class Season:
    """One challenge's life, with what the SMTP server received at each moment."""

    challenge: Any
    people: dict[str, Any]
    received: dict[NotificationKind, dict[str, EmailMessage]] = field(default_factory=dict)

    def to(self, kind: NotificationKind) -> set[str]:
        return set(self.received.get(kind, {}))

    def message(self, kind: NotificationKind, name: str) -> EmailMessage:
        return self.received[kind][name]


def play_a_season(smtp_server, frozen_clock, make_user, make_challenge, **fields: Any) -> Season:
    """ada and bob enter, cyd only votes, dee does nothing (and turned voting reminders off),
    eve is an old account that never took part. ``run_due`` runs at each moment."""
    now = frozen_clock.now
    people = {name: make_user(name, is_verified=True) for name in ("ada", "bob", "cyd", "dee")}
    people["eve"] = make_user("eve", is_verified=True, created_at=now - timedelta(days=400))
    turn(people["dee"], K.VOTING_CLOSING, False)
    challenge = make_challenge("active", prizes=PRIZES, **{
        **schedule(now, started=H, submissions_left=2 * D, voting_after=2 * D), **fields})
    season = Season(challenge, people)
    by_address = {person.email: name for name, person in people.items()}

    def moment(at: datetime) -> None:
        frozen_clock.set(at)
        before = len(smtp_server.messages)
        run_due(at)
        for message in smtp_server.messages[before:]:
            name = by_address[str(message["To"])]
            kind_messages = season.received.setdefault(kind_of(message), {})
            assert name not in kind_messages, f"{name} got {kind_of(message)} twice"
            kind_messages[name] = message

    moment(now)  # an hour after the start
    ada_entry = submit(challenge, people["ada"], title="Ada's dream")
    bob_entry = submit(challenge, people["bob"], title="Bob's dream")
    moment(challenge.submission_deadline - 2 * H)
    frozen_clock.set(challenge.submission_deadline + H)
    vote(ada_entry, people["cyd"])
    vote(bob_entry, people["cyd"])
    vote(ada_entry, people["bob"])
    moment(challenge.submission_deadline + 2 * H)
    moment(challenge.voting_deadline - 2 * H)
    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    moment(challenge.voting_deadline + H)
    return season


@pytest.fixture
def season(smtp_server, frozen_clock, make_user, make_challenge) -> Season:
    return play_a_season(smtp_server, frozen_clock, make_user, make_challenge)


def test_each_member_hears_what_concerns_them_and_nothing_twice(season):
    assert season.to(K.CHALLENGE_STARTED) == {"ada", "bob", "cyd", "dee"}  # eve: not a member
    assert season.to(K.SUBMISSIONS_CLOSING) == {"cyd", "dee"}  # not entered yet
    assert season.to(K.VOTING_OPEN) == {"ada", "bob"}  # entered
    # Fewer votes than the voting reward's minimum (2): ada 0, bob 1; cyd cast 2; dee said no.
    assert season.to(K.VOTING_CLOSING) == {"ada", "bob"}
    assert season.to(K.RESULTS) == {"ada", "bob", "cyd"}  # entered or voted


def test_every_notification_is_multipart_with_one_click_headers_and_a_footer(season, app):
    site = app.config["SITE_URL"].rstrip("/")
    for kind, messages in season.received.items():
        for name, message in messages.items():
            assert message.get_content_type() == "multipart/alternative"
            assert message["Message-ID"] and message["Date"].datetime is not None
            unsubscribe = message["List-Unsubscribe"]
            assert re.fullmatch(rf"<{re.escape(site)}/notifications/unsubscribe/{kind}/[^>]+>",
                                unsubscribe), unsubscribe
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            url = unsubscribe[1:-1]
            text, html = text_of(message), html_of(message)
            assert url in text and url in html
            assert f"{site}/account/notifications" in text
            assert f'href="{site}/account/notifications"' in html
            assert str(KINDS[kind].label) in text, (kind, name)


def test_the_unsubscribe_headers_go_over_the_wire_as_plain_urls(season, smtp_server):
    """Mail providers read ``List-Unsubscribe`` raw: an RFC 2047 encoded-word (what Python's
    email package makes of a long header without spaces) would hide the one-click link."""
    assert smtp_server.raw
    for raw in smtp_server.raw:
        headers = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ")
        line = next(h for h in headers.split(b"\r\n") if h.startswith(b"List-Unsubscribe:"))
        assert re.fullmatch(rb"List-Unsubscribe: <https?://[^>\s]+>", line), line


def test_started_names_the_challenge_its_prompt_and_deadlines_in_utc(season):
    challenge = season.challenge
    message = season.message(K.CHALLENGE_STARTED, "ada")
    assert message["Subject"] == f"New challenge: {challenge.title}"
    for part in (text_of(message), html_of(message)):
        assert challenge.prompt in part
        assert utc_label(challenge.submission_deadline) in part  # "... 23:59 UTC"
        assert utc_label(challenge.voting_deadline) in part
        assert f"/challenges/{challenge.slug}/submit" in part


def test_submissions_closing_and_voting_open_say_when(season):
    challenge = season.challenge
    closing = season.message(K.SUBMISSIONS_CLOSING, "dee")
    assert closing["Subject"] == f"24 hours left to enter {challenge.title}"
    assert utc_label(challenge.submission_deadline) in text_of(closing)
    opened = season.message(K.VOTING_OPEN, "bob")
    assert opened["Subject"] == f"Voting is open: {challenge.title}"
    assert utc_label(challenge.voting_deadline) in html_of(opened)
    assert f"/challenges/{challenge.slug}/submissions/" in text_of(opened)


def test_voting_closing_counts_the_votes_still_needed_for_the_reward(season):
    message = season.message(K.VOTING_CLOSING, "bob")
    text = text_of(message)
    assert message["Subject"] == f"Voting closes in 24 hours: {season.challenge.title}"
    assert "You have voted on 1 entry so far." in text
    assert "Vote on 1 more to earn the voting reward (50 AI Tokens" in text
    assert "You have voted on 0 entries so far." in text_of(
        season.message(K.VOTING_CLOSING, "ada"))


def _points_from(challenge, user) -> int:
    return db.session.scalar(select(func.sum(LedgerEntry.amount)).where(
        LedgerEntry.challenge_id == challenge.id, LedgerEntry.user_id == user.id,
        LedgerEntry.currency == "points")) or 0


def test_results_give_rank_votes_points_and_the_share_link(season, app):
    challenge, bob = season.challenge, season.people["bob"]
    message = season.message(K.RESULTS, "bob")
    text, html = text_of(message), html_of(message)
    assert message["Subject"] == f"You placed 2nd in {challenge.title}"
    points = _points_from(challenge, bob)
    assert points > 0
    assert "Your place:       #2 of 2" in text
    assert "Votes received:   1" in text
    assert "Votes you cast:   1" in text
    assert f"Points earned:    {points:,}" in text
    assert "#2" in html and "of 2" in html and f"{points:,}" in html
    site = app.config["SITE_URL"].rstrip("/")
    share = f"{site}/challenges/{challenge.slug}/results/{bob.username}"  # the share card
    assert share in text and f'href="{share}"' in html
    # 2nd place is a token prize: no payout, the tokens are already in the balance.
    assert "Your prize (2nd place): 500 AI Tokens. Added to your token balance." in text


def test_the_winner_reads_the_prize_and_its_payout_status(season, make_user, smtp_server):
    message = season.message(K.RESULTS, "ada")
    text, html = text_of(message), html_of(message)
    assert message["Subject"] == f"You placed 1st in {season.challenge.title}"
    assert "Your place:       #1 of 2" in text and "Votes received:   2" in text
    assert "Your prize (1st place): $100 Cash. Pending: an editor will approve it soon." in text
    assert "$100 Cash" in html and "Pending: an editor will approve it soon." in html


def test_the_payout_status_is_the_one_the_payout_has_when_the_email_is_made(
        smtp_server, frozen_clock, make_user, make_challenge):
    """An editor who approves the payout before the results go out: the email says so."""
    editor = make_user("editor", role=Role.EDITOR)
    now = frozen_clock.now
    challenge = make_challenge("active", prizes=PRIZES,
                               **schedule(now, started=D, submissions_left=D, voting_after=D))
    winner = make_user("winner", is_verified=True)
    submit(challenge, winner)
    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    payout_id = db.session.scalar(select(Payout.id).where(Payout.challenge_id == challenge.id))
    commit_with_retry(lambda: move_payout(payout_id, "approve", editor, utcnow()))
    run_due(utcnow())
    (message,) = smtp_server.to(winner.email)
    assert "Approved: the payment is being made." in text_of(message)


def test_a_voter_without_an_entry_gets_results_without_a_rank(season):
    message = season.message(K.RESULTS, "cyd")
    text = text_of(message)
    assert message["Subject"] == f"Results are in: {season.challenge.title}"
    assert "Thanks for voting!" in text and "Votes you cast:   2" in text
    assert "Your place" not in text and "Your prize" not in text


def test_the_links_in_a_received_email_work(season, client, login):
    ada, bob = season.people["ada"], season.people["bob"]
    message = season.message(K.RESULTS, "ada")
    for url in links(message) - {message["List-Unsubscribe"][1:-1]}:
        if "/account/notifications" in url:
            assert client.get(path_of(url)).status_code == 302  # to the login page
            continue
        assert client.get(path_of(url)).status_code == 200, url
    login(client, ada)
    assert client.get("/account/notifications").status_code == 200
    share = next(u for u in links(message) if f"/results/{ada.username}" in u)
    page = client.get(path_of(share)).get_data(as_text=True)
    assert 'data-testid="participant-card"' in page  # the member's share card
    client.post_form("/logout")

    # One click: a POST with no session and no CSRF token turns off only that kind, only for ada.
    unsubscribe = message["List-Unsubscribe"][1:-1]
    fresh = client.application.test_client()
    assert fresh.get(path_of(unsubscribe)).status_code == 200  # the confirmation page
    assert preferences_of(ada.id)[K.RESULTS] is True
    response = fresh.post(path_of(unsubscribe), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert preferences_of(ada.id) == {k: k not in (K.RESULTS, K.WEEKLY_DIGEST) for k in K}
    assert preferences_of(bob.id)[K.RESULTS] is True
    # The HTML footer's link is the same page; a tampered copy gets 400.
    assert unsubscribe in links(message)
    assert fresh.post(tamper(path_of(unsubscribe))).status_code == 400


def test_after_unsubscribing_the_next_email_of_that_kind_is_not_sent(
        smtp_server, frozen_clock, make_user, make_challenge, client):
    now = frozen_clock.now
    first = make_challenge("active", **schedule(now, started=H, submissions_left=3 * D))
    member = make_user("member")
    run_due(now)
    (message,) = smtp_server.to(member.email)
    assert client.post(path_of(message["List-Unsubscribe"][1:-1])).status_code == 200
    second = make_challenge("active", **schedule(now, started=2 * H, submissions_left=3 * D))
    run_due(now)
    assert len(smtp_server.to(member.email)) == 1
    assert first.slug != second.slug


def test_the_digest_lists_open_challenges_and_last_weeks_results(
        smtp_server, frozen_clock, make_user, make_challenge):
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    frozen_clock.set(monday - timedelta(days=4))
    finished = make_challenge("active", title="Last week's <b>bold</b> one",
                              **schedule(frozen_clock.now, started=D, submissions_left=D,
                                         voting_after=D))
    author = make_user("author", is_verified=True)
    submit(finished, author)
    frozen_clock.set(finished.voting_deadline)
    finalize(finished)
    frozen_clock.set(monday)
    open_now = make_challenge("active", title="This week",
                              **schedule(monday, started=3 * H, submissions_left=3 * D))
    reader = make_user("reader")
    turn(reader, K.WEEKLY_DIGEST, True)
    run_due(monday)
    (message,) = [m for m in smtp_server.to(reader.email) if kind_of(m) == K.WEEKLY_DIGEST]
    text, html = text_of(message), html_of(message)
    assert message["Subject"] == "Your week on Weekly Challenges (2026-W49)"
    closes = utc_label(open_now.submission_deadline)
    assert open_now.title in text and f"Submissions close {closes}" in text
    assert "1. @author (0 votes)" in text
    assert "Last week&#39;s &lt;b&gt;bold&lt;/b&gt; one" in html  # user text is escaped
    assert "<b>bold</b>" not in html


def test_user_text_is_escaped_in_the_html_part(smtp_server, frozen_clock, make_user,
                                              make_challenge):
    now = frozen_clock.now
    make_challenge("active", title="<script>alert(1)</script>", prompt="Draw <img src=x>",
                   **schedule(now, started=H, submissions_left=3 * D))
    member = make_user("member")
    run_due(now)
    (message,) = smtp_server.to(member.email)
    html = html_of(message)
    assert "<script>" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_sponsored_challenge_names_its_sponsor(smtp_server, frozen_clock, make_user,
                                                make_challenge, make_sponsor):
    now = frozen_clock.now
    sponsor = make_sponsor(name="DreamLabs")
    make_challenge("active", sponsor_id=sponsor.id,
                   **schedule(now, started=H, submissions_left=3 * D))
    member = make_user("member")
    run_due(now)
    (message,) = smtp_server.to(member.email)
    assert "(sponsored by DreamLabs)" in text_of(message)
    assert "Sponsored by <strong" in html_of(message) and "DreamLabs</strong>" in html_of(message)
