"""Issue #9, "In the product": the bell in the header shows the unread count, polls on wc:tick,
answers 204 without any SQL while nothing changed, and changes after a new notification and
after "mark read". Visitors see no bell."""

from __future__ import annotations

import re

from challenges.notifications import keys
from challenges.notifications.inbox import InboxItem, add_notifications
from challenges.transactions import commit_with_retry

VERSION_RE = re.compile(r'id="notification-bell"[^>]*data-version="(-?\d+)"', re.S)
LABEL_RE = re.compile(r'aria-label="Notifications, (\d+) unread"')


def notify(user, n: int = 1, prefix: str = "test") -> int:
    items = [InboxItem(user_id=user.id, kind="test", key=f"{prefix}:{user.id}:{i}",
                       text=f"News {i}", link="/challenges/") for i in range(n)]
    return commit_with_retry(lambda: add_notifications(items))


def shown(body: str) -> tuple[int, int]:
    """(unread count in the label, version) of the bell in ``body``."""
    label, version = LABEL_RE.search(body), VERSION_RE.search(body)
    assert label and version, body[:800]
    return int(label.group(1)), int(version.group(1))


def poll(client, version: int):
    return client.get(f"/notifications/bell?v={version}", headers={"HX-Request": "true"})


def test_a_visitor_sees_no_bell(client):
    body = client.get("/").get_data(as_text=True)
    assert 'id="notification-bell"' not in body


def test_a_visitors_poll_stops_polling_and_removes_the_bell(client):
    response = poll(client, 1)
    assert response.status_code == 286 and response.get_data(as_text=True) == ""


def test_the_header_bell_shows_the_unread_count_and_is_a_plain_link(client, login, make_user):
    member = make_user()
    notify(member, 3)
    login(client, member)
    body = client.get("/").get_data(as_text=True)
    assert shown(body)[0] == 3
    bell = body[body.index('id="notification-bell"') - 3:]
    assert bell.startswith('<a ') and 'href="/notifications"' in bell.split(">")[0]
    assert 'hx-trigger="wc:tick from:body, wc:bell-changed from:body"' in bell.split(">")[0]
    assert '<span class="bell-count" aria-hidden="true">3</span>' in body


def test_the_poll_with_nothing_new_runs_no_sql_and_answers_204(client, login, make_user,
                                                              count_sql):
    member = make_user()
    notify(member, 2)
    login(client, member)
    _, version = shown(client.get("/").get_data(as_text=True))
    count_sql.clear()
    response = poll(client, version)
    assert response.status_code == 204
    assert response.headers["Cache-Control"] == "no-store"
    assert count_sql == [], count_sql


def test_the_count_changes_after_a_new_notification(client, login, make_user, count_sql):
    member = make_user()
    login(client, member)
    count, version = shown(client.get("/").get_data(as_text=True))
    assert count == 0
    notify(member, 2)
    changed = poll(client, version)
    assert changed.status_code == 200
    body = changed.get_data(as_text=True)
    assert "<html" not in body
    new_count, new_version = shown(body)
    assert (new_count, new_version != version) == (2, True)
    assert "Notifications: 2 unread.</p>" in body  # told to screen readers, out of band
    count_sql.clear()
    assert poll(client, new_version).status_code == 204  # and quiet again, without SQL
    assert count_sql == []


def test_the_count_changes_after_mark_read(client, login, make_user):
    member = make_user()
    notify(member, 2)
    login(client, member)
    _, version = shown(client.get("/").get_data(as_text=True))
    assert client.post_form("/notifications/read").status_code == 302
    count, new_version = shown(poll(client, version).get_data(as_text=True))
    assert count == 0 and new_version != version


def test_a_poll_after_redis_lost_the_count_recounts_in_sql(client, login, make_user,
                                                          redis_client):
    member = make_user()
    notify(member, 1)
    login(client, member)
    _, version = shown(client.get("/").get_data(as_text=True))
    redis_client.delete(keys.bell(member.id))  # Redis is derived state: it may forget
    response = poll(client, version)
    assert response.status_code == 200 and shown(response.get_data(as_text=True))[0] == 1


def test_a_poll_after_redis_lost_the_session_asks_the_database(client, login, make_user,
                                                              redis_client):
    member = make_user()
    notify(member, 4)
    login(client, member)
    for key in redis_client.scan_iter("auth:session:*"):
        redis_client.delete(key)
    response = poll(client, -5)
    assert response.status_code == 200 and shown(response.get_data(as_text=True))[0] == 4


def test_another_members_news_does_not_change_my_bell(client, login, make_user, count_sql):
    member, other = make_user(), make_user()
    login(client, member)
    _, version = shown(client.get("/").get_data(as_text=True))
    notify(other, 3)
    count_sql.clear()
    assert poll(client, version).status_code == 204
    assert count_sql == []
