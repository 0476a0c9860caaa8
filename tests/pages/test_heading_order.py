"""Heading levels on the pages members browse (axe's "heading-order"): each page opens with its
one h1, and no heading skips a level below the one before it, so screen readers' heading
navigation reads as an outline. The gallery's cards are h3 under a visually hidden h2; its h1
was followed straight by them."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from ..core.helpers import submit, vote


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.levels.append(int(tag[1]))


def heading_levels(html: str) -> list[int]:
    parser = _Headings()
    parser.feed(html)
    return parser.levels


def skips(levels: list[int]) -> list[str]:
    """Where a heading goes more than one level below the one before it."""
    return [f"h{before} -> h{after} (heading {i + 1})"
            for i, (before, after) in enumerate(zip(levels, levels[1:], strict=False))
            if after > before + 1]


def test_the_checker_finds_a_skip() -> None:
    assert skips(heading_levels("<h1>a</h1><h3>b</h3>")) == ["h1 -> h3 (heading 1)"]
    assert skips(heading_levels("<h1>a</h1><h2>b</h2><h3>c</h3><h2>d</h2><h3>e</h3>")) == []


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_pages_headings_never_skip_a_level(client: Any, login: Any, make_challenge: Any,
                                           make_user: Any, who: str) -> None:
    challenge = make_challenge("active")
    author, other, member = make_user(), make_user(), make_user()
    first = submit(challenge, author, title="First light")
    submit(challenge, other, title="Second wind")
    vote(first, member)
    if who == "member":
        login(client, member)
    gallery = f"/challenges/{challenge.slug}/submissions/"
    paths = ["/", "/challenges/", f"/challenges/{challenge.slug}/",
             *(f"{gallery}?sort={sort}" for sort in ("discover", "votes", "newest")),
             f"{gallery}{first.id}/", f"/challenges/{challenge.slug}/leaderboard/",
             "/leaderboard/", f"/u/{author.username}", "/challenges/archive/"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        levels = heading_levels(response.get_data(as_text=True))
        assert levels and levels[0] == 1 and levels.count(1) == 1, (path, levels)
        assert not skips(levels), (path, levels)
