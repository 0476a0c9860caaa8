"""Reading a feed as a calendar app would: parse it with ``icalendar`` and check what RFC 5545
requires of it (and what our feeds promise on top)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar

UTC_STAMP = re.compile(r"^\d{8}T\d{6}Z$")


def raw(component: Any, name: str) -> str:
    """A property's text as written in the feed (before icalendar interprets it)."""
    return component[name].to_ical().decode()


def parse_feed(body: bytes) -> Calendar:
    """The feed, parsed and checked: every rule below must hold for every feed we serve."""
    text = body.decode("utf-8")
    lines = text.split("\r\n")
    assert lines[-1] == "", "the document ends with CRLF"
    assert "\n" not in text.replace("\r\n", ""), "lines end with CRLF only"
    assert all(len(line.encode()) <= 75 for line in lines), "lines are folded at 75 octets"

    calendar = Calendar.from_ical(body)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).strip()
    uids = []
    for event in calendar.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART", "SEQUENCE", "SUMMARY", "URL"):
            assert required in event, f"{required} missing from {event.get('UID')}"
        assert ("DTEND" in event) != ("DURATION" in event), "DTEND or DURATION, not both"
        # UTC times are written with a Z and no TZID (no VTIMEZONE needed).
        for name in ("DTSTAMP", "DTSTART", *(("DTEND",) if "DTEND" in event else ())):
            assert UTC_STAMP.fullmatch(raw(event, name)), f"{name} is not UTC: {raw(event, name)}"
            assert "TZID" not in event[name].params
            assert event.decoded(name).utcoffset() == timedelta(0)
        assert int(event["SEQUENCE"]) >= 0
        alarms = event.walk("VALARM")
        assert alarms, f"no VALARM in {event['UID']}"
        for alarm in alarms:
            assert str(alarm["ACTION"]) == "DISPLAY"
            assert str(alarm["DESCRIPTION"]).strip()
            assert "TRIGGER" in alarm
        uids.append(str(event["UID"]))
    assert len(uids) == len(set(uids)), "UIDs are unique in a feed"
    return calendar


def events(calendar: Calendar) -> dict[str, Any]:
    """UID -> VEVENT."""
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def utc(event: Any, name: str = "DTSTART") -> datetime:
    return event.decoded(name).astimezone(UTC)
