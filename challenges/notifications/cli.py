"""``flask notify ...``: the notification commands (each part adds its own to this group)."""

from __future__ import annotations

from flask.cli import AppGroup

notify = AppGroup("notify", help="Email and in-app notifications.")
