"""How times read to people: "3d 4h 22m", ISO 8601 with Z for machines."""

from __future__ import annotations

from datetime import datetime, timedelta

from .clock import as_utc


def time_remaining(delta: timedelta) -> str:
    """A compact countdown: "3d 4h 22m", "4h 0m", "12m"; "0m" once it has passed."""
    total_minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(total_minutes, 60 * 24)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def iso_z(moment: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z, to the second."""
    return as_utc(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def utc_label(moment: datetime) -> str:
    """The exact UTC time, shown on hover: "Mon 7 Dec 2026, 23:59 UTC"."""
    m = as_utc(moment)
    return f"{m:%a} {m.day} {m:%b %Y, %H:%M} UTC"
