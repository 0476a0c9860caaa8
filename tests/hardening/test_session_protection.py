"""Session protection is "strong" (RELIABILITY.md #20): a session (and its remember cookie)
used from another browser or address is dropped, not merely marked stale."""

from __future__ import annotations

import pytest

NAV = 'data-testid="nav-username">@'


@pytest.mark.parametrize("remember", [False, True])
def test_a_session_replayed_from_another_browser_is_anonymous(client, make_user, login,
                                                              remember):
    """RELIABILITY #20."""
    member = make_user()
    login(client, member, remember=remember)
    assert NAV + member.username in client.get("/").get_data(as_text=True)

    other_browser = client.get("/", headers={"User-Agent": "Mozilla/5.0 (Stolen cookie)"})
    assert NAV not in other_browser.get_data(as_text=True)
    assert client.get("/account/tokens").status_code == 302  # dropped for good, not just once


def test_a_session_replayed_from_another_address_is_anonymous(client, make_user, login):
    """RELIABILITY #20."""
    member = make_user()
    login(client, member)
    moved = client.get("/account/tokens", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert moved.status_code == 302 and "/login" in moved.headers["Location"]


def test_the_same_browser_stays_logged_in(client, make_user, login):
    member = make_user()
    login(client, member, remember=True)
    for _ in range(3):
        assert client.get("/account/tokens").status_code == 200


def test_a_replayed_session_cookie_identifies_nobody_on_the_polls(
        client, make_user, make_challenge, login):
    """RELIABILITY #20: the polls (leaderboard widget, bell) read the session without SQL, and
    apply the same strong check: a cookie replayed from another browser is a visitor there."""
    from challenges.models import Role

    draft = make_challenge("active", status="draft")
    poll = f"/challenges/{draft.slug}/leaderboard/live"
    editor = make_user(role=Role.EDITOR)
    login(client, editor)
    assert client.get(f"/challenges/{draft.slug}/").status_code == 200  # the page loads
    assert client.get(poll).status_code == 200
    assert client.get("/notifications/bell").status_code == 200

    stolen = {"User-Agent": "Mozilla/5.0 (Stolen cookie)"}
    assert client.get(poll, headers=stolen).status_code == 404  # a visitor: no draft board
    assert client.get("/notifications/bell", headers=stolen).status_code == 286  # no bell
