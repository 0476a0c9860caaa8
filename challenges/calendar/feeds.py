"""iCalendar (RFC 5545) documents of challenges' schedules, built with the ``icalendar`` library.

Each published challenge is three events, each a moment (``DURATION:P0D``) rather than a span:
the opening (``starts_at``), the submission deadline and the voting deadline, each with a
``VALARM`` (at the opening; one hour before each deadline). Spans would paint a week-long bar on
every member's calendar every week; the moments are what a member acts on. See
docs/decisions.md, "Calendar feeds".

An event's ``UID`` is ``<challenge id>-<kind>@<site host>``: stable across edits, so a moved
deadline replaces its event, with ``SEQUENCE`` = the challenge's ``schedule_sequence``, which
``prepare_challenge`` raises whenever a time moves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event, vText

from ..clock import as_utc
from ..models import ChallengeStatus, WeeklyChallenge
from ..phase import phase_at

PRODID = "-//Weekly Challenges//Calendar feeds//EN"
# What clients are asked to wait between refreshes (RFC 7986 REFRESH-INTERVAL, and Outlook's
# X-PUBLISHED-TTL); the HTTP Cache-Control of the feeds is shorter.
REFRESH_INTERVAL = timedelta(hours=6)
DEADLINE_ALARM = timedelta(hours=1)
GOOGLE_TEMPLATE_URL = "https://calendar.google.com/calendar/render"
# Phase -> which of moments() is the next deadline.
_NEXT_DEADLINE = {ChallengeStatus.UPCOMING: 1, ChallengeStatus.ACTIVE: 1, ChallengeStatus.VOTING: 2}


@dataclass(frozen=True)
class Moment:
    """One event of a challenge: ``kind`` is the UID's stable part."""

    kind: str
    label: str  # in the active locale ("submissions close")
    at: datetime
    alarm_before: timedelta


def moments(challenge: WeeklyChallenge) -> tuple[Moment, ...]:
    """The challenge's three events, in time order, labelled in the active locale."""
    return (
        Moment("opens", _("opens for entries"), as_utc(challenge.starts_at), timedelta(0)),
        Moment("submissions-close", _("submissions close"),
               as_utc(challenge.submission_deadline), DEADLINE_ALARM),
        Moment("voting-closes", _("voting closes"), as_utc(challenge.voting_deadline),
               DEADLINE_ALARM),
    )


def site_host(site_url: str) -> str:
    """The host part of ``SITE_URL``: the domain of every event's UID."""
    return urlsplit(site_url).hostname or "localhost"


def event_uid(challenge: WeeklyChallenge, kind: str, host: str) -> str:
    """The stable UID of one of the challenge's events."""
    return f"{challenge.id}-{kind}@{host}"


def build_calendar(
    challenges: Sequence[WeeklyChallenge],
    *,
    name: str,
    description: str,
    landing_url: Callable[[WeeklyChallenge], str],
    host: str,
    now: datetime,
) -> bytes:
    """The iCalendar document of ``challenges`` (``landing_url`` gives each one's absolute
    URL; ``now`` is the DTSTAMP, the moment this copy was made, as METHOD:PUBLISH defines)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # icalendar does not know these properties' type: give them TEXT, so commas, semicolons and
    # newlines in a challenge's title are escaped.
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-caldesc", vText(description))
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    stamp = as_utc(now)
    for challenge in challenges:
        url = landing_url(challenge)
        for moment in moments(challenge):
            calendar.add_component(_event(challenge, moment, url, host, stamp))
    return calendar.to_ical()


def _event(challenge: WeeklyChallenge, moment: Moment, url: str, host: str,
           stamp: datetime) -> Event:
    summary = _("%(title)s: %(moment)s", title=challenge.title, moment=moment.label)
    when = moment.at.strftime("%Y-%m-%d %H:%M UTC")
    event = Event()
    event.add("uid", event_uid(challenge, moment.kind, host))
    event.add("dtstamp", stamp)
    event.add("dtstart", moment.at)
    event.add("duration", timedelta(0))
    event.add("sequence", challenge.schedule_sequence or 0)
    event.add("summary", summary)
    said = _("%(title)s: %(moment)s at %(when)s.", title=challenge.title, moment=moment.label,
             when=when)
    event.add("description", f"{said}\n\n{challenge.prompt}\n\n{url}")
    event.add("url", url)
    # A deadline is not a meeting: it must not make the member look busy.
    event.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", -moment.alarm_before)
    event.add_component(alarm)
    return event


def feed_etag(challenges: Sequence[WeeklyChallenge], *, name: str, host: str,
              landing_url: Callable[[WeeklyChallenge], str]) -> str:
    """A fingerprint of everything a feed's events say (not its DTSTAMP), so an unchanged feed
    answers ``304 Not Modified`` without being built again."""
    digest = hashlib.sha256(f"{name}\x1f{host}".encode())
    for c in challenges:
        fields = (c.id, c.title, c.prompt, c.schedule_sequence, landing_url(c),
                  *(m.at.isoformat() for m in moments(c)))
        digest.update("\x1e".join(map(str, fields)).encode())
    return digest.hexdigest()[:32]


def google_calendar_url(challenge: WeeklyChallenge, landing_url: str,
                        now: datetime) -> str | None:
    """A Google Calendar "add event" link for the challenge's next deadline (submissions, then
    voting), or None once voting is over."""
    index = _NEXT_DEADLINE.get(phase_at(challenge, now))
    if index is None:
        return None
    moment = moments(challenge)[index]
    at = moment.at.strftime("%Y%m%dT%H%M%SZ")
    query = urlencode({
        "action": "TEMPLATE",
        "text": _("%(title)s: %(moment)s", title=challenge.title, moment=moment.label),
        "dates": f"{at}/{at}",
        "details": f"{challenge.prompt}\n\n{landing_url}",
    })
    return f"{GOOGLE_TEMPLATE_URL}?{query}"


def google_subscribe_url(webcal_url: str) -> str:
    """A link that opens Google Calendar's "subscribe to this feed" for ``webcal_url``."""
    return f"{GOOGLE_TEMPLATE_URL}?{urlencode({'cid': webcal_url})}"
