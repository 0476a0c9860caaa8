"""The load: pollers that poll the leaderboard widget as htmx does, and voters that vote and
unvote as the vote button does, each recording what the server said.

One asyncio loop (aiohttp) drives every simulated browser: cheap enough on 2 cores to leave the
CPU to the server. Connections are kept alive for 1.5 s at most, under gunicorn's 2 s keep-alive,
so a client never reuses a connection the server is closing (that race is the client's, not the
server's, and would show up as a spurious connection error).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import aiohttp
from yarl import URL

from .seed import Entry

VERSION_RE = re.compile(r'data-version="(\d+)"')
PRESSED_RE = re.compile(r'aria-pressed="(true|false)"')
# A browser waits far longer (htmx sets no timeout); a minute without an answer is an outage.
TIMEOUT = aiohttp.ClientTimeout(total=60)
KEEPALIVE = 1.5  # below gunicorn's default keep-alive (2 s)


@dataclass
class Outcome:
    """One request: when it ended (seconds since the load started), its type, and its status,
    or "conn-error" / "timeout" when no answer came back."""

    at: float
    kind: str
    status: int | str
    ms: float


@dataclass
class Recorder:
    started: float = field(default_factory=time.monotonic)
    outcomes: list[Outcome] = field(default_factory=list)
    # A 2xx vote answer without the vote button: the member was not signed in any more (the
    # answer is an HX-Redirect to the login page), so nothing was voted. Any is a failure.
    signed_out: int = 0

    def now(self) -> float:
        return time.monotonic() - self.started

    def add(self, kind: str, status: int | str, began: float) -> None:
        ended = time.monotonic()
        self.outcomes.append(Outcome(ended - self.started, kind, status,
                                     (ended - began) * 1000))

    def by_type(self) -> dict[str, Counter[int | str]]:
        table: dict[str, Counter[int | str]] = defaultdict(Counter)
        for o in self.outcomes:
            table[o.kind][o.status] += 1
        return table


@dataclass
class Belief:
    """What one voter knows about one entry: the state the server last confirmed, and whether a
    later request's outcome is unknown (no answer: it may or may not have committed)."""

    voted: bool = False
    confirmed: int = 0  # 2xx answers for this pair
    unknown: bool = False  # the last request got no answer (connection error)
    timed_out: bool = False  # some request timed out: it may still commit later


async def poller(base: str, slug: str, interval: float, stop: asyncio.Event,
                 session: aiohttp.ClientSession, rec: Recorder, page_chance: float) -> None:
    """An open tab: ticks every ``interval`` s (the first tick at a random moment, as tabs open
    at different times) and polls the widget with the version it shows; now and then the
    member reloads the page (``page_chance`` per tick), which shows the board's version too."""
    path = f"/challenges/{slug}/leaderboard/live"
    version: str | None = None
    await asyncio.sleep(random.uniform(0, interval))
    while not stop.is_set():
        tick = time.monotonic()
        reload = random.random() < page_chance
        kind = "page" if reload else "poll"
        url = f"{base}/challenges/{slug}/" if reload else (
            f"{base}{path}" + (f"?v={version}" if version is not None else ""))
        headers = {} if reload else {"HX-Request": "true", "HX-Current-URL":
                                     f"{base}/challenges/{slug}/"}
        began = time.monotonic()
        try:
            async with session.get(url, headers=headers, allow_redirects=False) as response:
                body = await response.text()
                rec.add(kind, response.status, began)
                if response.status in (200, 286):
                    found = VERSION_RE.search(body)
                    if found:
                        version = found.group(1)
        except TimeoutError:
            rec.add(kind, "timeout", began)
        except aiohttp.ClientError:
            rec.add(kind, "conn-error", began)
        await _sleep_until(stop, tick + interval)


async def voter(base: str, entries: list[Entry], csrf: str, cookies: dict[str, str],
                pause: tuple[float, float], stop: asyncio.Event, rec: Recorder,
                beliefs: dict[object, Belief]) -> None:
    """A logged-in member clicking vote buttons: picks an entry, posts the toggle the button
    shows (unvote if it shows voted), and believes only what a 2xx answer says."""
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: accept cookies from an IP address host
    jar.update_cookies(cookies, response_url=URL(base))
    connector = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE)
    # The session was made by the login client (http.client, which sends no User-Agent); a
    # browser keeps its User-Agent, and session protection ("strong") drops a session whose
    # browser changed, so this one sends none either.
    async with aiohttp.ClientSession(cookie_jar=jar, connector=connector, timeout=TIMEOUT,
                                     skip_auto_headers=("User-Agent",)) as session:
        await asyncio.sleep(random.uniform(0, pause[1]))
        while not stop.is_set():
            entry = random.choice(entries)
            belief = beliefs.setdefault(entry.id, Belief())
            action = "unvote" if belief.voted else "vote"
            gallery = f"/challenges/{entry.slug}/submissions/"
            url = f"{base}/challenges/{entry.slug}/submissions/{entry.id}/{action}"
            headers = {"HX-Request": "true", "X-CSRFToken": csrf,
                       "HX-Current-URL": base + gallery, "HX-Target": f"vote-{entry.id}"}
            began = time.monotonic()
            try:
                async with session.post(url, data={"csrf_token": csrf, "next": gallery},
                                        headers=headers, allow_redirects=False) as response:
                    body = await response.text()
                    rec.add(action, response.status, began)
                    pressed = PRESSED_RE.search(body)
                    if 200 <= response.status < 300 and pressed:
                        # The button the server sent back is the state it committed (after a
                        # refusal, the state it holds): the only thing the voter may believe.
                        belief.voted = pressed.group(1) == "true"
                        belief.confirmed += 1
                        belief.unknown = False
                    elif 200 <= response.status < 300:
                        rec.signed_out += 1
            except TimeoutError:
                rec.add(action, "timeout", began)
                belief.unknown = belief.timed_out = True
            except aiohttp.ClientError:
                rec.add(action, "conn-error", began)
                belief.unknown = True
            await _sleep_until(stop, time.monotonic() + random.uniform(*pause))


async def _sleep_until(stop: asyncio.Event, moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)


def pollers_session() -> aiohttp.ClientSession:
    """One anonymous session for every poller (they share no cookies: anonymous tabs)."""
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE)
    return aiohttp.ClientSession(connector=connector, timeout=TIMEOUT,
                                 cookie_jar=aiohttp.DummyCookieJar())
