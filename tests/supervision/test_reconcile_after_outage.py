"""After an outage every board is reconciled by the job: one reconcile run makes each open board
equal to SQL again, and a board it repaired gets a new version, so an open widget polling with
the version it shows fetches the repaired rows instead of a 204.

RELIABILITY.md #31 (Redis restarts empty mid-voting) and #33 (reconcile: Redis == SQL).
"""

from __future__ import annotations

from challenges.clock import utcnow
from challenges.leaderboard import keys
from challenges.leaderboard.live import board_for_page
from jobs.leaderboards import reconcile_boards

from ..core.helpers import submit, vote
from ..core.test_leaderboard_property import assert_redis_matches_sql


def open_board(make_challenge, make_user, authors=3):
    """An active challenge with entries and votes, its board built in Redis."""
    challenge = make_challenge("active")
    entries = [submit(challenge, make_user()) for _ in range(authors)]
    for i, entry in enumerate(entries):
        for _ in range(i + 1):
            vote(entry, make_user())
    board_for_page(challenge, None, utcnow())
    return challenge, entries


def poll(client, challenge, shown_version):
    return client.get(f"/challenges/{challenge.slug}/leaderboard/live?v={shown_version}")


def test_after_a_flushall_one_reconcile_run_makes_every_board_equal_to_sql_and_widgets_refresh(
        client, make_challenge, make_user, redis_client):
    boards = [open_board(make_challenge, make_user)[0] for _ in range(2)]
    shown = {b.id: int(redis_client.get(keys.version(b.id))) for b in boards}
    assert all(poll(client, b, shown[b.id]).status_code == 204 for b in boards)

    redis_client.flushall()  # Valkey restarted without its data
    result = reconcile_boards()

    assert {str(b.id) for b in boards} <= set(result["fixed"])
    for board in boards:
        assert_redis_matches_sql(redis_client, board)
        assert int(redis_client.get(keys.version(board.id))) > shown[board.id]
        assert poll(client, board, shown[board.id]).status_code == 200
    assert reconcile_boards()["fixed"] == {}  # nothing left to repair


def test_a_repaired_score_gets_a_new_poll_version_so_open_widgets_refresh(
        client, make_challenge, make_user, redis_client):
    challenge, entries = open_board(make_challenge, make_user)
    shown = int(redis_client.get(keys.version(challenge.id)))
    redis_client.zadd(keys.board(challenge.id), {entries[0].user_id: 9999.0})  # corrupted
    assert poll(client, challenge, shown).status_code == 204  # the widget cannot tell

    reconcile_boards()

    response = poll(client, challenge, shown)
    assert response.status_code == 200
    assert "9999" not in response.get_data(as_text=True)
    assert_redis_matches_sql(redis_client, challenge)
    assert poll(client, challenge, int(redis_client.get(keys.version(challenge.id)))) \
        .status_code == 204
