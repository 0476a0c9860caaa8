"""The one clock every rule asks. Tests move it; nothing else should call ``datetime.now``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    if _source is not None:
        return _source()
    return datetime.now(UTC)


def set_source(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests only); ``None`` restores the real one."""
    global _source
    _source = source


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime as UTC and convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
