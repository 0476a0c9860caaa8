"""The leaderboard widget's HTML for its polling endpoint, rendered once where it is the same
(issue #14: rendering was most of a changed poll's cost, and under load nearly every poll is one).

What the widget shows is a function of the board (``BoardView``), whether it announces, and the
page's language, nothing else: no clock, no CSRF token, no nonce. So:

- an anonymous viewer's widget is the same for everyone who reads that board at that version in
  that language: rendered once per process and reused (``_widgets``);
- a member's widget differs by their own bits (their row under the board, the ``is-you`` mark,
  the poll URL's digest), but its top rows are everyone's unless the member is among them: the
  rows (``leaderboard/_rows.html``) are rendered once per (rows, state, language) and the rest
  of the widget per request (``_rows``). The pages that include the widget (home, a
  challenge's landing page) take their rows from the same memo (the template global
  ``leaderboard_rows``): a tenth of a landing page's CPU was rendering them again.

Both memos are per process and bounded; an entry is never stale (its key holds everything the
HTML reads), only evicted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import request
from markupsafe import Markup

from ..templating import render_bare
from ..timefmt import locale
from .live import BoardView

WIDGET = "leaderboard/_leaderboard.html"
ROWS = "leaderboard/_rows.html"


Html = TypeVar("Html", bound=str)


class Memo(Generic[Html]):
    """A bounded map of rendered HTML: the oldest entry goes first when it is full."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: dict[Hashable, Html] = {}
        self._lock = threading.Lock()  # gthread workers share a process

    def get(self, key: Hashable, render: Callable[[], Html]) -> Html:
        """The HTML stored under ``key``, rendering (and storing) it the first time."""
        found = self._items.get(key)
        if found is not None:
            return found
        html = render()
        with self._lock:
            while len(self._items) >= self.size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = html
        return html

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# Anonymous widgets: one per (board version, digest, language) in use; a few boards are live
# at once, each moving version with every vote.
_widgets: Memo[str] = Memo(256)
# Top rows for members: one per (rows, state, language, the member when they are among them).
_rows: Memo[Markup] = Memo(1024)


def widget_html(board: BoardView, announce: bool) -> str:
    """The widget for ``board`` as the polling endpoint sends it (``announce``: with the screen
    reader's "Leaderboard updated" note)."""
    language = str(locale())
    if board.viewer_id is None:
        # ``shown`` digests everything the widget shows; the version is in its poll URL.
        key = (board.slug, board.version, board.shown, announce, language, request.script_root)
        return _widgets.get(key, lambda: render_bare(WIDGET, board=board, announce=announce))
    return render_bare(WIDGET, board=board, announce=announce)


def rows_html(board: BoardView) -> Markup:
    """The board's top rows (``_rows.html``), from the memo when they were rendered before."""
    among = any(row.user_id == board.viewer_id for row in board.rows)
    you = board.viewer_id if among else None
    # The viewer's movement shows in their row when it is among the top rows (never frozen).
    movement = repr(board.extras.get("movement")) if among else None
    key = (tuple(board.rows), board.completed, board.frozen_hours, you, movement,
           str(locale()), request.script_root)
    # An autoescaped template's output: markup already, as Jinja would include it.
    return _rows.get(key, lambda: Markup(render_bare(ROWS, board=board)))  # noqa: S704


def forget() -> None:
    """Drop every rendered widget and row (tests; a deploy starts new processes anyway)."""
    _widgets.clear()
    _rows.clear()
