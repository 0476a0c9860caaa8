"""Issue #9, "In the product": the list page /notifications (newest first, keyset pages, unread
highlighted, escaped text), "mark read" (one or all, CSRF, only the member's own) and the
service's exactly-once insert."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.notifications.inbox import (
    InAppNotification,
    InboxItem,
    add_notifications,
    list_page,
    mark_read,
    unread_count,
)
from challenges.transactions import commit_with_retry

ROW_RE = re.compile(r'<li id="notification-(\d+)" class="notification( is-unread)?"')
OLDER_RE = re.compile(r'<a rel="next" href="([^"]+)" data-testid="older">')


def item(user, n: int, **fields) -> InboxItem:
    values = {"user_id": user.id, "kind": "test", "key": f"test:{user.id}:{n}",
              "text": f"News {n}", "link": f"/challenges/?n={n}"}
    values.update(fields)
    return InboxItem(**values)


def add(*items: InboxItem, now=None) -> int:
    return commit_with_retry(lambda: add_notifications(list(items), now))


def rows(body: str) -> list[tuple[int, bool]]:
    """(id, unread) of each row on a list page, in order."""
    return [(int(m.group(1)), bool(m.group(2))) for m in ROW_RE.finditer(body)]


def ids_of(user) -> list[int]:
    """The member's notification ids, newest first."""
    return list(db.session.scalars(
        select(InAppNotification.id).where(InAppNotification.user_id == user.id)
        .order_by(InAppNotification.created_at.desc(), InAppNotification.id.desc())))


def test_adding_the_same_key_twice_adds_one_notification(make_user):
    member = make_user()
    assert add(item(member, 1), item(member, 2)) == 2
    assert add(item(member, 1), item(member, 3)) == 1  # a job run twice adds nothing twice
    assert unread_count(member.id) == 3


def test_a_notification_links_only_to_a_path_on_this_site(make_user):
    member = make_user()
    for link in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        with pytest.raises(ValueError):
            item(member, 1, link=link)


def test_the_list_page_needs_a_login(client):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_list_page_shows_newest_first_unread_highlighted_with_link_and_time(
        client, login, make_user, frozen_clock):
    member = make_user()
    add(item(member, 1))
    frozen_clock.advance(minutes=5)
    add(item(member, 2))
    older, newer = sorted(ids_of(member))
    commit_with_retry(lambda: mark_read(member.id, [older], frozen_clock.now))
    login(client, member)
    body = client.get("/notifications").get_data(as_text=True)
    assert rows(body) == [(newer, True), (older, False)]
    assert f'href="/notifications/{newer}/go"' in body
    assert "<time datetime=" in body  # the product's local_time, exact UTC on hover


def test_the_text_of_a_notification_is_escaped(client, login, make_user):
    member = make_user()
    add(item(member, 1, text='<script>alert("x")</script> & <b>bold</b>'))
    login(client, member)
    body = client.get("/notifications").get_data(as_text=True)
    assert "<script>alert" not in body and "<b>bold</b>" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in body


def test_the_list_pages_by_keyset_through_every_notification(client, login, make_user,
                                                            frozen_clock):
    member, other = make_user(), make_user()
    add(*(item(member, n) for n in range(25)), item(other, 99))  # 25 at the same moment
    frozen_clock.advance(seconds=1)
    add(*(item(member, n) for n in range(25, 45)))
    login(client, member)
    seen: list[int] = []
    url: str | None = "/notifications"
    pages = 0
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += [row_id for row_id, _ in rows(body)]
        found = OLDER_RE.search(body)
        url = unescape(found.group(1)) if found else None
        pages += 1
    assert seen == ids_of(member) and len(seen) == 45  # none twice, none skipped, none of other's
    assert pages == 3


def test_the_list_page_never_uses_offset(make_user, app):
    member = make_user()
    add(*(item(member, n) for n in range(3)))
    first = list_page(member.id, None, size=2)
    assert first.next_cursor is not None
    second = list_page(member.id, first.next_cursor, size=2)
    assert [n.id for n in first.items + second.items] == ids_of(member)
    assert second.next_cursor is None


def test_a_cursor_the_page_did_not_write_is_404(client, login, make_user):
    login(client, make_user())
    assert client.get("/notifications?before=not-a-cursor!").status_code == 404


def test_mark_all_read_needs_the_csrf_token(client, login, make_user):
    member = make_user()
    add(item(member, 1))
    login(client, member)
    assert client.post("/notifications/read").status_code == 400
    assert unread_count(member.id) == 1
    assert client.post_form("/notifications/read").status_code == 302
    assert unread_count(member.id) == 0


def test_mark_one_read_needs_the_csrf_token(client, login, make_user):
    member = make_user()
    add(item(member, 1))
    (nid,) = ids_of(member)
    login(client, member)
    assert client.post(f"/notifications/{nid}/read").status_code == 400
    assert unread_count(member.id) == 1
    response = client.post_form(f"/notifications/{nid}/read", {"next": "/notifications"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert unread_count(member.id) == 0


def test_mark_read_only_marks_the_members_own(client, login, make_user):
    member, other = make_user(), make_user()
    add(item(member, 1), item(other, 1))
    (theirs,) = ids_of(other)
    login(client, member)
    client.post_form(f"/notifications/{theirs}/read")
    client.post_form("/notifications/read")
    assert unread_count(other.id) == 1 and unread_count(member.id) == 0
    response = client.post_form(f"/notifications/{theirs}/read", headers={"HX-Request": "true"})
    assert response.status_code == 404


def test_mark_one_read_with_htmx_returns_the_row_and_tells_the_bell(client, login, make_user):
    member = make_user()
    add(item(member, 1), item(member, 2))
    nid = ids_of(member)[0]
    login(client, member)
    response = client.post_form(f"/notifications/{nid}/read", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "wc:bell-changed"
    body = response.get_data(as_text=True)
    assert "<html" not in body and rows(body) == [(nid, False)]
    assert unread_count(member.id) == 1


def test_following_a_notification_marks_it_read_and_goes_to_its_link(client, login, make_user):
    member, other = make_user(), make_user()
    add(item(member, 7), item(other, 8))
    (mine,), (theirs,) = ids_of(member), ids_of(other)
    login(client, member)
    response = client.get(f"/notifications/{mine}/go")
    assert response.status_code == 302 and response.headers["Location"] == "/challenges/?n=7"
    assert unread_count(member.id) == 0
    assert client.get(f"/notifications/{theirs}/go").status_code == 404
    assert unread_count(other.id) == 1


def test_a_long_text_is_cut_to_fit(make_user):
    member = make_user()
    add(item(member, 1, text="x" * 2000))
    stored = db.session.scalar(select(func.length(InAppNotification.text)))
    assert stored == 500


def test_the_empty_list_page_says_so(client, login, make_user):
    login(client, make_user())
    body = client.get("/notifications").get_data(as_text=True)
    assert "Nothing yet." in body and "Mark all read" not in body


def test_times_are_from_the_app_clock(make_user, frozen_clock):
    member = make_user()
    add(item(member, 1), now=frozen_clock.now - timedelta(days=1))
    stored = db.session.scalar(select(InAppNotification.created_at))
    assert stored == frozen_clock.now - timedelta(days=1)
