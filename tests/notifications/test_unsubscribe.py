"""One-click unsubscribe (RFC 8058): signed per member and kind, POST without a session or a
CSRF token, GET only confirms, a bad link gets 400."""

from __future__ import annotations

import pytest

from challenges.extensions import db
from challenges.notifications.kinds import NotificationKind
from challenges.notifications.preferences import preferences_of
from challenges.notifications.unsubscribe import (
    check_site_url,
    unsubscribe_headers,
    unsubscribe_token,
    unsubscribe_url,
)

K = NotificationKind


def path_of(url: str) -> str:
    """The path of an absolute link, as the test client requests it."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_the_link_is_on_site_url_and_the_headers_follow_rfc_8058(app, make_user):
    member = make_user()
    url = unsubscribe_url(member.id, K.RESULTS)
    site = app.config["SITE_URL"].rstrip("/")
    assert url.startswith(f"{site}/notifications/unsubscribe/results/")
    assert unsubscribe_headers(member.id, K.RESULTS) == {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_links_differ_per_member_and_per_kind(make_user):
    ada, bob = make_user(), make_user()
    tokens = {unsubscribe_token(u.id, k) for u in (ada, bob) for k in (K.RESULTS, K.VOTING_OPEN)}
    assert len(tokens) == 4


def test_production_links_are_https_even_if_site_url_says_http(app, make_user, caplog):
    member = make_user()
    assert check_site_url("http://challenges.example", production=True) is False
    assert "not https" in caplog.text
    assert check_site_url("https://challenges.example", production=True)
    assert check_site_url("http://127.0.0.1:5000", production=False)
    saved = app.config["ENV_NAME"], app.config["SITE_URL"]
    app.config.update(ENV_NAME="production", SITE_URL="http://challenges.example")
    try:
        url = unsubscribe_url(member.id, K.RESULTS)
    finally:
        app.config["ENV_NAME"], app.config["SITE_URL"] = saved
    assert url.startswith("https://challenges.example/notifications/unsubscribe/results/")


def test_get_shows_a_confirmation_and_changes_nothing(client, make_user):
    member = make_user()
    response = client.get(path_of(unsubscribe_url(member.id, K.VOTING_OPEN)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Unsubscribe?" in page and 'method="post"' in page
    assert preferences_of(member.id)[K.VOTING_OPEN] is True


def test_post_without_session_or_csrf_turns_off_only_that_kind_for_only_that_member(
        client, make_user):
    ada, bob = make_user(), make_user()
    response = client.post(path_of(unsubscribe_url(ada.id, K.RESULTS)),
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert preferences_of(ada.id) == {k: k not in (K.RESULTS, K.WEEKLY_DIGEST) for k in K}
    assert preferences_of(bob.id)[K.RESULTS] is True


def test_unsubscribing_twice_is_fine(client, make_user):
    member = make_user()
    path = path_of(unsubscribe_url(member.id, K.CHALLENGE_STARTED))
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200
    assert preferences_of(member.id)[K.CHALLENGE_STARTED] is False


def test_the_confirmation_button_unsubscribes(client, make_user):
    member = make_user()
    path = path_of(unsubscribe_url(member.id, K.VOTING_CLOSING))
    page = client.get(path).get_data(as_text=True)
    assert f'action="{path}"' in page
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert preferences_of(member.id)[K.VOTING_CLOSING] is False


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_tampered_link_gets_400_and_changes_nothing(client, make_user, method):
    member = make_user()
    path = path_of(unsubscribe_url(member.id, K.RESULTS))
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    response = client.open(tampered, method=method)
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.get_data(as_text=True)
    assert preferences_of(member.id)[K.RESULTS] is True


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_link_moved_to_another_kind_gets_400(client, make_user, method):
    member = make_user()
    path = path_of(unsubscribe_url(member.id, K.RESULTS))
    for other in ("voting_open", "no_such_kind"):
        response = client.open(path.replace("/results/", f"/{other}/"), method=method)
        assert response.status_code == 400
    assert preferences_of(member.id) == {k: k != K.WEEKLY_DIGEST for k in K}


def test_a_link_signed_with_another_key_gets_400(app, client, make_user):
    member = make_user()
    path = path_of(unsubscribe_url(member.id, K.RESULTS))
    app.config["SECRET_KEY"], original = "another-key", app.config["SECRET_KEY"]
    try:
        forged = path_of(unsubscribe_url(member.id, K.RESULTS))
    finally:
        app.config["SECRET_KEY"] = original
    assert forged != path
    assert client.post(forged).status_code == 400
