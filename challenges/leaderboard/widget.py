"""The leaderboard widget's HTML for its polling endpoint, rendered once where it is the same
(issue #14: rendering was most of a changed poll's cost, and under load nearly every poll is one).

What the widget shows is a function of the board (``BoardView``), whether it announces, and the
page's language, nothing else: no clock, no CSRF token, no nonce. So:

- an anonymous viewer's widget is the same for everyone who reads that board at that version in
  that language: rendered once per process and reused (``_widgets``);
- a member's widget differs by their own bits (``ViewerBits``: the poll URL with the board's
  version and their digest, their row under the board, their place in the announcement), and
  by the ``is-you`` mark when they are among the top rows. The rest is the same for every
  member who sees the same board: it is rendered once with a placeholder for each bit (a
  ``Frame``, ``_frames``), and each poll fills in its own, themselves rendered once per (row,
  state, language) (``_you_rows``, ``_places``). Issue #14: a member's changed poll rendered the
  whole widget, a third of its cost. Frames are keyed by what the board shows, not by its
  version (every vote moves the version; the top rows and the count of participants move less).
- the top rows (``leaderboard/_rows.html``) are rendered once per (rows, state, language)
  (``_rows``). The pages that include the widget (home, a challenge's landing page) take their
  rows and the viewer's bits from the same memos (the template globals ``leaderboard_rows`` and
  ``leaderboard_viewer_bits``): a tenth of a landing page's CPU was rendering them again.

Every memo is per process and bounded; an entry is never stale (its key holds everything the
HTML reads), only evicted.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from flask import request, url_for
from markupsafe import Markup

from ..fragments import Frame, Holes, Memo
from ..templating import render_bare
from ..timefmt import locale
from .live import BoardView

WIDGET = "leaderboard/_leaderboard.html"
ROWS = "leaderboard/_rows.html"
YOU_ROW = "leaderboard/_you_row.html"
YOU_PLACE = "leaderboard/_you_place.html"


@dataclass(frozen=True)
class ViewerBits:
    """What the widget shows that differs between two viewers of the same board."""

    poll_url: str  # carries the board's version and the viewer's digest (``BoardView.shown``)
    version: str
    you_row: Markup  # their row under the top rows ("" when they are among them, or off it)
    you_place: Markup  # "You are 12th." in the announcement ("" likewise)


# A placeholder per bit (``fragments.Holes``), filled in by each poll.
_BIT_HOLES = Holes(*(f.name for f in fields(ViewerBits)))
_HOLES = ViewerBits(**_BIT_HOLES.marks)


# Anonymous widgets: one per (board version, digest, language) in use; a few boards are live
# at once, each moving version with every vote.
_widgets: Memo[str] = Memo(256)
# Members' widgets with their bits left out: one per (board shown, state, language).
_frames: Memo[Frame] = Memo(256)
# Top rows for members: one per (rows, state, language, the member when they are among them).
_rows: Memo[Markup] = Memo(1024)
# Members' own rows and places: one per (row, state, movement, language).
_you_rows: Memo[Markup] = Memo(4096)
_places: Memo[Markup] = Memo(1024)


def widget_html(board: BoardView, announce: bool) -> str:
    """The widget for ``board`` as the polling endpoint sends it (``announce``: with the screen
    reader's "Leaderboard updated" note)."""
    language, root = str(locale()), request.script_root  # looked up once: a poll's hot path
    if board.viewer_id is None:
        # ``shown`` digests everything the widget shows; the version is in its poll URL.
        key = (board.slug, board.version, board.shown, announce, language, root)
        return _widgets.get(key, lambda: render_bare(WIDGET, board=board, announce=announce))
    # Everything the template reads but the viewer's bits: the rows' key holds the rows, the
    # state, the member's mark among them and the language.
    frame_key = (_rows_key(board, language, root), board.slug, board.participants, board.live,
                 board.results_at, announce)
    frame = _frames.get(frame_key, lambda: _BIT_HOLES.frame(
        render_bare(WIDGET, board=board, announce=announce, viewer_bits=_HOLES)))
    bits = _viewer_bits(board, True, language, root)
    return frame.fill(lambda name: getattr(bits, name))


def viewer_bits(board: BoardView, *, memo: bool = True) -> ViewerBits:
    """The widget's bits that are ``board.viewer_id``'s own (``memo=False``: rendered afresh,
    for tests comparing with the memos)."""
    language = str(locale())
    if not memo:
        url = url_for("pages.leaderboard_fragment", slug=board.slug, v=board.version,
                      s=board.shown)
        return ViewerBits(url, str(board.version), _you_row_html(board, False, language),
                          _you_place_html(board, False, language))
    return _viewer_bits(board, True, language, request.script_root)


def _viewer_bits(board: BoardView, memo: bool, language: str, root: str) -> ViewerBits:
    return ViewerBits(poll_url(board, root), str(board.version),
                      _you_row_html(board, memo, language), _you_place_html(board, memo, language))


# (slug, script root) -> the poll endpoint's path, built once by ``url_for``.
_poll_paths: dict[tuple[str, str], str] = {}
_POLL_PATHS_MAX = 1024


def poll_url(board: BoardView, root: str) -> str:
    """``url_for("pages.leaderboard_fragment", slug=..., v=version, s=shown)``, with the path
    built once per slug: the version and digest are an integer and hex digits, which the URL
    carries as they are (a test holds the two equal)."""
    path = _poll_paths.get((board.slug, root))
    if path is None:
        path = url_for("pages.leaderboard_fragment", slug=board.slug)
        if len(_poll_paths) >= _POLL_PATHS_MAX:
            _poll_paths.clear()
        _poll_paths[(board.slug, root)] = path
    return f"{path}?v={board.version}&s={board.shown}"


def _you_row_html(board: BoardView, memo: bool, language: str) -> Markup:
    if board.viewer is None:
        return Markup("")
    key = (board.viewer, board.completed, board.frozen_hours,
           repr(board.extras.get("movement")), language)

    def render() -> Markup:
        # An autoescaped template's output: markup already, as Jinja would include it.
        return Markup(render_bare(YOU_ROW, board=board))  # noqa: S704

    return _you_rows.get(key, render) if memo else render()


def _you_place_html(board: BoardView, memo: bool, language: str) -> Markup:
    if board.viewer is None:
        return Markup("")

    def render() -> Markup:
        return Markup(render_bare(YOU_PLACE, board=board))  # noqa: S704 - as for the row

    return _places.get((board.viewer.rank, language), render) if memo else render()


def rows_html(board: BoardView) -> Markup:
    """The board's top rows (``_rows.html``), from the memo when they were rendered before."""
    # An autoescaped template's output: markup already, as Jinja would include it.
    return _rows.get(_rows_key(board, str(locale()), request.script_root),
                     lambda: Markup(render_bare(ROWS, board=board)))  # noqa: S704


def _rows_key(board: BoardView, language: str, root: str) -> tuple[object, ...]:
    """Everything ``_rows.html`` reads."""
    among = any(row.user_id == board.viewer_id for row in board.rows)
    you = board.viewer_id if among else None
    # The viewer's movement shows in their row when it is among the top rows (never frozen).
    movement = repr(board.extras.get("movement")) if among else None
    return (tuple(board.rows), board.completed, board.frozen_hours, you, movement, language,
            root)


def forget() -> None:
    """Drop every rendered widget, frame, row and place (tests; a deploy starts new processes
    anyway)."""
    for memo in (_widgets, _frames, _rows, _you_rows, _places):
        memo.clear()
    _poll_paths.clear()
