"""The soak's world, made through the product's own factories and services before the stack
starts: voters, authors, and challenges in their voting phase with one entry per author.

Entries are submitted by ``submit_entry`` (the service the submit form calls) at a moment inside
the submission window, so each takes its slot and entry number the way a real one does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from challenges.services.entries import EntryInput, submit_entry
from challenges.transactions import commit_with_retry
from tests.support.factories import PASSWORD, create_challenge, create_user


@dataclass(frozen=True)
class Entry:
    id: uuid.UUID
    slug: str  # its challenge's


@dataclass
class World:
    """What the load needs: the slugs to poll, the entries to vote on, the voters' logins."""

    slugs: list[str]
    challenge_ids: list[uuid.UUID]
    entries: list[Entry]
    voters: dict[str, int] = field(default_factory=dict)  # username -> user id
    password: str = PASSWORD


def seed(voters: int, entries_per_challenge: int, challenges: int = 2) -> World:
    """Create ``challenges`` challenges in their voting phase with ``entries_per_challenge``
    entries each (one author each), and ``voters`` verified members who have not voted yet."""
    world = World(slugs=[], challenge_ids=[], entries=[])
    for c in range(challenges):
        slug = f"soak-{chr(ord('a') + c)}"
        challenge = create_challenge("voting", slug=slug, title=f"Soak week {c + 1}")
        world.slugs.append(slug)
        world.challenge_ids.append(challenge.id)
        during_submissions = challenge.submission_deadline - timedelta(hours=1)
        for n in range(entries_per_challenge):
            author = create_user(f"soak_author_{c}_{n}")
            data = EntryInput(title=f"Soak entry {c}-{n}",
                              image_url=f"https://img.example/soak/{c}/{n}.png",
                              image_alt_text="A soak test entry")
            entry = commit_with_retry(
                lambda a=author, d=data, cid=challenge.id: submit_entry(cid, a, d,
                                                                         during_submissions))
            world.entries.append(Entry(entry.id, slug))
    for n in range(voters):
        user = create_user(f"soak_voter_{n:04d}")
        world.voters[user.username] = user.id
    return world
