"""A poll that finds a new board version but the same widget is a 204 (issue #14): the widget
sends the digest of what it shows (``s``, ``BoardView.shown``) with its version, and votes for
members out of sight no longer cost every open tab a rendered fragment."""

from __future__ import annotations

import html
import re
from typing import Any

from challenges.leaderboard.live import TOP

from ..core.helpers import submit, vote

POLL_URL = re.compile(r'hx-get="([^"]+/leaderboard/live\?[^"]+)"')


def poll_url(body: str) -> str:
    """The URL the widget polls, as the page or the last fragment wrote it."""
    found = POLL_URL.search(body)
    assert found, body[:500]
    return html.unescape(found.group(1))


def htmx_get(client: Any, url: str) -> Any:
    return client.get(url, headers={"HX-Request": "true"})


def crowded_board(make_challenge: Any, make_user: Any) -> tuple[Any, list[Any]]:
    """A challenge with TOP + 3 authors, ranked by how many votes they got (the first most)."""
    challenge = make_challenge("active")
    entries = [submit(challenge, make_user()) for _ in range(TOP + 3)]
    voters = [make_user() for _ in range(TOP + 3)]
    for place, entry in enumerate(entries):
        for voter in voters[: TOP + 3 - place]:
            vote(entry, voter)
    return challenge, entries


def test_a_vote_out_of_sight_leaves_the_anonymous_widget_a_204_with_no_sql(
        client, count_sql, make_challenge, make_user):
    challenge, entries = crowded_board(make_challenge, make_user)
    widget = htmx_get(client, f"/challenges/{challenge.slug}/leaderboard/live")
    assert widget.status_code == 200
    seen = poll_url(widget.get_data(as_text=True))

    vote(entries[-1], make_user())  # the last member, far below the top ten: version moves
    count_sql.clear()
    answer = htmx_get(client, seen)

    assert answer.status_code == 204 and answer.get_data() == b""
    assert count_sql == []
    # Without the digest the same poll is a changed board (the version did move).
    assert htmx_get(client, seen.split("&s=")[0]).status_code == 200


def test_a_vote_that_changes_the_top_rows_is_a_new_fragment(client, make_challenge, make_user):
    challenge, entries = crowded_board(make_challenge, make_user)
    seen = poll_url(htmx_get(client, f"/challenges/{challenge.slug}/leaderboard/live")
                    .get_data(as_text=True))

    vote(entries[0], make_user())  # the leader's votes, shown in the widget

    answer = htmx_get(client, seen)
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert poll_url(body) != seen
    assert htmx_get(client, poll_url(body)).status_code == 204


def test_a_member_sees_their_own_row_change_while_others_get_a_204(
        client, app, login, make_challenge, make_user):
    challenge, entries = crowded_board(make_challenge, make_user)
    member = entries[-1].user  # ranked below the top ten: their own row is under it
    anonymous = app.test_client()
    anon_seen = poll_url(htmx_get(anonymous, f"/challenges/{challenge.slug}/leaderboard/live")
                         .get_data(as_text=True))
    login(client, member)
    member_seen = poll_url(client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True))

    # The page's widget and the poll agree on the digest (movement and all): a vote out of the
    # member's sight (not the member just above them: the votes to pass them would change)
    # is a 204 for the member too.
    vote(entries[-3], make_user())
    assert htmx_get(client, member_seen).status_code == 204

    vote(entries[-1], make_user())  # the member's own entry

    assert htmx_get(anonymous, anon_seen).status_code == 204
    mine = htmx_get(client, member_seen)
    assert mine.status_code == 200
    assert "You (@" in mine.get_data(as_text=True)


def test_a_digest_that_is_not_one_is_ignored(client, make_challenge, make_user):
    challenge, entries = crowded_board(make_challenge, make_user)
    seen = poll_url(htmx_get(client, f"/challenges/{challenge.slug}/leaderboard/live")
                    .get_data(as_text=True))
    vote(entries[-1], make_user())
    base = seen.split("&s=")[0]
    for bogus in ("", "zz", "0" * 15, "A" * 16, "0" * 17):
        assert htmx_get(client, f"{base}&s={bogus}").status_code == 200, bogus
