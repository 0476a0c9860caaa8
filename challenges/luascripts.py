"""Redis Lua scripts: run by their SHA, and several of them (with plain commands) sent in one
round trip.

Redis keeps the scripts it has run in a cache that a restart empties, so every call sends the
script's SHA and, on the rare NOSCRIPT answer, the source once (which caches it again). The
widget's poll reads the board and what features add to the viewer's row with several scripts;
a ``Batch`` sends them together (issue #14: each round trip was a large share of a poll).
redis-py's own ``Script`` objects ask ``SCRIPT EXISTS`` before each pipeline, a round trip of
their own, so they are not used here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import redis

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
U = TypeVar("U")

KeyOrArg = str | int | float


class LuaScript:
    """A Lua script, called by its SHA with its source sent only when Redis lacks it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()  # noqa: S324 (Redis names scripts so)

    def __call__(self, client: redis.Redis, keys: Sequence[str],
                 args: Sequence[KeyOrArg] = ()) -> Any:
        """Run the script now, in its own round trip; its reply as redis-py parses it."""
        return run_now(client, lambda batch: batch.script(self, keys, args))


class Reply(Generic[T_co]):
    """What a queued call answers, available once its batch has run."""

    def __init__(self, read: Callable[[], T_co]) -> None:
        self._read = read

    def get(self) -> T_co:
        """The value; raises the error Redis answered for this call (``RuntimeError`` before
        the batch ran)."""
        return self._read()

    def then(self, parse: Callable[[T_co], U]) -> Reply[U]:
        """A reply whose value is ``parse`` of this one's."""
        return Reply(lambda: parse(self._read()))


class Batch:
    """Script calls and commands sent to Redis together, in one round trip (a pipeline without
    MULTI: each script is atomic on its own, as when called alone)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        # A script call, or a plain command (None, its words, no arguments).
        self._calls: list[tuple[LuaScript | None, Sequence[str], Sequence[KeyOrArg]]] = []
        self._replies: list[Any] | None = None

    def script(self, script: LuaScript, keys: Sequence[str],
               args: Sequence[KeyOrArg] = ()) -> Reply[Any]:
        """Queue ``script``; its reply once ``execute`` has run."""
        self._calls.append((script, keys, args))
        return self._next_reply()

    def command(self, *words: str) -> Reply[Any]:
        """Queue a command (``"GET", key``); its reply as redis-py parses that command's."""
        self._calls.append((None, words, ()))
        return self._next_reply()

    def _next_reply(self) -> Reply[Any]:
        index = len(self._calls) - 1
        return Reply(lambda: self._reply(index))

    def execute(self) -> None:
        """Send every queued call (nothing when none is queued). A script Redis does not have
        cached (its cache empties when it restarts) is run again on its own with its source.
        An error Redis answers for one call is raised by that call's reply alone, so the others
        stay usable; a lost connection raises here."""
        if not self._calls:
            self._replies = []
            return
        pipe = self._client.pipeline(transaction=False)
        for script, keys, args in self._calls:
            if script is None:
                pipe.execute_command(*keys)
            else:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
        replies = pipe.execute(raise_on_error=False)
        for index, reply in enumerate(replies):
            script, keys, args = self._calls[index]
            if isinstance(reply, redis.exceptions.NoScriptError) and script is not None:
                try:
                    replies[index] = self._client.eval(script.source, len(keys), *keys, *args)
                except redis.exceptions.ResponseError as error:  # the script's own failure
                    replies[index] = error
        self._replies = replies

    def _reply(self, index: int) -> Any:
        if self._replies is None:
            raise RuntimeError("the batch has not been executed")
        reply = self._replies[index]
        if isinstance(reply, Exception):
            raise reply
        return reply


def run_now(client: redis.Redis, queue: Callable[[Batch], Reply[T]]) -> T:
    """What ``queue`` puts on a batch, sent at once in its own round trip."""
    batch = Batch(client)
    reply = queue(batch)
    batch.execute()
    return reply.get()


def done(value: T) -> Reply[T]:
    """A reply that needs no round trip (a value already known)."""
    return Reply(lambda: value)


__all__ = ["Batch", "LuaScript", "Reply", "done", "run_now"]
