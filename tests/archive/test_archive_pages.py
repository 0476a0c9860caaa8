"""The archive's pages (issue #12): completed challenges only, newest first, keyset pages with
the same SQL on every page and no OFFSET, filters kept in the links, podiums without N+1, and
the list page's short past section pointing to it."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import insert

from challenges.archive.service import PAGE_SIZE
from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import Role, WeeklyChallenge

from ..core.helpers import submit, vote
from ..core.test_html_views import captured_sql, offset_scans
from ..rewards.helpers import finalize

CARD = re.compile(r'<h3 class="card-title"><a href="/challenges/([a-z0-9-]+)/">')
OLDER = re.compile(r'data-testid="archive-older" href="([^"]+)"')
URL = "/challenges/archive/"


def slugs(body: str) -> list[str]:
    return CARD.findall(body)


def older_link(body: str) -> str | None:
    match = OLDER.search(body)
    return html.unescape(match.group(1)) if match else None


def bulk_completed(count: int, **fields) -> list[str]:
    """``count`` completed challenges inserted in one statement (not the full service path),
    one day apart, newest first in the returned slugs."""
    now = utcnow()
    rows = []
    for i in range(count):
        end = now - timedelta(days=2 + i)
        rows.append({
            "id": uuid.uuid4(), "title": f"Archived {i}", "slug": f"archived-{i}",
            "description": f"Number {i} of the archive.", "prompt": "Make something.",
            "week_number": 1, "year": end.year, "starts_at": end - timedelta(days=7),
            "submission_deadline": end - timedelta(days=2), "voting_deadline": end,
            "ends_at": end, "status": "completed", "theme_color": "purple", **fields,
        })
    db.session.execute(insert(WeeklyChallenge), rows)
    db.session.commit()
    return [row["slug"] for row in rows]


def walk(client, first_url: str) -> tuple[list[str], list[int], list[str]]:
    """Every slug through "Older challenges" (plain links, as without JavaScript); the SQL
    statement count of each page; every statement run."""
    seen: list[str] = []
    counts: list[int] = []
    every: list = []
    url: str | None = first_url
    while url is not None:
        with captured_sql() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        seen += slugs(body)
        counts.append(len(statements))
        every += statements
        url = older_link(body)
        assert len(counts) < 100, "the cursor does not advance"
    return seen, counts, every


def test_paging_to_the_end_of_500_archived_challenges_uses_no_offset_and_the_same_sql(client):
    """Issue #12 acceptance: keyset pages (no OFFSET in any statement), and every page runs
    the same number of statements, the first and the last alike."""
    expected = bulk_completed(500)
    seen, counts, statements = walk(client, URL)
    assert seen == expected
    assert len(counts) == -(-500 // PAGE_SIZE)
    assert not offset_scans(statements), offset_scans(statements)[:3]
    assert len(set(counts)) == 1, counts


def test_htmx_older_challenges_returns_the_next_cards_alone(client):
    expected = bulk_completed(PAGE_SIZE + 3)
    first = client.get(URL).get_data(as_text=True)
    link = older_link(first)
    assert link
    response = client.get(link, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert slugs(body) == expected[PAGE_SIZE:]
    assert older_link(body) is None


def test_only_completed_published_challenges_newest_first(client, make_challenge, login,
                                                          make_user):
    old = make_challenge("completed", slug="old-one")
    old.voting_deadline = old.ends_at = utcnow() - timedelta(days=30)
    old.submission_deadline = old.voting_deadline - timedelta(days=1)
    old.starts_at = old.voting_deadline - timedelta(days=5)
    db.session.commit()
    new = make_challenge("completed", slug="new-one")
    for phase in ("upcoming", "active", "voting"):
        make_challenge(phase, slug=f"not-{phase}")
    make_challenge("completed", slug="a-draft", status="draft")
    make_challenge("completed", slug="a-cancelled", status="cancelled")
    assert slugs(client.get(URL).get_data(as_text=True)) == [new.slug, old.slug]
    # Editors see drafts elsewhere, never here: a draft has no results.
    login(client, make_user(role=Role.EDITOR))
    assert slugs(client.get(URL).get_data(as_text=True)) == [new.slug, old.slug]


@pytest.mark.parametrize("cursor", ["abc", "\x00", "2026-01-01|nope", "9" * 5000,
                                    "0001-01-01T00:00:00+05:00|" + str(uuid.UUID(int=1))])
def test_a_bad_cursor_is_404(client, cursor):
    for headers in ({}, {"HX-Request": "true"}):
        assert client.get(URL, query_string={"after": cursor}, headers=headers).status_code == 404


def test_filters_by_year_sponsor_and_colour_and_keeps_them_in_the_older_link(
        client, make_challenge, make_sponsor):
    lab = make_sponsor(name="DreamLabs", slug="dreamlabs")
    other = make_sponsor(name="Other Co", slug="other-co")
    bulk_completed(PAGE_SIZE + 2, sponsor_id=lab.id, theme_color="teal")
    make_challenge("completed", slug="other-teal", sponsor_id=other.id, theme_color="teal")
    make_challenge("completed", slug="lab-red", sponsor_id=lab.id, theme_color="red")
    last_year = make_challenge("completed", slug="last-year", theme_color="teal")
    last_year.year = utcnow().year - 1
    db.session.commit()

    body = client.get(URL, query_string={"sponsor": "dreamlabs", "theme": "teal"}).get_data(
        as_text=True)
    first = slugs(body)
    assert len(first) == PAGE_SIZE and all(s.startswith("archived-") for s in first)
    link = older_link(body)
    assert link is not None
    args = parse_qs(urlsplit(link).query)
    assert args["sponsor"] == ["dreamlabs"] and args["theme"] == ["teal"] and "after" in args
    rest = slugs(client.get(link).get_data(as_text=True))
    assert len(rest) == 2 and not set(rest) & set(first)

    assert slugs(client.get(URL, query_string={"theme": "red"}).get_data(as_text=True)) == [
        "lab-red"]
    assert slugs(client.get(URL, query_string={"sponsor": "other-co"}).get_data(
        as_text=True)) == ["other-teal"]
    assert slugs(client.get(URL, query_string={"year": str(utcnow().year - 1)}).get_data(
        as_text=True)) == ["last-year"]
    both = client.get(URL, query_string={"q": "archive", "theme": "teal", "sponsor": "dreamlabs"})
    assert len(slugs(both.get_data(as_text=True))) == PAGE_SIZE


def test_the_filter_form_offers_only_years_and_sponsors_with_completed_challenges(
        client, make_challenge, make_sponsor):
    done = make_sponsor(name="Done Sponsor", slug="done-sponsor")
    busy = make_sponsor(name="Busy Sponsor", slug="busy-sponsor")
    make_challenge("completed", sponsor_id=done.id)
    make_challenge("active", sponsor_id=busy.id)
    body = client.get(URL).get_data(as_text=True)
    assert 'value="done-sponsor"' in body
    assert 'value="busy-sponsor"' not in body
    assert f'value="{utcnow().isocalendar()[0]}"' in body or f'value="{utcnow().year}"' in body


@pytest.mark.parametrize("args", [{"year": "abc"}, {"year": "1999"}, {"sponsor": "nobody"},
                                  {"theme": "plaid"}, {"q": "x" * 5000}, {"q": "\x00"},
                                  {"year": "9" * 40}])
def test_odd_filters_show_an_error_at_their_field_never_a_500(client, make_challenge, args):
    make_challenge("completed", slug="kept")
    response = client.get(URL, query_string=args)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'class="error"' in body
    assert slugs(body) == ["kept"]  # the bad filter counts as "any"


def finalized_with_podium(make_challenge, make_user, frozen_clock, slug: str, voters,
                          anchor=None):
    """A completed, finalized challenge with three ranked authors, each with an image
    (completed as of ``anchor``, the clock's time by default)."""
    challenge = make_challenge("completed", slug=slug, status="voting", now=anchor or utcnow())
    frozen_clock.set(challenge.starts_at + timedelta(hours=30))
    for place, wanted in enumerate((3, 2, 1)):
        author = make_user()
        entry = submit(challenge, author, title=f"{slug} entry {place}")
        for voter in voters[:wanted]:
            vote(entry, voter)
    frozen_clock.set(challenge.voting_deadline + timedelta(hours=1))
    finalize(challenge)
    return challenge


def test_cards_show_podium_thumbnails_and_numbers_without_n_plus_one(
        client, make_challenge, make_user, frozen_clock):
    voters = [make_user() for _ in range(3)]
    anchor = utcnow()
    first = finalized_with_podium(make_challenge, make_user, frozen_clock, "pod-0", voters)
    frozen_clock.set(anchor)
    client.get(URL)  # warm: any one-off work
    with captured_sql() as one:
        body = client.get(URL).get_data(as_text=True)
    assert body.count('class="archive-thumb"') == 3
    assert "3 entries · 3 participants · 6 votes" in html.unescape(body)
    assert f"/challenges/{first.slug}/results/" in body
    for i in range(1, 4):
        finalized_with_podium(make_challenge, make_user, frozen_clock, f"pod-{i}", voters,
                              anchor)
    frozen_clock.set(anchor)
    with captured_sql() as four:
        body = client.get(URL).get_data(as_text=True)
    assert body.count('class="archive-thumb"') == 12
    assert body.count("https://img.example/dream.png") == 12
    assert len(four) == len(one), [s for s, _ in four]


def test_the_list_page_shows_the_newest_few_and_links_to_the_archive(client):
    expected = bulk_completed(20)
    body = client.get("/challenges/").get_data(as_text=True)
    shown = re.findall(r'<a href="/challenges/(archived-\d+)/">', body)
    assert shown == expected[:6]
    assert 'href="/challenges/archive/"' in body


def test_old_list_page_cursors_move_to_the_archive(client):
    bulk_completed(3)
    cursor = "2026-01-01T00:00:00+00:00|" + str(uuid.UUID(int=1))
    response = client.get("/challenges/", query_string={"after": cursor})
    assert response.status_code == 301
    location = urlsplit(response.headers["Location"])
    assert location.path == URL
    assert parse_qs(location.query)["after"] == [cursor]


def test_a_challenge_cannot_take_the_archives_address(make_challenge) -> None:
    """/challenges/archive/ is the archive: a challenge slugged "archive" could never be
    reached, so the one validation every editor path uses refuses it at the slug field."""
    from challenges.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        make_challenge(slug="archive")
    assert "slug" in refused.value.errors
