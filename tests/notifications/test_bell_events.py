"""Issue #9: the bell's own news from votes: "your entry got its first vote" (once per entry) and
"you were passed on the board" (the members the author just overtook, at most once an hour)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard.live import board_for_page
from challenges.notifications.inbox import InAppNotification
from challenges.notifications.vote_events import notify_vote

from ..core.helpers import submit, unvote, vote


def news(user, kind: str) -> list[InAppNotification]:
    db.session.expire_all()
    return list(db.session.scalars(select(InAppNotification).where(
        InAppNotification.user_id == user.id, InAppNotification.kind == kind)))


def build_board(challenge) -> None:
    """As the landing page does: the board is in Redis from then on."""
    board_for_page(challenge, None, utcnow())
    db.session.rollback()


def test_an_entrys_first_vote_tells_its_author_once(make_challenge, make_user):
    challenge, author = make_challenge("active"), make_user()
    voters = [make_user() for _ in range(3)]
    entry = submit(challenge, author, title="Dream <3")
    vote(entry, voters[0])
    (first,) = news(author, "first_vote")
    assert first.key == f"first-vote:{entry.id}" and first.challenge_id == challenge.id
    assert first.text == "Your entry “Dream <3” got its first vote."
    assert first.link == f"/challenges/{challenge.slug}/submissions/{entry.id}/"
    vote(entry, voters[1])
    unvote(entry, voters[0])
    vote(entry, voters[0])  # a vote again after it was withdrawn is not a first vote
    vote(entry, voters[2])
    assert len(news(author, "first_vote")) == 1
    assert news(voters[0], "first_vote") == []


def test_the_job_run_twice_adds_nothing_twice(make_challenge, make_user):
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    vote(entry, voter)
    assert notify_vote(str(challenge.id), str(entry.id), voter.id, author.id, None) == 0
    assert len(news(author, "first_vote")) == 1


def test_overtaking_tells_the_members_passed(make_challenge, make_user, frozen_clock):
    challenge = make_challenge("active")
    leader, second, climber = make_user(), make_user(), make_user()
    voters = [make_user() for _ in range(4)]
    lead_entry, second_entry = submit(challenge, leader), submit(challenge, second)
    climb_entry = submit(challenge, climber)
    build_board(challenge)
    vote(lead_entry, voters[0])
    vote(lead_entry, voters[1])
    vote(second_entry, voters[0])  # board: leader 2, second 1, climber 0
    vote(climb_entry, voters[0])  # climber 1: level with second, whose entry came first
    assert news(second, "passed") == []
    vote(climb_entry, voters[1])  # climber 2 > second 1; level with leader, still behind
    (passed,) = news(second, "passed")
    assert passed.text == f"@{climber.username} passed you on the “{challenge.title}” leaderboard."
    assert passed.link == f"/challenges/{challenge.slug}/leaderboard/?at=me#you"
    assert news(leader, "passed") == [] and news(climber, "passed") == []


def test_being_passed_is_told_at_most_once_an_hour(make_challenge, make_user, frozen_clock):
    challenge = make_challenge("active")
    member, rival_a, rival_b, rival_c = make_user(), make_user(), make_user(), make_user()
    voters = [make_user() for _ in range(3)]
    mine = submit(challenge, member)
    entries = [submit(challenge, rival) for rival in (rival_a, rival_b, rival_c)]
    build_board(challenge)
    vote(mine, voters[0])  # member leads with 1
    vote(entries[0], voters[0])
    vote(entries[0], voters[1])  # rival a passes: told
    assert len(news(member, "passed")) == 1
    frozen_clock.advance(minutes=59)
    vote(entries[1], voters[0])
    vote(entries[1], voters[1])  # rival b passes within the hour: not told again
    assert len(news(member, "passed")) == 1
    frozen_clock.advance(minutes=1)
    vote(entries[2], voters[0])
    vote(entries[2], voters[1])  # rival c passes an hour after the first: told
    assert len(news(member, "passed")) == 2


def test_no_board_in_redis_means_no_passed_news_and_no_error(make_challenge, make_user):
    challenge, member, rival = make_challenge("active"), make_user(), make_user()
    voters = [make_user() for _ in range(2)]
    mine, theirs = submit(challenge, member), submit(challenge, rival)
    vote(mine, voters[0])
    vote(theirs, voters[0])
    vote(theirs, voters[1])  # the board was never built: only SQL knows the order
    assert news(member, "passed") == []
    assert len(news(rival, "first_vote")) == 1


def test_the_bell_shows_the_vote_news(client, login, make_challenge, make_user):
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    login(client, author)
    page = client.get("/").get_data(as_text=True)
    assert 'aria-label="Notifications, 0 unread"' in page
    vote(entry, voter)
    body = client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="Notifications, 1 unread"' in body and "got its first vote" in body


def test_a_first_vote_long_ago_is_dated_when_the_job_ran(make_challenge, make_user,
                                                         frozen_clock):
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    frozen_clock.advance(timedelta(hours=3))
    vote(entry, voter)
    (first,) = news(author, "first_vote")
    assert first.created_at == frozen_clock.now


def test_one_vote_passing_several_members_tells_each_not_told_this_hour(
        make_challenge, make_user, frozen_clock):
    """The gates of all the members one vote passes are asked together: each answers for its
    own member (one told a minute ago is not told again, the others are)."""
    challenge = make_challenge("active")
    climber, told_before, *others = (make_user() for _ in range(4))
    voters = [make_user() for _ in range(3)]
    mine = submit(challenge, climber)
    rivals = [submit(challenge, m) for m in (told_before, *others)]
    build_board(challenge)
    for rival in rivals:
        vote(rival, voters[0])  # three members on 1 vote, ahead of the climber (their entries)
    vote(mine, voters[0])  # the climber joins them on 1; entered last, so behind
    frozen_clock.advance(minutes=1)
    vote(rivals[0], voters[1])  # told_before goes to 2 and passes the other two
    assert [len(news(m, "passed")) for m in others] == [1, 1]
    frozen_clock.advance(minutes=1)

    vote(mine, voters[1])  # the climber to 2: passes the two others (told a minute ago)
    vote(mine, voters[2])  # then to 3: passes told_before (not told yet this hour)

    assert len(news(told_before, "passed")) == 1  # told once
    assert [len(news(m, "passed")) for m in others] == [1, 1]  # told a minute ago: not again


def test_with_redis_away_a_vote_still_tells_its_author(app, make_challenge, make_user,
                                                      monkeypatch):
    """No queue for the notifications' job while Redis is away: the request that settled its
    vote adds them itself (they were lost: the handler's enqueue failed), the first time it
    finds Redis failing and while it rests Redis afterwards."""
    import redis

    from challenges import redisguard

    from ..poll14.test_seen import RedisGone
    from ..support.ports import free_port

    # The queue's own connection (RQ's) gone too.
    monkeypatch.setitem(app.extensions, "wc_rq",
                        redis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0"))
    challenge = make_challenge("active")
    first, second = submit(challenge, make_user()), submit(challenge, make_user())
    with RedisGone(app):
        vote(first, make_user())  # finds Redis failing
        assert redisguard.redis_failed_recently()
        vote(second, make_user())  # Redis resting: not asked
    assert len(news(first.user, "first_vote")) == 1
    assert len(news(second.user, "first_vote")) == 1
