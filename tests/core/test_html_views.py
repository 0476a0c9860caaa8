"""SPEC §9: the core loop's HTML views work without JavaScript (forms post, redirect, flash), and
htmx requests get just the partial they swap. The gallery pages by cursor, never by OFFSET, with a
bounded number of queries per page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard import keys
from challenges.models import ChallengeSubmission, ChallengeVote, Role
from challenges.services.entries import disqualify_entry, withdraw_entry
from challenges.transactions import commit_with_retry

from .helpers import submit, vote

HTMX = {"HX-Request": "true"}
CARD_LINK = re.compile(
    r'<h3 class="entry-title"><a href="/challenges/[a-z0-9-]+/submissions/([0-9a-f-]{36})/">'
)
LOAD_MORE = re.compile(r'<li class="load-more" id="load-more">\s*<a [^>]*href="([^"]+)"')


def text_of(response) -> str:
    """The body as a reader sees it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def card_ids(body: str) -> list[str]:
    return CARD_LINK.findall(body)


def next_cursor(body: str) -> str | None:
    match = LOAD_MORE.search(body)
    if match is None:
        return None
    return parse_qs(urlsplit(html.unescape(match.group(1))).query)["after"][0]


def varies_on_htmx(response) -> bool:
    return "HX-Request" in response.headers.get("Vary", "")


def csrf_header(client) -> dict[str, str]:
    """What htmx sends on an unsafe request: the token from <body hx-headers>."""
    return {**HTMX, "X-CSRFToken": client.csrf_token()}


@pytest.fixture
def challenge(make_challenge):
    return make_challenge("active")


@pytest.fixture
def author(make_user):
    return make_user()


@pytest.fixture
def entry(challenge, author):
    return submit(challenge, author, title="Sunrise")


def entry_url(entry, action: str = "") -> str:
    base = f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/"
    return base + action if action else base


VALID = {"title": "My entry", "image_url": "https://img.example/a.png",
         "image_alt_text": "A red circle"}


# --- Without JavaScript: plain forms post and redirect with a flash message ----------------------

def test_submit_form_page_posts_and_redirects_to_the_new_entry(client, login, challenge, author):
    login(client, author)
    page = client.get(f"/challenges/{challenge.slug}/submit")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<html" in body and 'name="csrf_token"' in body
    assert f'action="/challenges/{challenge.slug}/submit"' in body

    response = client.post_form(f"/challenges/{challenge.slug}/submit", VALID)
    assert response.status_code == 302
    entry = db.session.scalars(select(ChallengeSubmission)).one()
    assert response.headers["Location"] == entry_url(entry)
    assert entry.title == "My entry" and entry.user_id == author.id

    landed = client.get(response.headers["Location"])
    assert landed.status_code == 200
    assert "Your entry is in!" in text_of(landed)
    assert "My entry" in text_of(landed)


def test_submit_form_shows_inline_errors_without_javascript(client, login, challenge, author):
    login(client, author)
    response = client.post_form(f"/challenges/{challenge.slug}/submit", {"title": ""})
    assert response.status_code == 422
    body = text_of(response)
    assert "<html" in body  # the whole page, errors beside the fields
    assert 'id="title-error"' in body and "Give your entry a title." in body
    assert "Add an image, a link, or one of your projects." in body
    assert db.session.scalar(select(ChallengeSubmission.id)) is None


def test_a_refused_submission_redirects_with_the_reason(client, login, make_challenge, author):
    closed = make_challenge("voting")
    login(client, author)
    response = client.post_form(f"/challenges/{closed.slug}/submit", VALID,
                                follow_redirects=True)
    assert response.status_code == 200
    assert "not accepting entries right now" in text_of(response)
    assert db.session.scalar(select(ChallengeSubmission.id)) is None


def test_submit_requires_login(client, challenge):
    response = client.get(f"/challenges/{challenge.slug}/submit")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_edit_shows_the_entry_and_saves_changes(client, login, entry, author):
    login(client, author)
    page = client.get(entry_url(entry, "edit"))
    assert page.status_code == 200
    assert 'value="Sunrise"' in page.get_data(as_text=True)

    data = {"title": "Sunset", "image_url": entry.image_url,
            "image_alt_text": entry.image_alt_text, "description": "Now at dusk."}
    response = client.post_form(entry_url(entry, "edit"), data)
    assert response.status_code == 302
    assert response.headers["Location"] == entry_url(entry)
    landed = client.get(response.headers["Location"])
    assert "Entry updated." in text_of(landed)
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).title == "Sunset"


def test_edit_with_errors_stays_on_the_form(client, login, entry, author):
    login(client, author)
    response = client.post_form(entry_url(entry, "edit"),
                                {"title": "", "image_url": "javascript:alert(1)"})
    assert response.status_code == 422
    body = text_of(response)
    assert "Give your entry a title." in body
    assert "Use a full link starting with https://" in body
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).title == "Sunrise"


def test_only_the_author_may_edit_or_withdraw(client, login, entry, make_user):
    """RELIABILITY #11: another member's entry or project cannot be used."""
    login(client, make_user())
    for action in ("edit", "withdraw"):
        assert client.get(entry_url(entry, action)).status_code == 403
        assert client.post_form(entry_url(entry, action), {"title": "Mine now"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).title == "Sunrise"


def test_withdraw_asks_for_confirmation_then_withdraws(client, login, entry, author):
    login(client, author)
    confirm = client.get(entry_url(entry, "withdraw"))
    assert confirm.status_code == 200
    body = text_of(confirm)
    assert "Withdraw “Sunrise”?" in body
    assert f'action="{entry_url(entry, "withdraw")}"' in body and 'name="csrf_token"' in body
    db.session.expire_all()
    assert not db.session.get(ChallengeSubmission, entry.id).is_withdrawn  # GET changes nothing

    response = client.post_form(entry_url(entry, "withdraw"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/challenges/{entry.challenge.slug}/"
    landed = client.get(response.headers["Location"])
    assert "Entry withdrawn." in text_of(landed)
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).is_withdrawn
    assert client.get(entry_url(entry)).status_code == 404


def test_withdraw_without_a_csrf_token_withdraws_nothing(client, login, entry, author):
    login(client, author)
    response = client.post(entry_url(entry, "withdraw"))
    assert response.status_code == 400
    db.session.expire_all()
    assert not db.session.get(ChallengeSubmission, entry.id).is_withdrawn


def test_vote_and_unvote_post_and_redirect_back(client, login, entry, make_user):
    voter = make_user()
    login(client, voter)
    gallery = f"/challenges/{entry.challenge.slug}/submissions/"
    response = client.post_form(entry_url(entry, "vote"), {"next": gallery})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{gallery}#entry-{entry.id}"  # back at the card
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).vote_count == 1
    page = client.get(gallery).get_data(as_text=True)
    assert f'action="{entry_url(entry, "unvote")}"' in page and 'aria-pressed="true"' in page

    response = client.post_form(entry_url(entry, "unvote"), {"next": gallery})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{gallery}#entry-{entry.id}"
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).vote_count == 0
    assert db.session.scalar(select(ChallengeVote.id)) is None


def test_vote_without_next_returns_to_the_entry(client, login, entry, make_user):
    login(client, make_user())
    response = client.post_form(entry_url(entry, "vote"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"{entry_url(entry)}#entry-{entry.id}"


def test_vote_next_never_leaves_the_site(client, login, entry, make_user):
    """RELIABILITY #21: next never leaves the site."""
    login(client, make_user())
    response = client.post_form(entry_url(entry, "vote"), {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert not response.headers["Location"].startswith(("http", "//"))


def test_a_refused_vote_redirects_with_the_reason(client, login, entry, author):
    """RELIABILITY #2: a vote for one's own entry is refused and leaves no row."""
    login(client, author)
    response = client.post_form(entry_url(entry, "vote"), follow_redirects=True)
    assert response.status_code == 200
    assert "You can't vote for your own entry." in text_of(response)
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).vote_count == 0


def test_a_visitor_who_votes_is_sent_to_log_in(client, entry):
    """RELIABILITY #14: partials have the page's authorization."""
    response = client.post_form(entry_url(entry, "vote"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    response = client.post(entry_url(entry, "vote"), headers=csrf_header(client))
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/login?next=")


# --- With htmx: partials ----------------------------------------------------------------------

def test_htmx_vote_returns_just_the_button_and_tells_the_board(client, login, entry, make_user):
    login(client, make_user())
    response = client.post(entry_url(entry, "vote"), headers=csrf_header(client))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form class="vote-form"')
    assert body.rstrip().endswith("</form>")
    assert "<html" not in body and "<body" not in body
    assert 'aria-pressed="true"' in body
    assert f'hx-post="{entry_url(entry, "unvote")}"' in body
    assert '<span class="vote-count">1</span>' in body
    assert response.headers["HX-Trigger"] == "wc:board-changed"
    assert varies_on_htmx(response)

    response = client.post(entry_url(entry, "unvote"), headers=csrf_header(client))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form class="vote-form"')
    assert 'aria-pressed="false"' in body and '<span class="vote-count">0</span>' in body
    assert response.headers["HX-Trigger"] == "wc:board-changed"


def test_htmx_refused_vote_shows_the_reason_in_the_button(client, login, entry, author):
    """RELIABILITY #2: a vote for one's own entry is refused and leaves no row."""
    login(client, author)
    response = client.post(entry_url(entry, "vote"), headers=csrf_header(client))
    assert response.status_code == 200
    body = text_of(response)
    assert body.lstrip().startswith('<form class="vote-form"')
    assert "You can't vote for your own entry." in body
    assert "HX-Trigger" not in response.headers  # nothing changed on the board


def test_htmx_vote_without_the_csrf_header_is_refused(client, login, entry, make_user):
    login(client, make_user())
    response = client.post(entry_url(entry, "vote"), headers=HTMX)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(ChallengeSubmission, entry.id).vote_count == 0


def test_htmx_submit_form_is_the_modal(client, login, challenge, author):
    login(client, author)
    response = client.get(f"/challenges/{challenge.slug}/submit", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<div class=\"modal-backdrop\" id=\"modal-content\"")
    assert "<html" not in body
    assert f'hx-post="/challenges/{challenge.slug}/submit"' in body
    assert varies_on_htmx(response)

    page = client.get(f"/challenges/{challenge.slug}/submit")
    assert "<html" in page.get_data(as_text=True)
    assert varies_on_htmx(page)


def test_htmx_submit_with_errors_returns_the_modal_with_inline_errors(client, login, challenge,
                                                                      author):
    login(client, author)
    response = client.post_form(f"/challenges/{challenge.slug}/submit",
                                {"title": "", "image_url": "/x.png"}, headers=HTMX)
    assert response.status_code == 422
    body = text_of(response)
    assert body.lstrip().startswith('<div class="modal-backdrop" id="modal-content"')
    assert "<html" not in body
    assert "Give your entry a title." in body
    assert "Use a full link starting with https://" in body
    assert 'aria-invalid="true"' in body
    assert varies_on_htmx(response)
    assert db.session.scalar(select(ChallengeSubmission.id)) is None


def test_htmx_submit_success_redirects_through_hx_redirect(client, login, challenge, author):
    login(client, author)
    response = client.post(f"/challenges/{challenge.slug}/submit", data=VALID,
                           headers=csrf_header(client))
    assert response.status_code == 204
    assert response.get_data() == b""
    entry = db.session.scalars(select(ChallengeSubmission)).one()
    assert response.headers["HX-Redirect"] == entry_url(entry)
    assert varies_on_htmx(response)
    assert "Your entry is in!" in text_of(client.get(response.headers["HX-Redirect"]))


def test_htmx_submit_refused_shows_the_reason_in_the_modal(client, login, challenge, author):
    login(client, author)
    for n in range(challenge.max_submissions_per_user):
        submit(challenge, author, title=f"Entry {n}")
    response = client.post_form(f"/challenges/{challenge.slug}/submit", VALID, headers=HTMX)
    assert response.status_code == 409
    body = text_of(response)
    assert 'id="modal-content"' in body and "<html" not in body
    assert "the most this challenge allows" in body


def test_gallery_with_htmx_and_a_cursor_returns_just_the_next_cards(client, challenge,
                                                                   make_user):
    for _ in range(5):
        user = make_user()
        for n in range(3):
            submit(challenge, user, title=f"Card {user.id}-{n}")
    url = f"/challenges/{challenge.slug}/submissions/?sort=newest"
    first = client.get(url)
    assert first.status_code == 200
    assert varies_on_htmx(first)
    cursor = next_cursor(first.get_data(as_text=True))
    assert cursor is not None

    response = client.get(f"{url}&after={cursor}", headers=HTMX)
    assert response.status_code == 200
    assert varies_on_htmx(response)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<li class="entry-card" id="entry-')
    assert "<html" not in body and "<h1" not in body and 'id="entries"' not in body
    assert len(card_ids(body)) == 3

    # The same URL without htmx is the whole page (the "Load more" link without JavaScript).
    page = client.get(f"{url}&after={cursor}")
    assert "<html" in page.get_data(as_text=True)
    assert card_ids(page.get_data(as_text=True)) == card_ids(body)
    assert varies_on_htmx(page)


def test_error_pages_vary_on_htmx(client):
    page = client.get("/challenges/nope/")
    fragment = client.get("/challenges/nope/", headers=HTMX)
    assert page.status_code == fragment.status_code == 404
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert varies_on_htmx(page) and varies_on_htmx(fragment)


def test_vote_responses_vary_on_htmx(client, login, entry, make_user):
    login(client, make_user())
    assert varies_on_htmx(client.post_form(entry_url(entry, "vote")))
    assert varies_on_htmx(client.post(entry_url(entry, "unvote"), headers=csrf_header(client)))


# --- "Load more": cursors, never OFFSET, a bounded number of queries --------------------------

@contextmanager
def captured_sql() -> Iterator[list[tuple[str, object]]]:
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def offset_scans(statements: list[tuple[str, object]]) -> list[str]:
    """Statements that skip rows with OFFSET. SQLite's dialect renders every LIMIT as
    ``LIMIT ? OFFSET ?`` with an offset of 0, which skips nothing; any other OFFSET counts."""
    found = []
    for statement, parameters in statements:
        if "OFFSET" not in statement.upper():
            continue
        noop = (statement.rstrip().endswith("LIMIT ? OFFSET ?") and statement.upper().count(
            "OFFSET") == 1 and isinstance(parameters, tuple | list) and parameters[-1] == 0)
        if not noop:
            found.append(statement)
    return found


@pytest.fixture
def thirty(make_challenge, make_user):
    """A challenge with 30 counting entries (ties in votes, a third featured), plus one withdrawn
    and one disqualified entry that must never show."""
    challenge = make_challenge("active")
    authors = [make_user() for _ in range(11)]
    voters = [make_user() for _ in range(4)]
    editor = make_user(role=Role.EDITOR)
    entries = [submit(challenge, authors[i // 3], title=f"Entry {i}") for i in range(32)]
    for i, entry in enumerate(entries):
        for voter in voters[: (i * 7) % 5]:
            vote(entry, voter)
    commit_with_retry(lambda: withdraw_entry(entries[4].id, entries[4].user, utcnow()))
    commit_with_retry(lambda: disqualify_entry(entries[9].id, editor, "Copied", utcnow()))
    for entry in entries[::3]:
        entry.is_featured = True
    db.session.commit()
    return challenge


def expected_order(challenge, sort: str) -> list[str]:
    db.session.expire_all()
    rows = db.session.scalars(select(ChallengeSubmission).where(
        ChallengeSubmission.challenge_id == challenge.id,
        ChallengeSubmission.is_withdrawn.is_(False),
        ChallengeSubmission.is_disqualified.is_(False),
    )).all()
    if sort == "votes":
        rows = sorted(rows, key=lambda e: (-e.counted_votes, e.entry_number))
    else:
        rows = sorted(rows, key=lambda e: -e.entry_number)
        if sort == "featured":
            rows = [e for e in rows if e.is_featured]
    return [str(e.id) for e in rows]


def walk(client, challenge, sort: str) -> tuple[list[str], int]:
    """Every card id, following "Load more" as htmx would; and the number of pages."""
    url = f"/challenges/{challenge.slug}/submissions/"
    response = client.get(url, query_string={"sort": sort})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    seen, pages = card_ids(body), 1
    while (cursor := next_cursor(body)) is not None:
        response = client.get(url, query_string={"sort": sort, "after": cursor}, headers=HTMX)
        assert response.status_code == 200, (cursor, response.status_code)
        body = response.get_data(as_text=True)
        assert card_ids(body), f"an empty page after {cursor!r}"
        seen += card_ids(body)
        pages += 1
        assert pages < 20, "the cursor does not advance"
    return seen, pages


@pytest.mark.parametrize("board", ["redis", "sql"])
@pytest.mark.parametrize("sort", ["votes", "newest", "featured"])
def test_load_more_walks_every_counting_entry_once_in_order(client, login, thirty, sort, board,
                                                            redis_client, make_user):
    login(client, make_user())
    if board == "redis":
        assert client.get(f"/challenges/{thirty.slug}/").status_code == 200  # builds the board
        assert redis_client.exists(keys.built(thirty.id))
    else:
        redis_client.delete(keys.built(thirty.id))  # "Most voted" falls back to SQL
    expected = expected_order(thirty, sort)
    assert len(expected) == (30 if sort != "featured" else 10)
    with captured_sql() as statements:
        seen, pages = walk(client, thirty, sort)
    assert seen == expected
    assert len(seen) == len(set(seen))
    assert pages == -(-len(expected) // 12)
    assert not offset_scans(statements), offset_scans(statements)


MALFORMED = ["abc", "nan", "inf", "-inf", "1e999", "-1e999", "0x1f", "1;DROP TABLE users",
             "\x00", "1" * 5000]
# Numbers no page ever ends on: entry numbers are positive 32-bit integers, scores are >= 0.
OUT_OF_RANGE = {"newest": ["0", "-1", "2147483648", "9" * 40],
                "featured": ["0", "-1", "2147483648", "9" * 40],
                "votes": ["-1", "-0.5"]}
BAD_CURSORS = [(sort, cursor) for sort in ("votes", "newest", "featured")
               for cursor in MALFORMED + OUT_OF_RANGE[sort]]


@pytest.mark.parametrize(("sort", "cursor"), BAD_CURSORS)
def test_a_bad_cursor_is_404_not_500(client, challenge, author, sort, cursor):
    submit(challenge, author)
    url = f"/challenges/{challenge.slug}/submissions/"
    for headers in ({}, HTMX):
        response = client.get(url, query_string={"sort": sort, "after": cursor}, headers=headers)
        assert response.status_code == 404, (cursor[:50], response.status_code)


def gallery_queries(client, challenge, sort: str) -> tuple[int, int]:
    url = f"/challenges/{challenge.slug}/submissions/?sort={sort}"
    client.get(url)  # warm: any one-off work (a board rebuild) happens here
    with captured_sql() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), len(card_ids(response.get_data(as_text=True)))


@pytest.mark.parametrize("board", ["redis", "sql"])
@pytest.mark.parametrize("sort", ["votes", "newest", "featured"])
def test_a_gallery_page_does_the_same_queries_for_3_or_12_cards(client, login, make_challenge,
                                                                make_user, sort, board,
                                                                redis_client):
    small, large = make_challenge("active"), make_challenge("active")
    viewer = make_user()
    for challenge, count in ((small, 3), (large, 15)):
        for i in range(count):
            entry = submit(challenge, make_user(), title=f"E{i}",
                           external_url="https://work.example/" + str(i))
            entry.is_featured = True
            db.session.commit()
            if i % 2:
                vote(entry, viewer)  # the viewer's own votes show on their buttons
    login(client, viewer)
    for challenge in (small, large):
        if board == "redis":
            client.get(f"/challenges/{challenge.slug}/")
        else:
            redis_client.delete(keys.built(challenge.id))
    small_queries, small_cards = gallery_queries(client, small, sort)
    large_queries, large_cards = gallery_queries(client, large, sort)
    assert (small_cards, large_cards) == (3, 12)
    assert small_queries == large_queries
    assert large_queries <= 8
