"""Issue #13, "The 'you' row with movement" (SPEC §5, §12): the viewer's rank change since the
start of the UTC day, from a day-start snapshot in Redis taken by a job or lazily by the first
read, and the votes they need to pass the member above, by the tie rule. Zero SQL on the poll."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template_string

from challenges.clock import utcnow
from challenges.extensions import get_redis
from challenges.leaderboard.live import board_for_page
from challenges.leaderboard.scores import encode
from challenges.movement import keys
from challenges.movement.jobs import take_day_start_snapshots
from challenges.movement.service import Movement, ToPass, viewer_movement, votes_to_pass

from ..core.helpers import submit, unvote, vote


def votes(entry, n, make_user):
    for _ in range(n):
        vote(entry, make_user())


# --- Votes to pass: counted votes and the tie rule -------------------------------------------


def test_votes_to_pass_is_the_gap_when_a_tie_goes_to_the_viewer():
    # The viewer's first entry (#1) came before the other member's (#5): reaching them is enough.
    assert votes_to_pass(encode(3, 1), encode(5, 5)) == (2, False)
    assert votes_to_pass(encode(3, 1), encode(3.25, 5)) == (1, False)  # a quarter: one vote


def test_votes_to_pass_needs_one_more_when_the_tie_goes_to_the_other_member():
    # Equal votes are not enough: the other member's first entry (#1) came earlier.
    assert votes_to_pass(encode(3, 5), encode(5, 1)) == (3, True)
    assert votes_to_pass(encode(5, 5), encode(5, 1)) == (1, True)


def test_votes_to_pass_rounds_a_weighted_gap_up_to_full_votes():
    assert votes_to_pass(encode(3, 5), encode(4.5, 1)) == (2, False)  # 1.5 -> 2 full votes
    assert votes_to_pass(encode(3, 1), encode(4.5, 5)) == (2, False)


# --- Movement across midnight ---------------------------------------------------------------


def _evening_board(frozen_clock, make_challenge, make_user):
    """22:00 UTC: @a 3 votes, @b 2, @c 1 (entries in that order), the board built."""
    evening = frozen_clock.now.replace(hour=22, minute=0, second=0)
    frozen_clock.set(evening)
    challenge = make_challenge("active")
    a, b, c = make_user(), make_user(), make_user()
    entries = {user.id: submit(challenge, user) for user in (a, b, c)}
    votes(entries[a.id], 3, make_user)
    votes(entries[b.id], 2, make_user)
    votes(entries[c.id], 1, make_user)
    board_for_page(challenge, None, utcnow())  # builds the Redis board
    return challenge, (a, b, c), entries


def _morning_votes(frozen_clock, challenge, users, entries, make_user):
    """After midnight: @c gets 3 votes (4 in all, first), and @d enters with 1 vote."""
    a, b, c = users
    evening_day = (frozen_clock.now - timedelta(hours=3)).date()  # 22:00, or just past 00:00
    frozen_clock.set(frozen_clock.now.replace(year=evening_day.year, month=evening_day.month,
                                              day=evening_day.day, hour=2, minute=0, second=0)
                     + timedelta(days=1))
    votes(entries[c.id], 3, make_user)
    d = make_user()
    votes(submit(challenge, d), 1, make_user)
    return d


def _expected_morning(users, d):
    a, b, c = users
    return {
        # @c: 3rd at 00:00, 1st now. Rank 1: nobody to pass.
        c.id: Movement(1, True, 3, None),
        # @a: 1st -> 2nd. 3 votes vs @c's 4, @a's first entry is earlier: 1 vote passes.
        a.id: Movement(2, True, 1, ToPass(1, c.username, False)),
        # @b: 2nd -> 3rd. 2 vs @a's 3, the tie would go to @a: 2 votes.
        b.id: Movement(3, True, 2, ToPass(2, a.username, True)),
        # @d: not on the board at 00:00.
        d.id: Movement(4, True, None, ToPass(2, b.username, True)),
    }


def _movements(challenge, user_ids):
    return {uid: viewer_movement(get_redis(), challenge.id, uid, utcnow()) for uid in user_ids}


def test_movement_counts_from_the_snapshot_the_job_takes_at_midnight(frozen_clock,
                                                                     make_challenge, make_user):
    challenge, users, entries = _evening_board(frozen_clock, make_challenge, make_user)
    frozen_clock.set(frozen_clock.now.replace(hour=0, minute=0, second=30) + timedelta(days=1))
    assert take_day_start_snapshots() == {"taken": 1, "not_built": 0}
    assert take_day_start_snapshots() == {"taken": 0, "not_built": 0}  # idempotent
    d = _morning_votes(frozen_clock, challenge, users, entries, make_user)
    assert _movements(challenge, [*(u.id for u in users), d.id]) == _expected_morning(users, d)
    assert _movements(challenge, [d.id])[d.id].new_today


def test_a_missed_job_is_made_up_by_the_first_read_of_the_day(frozen_clock, make_challenge,
                                                              make_user, redis_client):
    challenge, users, entries = _evening_board(frozen_clock, make_challenge, make_user)
    d = _morning_votes(frozen_clock, challenge, users, entries, make_user)  # no job ran
    today = utcnow().date()
    assert not redis_client.exists(keys.taken(challenge.id, today))
    # Read at 02:00, after the morning's votes: still the ranks of 00:00 (today's votes are
    # taken out of the live board), so the same movement as with the job.
    assert _movements(challenge, [*(u.id for u in users), d.id]) == _expected_morning(users, d)
    assert redis_client.exists(keys.taken(challenge.id, today))
    assert take_day_start_snapshots() == {"taken": 0, "not_built": 0}  # the read took it


def test_a_vote_cast_before_midnight_is_not_movement_of_the_next_day(frozen_clock,
                                                                     make_challenge, make_user):
    challenge, (a, b, c), entries = _evening_board(frozen_clock, make_challenge, make_user)
    frozen_clock.set(frozen_clock.now.replace(minute=59, second=59) + timedelta(hours=1))  # 23:59
    votes(entries[c.id], 2, make_user)  # @c climbs to 2nd before midnight (3 votes, #3 > #2)
    frozen_clock.advance(seconds=2)  # 00:00:01, a new UTC day; the job has not run
    moved = viewer_movement(get_redis(), challenge.id, c.id, utcnow())
    assert moved == Movement(2, True, 2, ToPass(1, a.username, True))  # no change today
    assert moved.change == 0


def test_a_new_day_starts_from_the_board_at_its_midnight(frozen_clock, make_challenge,
                                                         make_user):
    challenge, users, entries = _evening_board(frozen_clock, make_challenge, make_user)
    d = _morning_votes(frozen_clock, challenge, users, entries, make_user)
    frozen_clock.advance(days=1)  # the day after: nothing moved since its midnight
    a, b, c = users
    moved = _movements(challenge, [a.id, c.id, d.id])
    assert moved[c.id].change == 0 and moved[a.id].change == 0
    assert moved[d.id].change == 0 and not moved[d.id].new_today


def test_an_unvote_today_moves_the_viewer_down(frozen_clock, make_challenge, make_user):
    challenge = make_challenge("active")
    a, b = make_user(), make_user()
    first, second = submit(challenge, a), submit(challenge, b)
    voter = make_user()
    board_for_page(challenge, None, utcnow())
    frozen_clock.advance(days=1)
    take_day_start_snapshots()
    vote(first, voter)  # @a leads
    vote(second, make_user())
    vote(second, make_user())  # @b passes @a
    unvote(first, voter)
    moved = viewer_movement(get_redis(), challenge.id, a.id, utcnow())
    assert moved == Movement(2, True, 1, ToPass(2, b.username, False))
    assert moved.change == -1


def test_no_snapshot_shows_no_movement(frozen_clock, make_challenge, make_user):
    challenge, (a, b, c), _ = _evening_board(frozen_clock, make_challenge, make_user)
    moved = viewer_movement(get_redis(), challenge.id, b.id, utcnow(), take_missing=False)
    assert moved == Movement(2, False, None, ToPass(2, a.username, True))
    assert moved.change is None and not moved.new_today
    html = render_template_string('{% include "movement/_you_movement.html" %}', m=moved)
    assert "00:00" not in html and "New today" not in html
    assert "2 votes to pass @" + a.username in html


def test_a_read_leaves_a_big_boards_snapshot_to_the_job(frozen_clock, make_challenge,
                                                       make_user, monkeypatch):
    """A read copies a missing snapshot only of a board up to ``READ_TAKES_AT_MOST`` members
    (a 1,000,000-member copy held Redis past the web clients' timeout); the job copies any."""
    from challenges.movement import service

    challenge, (a, b, c), _ = _evening_board(frozen_clock, make_challenge, make_user)
    monkeypatch.setattr(service, "READ_TAKES_AT_MOST", 2)  # this board has three members
    assert not viewer_movement(get_redis(), challenge.id, b.id, utcnow()).known  # not taken
    monkeypatch.setattr(service, "READ_TAKES_AT_MOST", 3)
    assert viewer_movement(get_redis(), challenge.id, b.id, utcnow()).known  # taken


def test_a_viewer_off_the_board_has_no_movement(make_challenge, make_user):
    challenge, author, viewer = make_challenge("active"), make_user(), make_user()
    submit(challenge, author)
    board_for_page(challenge, None, utcnow())
    assert viewer_movement(get_redis(), challenge.id, viewer.id, utcnow()) is None
    assert board_for_page(challenge, viewer.id, utcnow()).extras == {}


# --- The widget and its poll ----------------------------------------------------------------


def fragment(client, slug):
    response = client.get(f"/challenges/{slug}/leaderboard/live?v=-1")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_you_row_shows_movement_and_votes_to_pass_with_zero_sql(
        frozen_clock, client, login, make_challenge, make_user, count_sql):
    challenge = make_challenge("active")
    authors = [make_user() for _ in range(12)]
    entries = [submit(challenge, author) for author in authors]
    for i, entry in enumerate(entries[:11]):
        votes(entry, 11 - i, make_user)  # 11, 10, ... 1 votes; the 12th has none
    me = authors[-1]
    login(client, me)
    assert client.get(f"/challenges/{challenge.slug}/").status_code == 200  # builds the board
    frozen_clock.set(frozen_clock.now.replace(hour=0, minute=0, second=0) + timedelta(days=1))
    votes(entries[-1], 3, make_user)  # 12th -> 10th after midnight
    slug = challenge.slug
    count_sql.clear()
    body = fragment(client, slug)
    assert count_sql == [], count_sql  # the poll, the lazy snapshot and the you row: Redis only
    assert "Up 2 places since 00:00 UTC" in body
    # 3 votes vs @authors[8]'s 3, whose first entry came earlier: 1 more vote passes.
    assert f"1 vote to pass @{authors[8].username}" in body
    assert "one fewer ties" in body
    assert 'class="board-row is-you"' in body  # in the top 10 now: movement in its own row


def _below_the_top_10_moving_up(frozen_clock, client, login, make_challenge, make_user):
    """12 members, the signed-in last of them 12th at 00:00 UTC, then 11th (one vote passes
    @authors[10], who has none); 10 votes above them are 3 to 12."""
    challenge = make_challenge("active")
    authors = [make_user() for _ in range(12)]
    entries = [submit(challenge, author) for author in authors]
    for i, entry in enumerate(entries[:10]):
        votes(entry, 12 - i, make_user)  # 12 ... 3
    me = authors[-1]
    login(client, me)
    client.get(f"/challenges/{challenge.slug}/")
    frozen_clock.set(frozen_clock.now.replace(hour=0, minute=0, second=0) + timedelta(days=1))
    take_day_start_snapshots()
    votes(entries[-1], 1, make_user)  # passes @authors[10] (0 votes): 12th -> 11th
    return challenge, authors, me


def test_the_you_row_below_the_top_10_shows_movement(frozen_clock, client, login,
                                                     make_challenge, make_user):
    challenge, authors, _ = _below_the_top_10_moving_up(frozen_clock, client, login,
                                                         make_challenge, make_user)
    body = fragment(client, challenge.slug)
    you = body.split('board-you')[1]
    assert "Up 1 place since 00:00 UTC" in you
    # 1 vote vs @authors[9]'s 3, whose first entry came earlier: 3 votes.
    assert f"3 votes to pass @{authors[9].username}" in you


def test_the_leader_has_no_votes_to_pass_line(client, login, make_challenge, make_user):
    challenge, leader, other = make_challenge("active"), make_user(), make_user()
    votes(submit(challenge, leader), 2, make_user)
    submit(challenge, other)
    login(client, leader)
    body = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert 'data-testid="you-movement"' in body
    assert "to pass" not in body


def test_a_final_board_shows_no_movement(frozen_clock, client, login, make_challenge, make_user):
    challenge, author = make_challenge("active"), make_user()
    submit(challenge, author)
    login(client, author)
    client.get(f"/challenges/{challenge.slug}/")
    frozen_clock.advance(days=5)  # past the voting deadline
    body = client.get(f"/challenges/{challenge.slug}/leaderboard/live").get_data(as_text=True)
    assert "Final results" in body and "you-movement" not in body


# --- The full board's pages ------------------------------------------------------------------


def test_the_full_board_shows_movement_on_the_viewers_row(frozen_clock, client, login,
                                                         make_challenge, make_user, count_sql):
    challenge = make_challenge("active")
    authors = [make_user() for _ in range(4)]
    entries = [submit(challenge, author) for author in authors]
    for i, entry in enumerate(entries):
        votes(entry, 4 - i, make_user)  # 4, 3, 2, 1
    me = authors[-1]
    login(client, me)
    client.get(f"/challenges/{challenge.slug}/")
    frozen_clock.set(frozen_clock.now.replace(hour=0, minute=0, second=0) + timedelta(days=1))
    take_day_start_snapshots()
    votes(entries[-1], 2, make_user)  # 3 votes, tied with @authors[1] (whose entry came first)
    page = client.get(f"/challenges/{challenge.slug}/leaderboard/").get_data(as_text=True)
    mine = page.split('id="you"')[1].split("</li>")[0]
    assert "Up 1 place since 00:00 UTC" in mine  # 4th -> 3rd: @authors[1] keeps the tie
    assert f"1 vote to pass @{authors[1].username}" in mine
    slug = challenge.slug
    count_sql.clear()
    more = client.get(f"/challenges/{slug}/leaderboard/ranks").get_data(as_text=True)
    assert count_sql == [], count_sql  # "load more" stays Redis-only with the movement
    assert "Up 1 place since 00:00 UTC" in more


# --- The JSON API ------------------------------------------------------------------------------


def api_board(client, challenge, **query):
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return client.get(f"/api/challenges/{challenge.slug}/leaderboard/?{args}").get_json()


def test_the_apis_me_carries_the_you_rows_movement_wherever_it_is(
        frozen_clock, client, login, make_challenge, make_user):
    challenge, authors, me = _below_the_top_10_moving_up(frozen_clock, client, login,
                                                          make_challenge, make_user)
    expected = {"places_today": 1, "new_today": False,
                "to_pass": {"votes": 3, "username": authors[9].username,
                            "tie_goes_to_them": True}}  # 2 would tie; the tie is theirs
    # The first page (the top 10) does not hold the caller's row; "me" still has it, moving.
    top = api_board(client, challenge, limit=10)
    assert top["me"]["rank"] == 11 and top["me"]["movement"] == expected
    assert all("movement" not in row for row in top["results"])  # the caller's row only
    # The same as what the widget computes, on the page that holds the row too.
    assert viewer_movement(get_redis(), challenge.id, me.id, utcnow()).as_json() == expected
    assert api_board(client, challenge, limit=2, cursor=top["next_cursor"])["me"] == top["me"]


def test_the_apis_me_has_no_movement_once_the_results_are_final(
        frozen_clock, client, login, make_challenge, make_user):
    challenge, author = make_challenge("active"), make_user()
    votes(submit(challenge, author), 2, make_user)
    login(client, author)
    assert api_board(client, challenge)["me"]["movement"]["to_pass"] is None  # the leader
    frozen_clock.set(challenge.ends_at)
    body = api_board(client, challenge)
    assert body["final"] and body["me"]["rank"] == 1 and "movement" not in body["me"]
