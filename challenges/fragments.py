"""Rendered HTML kept per process and reused where it is the same (issue #14).

Two tools, shared by the leaderboard widget and the gallery's cards:

- ``Memo``: a bounded map from a key to rendered HTML. A memo's key holds everything the HTML
  reads, so an entry is never stale, only evicted.
- ``Holes`` and ``Frame``: HTML rendered once with a placeholder where each request writes its
  own value (a member's row in the widget, a form's CSRF token), then split at the placeholders;
  a request joins the parts with its values, escaped as the template would have escaped them.
  A placeholder is "wc-hole-", a per-process random nonce, the hole's name and a dash: escaping
  leaves it as it is, no rendered text can contain one by chance, and the closing dash (never
  part of a name) keeps text written right after a placeholder out of its name.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from markupsafe import Markup, escape

Html = TypeVar("Html")


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

    def __len__(self) -> int:
        return len(self._items)


class Frame:
    """HTML split at its holes: text and hole names alternate (text, name, ..., text)."""

    def __init__(self, parts: list[str]) -> None:
        self._parts = parts

    def fill(self, value_of: Callable[[str], object]) -> str:
        """The HTML with ``value_of(name)`` in each hole, escaped as a template writes a value
        (a ``Markup`` value goes in as it is)."""
        return "".join(str(escape(value_of(part))) if i % 2 else part
                       for i, part in enumerate(self._parts))


class Holes:
    """The placeholders for a set of named holes, and the frames of HTML rendered with them."""

    def __init__(self, *names: str) -> None:
        nonce = secrets.token_hex(8)
        # Letters, digits and underscores: escaping leaves them as they are, and no name holds
        # the dash that ends a placeholder.
        if not all(re.fullmatch(r"\w+", name) for name in names):
            raise ValueError(f"hole names are letters, digits and underscores: {names}")
        self.marks = {name: Markup(f"wc-hole-{nonce}-{name}-")  # noqa: S704 - no markup in it
                      for name in names}
        self._pattern = re.compile(f"wc-hole-{nonce}-({'|'.join(names)})-")

    def frame(self, html: str) -> Frame:
        """``html``, rendered with ``marks`` in its holes, ready to fill."""
        return Frame(self._pattern.split(html))


__all__ = ["Frame", "Holes", "Memo"]
