"""Session protection is "strong" (RELIABILITY.md #20): a session (and its remember cookie)
used from another browser or address is dropped, not merely marked stale."""

from __future__ import annotations

import pytest

from ..core.helpers import submit

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


def test_a_visitors_session_is_kept_without_a_cookie_on_every_answer(client, make_challenge,
                                                                    make_user):
    """A visitor's session (here the gallery's Discover order) is tied to its browser once;
    their next pages set no cookie. Without the tie, strong protection took it for a stolen
    session on each request: it cleared the remember cookie and sent the session again every
    time (a 304 included), and a client keeping only one of the two lost its Discover order."""
    challenge = make_challenge("active")
    submit(challenge, make_user())
    gallery = f"/challenges/{challenge.slug}/submissions/"

    first = client.get(gallery)
    assert [c.split("=")[0] for c in first.headers.getlist("Set-Cookie")] == ["session"]
    for path in (gallery, f"/challenges/{challenge.slug}/", gallery):
        again = client.get(path)
        assert again.status_code == 200
        assert again.headers.getlist("Set-Cookie") == [], path

    other_browser = client.get(gallery, headers={"User-Agent": "Mozilla/5.0 (Stolen cookie)"})
    assert other_browser.status_code == 200  # still a visitor's page, session protection on
