"""Redis keys of the in-app notifications (the bell). Every key of this part is built here.

``{<user_id>}`` is a Cluster hash tag: one member's keys share a slot. Everything here is derived
state: the database holds the notifications; a missing key is rebuilt from it.
"""

from __future__ import annotations


def bell(user_id: int) -> str:
    """HASH ``gen`` (the version a poll compares, bumped after every change to the member's
    notifications) and ``n`` (their unread count at ``gen``; absent means "count again in SQL")."""
    return f"notifications:{{{user_id}}}:bell"


def passed_gate(user_id: int) -> str:
    """STRING: when (epoch seconds, app clock) the member was last told "you were passed";
    expires after the hour in which no second one may be sent."""
    return f"notifications:{{{user_id}}}:passed"
