"""The widget rendered once where it is the same (issue #14, challenges/leaderboard/widget.py):
the memo never changes a byte of what a viewer gets (compared with a full render of the same
board, for anonymous viewers, members in and out of the top rows, frozen, final and Spanish
boards), an anonymous widget is rendered once per version, members who see the same board share
one rendering of it with their own bits filled in (also across versions that show the same), and
pages that include the widget take its rows from the memo too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from markupsafe import Markup

from challenges.clock import utcnow
from challenges.leaderboard import widget
from challenges.leaderboard.live import TOP, BoardView, board_for_page
from challenges.movement.jobs import take_day_start_snapshots
from challenges.templating import render_bare

from ..core.helpers import submit, vote


@pytest.fixture(autouse=True)
def empty_memo() -> Iterator[None]:
    widget.forget()
    yield
    widget.forget()


@pytest.fixture
def crowd(make_challenge: Any, make_user: Any) -> tuple[Any, list[Any]]:
    """TOP + 2 authors ranked by their votes (the first most), and the board built."""
    challenge = make_challenge("active")
    authors = [make_user() for _ in range(TOP + 2)]
    voters = [make_user() for _ in range(TOP + 2)]
    for place, author in enumerate(authors):
        entry = submit(challenge, author)
        for voter in voters[: TOP + 2 - place]:
            vote(entry, voter)
    board_for_page(challenge, None, utcnow())
    take_day_start_snapshots()  # the members' movement
    return challenge, authors


def board(app: Any, challenge: Any, viewer_id: int | None, language: str = "en",
          at: Any = None, base_url: str | None = None) -> tuple[BoardView, str, str]:
    """The board as ``viewer_id`` reads it, the memo's widget and a full render of it."""
    # A fresh app context: Flask-Babel caches the locale on ``g``.
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": language},
                                                     base_url=base_url):
        view = board_for_page(challenge, viewer_id, at or utcnow())
        assert view.live
        # The full render takes its rows from _rows.html itself and the viewer's bits from
        # their templates, not from the memos (context variables shadow the template globals).
        full = render_bare(widget.WIDGET, board=view, announce=True,
                           leaderboard_rows=lambda b: Markup(render_bare(widget.ROWS, board=b)),
                           leaderboard_viewer_bits=lambda b: widget.viewer_bits(b, memo=False))
        return view, widget.widget_html(view, True), full


def test_an_anonymous_widget_is_byte_for_byte_the_full_render_and_rendered_once(app, crowd):
    challenge, _ = crowd
    view, first, full = board(app, challenge, None)
    assert first == full
    again = board(app, challenge, None)[1]
    assert again is first  # the same string: the memo's, not a second rendering


@pytest.mark.parametrize("place", [0, TOP - 1, TOP + 1])  # leader, last of the top, below
def test_a_members_widget_is_the_full_render_in_or_out_of_the_top_rows(app, crowd, place):
    challenge, authors = crowd
    member = authors[place]
    for _ in range(2):  # the memo empty, then full
        view, html, full = board(app, challenge, member.id)
        assert html == full
        assert html.count("is-you") == 1 and "data-testid=\"you-movement\"" in html
        assert (view.viewer is None) == (place < TOP)


def test_members_out_of_the_top_rows_share_one_rendering_of_them(app, crowd):
    challenge, authors = crowd
    below, other, leader = authors[TOP], authors[TOP + 1], authors[0]
    with app.test_request_context("/"):
        rows = widget.rows_html(board_for_page(challenge, below.id, utcnow()))
        assert widget.rows_html(board_for_page(challenge, other.id, utcnow())) is rows
        assert widget.rows_html(board_for_page(challenge, None, utcnow())) is rows
        mine = widget.rows_html(board_for_page(challenge, leader.id, utcnow()))
    assert mine is not rows and "is-you" in mine and "is-you" not in rows


def test_members_who_see_the_same_board_share_one_frame_with_their_own_bits(app, crowd):
    challenge, authors = crowd
    below, other = authors[TOP], authors[TOP + 1]
    mine = board(app, challenge, below.id)
    theirs = board(app, challenge, other.id)
    assert (mine[1], theirs[1]) == (mine[2], theirs[2])  # each is its full render
    assert len(widget._frames._items) == 1
    assert f"@{below.username}" in mine[1] and f"@{other.username}" not in mine[1]
    assert mine[0].shown != theirs[0].shown  # their poll URLs differ by the digest
    assert f"s={mine[0].shown}" in mine[1] and f"s={theirs[0].shown}" in theirs[1]
    assert "wc-hole-" not in mine[1] + theirs[1]


def test_a_vote_that_leaves_the_top_rows_as_they_were_reuses_the_frame(app, crowd, make_user):
    challenge, authors = crowd
    below, other = authors[TOP], authors[TOP + 1]
    before = board(app, challenge, below.id)
    vote(submit(challenge, other), make_user())  # the last member's second entry: still below
    view, html, full = board(app, challenge, below.id)
    assert view.version != before[0].version and view.rows == before[0].rows
    assert html == full and f'data-version="{view.version}"' in html
    assert len(widget._frames._items) == 1


def test_a_members_widget_under_a_script_root_is_its_own_frame(app, crowd):
    challenge, authors = crowd
    at_root = board(app, challenge, authors[TOP].id)
    view, html, full = board(app, challenge, authors[TOP].id, base_url="http://localhost/wc")
    assert html == full and f"/wc/challenges/{challenge.slug}/leaderboard/live" in html
    assert at_root[1] == at_root[2] and "/wc/" not in at_root[1]
    assert len(widget._frames._items) == 2


def test_a_new_vote_is_a_new_widget(app, crowd, make_user):
    challenge, authors = crowd
    before = board(app, challenge, None)[1]
    vote(submit(challenge, make_user()), make_user())
    view, after, full = board(app, challenge, None)
    assert after == full and after != before


def test_languages_never_share_a_rendering(app, crowd):
    challenge, authors = crowd
    english = board(app, challenge, authors[TOP].id)[1]
    view, spanish, full = board(app, challenge, authors[TOP].id, "es")
    assert spanish == full and spanish != english
    assert "votos" in spanish and "votos" not in english


def test_frozen_and_final_boards_are_their_full_render(app, crowd, frozen_clock):
    challenge, authors = crowd
    challenge.freeze_hours = 24
    from challenges.extensions import db

    db.session.commit()
    frozen_clock.set(challenge.voting_deadline - timedelta(hours=1))
    for viewer in (None, authors[0].id, authors[TOP].id):
        view, html, full = board(app, challenge, viewer)
        assert view.frozen_hours == 24 and html == full
    frozen_clock.set(challenge.ends_at)
    for viewer in (None, authors[0].id):
        view, html, full = board(app, challenge, viewer)
        assert view.completed and html == full and "Final results" in html


def test_the_polling_endpoint_sends_the_memos_widget(client, crowd):
    challenge, _ = crowd
    response = client.get(f"/challenges/{challenge.slug}/leaderboard/live",
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) in widget._widgets._items.values()


def test_a_landing_page_takes_the_board_rows_from_the_memo(client, crowd):
    """The page renders the widget in full but for its top rows: the memo's (rendered once per
    rows, state and language for pages and polls alike)."""
    challenge, _ = crowd
    response = client.get(f"/challenges/{challenge.slug}/")
    assert response.status_code == 200
    rows = list(widget._rows._items.values())
    assert len(rows) == 1 and rows[0].count("board-row") == TOP
    assert str(rows[0]) in response.get_data(as_text=True)
    again = client.get(f"/challenges/{challenge.slug}/")
    assert list(widget._rows._items.values()) == rows  # no second rendering of them
    assert str(rows[0]) in again.get_data(as_text=True)
