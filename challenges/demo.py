"""Demo data for ``make run`` and screenshots. Idempotent: running it twice changes nothing.

Every challenge has its own hero image and its entries their own titles, descriptions and art
(``demo_content``, drawn by ``demo_art``); the past challenge is finalized by the real
finalization service, so the podium, token prizes (demo profiles hold tokens) and a cash payout
exist."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy import select

from .clock import utcnow
from .demo_art import demo_files, entry_art_name
from .demo_content import ENTRIES, STYLES
from .extensions import db
from .models import ChallengeSponsor, Role, User, WeeklyChallenge
from .phase import accepts_submissions
from .services.accounts import hash_password
from .services.challenges import prepare_challenge
from .services.sponsors import refresh_sponsor_stats
from .transactions import commit_with_retry

DEMO_PASSWORD = "demo-password"  # noqa: S105 (printed for the demo logins on purpose)
EDITOR = ("editor", "editor@example.com", Role.EDITOR)
SPONSOR_USER = ("dreamlabs", "partners@dreamlabs.example", Role.SPONSOR)
MEMBERS = [
    "creativemind", "aiartist", "dreamweaver", "pixelmaster", "neuralart", "lumen", "vaporwave",
    "mossgarden", "inkandbytes", "oceanic",
]


def load_demo(only_if_empty: bool = False) -> list[tuple[str, str, str]] | None:
    """Create (or find) the demo world, committing as it goes. Returns the demo logins, or None
    when skipped."""
    if only_if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        db.session.rollback()  # end the read transaction
        return None
    site = current_app.config["SITE_URL"].rstrip("/")
    commit_with_retry(lambda: _people_and_challenges(site))
    _entries_and_votes(site)
    return [(name, DEMO_PASSWORD, role) for name, role, _ in DEMO_ACCOUNTS]


# Every demo account, with what a newcomer should try with it (the start-up box; the README's
# tour says more). Short: the box must fit an 80-column terminal after make run's prefix.
MEMBERS_TRY = "vote, submit, watch the leaderboard"
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    (EDITOR[0], "editor", "the admin: /admin"),
    (SPONSOR_USER[0], "sponsor", "the sponsor dashboard: /sponsor/"),
    *((name, "member", MEMBERS_TRY) for name in MEMBERS),
]


def logins_box(site_url: str, running: bool = False) -> list[str]:
    """The demo logins that exist in this database, framed for a terminal (``make run`` prints
    it once the web server answers, with ``running``; ``flask demo logins`` prints it again).
    Empty when the database holds none of the demo accounts."""
    existing = set(db.session.scalars(
        select(User.username).where(User.username.in_([name for name, _, _ in DEMO_ACCOUNTS]))))
    db.session.rollback()  # end the read transaction
    if not existing:
        return []
    members = [name for name, role, _ in DEMO_ACCOUNTS if role == "member" and name in existing]
    heading = "is ready at" if running else "at"
    lines = [f"Weekly Challenges {heading} {site_url}", "",
             f"Demo logins (every one's password: {DEMO_PASSWORD})"]
    for name, role, what in DEMO_ACCOUNTS:
        if role != "member" and name in existing:
            lines.append(f"  {role:<8} {name:<13} {what}")
    if members:
        lines.append(f"  {'members':<8} {members[0]:<13} {MEMBERS_TRY}")
        rest = members[1:]
        while rest:  # the other members, a few per line so the box stays narrow
            lines.append(f"  {'':<8} {', '.join(rest[:4])}")
            rest = rest[4:]
    lines += ["", "Show this again: .venv/bin/flask --app wsgi demo logins",
              "Spanish: the language switcher in the footer"]
    if running:
        lines.append("Ctrl-C stops everything.")
    width = max(len(line) for line in lines)
    return ["+" + "-" * (width + 2) + "+",
            *(f"| {line:<{width}} |" for line in lines),
            "+" + "-" * (width + 2) + "+"]


def _people_and_challenges(site: str) -> None:
    """The sponsor, the accounts and the challenges in every phase (flushes, never commits)."""
    sponsor = _get_or_create(
        ChallengeSponsor,
        slug="dreamlabs",
        defaults={
            "name": "DreamLabs",
            "logo_url": f"{site}/static/demo/dreamlabs-logo.svg",
            "website_url": "https://dreamlabs.example",
            "description": "Generative tools for artists.",
            "is_verified": True,
        },
    )
    _user(*EDITOR)
    _user(*SPONSOR_USER, sponsor=sponsor)
    for name in MEMBERS:
        _user(name, f"{name}@example.com", Role.MEMBER)
    db.session.flush()

    now = utcnow().replace(second=0, microsecond=0)
    day = timedelta(days=1)
    specs: list[dict[str, Any]] = [
        dict(slug="ai-art-week-dreamscapes", title="AI Art Week: Dreamscapes", theme_color="purple",
             prompt="Create a surreal dreamscape using your favorite AI image generator. "
                    "Show us worlds that exist only in dreams!",
             start=now - 2 * day, sponsor=sponsor, status="active",
             prizes={"1st": {"type": "cash", "amount": 100, "currency": "USD"},
                     "2nd": {"type": "tokens", "amount": 500000},
                     "3rd": {"type": "tokens", "amount": 250000},
                     "participation": {"type": "tokens", "amount": 10000},
                     "voting_reward": {"type": "tokens", "amount": 1000}}),
        dict(slug="tiny-worlds", title="Tiny Worlds", theme_color="teal",
             prompt="Design a whole world that fits in the palm of a hand.",
             start=now - 6 * day, status="voting",
             prizes={"1st": {"type": "tokens", "amount": 300000},
                     "participation": {"type": "tokens", "amount": 5000}}),
        dict(slug="retro-futures", title="Retro Futures", theme_color="orange",
             prompt="Imagine the future as seen from 1965.",
             start=now - 14 * day, status="completed",
             prizes={"1st": {"type": "cash", "amount": 50, "currency": "USD"},
                     "2nd": {"type": "tokens", "amount": 200000},
                     "3rd": {"type": "tokens", "amount": 100000},
                     "participation": {"type": "tokens", "amount": 5000},
                     "voting_reward": {"type": "tokens", "amount": 1000}}),
        dict(slug="ocean-depths", title="Ocean Depths", theme_color="blue",
             prompt="Bring the deep sea to the surface: bioluminescence, pressure, silence.",
             start=now + 5 * day, status="upcoming", prizes={}),
        dict(slug="secret-garden-draft", title="Secret Garden (draft)", theme_color="green",
             prompt="Draft prompt, not yet published.", start=now + 12 * day, status="draft",
             prizes={}),
    ]
    for spec in specs:
        if db.session.scalar(select(WeeklyChallenge.id).filter_by(slug=spec["slug"])):
            continue
        start = spec["start"]
        challenge = WeeklyChallenge(
            slug=spec["slug"],
            title=spec["title"],
            description=f"{spec['prompt']}\n\nSubmit up to three entries, vote for the work you "
            "love, and earn points for every part you take.",
            prompt=spec["prompt"],
            starts_at=start,
            submission_deadline=start + 5 * day,
            voting_deadline=start + 7 * day,
            ends_at=start + 7 * day,
            status=spec["status"],
            theme_color=spec["theme_color"],
            hero_image_url=f"{site}/static/demo/hero-{spec['slug']}.svg",
            sponsor=spec.get("sponsor"),
            prizes=spec["prizes"],
            require_project_link=False,
            max_submissions_per_user=3,
            week_number=0,  # derived from starts_at by prepare_challenge
            year=0,
        )
        prepare_challenge(challenge)
        db.session.add(challenge)
    db.session.flush()
    refresh_sponsor_stats([sponsor.id])


_demo_hash: str | None = None


def _user(username: str, email: str, role: Role, sponsor: ChallengeSponsor | None = None) -> User:
    global _demo_hash
    if _demo_hash is None:  # Argon2 is slow on purpose; every demo user shares one password
        _demo_hash = hash_password(DEMO_PASSWORD)
    return _get_or_create(
        User,
        username=username,
        defaults={
            "email": email,
            "password_hash": _demo_hash,
            "role": role.value,
            "is_verified": True,  # demo members vote with full weight: verified, and
            "created_at": utcnow() - timedelta(days=90),  # older than their demo votes (SPEC §4)
            "sponsor": sponsor,
        },
    )


def _get_or_create(model: type[Any], defaults: dict[str, Any], **keys: Any) -> Any:
    instance = db.session.scalar(select(model).filter_by(**keys))
    if instance is None:
        instance = model(**keys, **defaults)
        db.session.add(instance)
    return instance


TOOLS = ["Midjourney v7", "Stable Diffusion XL", "DALL·E 3", "Flux", "Firefly"]


def _entries_and_votes(site: str) -> None:
    """Entries and votes made through the real services (points, counters and the leaderboard
    stay consistent), at moments inside each challenge's own schedule."""
    from .services.entries import EntryInput, submit_entry
    from .services.votes import cast_vote

    rng = random.Random(7)  # the same demo every time
    members = db.session.scalars(
        select(User).where(User.username.in_(MEMBERS)).order_by(User.id)).all()
    alt_texts = {name: alt for name, (_svg, alt) in demo_files().items()}
    for slug, content in ENTRIES.items():
        challenge = db.session.scalar(select(WeeklyChallenge).filter_by(slug=slug))
        if challenge is None or challenge.entries_created:
            continue
        moment = challenge.starts_at + timedelta(hours=2)
        entries = []
        authors = [m for i, m in enumerate(members[:8]) for _ in range(2 if i % 3 == 0 else 1)]
        for n, (member, demo_entry) in enumerate(zip(authors, content, strict=True), start=1):
            art = entry_art_name(slug, n)
            data = EntryInput(
                title=demo_entry.title,
                description=demo_entry.description,
                image_url=f"{site}/static/demo/{art}",
                image_alt_text=alt_texts[art],
                prompt_used=f"{demo_entry.title.lower()}, {STYLES[slug]}",
                tool_used=rng.choice(TOOLS),
            )
            moment += timedelta(minutes=37)
            entries.append(commit_with_retry(
                partial(submit_entry, challenge.id, member, data, moment)))
        vote_time = min(challenge.submission_deadline, moment) - timedelta(minutes=5)
        if accepts_submissions(challenge, utcnow()):
            vote_time = max(vote_time, utcnow() - timedelta(hours=4))  # some "+N today"
        for voter in members:
            for entry in rng.sample(entries, k=min(len(entries), rng.randint(3, 8))):
                if entry.user_id == voter.id:
                    continue
                vote_time += timedelta(minutes=3)
                commit_with_retry(partial(
                    cast_vote, entry.id, voter, vote_time,
                    verified_weight=current_app.config["VERIFIED_VOTE_WEIGHT"],
                    unverified_weight=current_app.config["UNVERIFIED_VOTE_WEIGHT"]))
    _finalize_past(utcnow())
    _build_boards()


def _build_boards() -> None:
    """Build every board from the database now. Otherwise the first page to read one queues
    its build behind the jobs the demo's votes queued (one each, for the bell), and the first
    minutes of ``make run`` would show "live updates paused"."""
    from .extensions import get_redis
    from .leaderboard.rebuild import rebuild

    ids = db.session.scalars(select(WeeklyChallenge.id).where(WeeklyChallenge.is_published)).all()
    db.session.rollback()  # the rebuild takes its own row lock in its own transaction
    for challenge_id in ids:
        rebuild(get_redis(), challenge_id, utcnow())


def _finalize_past(now: datetime) -> None:
    """Past challenges get their results, as the finalization job would have given them."""
    from .services.finalization import finalize_challenge, unfinalized_completed

    for challenge_id in unfinalized_completed(now):
        commit_with_retry(partial(finalize_challenge, challenge_id, now))
