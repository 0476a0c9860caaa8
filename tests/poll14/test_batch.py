"""Redis script calls and commands in one round trip (``challenges.luascripts``, issue #14): a
script Redis lost is sent again with its source, an error answers for its own call alone, and a
viewer-row hook whose read fails leaves its part out of a board that still shows live."""

from __future__ import annotations

import pytest
import redis

from challenges.clock import utcnow
from challenges.extensions import get_redis
from challenges.leaderboard import live
from challenges.luascripts import Batch, LuaScript

from ..core.helpers import submit, vote

ECHO = LuaScript("return ARGV[1] .. '@' .. KEYS[1]")
BROKEN = LuaScript("return redis.error_reply('broken on purpose')")


def test_each_call_gets_its_own_reply_in_one_batch():
    client = get_redis()
    client.set("test:batch", "stored")
    batch = Batch(client)
    echo = batch.script(ECHO, ["k"], ["hello"])
    stored = batch.command("GET", "test:batch")
    with pytest.raises(RuntimeError):
        echo.get()  # nothing was sent yet
    batch.execute()
    assert (echo.get(), stored.get()) == ("hello@k", "stored")
    assert echo.then(str.upper).get() == "HELLO@K"


def test_a_script_redis_lost_is_sent_again_with_its_source():
    client = get_redis()
    client.script_flush()
    batch = Batch(client)
    echo = batch.script(ECHO, ["k"], ["again"])
    batch.execute()
    assert echo.get() == "again@k"
    assert client.script_exists(ECHO.sha) == [True]
    client.script_flush()
    assert ECHO(client, ["k"], ["alone"]) == "alone@k"


def test_an_error_answers_for_its_own_call_alone():
    client = get_redis()
    client.script_flush()  # the error must also come through the source's second send
    batch = Batch(client)
    broken = batch.script(BROKEN, ["k"])
    echo = batch.script(ECHO, ["k"], ["fine"])
    batch.execute()
    assert echo.get() == "fine@k"
    with pytest.raises(redis.ResponseError, match="broken on purpose"):
        broken.get()


def test_a_hook_whose_read_fails_leaves_its_part_out(make_challenge, make_user, monkeypatch):
    challenge, member = make_challenge("active"), make_user()
    vote(submit(challenge, member), make_user())

    def broken_hook(batch, challenge_id, viewer_id, completed, now):
        return batch.script(BROKEN, [f"test:{challenge_id}"])

    monkeypatch.setitem(live.VIEWER_ROW_HOOKS, "broken", broken_hook)
    board = live.board_for_page(challenge, member.id, utcnow())
    assert board.live  # not the SQL fallback: the board and the other hooks came through
    assert "movement" in board.extras and "broken" not in board.extras
