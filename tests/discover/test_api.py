"""The JSON API offers every gallery order, Discover too (``?sort=discover``): following
``next`` reaches each counting entry exactly once, and the same walk twice gives one order."""

from __future__ import annotations

from tests.api.test_pagination import gallery, ids, walk  # noqa: F401  (the fixture)


def test_walking_discover_over_all_submissions_returns_each_exactly_once(client, gallery):  # noqa: F811
    challenge, counting = gallery
    for limit in (1, 5, 17, 50):
        url = f"/api/challenges/{challenge.slug}/submissions/?sort=discover&limit={limit}"
        items, pages = walk(client, url)
        assert len(ids(items)) == len(set(ids(items))), ("no entry twice", limit)
        assert set(ids(items)) == {str(e.id) for e in counting}, limit
        assert pages == max(1, -(-len(counting) // limit)), limit
        assert ids(walk(client, url)[0]) == ids(items)  # the same order again
