"""A Discover order of more entries than Lua's ``unpack`` takes at once (about 8,000) is stored
and extended whole: before, a 10,000-entry challenge's order could never be stored, and every
gallery view drew it again and sorted it in SQL."""

from __future__ import annotations

from challenges.discover.order import _EXTEND, _STORE


def test_an_order_of_ten_thousand_entries_is_stored_and_extended_whole(redis_client):
    numbers = list(range(10_000, 0, -1))
    assert redis_client.eval(_STORE, 2, "order", "upto", 60, 10_000, *numbers) == 1
    assert redis_client.lrange("order", 0, -1) == [str(n) for n in numbers]
    assert redis_client.get("upto") == "10000"
    more = list(range(10_001, 19_001))
    assert redis_client.eval(_EXTEND, 2, "order", "upto", 10_000, 19_000, *more) == 1
    assert redis_client.llen("order") == 19_000
    assert redis_client.lrange("order", 10_000, 10_002) == ["10001", "10002", "10003"]
    assert redis_client.eval(_STORE, 2, "order", "upto", 60, 1, 1) == 0  # one exists: kept
