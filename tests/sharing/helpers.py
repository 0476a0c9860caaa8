"""A finalized challenge to share: a sponsor, members with entries (one an uploaded picture),
votes, the real finalization job; and readers for the tags and images pages answer with."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

from flask import current_app
from PIL import Image

from challenges.extensions import db
from challenges.models import ChallengeSubmission, User, WeeklyChallenge
from challenges.uploads.images import process_image
from challenges.uploads.storage import store_image, upload_dir

from ..core.helpers import submit, vote
from ..rewards.helpers import finalize
from ..support.factories import create_challenge, create_sponsor, create_user

RED = (220, 20, 60)


def stored_upload(color: tuple[int, int, int] = RED) -> str:
    """A solid-colour PNG through the real upload path; returns its key."""
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), color).save(buffer, format="PNG")
    processed = process_image(buffer.getvalue(), 10 * 1024 * 1024)
    return store_image(processed, upload_dir(current_app.config))


@dataclass
class Results:
    challenge: WeeklyChallenge
    members: list[User]  # the participants, in entry order
    voters: list[User]
    outsider: User  # a member who only voted
    entries: list[ChallengeSubmission]


# Votes per member's first entry (tied pairs decide by the earlier first entry).
VOTES = [3, 5, 5, 1, 0, 2]


def finalized_challenge(frozen_clock, *, upload: bool = True, slug: str = "dream-week",
                        theme_color: str = "teal", art: str | None = None) -> Results:
    """A sponsored challenge with six participants and votes, finalized. ``art``: a base URL
    whose ``art-0N.svg`` the linked images and the sponsor logo use (a browser test's own
    server; else example.com addresses nobody fetches)."""
    sponsor = create_sponsor(name="DreamLabs",
                             **({"logo_url": f"{art}/art-01.svg"} if art else {}))
    now = frozen_clock()
    challenge = create_challenge("active", now=now, slug=slug, title="Dream Week",
                                 theme_color=theme_color, sponsor_id=sponsor.id,
                                 prompt="Paint the dream you remember best.",
                                 week_number=47, year=2026)
    members = [create_user(username=f"artist{i}") for i in range(len(VOTES))]
    voters = [create_user(username=f"fan{i}") for i in range(6)]
    entries = []
    key = stored_upload() if upload else ""
    for i, member in enumerate(members):
        picture = {"image_upload": key, "image_url": ""} if i == 0 and key else (
            {"image_url": f"{art}/art-0{2 + i % 7}.svg"} if art else {})
        entries.append(submit(challenge, member, title=f"Dream {i}", **picture))
    entries.append(submit(challenge, members[1], title="Second dream",
                          **({"image_url": f"{art}/art-02.svg"} if art else {})))
    for entry, wanted in zip(entries, VOTES, strict=False):
        for voter in voters[:wanted]:
            vote(entry, voter)
    vote(entries[-1], voters[0])
    outsider = voters[5]
    frozen_clock.set(challenge.voting_deadline + timedelta(minutes=1))
    finalize(challenge)
    db.session.expire_all()
    challenge = db.session.get(WeeklyChallenge, challenge.id)
    assert challenge is not None and challenge.finalized_at is not None
    return Results(challenge, members, voters, outsider, entries)


class _MetaReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = dict(attrs)
        name = values.get("property") or values.get("name")
        if name and values.get("content") is not None:
            self.tags.setdefault(name, values["content"] or "")


def meta_tags(html: str) -> dict[str, str]:
    """The page's <meta property/name=... content=...> tags."""
    reader = _MetaReader()
    reader.feed(html)
    return reader.tags


def site_path(url: str) -> str:
    """The path (and query) of an absolute URL on SITE_URL, for the test client."""
    site = current_app.config["SITE_URL"].rstrip("/")
    assert url.startswith(site + "/"), url
    return url[len(site):]


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


def text_of(html: str) -> str:
    """The page's text with tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
