"""RELIABILITY #25: links members and editors give (image_url, external_url, project links,
sponsor logos, hero images) are stored and shown, never fetched by the server: pages, the
API, the admin, finalization and the emails all render them without one request to their
host. So ``http://169.254.169.254/`` is harmless as a link; the one feature that does fetch
(webhooks) refuses private and link-local hosts (tests/webhooks/test_url_safety.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import ChallengeSubmission, Role
from challenges.notifications.due import run_due
from tests.core.helpers import submit, vote
from tests.notifications.test_due import D, H, schedule
from tests.rewards.helpers import finalize

METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


class Trap:
    """A real HTTP server that records every request: the stand-in for an internal host."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                trap.requests.append(self.path)
                self.send_response(200)
                self.end_headers()

            do_HEAD = do_POST = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"


@pytest.fixture
def trap() -> Iterator[Trap]:
    server = Trap()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_links_are_shown_but_never_fetched_by_the_server(app, client, login, trap, smtp_server,
                                                         frozen_clock, make_challenge,
                                                         make_user, make_sponsor, make_project):
    """RELIABILITY #25: the metadata address is accepted as a link, and nothing the product
    does with links (render, API, admin, finalize, email) makes a request to their host."""
    now = frozen_clock.now
    sponsor = make_sponsor(logo_url=trap.url("logo.png"), website_url=trap.url("site"))
    challenge = make_challenge("active", sponsor_id=sponsor.id, hero_image_url=trap.url("hero"),
                               **schedule(now, started=H, submissions_left=3 * D))
    author, voter, editor = make_user(), make_user(), make_user(role=Role.EDITOR)
    project = make_project(author, url=trap.url("project"), image_url=trap.url("project.png"))
    login(client, author)
    response = client.post_form(f"/challenges/{challenge.slug}/submit", {
        "title": "Link only", "image_url": METADATA, "image_alt_text": "metadata",
        "external_url": trap.url("external")})
    assert response.status_code == 302  # an absolute http link: accepted, as a link
    entry = submit(challenge, author, title="Trap", image_url=trap.url("image.png"),
                   external_url=trap.url("ext"), project_id=project.id)
    vote(entry, voter)
    assert db.session.scalar(select(ChallengeSubmission.image_url).where(
        ChallengeSubmission.title == "Link only")) == METADATA

    slug = challenge.slug
    pages = ["/", "/challenges/", f"/challenges/{slug}/", f"/challenges/{slug}/submissions/",
             f"/challenges/{slug}/submissions/{entry.id}/", f"/challenges/{slug}/leaderboard/",
             f"/u/{author.username}", "/me/projects", "/me/submissions",
             f"/api/challenges/{slug}/", f"/api/challenges/{slug}/submissions/",
             f"/challenges/{slug}.ics", f"/challenges/{slug}/sponsor-link"]
    for url in pages:
        assert client.get(url).status_code in (200, 302), url
    editor_client = app.test_client()
    login(editor_client, editor)
    for url in ("/admin/submissions/", f"/admin/submissions/details/?id={entry.id}",
                "/admin/projects/", "/admin/sponsors/",
                f"/admin/challenges/edit/?id={challenge.id}"):
        assert editor_client.get(url).status_code == 200, url

    run_due(now)  # "challenge started" emails, with the challenge's links
    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    frozen_clock.set(challenge.voting_deadline + H)
    run_due(frozen_clock.now)  # results emails
    assert smtp_server.messages, "the emails were really rendered and sent"

    assert trap.requests == []
    # The trap works: a request to it is recorded (so the assertion above can fail).
    import urllib.request

    urllib.request.urlopen(trap.url("probe"), timeout=5).close()  # noqa: S310 (the test's own)
    assert trap.requests == ["/probe"]
