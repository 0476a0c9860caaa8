""""Remind me": members follow a challenge from its landing page (POST, CSRF, login; works
without JavaScript, idempotent), and unfollow."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from challenges.calendar.models import ChallengeFollow
from challenges.extensions import db


def follows(user=None) -> int:
    query = select(func.count()).select_from(ChallengeFollow)
    if user is not None:
        query = query.where(ChallengeFollow.user_id == user.id)
    return db.session.scalar(query)


@pytest.fixture
def member(client, make_user, login):
    user = make_user()
    login(client, user)
    return user


def test_following_needs_a_login(client, make_challenge):
    challenge = make_challenge("active")
    response = client.post_form(f"/challenges/{challenge.slug}/follow")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert follows() == 0


@pytest.mark.parametrize("action", ["follow", "unfollow"])
def test_following_and_unfollowing_need_the_csrf_token(client, make_challenge, member, action):
    challenge = make_challenge("active")
    if action == "unfollow":
        client.post_form(f"/challenges/{challenge.slug}/follow")
    before = follows(member)

    response = client.post(f"/challenges/{challenge.slug}/{action}")

    assert response.status_code == 400
    assert follows(member) == before


def test_remind_me_follows_once_however_often_it_is_pressed(client, make_challenge, member):
    challenge = make_challenge("active", title="Neon Nights")
    for _ in range(2):
        response = client.post_form(f"/challenges/{challenge.slug}/follow")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/challenges/{challenge.slug}/"
    assert follows(member) == 1

    page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert "You'll be reminded" in page
    assert f'action="/challenges/{challenge.slug}/unfollow"' in page
    assert f'action="/challenges/{challenge.slug}/follow"' not in page


def test_stop_reminding_me_unfollows(client, make_challenge, member):
    challenge = make_challenge("active")
    client.post_form(f"/challenges/{challenge.slug}/follow")

    for _ in range(2):  # the second time there is nothing to remove, and nothing breaks
        response = client.post_form(f"/challenges/{challenge.slug}/unfollow")
        assert response.status_code == 302
    assert follows(member) == 0
    page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert f'action="/challenges/{challenge.slug}/follow"' in page


def test_with_htmx_the_card_swaps_itself(client, make_challenge, member):
    challenge = make_challenge("active")
    headers = {"HX-Request": "true", "X-CSRFToken": client.csrf_token()}

    response = client.post(f"/challenges/{challenge.slug}/follow", headers=headers)

    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    card = response.get_data(as_text=True)
    assert card.lstrip().startswith('<section class="card calendar-card" id="calendar-card"')
    assert "Stop reminding me" in card
    assert "<html" not in card
    assert follows(member) == 1


def test_one_members_follow_is_theirs_alone(client, make_challenge, member, make_user):
    challenge = make_challenge("active")
    other = make_user()
    client.post_form(f"/challenges/{challenge.slug}/follow")
    assert (follows(member), follows(other)) == (1, 0)


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_an_unpublished_challenge_cannot_be_followed(client, make_challenge, member, status):
    challenge = make_challenge("upcoming", status=status)
    assert client.post_form(f"/challenges/{challenge.slug}/follow").status_code == 404
    assert follows() == 0


def test_a_visitor_sees_add_to_calendar_and_a_login_link_not_the_button(client, make_challenge):
    challenge = make_challenge("upcoming")
    page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert 'id="calendar-card"' in page
    assert f"/challenges/{challenge.slug}.ics" in page
    assert f'action="/challenges/{challenge.slug}/follow"' not in page
    assert "/login?next=" in page


def test_a_member_sees_remind_me_with_its_csrf_token(client, make_challenge, member):
    challenge = make_challenge("voting")
    page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    form = page[page.index(f'action="/challenges/{challenge.slug}/follow"'):]
    form = form[:form.index("</form>")]
    assert 'name="csrf_token"' in form
    assert "Remind me" in form


def test_a_finished_challenge_offers_no_remind_me(client, make_challenge, member):
    challenge = make_challenge("completed")
    page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert f"/challenges/{challenge.slug}.ics" in page
    assert f'action="/challenges/{challenge.slug}/follow"' not in page
