"""Where members come from, and that they come back (SPEC §11, "community growth", "active
members"): visits through share links (``?ref=<username>``), the referral they leave in a
signed cookie and its attribution to a registration within 7 days, and the days each member
used the site.

``cookie`` signs and reads the referral cookie, ``service`` holds the rules (who is a referrer,
which challenge a page shares, whether a registration is attributed), ``activity`` counts
active days in Redis and flushes them, ``hooks`` wires them to every request and to the core's
registration. The package has no pages of its own.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Count share visits and active days after every request, and attribute registrations."""
    from . import hooks

    hooks.init_app(app)
