"""Notifications (SPEC §11): email (outbox, sending, templates), what members are told and when,
their preferences and one-click unsubscribe, and the in-app bell.

Each part is a module with an ``init_app(app)``; this package wires them in ``PARTS`` order.
The core never imports this package: it subscribes to the core's events (challenges/events.py).
"""

from __future__ import annotations

from importlib import import_module

from flask import Flask

from .cli import notify

# One module per part of the feature; each defines ``init_app(app)``.
PARTS: tuple[str, ...] = ("outbox", "views", "due", "bell")


def init_app(app: Flask) -> None:
    """Register every part's blueprint, event subscriptions and commands."""
    for part in PARTS:
        import_module(f"{__name__}.{part}").init_app(app)
    app.cli.add_command(notify)
