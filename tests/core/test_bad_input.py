"""Bad input never gives a 500 (SPEC §2, §3, §9): markup in user text renders inert everywhere,
bad URLs are refused beside the field, unknown ids and drafts are 404, and huge or binary input
gets a 4xx with a message."""

from __future__ import annotations

import html
import re
import uuid
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard import keys
from challenges.models import ChallengeSubmission, ChallengeVote, Role
from challenges.services.entries import disqualify_entry, withdraw_entry
from challenges.transactions import commit_with_retry

from .helpers import submit, vote

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TEMPLATE = "{{7*7}}"
HTMX_ATTACK = '<div hx-get="/evil" hx-trigger="load">'
# Letters between the payloads let a test find them (and "C 49 D" would mean {{7*7}} ran).
PAYLOAD = f"A {SCRIPT} B {IMG} C {TEMPLATE} D {HTMX_ATTACK} E"
SHORT_PAYLOAD = f"{IMG}{HTMX_ATTACK}"  # tool_used holds at most 100 characters
HTMX = {"HX-Request": "true"}


class Markup(HTMLParser):
    """The real elements of a page: tags, their (decoded) attributes, and script bodies."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(body)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def assert_inert(body: str, where: str, shows_payload: bool = True) -> None:
    """None of the payloads became markup; ``shows_payload``: the page shows them as text."""
    for raw in ("<script>alert(1)", "<img src=x onerror", '<div hx-get="/evil"', 'hx-get="/evil"'):
        assert raw not in body, f"{where}: {raw!r} appears unescaped"
    assert "C 49 D" not in body, f"{where}: {{{{7*7}}}} was evaluated"
    page = Markup(body)
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not (name.startswith("on") and "alert" in (value or "")), (where, tag, attrs)
            assert name != "onerror", (where, tag, attrs)
            if name.removeprefix("data-").startswith("hx-"):
                assert value != "/evil" and "/evil" not in (value or ""), (where, tag, attrs)
                assert not (name.endswith("hx-trigger") and value == "load"), (where, tag, attrs)
        assert not (tag == "img" and attrs.get("src") == "x"), (where, tag, attrs)
    assert not any("alert(1)" in script for script in page.scripts), where
    if shows_payload:
        assert "C {{7*7}} D" in html.unescape(body), f"{where}: the payload is not shown at all"


# --- Markup in user text renders inert everywhere --------------------------------------------

@pytest.fixture
def hostile(make_challenge, make_user, make_sponsor, make_project):
    """A sponsored challenge, an entry with a linked project, a vote and a disqualified entry,
    with every free-text field set to the payload."""
    sponsor = make_sponsor(name=PAYLOAD)
    challenge = make_challenge("active", title=PAYLOAD, prompt=PAYLOAD,
                               description=f"About {PAYLOAD}", sponsor_id=sponsor.id)
    author, voter = make_user(), make_user()
    editor = make_user(role=Role.EDITOR)
    project = make_project(author, title=PAYLOAD, url="https://work.example/p",
                           description=PAYLOAD)
    entry = submit(challenge, author, title=PAYLOAD, description=PAYLOAD,
                   image_alt_text=PAYLOAD, prompt_used=PAYLOAD, tool_used=SHORT_PAYLOAD,
                   project_id=project.id, external_url="https://work.example/entry")
    vote(entry, voter)
    second = submit(challenge, author, title=f"Second {PAYLOAD}")
    commit_with_retry(lambda: disqualify_entry(second.id, editor, PAYLOAD, utcnow()))
    return {"challenge": challenge, "entry": entry, "second": second, "author": author,
            "voter": voter, "editor": editor, "sponsor": sponsor}


def hostile_pages(h: dict[str, Any]) -> dict[str, bool]:
    """URL -> whether it shows the payload as text."""
    slug, entry = h["challenge"].slug, h["entry"]
    return {
        "/": True,
        "/challenges/": True,
        f"/challenges/{slug}/": True,
        f"/challenges/{slug}/submissions/": True,
        f"/challenges/{slug}/submissions/?sort=newest": True,
        f"/challenges/{slug}/submissions/{entry.id}/": True,
        f"/challenges/{slug}/leaderboard/": True,
        f"/challenges/{slug}/leaderboard/live": False,  # only usernames, which are restricted
        f"/u/{h['author'].username}": True,
    }


@pytest.mark.parametrize("who", ["visitor", "voter", "author", "editor"])
def test_markup_in_user_text_renders_inert_on_public_pages(client, login, hostile, who):
    """RELIABILITY #23: markup in user text is inert."""
    if who != "visitor":
        login(client, hostile[who])
    for url, shows in hostile_pages(hostile).items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.get_data(as_text=True), url, shows)


def test_markup_renders_inert_in_the_polling_fragment_after_a_change(client, hostile):
    """RELIABILITY #23: markup in user text is inert."""
    slug = hostile["challenge"].slug
    page = client.get(f"/challenges/{slug}/").get_data(as_text=True)
    version = int(re.search(r'data-version="(\d+)"', page).group(1))
    vote(hostile["entry"], hostile["editor"])  # the board changes: the poll renders it
    response = client.get(f"/challenges/{slug}/leaderboard/live?v={version}")
    assert response.status_code == 200
    assert_inert(response.get_data(as_text=True), "fragment", shows_payload=False)


def test_markup_renders_inert_on_the_authors_own_pages(client, login, hostile):
    h = hostile
    slug, entry, second = h["challenge"].slug, h["entry"], h["second"]
    login(client, h["author"])
    urls = [
        "/me/submissions",
        f"/challenges/{slug}/submit",
        f"/challenges/{slug}/submissions/{entry.id}/edit",
        f"/challenges/{slug}/submissions/{entry.id}/withdraw",
        f"/challenges/{slug}/submissions/{second.id}/",  # disqualified: the author sees why
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.get_data(as_text=True), url)
    modal = client.get(f"/challenges/{slug}/submit", headers=HTMX)
    assert_inert(modal.get_data(as_text=True), "submit modal")
    # The disqualification reason itself is shown, as text.
    detail = client.get(f"/challenges/{slug}/submissions/{second.id}/").get_data(as_text=True)
    assert f"Disqualified: {PAYLOAD}" in html.unescape(detail)


def test_markup_renders_inert_in_the_vote_button_partial(client, login, hostile):
    """RELIABILITY #23: markup in user text is inert."""
    h = hostile
    login(client, h["editor"])
    url = f"/challenges/{h['challenge'].slug}/submissions/{h['entry'].id}/vote"
    response = client.post(url, headers={**HTMX, "X-CSRFToken": client.csrf_token()})
    assert response.status_code == 200
    assert_inert(response.get_data(as_text=True), "vote partial", shows_payload=False)
    assert f"Remove your vote for “{PAYLOAD}”" in html.unescape(response.get_data(as_text=True))


def test_markup_in_a_submitted_form_is_shown_back_inert(client, login, hostile):
    """A form with errors echoes what was typed; it must come back as text, not markup."""
    login(client, hostile["voter"])
    data = {"title": PAYLOAD, "description": PAYLOAD, "image_url": "javascript:alert(1)",
            "image_alt_text": PAYLOAD, "prompt_used": PAYLOAD, "tool_used": SHORT_PAYLOAD}
    for headers in ({}, HTMX):
        response = client.post_form(f"/challenges/{hostile['challenge'].slug}/submit", data,
                                    headers=headers)
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert_inert(body, f"submit form echo {headers}")
        assert 'href="javascript:' not in body and "src=\"javascript:" not in body


@pytest.mark.parametrize("view", ["challenges", "submissions", "sponsors", "projects"])
def test_markup_renders_inert_in_the_admin(client, login, hostile, view):
    """RELIABILITY #23: markup in user text is inert."""
    login(client, hostile["editor"])
    record = {"challenges": hostile["challenge"], "submissions": hostile["entry"],
              "sponsors": hostile["sponsor"], "projects": hostile["entry"].project}[view]
    for url in (f"/admin/{view}/", f"/admin/{view}/details/?id={record.id}",
                f"/admin/{view}/edit/?id={record.id}"):
        response = client.get(url)
        if url.endswith(f"edit/?id={record.id}") and response.status_code in (302, 403, 404):
            continue  # read-only views have no edit page
        assert response.status_code == 200, url
        assert_inert(response.get_data(as_text=True), url, shows_payload=False)
        assert "{{7*7}}" in html.unescape(response.get_data(as_text=True)), url
    assert_inert(client.get("/admin/").get_data(as_text=True), "/admin/", shows_payload=False)


# --- URLs: absolute http(s) only, at most 2,048 characters, refused beside the field ------------

BAD_URLS = {
    "javascript": "javascript:alert(1)",
    "javascript-spaced": " javascript:alert(1)",
    "javascript-mixed-case": "JaVaScRiPt:alert(1)",
    "javascript-tab": "java\tscript:alert(1)",
    "data": "data:text/html,<script>alert(1)</script>",
    "relative": "/x.png",
    "protocol-relative": "//evil.example/x.png",
    "no-host": "https://",
    "too-long": "https://img.example/" + "a" * 4980,
}


@pytest.fixture
def member_in(client, login, make_challenge, make_user):
    challenge = make_challenge("active")
    login(client, make_user())
    return challenge


def saved_entries() -> int:
    return db.session.scalar(select(func.count()).select_from(ChallengeSubmission))


@pytest.mark.parametrize("field", ["image_url", "external_url"])
@pytest.mark.parametrize("case", list(BAD_URLS))
def test_bad_urls_are_refused_beside_the_field(client, member_in, field, case):
    """RELIABILITY #24: URL fields take absolute http(s) only."""
    url = BAD_URLS[case]
    data = {"title": "Nice", "image_url": "https://img.example/ok.png", "image_alt_text": "Ok",
            field: url}
    response = client.post_form(f"/challenges/{member_in.slug}/submit", data)
    assert response.status_code == 422, case
    body = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', body)
    assert error, f"no message beside {field}"
    message = html.unescape(error.group(1))
    if case == "too-long":
        assert "at most 2,048 characters" in message
    else:
        assert "https://" in message or "spaces or control characters" in message, message
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{field}"', body) or re.search(
        rf'<input[^>]*id="{field}"[^>]*aria-invalid="true"', body)
    assert saved_entries() == 0
    assert_inert(body, case, shows_payload=False)
    assert not re.search(r'(href|src)="\s*(javascript|data):', body, re.IGNORECASE)


def test_bad_urls_are_refused_in_the_modal_too(client, member_in):
    data = {"title": "Nice", "image_url": "javascript:alert(1)", "image_alt_text": "Ok"}
    response = client.post_form(f"/challenges/{member_in.slug}/submit", data, headers=HTMX)
    assert response.status_code == 422
    assert 'id="image_url-error"' in response.get_data(as_text=True)
    assert saved_entries() == 0


def test_a_url_of_exactly_2048_characters_is_accepted(client, member_in):
    url = "https://img.example/" + "a" * (2048 - len("https://img.example/"))
    response = client.post_form(f"/challenges/{member_in.slug}/submit",
                                {"title": "Long", "image_url": url, "image_alt_text": "Ok"})
    assert response.status_code == 302
    assert db.session.scalar(select(ChallengeSubmission.image_url)) == url


# --- Unknown or malformed slugs and ids: 404 on every page and fragment -----------------------

BAD_SLUGS = ["nope", "NOPE", "a--b", "-a", "a_b", "x" * 60, "%00", "%3Cscript%3E", "..%2F..",
             "%C3%BC", "challenge-1%20", "a.b"]


def slug_urls(slug: str) -> list[str]:
    return [f"/challenges/{slug}/", f"/challenges/{slug}/submissions/",
            f"/challenges/{slug}/submissions/?sort=newest&after=3",
            f"/challenges/{slug}/leaderboard/", f"/challenges/{slug}/leaderboard/live",
            f"/challenges/{slug}/leaderboard/live?v=1", f"/challenges/{slug}/submit",
            f"/challenges/{slug}/submissions/{uuid.uuid4()}/"]


@pytest.mark.parametrize("slug", BAD_SLUGS)
def test_unknown_or_malformed_slugs_are_404(client, login, make_user, make_challenge, slug,
                                            redis_client):
    real = make_challenge("active")
    entry = submit(real, make_user())
    client.get(f"/challenges/{real.slug}/")  # a built board in Redis, so polls take that path
    login(client, make_user())
    for url in slug_urls(slug):
        for headers in ({}, HTMX):
            response = client.get(url, headers=headers)
            assert response.status_code == 404, (url, headers, response.status_code)
    token = client.csrf_token()
    for action in ("vote", "unvote"):
        url = f"/challenges/{slug}/submissions/{entry.id}/{action}"
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url


def entry_urls(slug: str, submission_id: str) -> list[tuple[str, str]]:
    base = f"/challenges/{slug}/submissions/{submission_id}/"
    return [("GET", base), ("GET", base + "edit"), ("GET", base + "withdraw"),
            ("POST", base + "edit"), ("POST", base + "withdraw"),
            ("POST", base + "vote"), ("POST", base + "unvote")]


@pytest.fixture
def two_challenges(make_challenge, make_user):
    here, there = make_challenge("active"), make_challenge("active")
    author = make_user()
    return here, submit(here, author), submit(there, author, title="Elsewhere"), author


@pytest.mark.parametrize("who", ["visitor", "member", "author"])
def test_unknown_malformed_or_foreign_submission_ids_are_404(client, login, make_user,
                                                             two_challenges, who):
    """RELIABILITY #11: another member's entry or project cannot be used."""
    here, mine, foreign, author = two_challenges
    gone = submit(here, author, title="Gone")
    commit_with_retry(lambda: withdraw_entry(gone.id, author, utcnow()))
    if who != "visitor":
        login(client, author if who == "author" else make_user())
    ids = ["not-a-uuid", "123", str(uuid.uuid4()), str(foreign.id), str(gone.id),
           str(mine.id).upper().replace("-", "") + "00", "%00"]
    token = client.csrf_token()
    for submission_id in ids:
        for method, url in entry_urls(here.slug, submission_id):
            if who == "visitor" and url.endswith(("edit", "withdraw")):
                continue  # visitors are asked to log in first
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token, "title": "x"})
            assert response.status_code == 404, (who, method, url, response.status_code)
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, foreign.id).title == "Elsewhere"
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 0


def test_unknown_profiles_are_404(client):
    for name in ("nobody", "%00", "x" * 300, "%3Cscript%3E", "NOBODY"):
        assert client.get(f"/u/{name}").status_code == 404, name


# --- Drafts: 404 for visitors and members on every page and fragment, 200 for editors ----------

def draft_gets(slug: str, entry_id: uuid.UUID) -> list[str]:
    return [f"/challenges/{slug}/", f"/challenges/{slug}/submissions/",
            f"/challenges/{slug}/submissions/?sort=newest",
            f"/challenges/{slug}/leaderboard/", f"/challenges/{slug}/leaderboard/live",
            f"/challenges/{slug}/leaderboard/live?v=0",
            f"/challenges/{slug}/submissions/{entry_id}/", f"/challenges/{slug}/submit"]


def draft_posts(slug: str, entry_id: uuid.UUID) -> list[str]:
    base = f"/challenges/{slug}/submissions/{entry_id}/"
    return [f"/challenges/{slug}/submit", base + "vote", base + "unvote", base + "edit",
            base + "withdraw"]


@pytest.fixture
def draft(make_challenge, make_user):
    """A challenge that was active (it has an entry) and is now a draft again."""
    challenge = make_challenge("active")
    author = make_user()
    entry = submit(challenge, author)
    challenge.status = "draft"
    db.session.commit()
    return challenge, entry, author


def client_as(app: Flask, login, user) -> Any:
    other = app.test_client()
    if user is not None:
        login(other, user)
    return other


@pytest.mark.parametrize("board", ["cold", "built-by-an-editor"])
def test_drafts_are_404_for_visitors_and_members_everywhere(app, client, login, make_user, draft,
                                                            board, redis_client):
    """RELIABILITY #13: drafts are 404 and absent for non-editors."""
    challenge, entry, author = draft
    editor = client_as(app, login, make_user(role=Role.EDITOR))
    if board == "built-by-an-editor":
        assert editor.get(f"/challenges/{challenge.slug}/").status_code == 200
        assert redis_client.exists(keys.built(challenge.id))  # polls now answer from Redis
    for who, user in (("visitor", None), ("member", make_user()), ("author", author)):
        browser = client_as(app, login, user)
        for url in draft_gets(challenge.slug, entry.id):
            if who == "visitor" and url.endswith("/submit"):
                continue  # visitors are asked to log in first
            for headers in ({}, HTMX):
                response = browser.get(url, headers=headers)
                assert response.status_code == 404, (who, url, headers, response.status_code)
        if user is None:
            continue
        token = browser.csrf_token()
        for url in draft_posts(challenge.slug, entry.id):
            data = {"csrf_token": token, "title": "x", "image_url": "https://i.example/x.png",
                    "image_alt_text": "x"}
            response = browser.post(url, data=data)
            assert response.status_code == 404, (who, url, response.status_code)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ChallengeSubmission)) == 1
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 0
    assert not db.session.get(ChallengeSubmission, entry.id).is_withdrawn


def test_drafts_are_200_for_editors(app, login, make_user, draft):
    challenge, entry, _ = draft
    editor = client_as(app, login, make_user(role=Role.EDITOR))
    for _ in range(2):  # cold, then with the board built in Redis
        for url in draft_gets(challenge.slug, entry.id):
            response = editor.get(url)
            assert response.status_code == 200, (url, response.status_code)
        assert "only editors can see it" in editor.get(f"/challenges/{challenge.slug}/").get_data(
            as_text=True)


def test_draft_entries_stay_off_public_profiles_and_lists(client, login, draft):
    """RELIABILITY #13: drafts are 404 and absent for non-editors."""
    challenge, entry, author = draft
    for url in ("/", "/challenges/", f"/u/{author.username}"):
        body = client.get(url).get_data(as_text=True)
        assert challenge.slug not in body and str(entry.id) not in body, url


def admin_form(challenge, **overrides: str) -> dict[str, str]:
    """The admin's edit form of ``challenge`` as a browser would post it back."""
    fmt = "%Y-%m-%d %H:%M:%S"
    data = {
        "title": challenge.title, "slug": challenge.slug, "description": challenge.description,
        "prompt": challenge.prompt, "status": challenge.status,
        "starts_at": challenge.starts_at.strftime(fmt),
        "submission_deadline": challenge.submission_deadline.strftime(fmt),
        "voting_deadline": challenge.voting_deadline.strftime(fmt),
        "ends_at": challenge.ends_at.strftime(fmt),
        "week_number": str(challenge.week_number), "year": str(challenge.year),
        "max_submissions_per_user": str(challenge.max_submissions_per_user),
        "allow_voting": "y", "hero_image_url": "", "theme_color": challenge.theme_color,
        "sponsor": "__None", "prizes": "{}", "points_config": "{}",
    }
    data.update(overrides)
    return data


def admin_edit(editor, challenge, **overrides: str) -> None:
    url = f"/admin/challenges/edit/?id={challenge.id}"
    response = editor.post(url, data={**admin_form(challenge, **overrides),
                                      "csrf_token": editor.csrf_token()})
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-3000:]


def test_hiding_a_live_challenge_in_the_admin_hides_its_polling_fragment(app, client, login,
                                                                        make_challenge,
                                                                        make_user):
    challenge = make_challenge("active")
    submit(challenge, make_user())
    fragment = f"/challenges/{challenge.slug}/leaderboard/live"
    assert client.get(f"/challenges/{challenge.slug}/").status_code == 200  # board built
    assert client.get(fragment).status_code == 200
    editor = client_as(app, login, make_user(role=Role.EDITOR))
    admin_edit(editor, challenge, status="draft")
    assert client.get(f"/challenges/{challenge.slug}/").status_code == 404
    assert client.get(fragment).status_code == 404
    assert client.get(fragment + "?v=0").status_code == 404


def test_deleting_a_live_challenge_in_the_admin_closes_its_polling_fragment(app, client, login,
                                                                          make_challenge,
                                                                          make_user):
    challenge = make_challenge("active")
    fragment = f"/challenges/{challenge.slug}/leaderboard/live"
    assert client.get(f"/challenges/{challenge.slug}/").status_code == 200  # board built
    editor = client_as(app, login, make_user(role=Role.EDITOR))
    response = editor.post("/admin/challenges/delete/",
                           data={"id": str(challenge.id), "url": "/admin/challenges/",
                                 "csrf_token": editor.csrf_token()})
    assert response.status_code == 302
    assert client.get(f"/challenges/{challenge.slug}/").status_code == 404
    assert client.get(fragment).status_code == 404


def test_publishing_a_previewed_draft_opens_its_polling_fragment(app, client, login,
                                                                make_challenge, make_user):
    challenge = make_challenge("active", status="draft")
    editor = client_as(app, login, make_user(role=Role.EDITOR))
    assert editor.get(f"/challenges/{challenge.slug}/").status_code == 200  # preview builds it
    admin_edit(editor, challenge, status="active")
    assert client.get(f"/challenges/{challenge.slug}/").status_code == 200
    assert client.get(f"/challenges/{challenge.slug}/leaderboard/live").status_code == 200


# --- Huge and binary input: a 4xx with a message, never a 500 ---------------------------------

HUGE = {
    "title-10k": ({"title": "T" * 10_000}, "title", "at most 200 characters"),
    "description-100k": ({"description": "D" * 100_000}, "description", "at most 5,000"),
    "description-5001": ({"description": "D" * 5_001}, "description", "at most 5,000"),
    "alt-text-501": ({"image_alt_text": "A" * 501}, "image_alt_text", "at most 500"),
    "tool-101": ({"tool_used": "T" * 101}, "tool_used", "At most 100"),
    "prompt-5001": ({"prompt_used": "P" * 5_001}, "prompt_used", "At most 5,000"),
    "nul-title": ({"title": "Nice\x00title"}, "title", "control characters"),
    "nul-description": ({"description": "a\x00b"}, "description", "control characters"),
    "nul-alt": ({"image_alt_text": "\x00"}, "image_alt_text", "control characters"),
    "nul-url": ({"image_url": "https://img.example/\x00.png"}, "image_url", "control characters"),
    "nul-prompt": ({"prompt_used": "\x00" * 10}, "prompt_used", "control characters"),
    "nul-tool": ({"tool_used": "x\x00"}, "tool_used", "control characters"),
    "bell-title": ({"title": "Ding\x07"}, "title", "control characters"),
}


@pytest.mark.parametrize("case", list(HUGE))
def test_huge_or_binary_input_gets_a_message_not_a_500(client, member_in, case):
    """RELIABILITY #26: bad input is a 4xx, never a 500."""
    fields, field, message = HUGE[case]
    data = {"title": "Fine", "image_url": "https://img.example/ok.png", "image_alt_text": "Ok",
            **fields}
    for headers in ({}, HTMX):
        response = client.post_form(f"/challenges/{member_in.slug}/submit", data,
                                    headers=headers)
        assert response.status_code == 422, (case, response.status_code)
        body = response.get_data(as_text=True)
        error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', body)
        assert error and message in html.unescape(error.group(1)), (case, error and error.group(1))
    assert saved_entries() == 0


def test_huge_or_binary_input_in_the_edit_form_gets_a_message(client, login, make_challenge,
                                                              make_user):
    author = make_user()
    entry = submit(make_challenge("active"), author)
    login(client, author)
    url = f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/edit"
    for fields, field, message in HUGE.values():
        data = {"title": "Fine", "image_url": "https://img.example/ok.png",
                "image_alt_text": "Ok", **fields}
        response = client.post_form(url, data)
        assert response.status_code == 422, (field, response.status_code)
        assert message in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).title == "Dream"


def test_a_request_over_the_size_limit_is_413(app, client, member_in):
    """RELIABILITY #26: bad input is a 4xx, never a 500."""
    data = {"title": "Big", "description": "D" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
    response = client.post_form(f"/challenges/{member_in.slug}/submit", data)
    assert response.status_code == 413
    assert "larger than 10 MB" in response.get_data(as_text=True)
    assert saved_entries() == 0


def test_a_description_over_its_limit_is_a_message_at_the_field(client, member_in):
    data = {"title": "Big", "description": "D" * 5001}
    response = client.post_form(f"/challenges/{member_in.slug}/submit", data)
    assert response.status_code == 422
    assert "5,000" in response.get_data(as_text=True)
    assert saved_entries() == 0


def test_a_bogus_project_id_is_a_message_not_a_500(client, member_in):
    for project_id in ("not-a-uuid", str(uuid.uuid4()), "\x00", "1" * 5000):
        data = {"title": "Mine", "project_id": project_id}
        response = client.post_form(f"/challenges/{member_in.slug}/submit", data)
        assert response.status_code == 422, project_id[:20]
    assert saved_entries() == 0


@pytest.mark.parametrize("url", [
    "/challenges/?after=%00",
    "/challenges/?after=0001-01-01T00:00:00%2B05:00|" + str(uuid.UUID(int=1)),
    "/challenges/?after=9999-12-31T23:59:59-05:00|" + str(uuid.UUID(int=1)),
    "/challenges/?after=2026-01-01|nope",
    "/challenges/?after=" + "9" * 5000,
])
def test_bad_list_cursors_are_404_not_500(client, url):
    assert client.get(url).status_code == 404, url


def test_odd_query_parameters_never_give_a_500(client, make_challenge, make_user):
    """RELIABILITY #26: bad input is a 4xx, never a 500."""
    challenge = make_challenge("active")
    author = make_user()
    submit(challenge, author)
    slug = challenge.slug
    for url in (f"/challenges/{slug}/submissions/?sort=%00",
                f"/challenges/{slug}/submissions/?sort=" + "x" * 300,
                f"/challenges/{slug}/leaderboard/live?v=abc",
                f"/challenges/{slug}/leaderboard/live?v=" + "9" * 40,
                f"/challenges/{slug}/leaderboard/live?v=-1",
                f"/u/{author.username}?before=" + "9" * 40,
                f"/u/{author.username}?before=%00", f"/u/{author.username}?before=-1",
                f"/u/{author.username}?before=" + "1" * 5000):
        response = client.get(url)
        assert response.status_code < 500 and response.status_code in (200, 204, 404), url


# --- The admin binds query arguments and form fields straight into SQL: still never a 500 ------

ADMIN_VIEWS = ["challenges", "submissions", "sponsors", "users", "projects", "votes", "ledger",
               "payouts"]
ODD_LIST_ARGS = ["?search=%00", "?search=" + "x" * 5000, "?page=99999999999999999999",
                 "?page=-1", "?sort=999", "?desc=x", "?flt0_0=%00", "?flt0_1=%00", "?flt1_1=%00"]
ODD_IDS = ["%00", "9" * 40, "-" + "9" * 40, "not-an-id", ""]


@pytest.mark.parametrize("view", ADMIN_VIEWS)
def test_odd_admin_list_arguments_and_ids_never_give_a_500(client, login, make_user,
                                                           make_challenge, view):
    make_challenge("active")
    login(client, make_user(role=Role.EDITOR))
    for args in ODD_LIST_ARGS:
        response = client.get(f"/admin/{view}/{args}")
        assert response.status_code == 200, (view, args[:30], response.status_code)
    for raw in ODD_IDS:
        for page in ("details", "edit"):
            response = client.get(f"/admin/{view}/{page}/?id={raw}")
            assert response.status_code in (200, 302, 403, 404), (view, page, raw[:30],
                                                                  response.status_code)


@pytest.mark.parametrize("field", ["title", "slug", "description", "prompt", "prizes"])
def test_control_characters_in_the_admin_challenge_form_are_refused(client, login, make_user,
                                                                    make_challenge, field):
    challenge = make_challenge("active", title="Before")
    login(client, make_user(role=Role.EDITOR))
    value = {"prizes": '{"1st": "\x00"}'}.get(field, "bad\x00value")
    for url, slug in ((f"/admin/challenges/edit/?id={challenge.id}", challenge.slug),
                      ("/admin/challenges/new/", "fresh-slug")):
        data = {**admin_form(challenge, slug=slug), field: value, "csrf_token": client.csrf_token()}
        response = client.post(url, data=data)
        assert response.status_code == 200, (url, response.status_code)  # the form again
        if field != "prizes":  # JSON is parsed first: a raw NUL is invalid JSON, said so
            assert "Remove the invisible control characters." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(challenge), challenge.id).title == "Before"
    assert db.session.scalar(select(func.count()).select_from(type(challenge))) == 1


def test_control_characters_in_the_admin_sponsor_form_are_refused(client, login, make_user,
                                                                  make_sponsor):
    sponsor = make_sponsor(name="Acme")
    login(client, make_user(role=Role.EDITOR))
    data = {"name": "Ac\x00me", "slug": sponsor.slug, "logo_url": sponsor.logo_url,
            "website_url": sponsor.website_url, "csrf_token": client.csrf_token()}
    response = client.post(f"/admin/sponsors/edit/?id={sponsor.id}", data=data)
    assert response.status_code == 200
    assert "Remove the invisible control characters." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(sponsor), sponsor.id).name == "Acme"
