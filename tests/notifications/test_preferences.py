"""Preferences: which kinds a member gets, and /account/notifications where they choose."""

from __future__ import annotations

import itertools
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import User
from challenges.notifications.kinds import KINDS, NotificationKind
from challenges.notifications.preferences import (
    NotificationPreference,
    is_enabled,
    preferences_of,
    set_preferences,
    wants,
)
from challenges.transactions import commit_with_retry

K = NotificationKind


def test_every_kind_is_on_by_default_except_the_opt_in_digest(make_user):
    member = make_user()
    assert preferences_of(member.id) == {kind: kind != K.WEEKLY_DIGEST for kind in K}


def test_a_choice_overrides_the_default_for_that_member_and_kind_only(make_user):
    ada, bob = make_user(), make_user()
    commit_with_retry(lambda: set_preferences(
        ada.id, {K.RESULTS: False, K.WEEKLY_DIGEST: True}, utcnow()))
    assert not is_enabled(ada.id, K.RESULTS)
    assert is_enabled(ada.id, K.WEEKLY_DIGEST)
    assert is_enabled(ada.id, K.CHALLENGE_STARTED)
    assert preferences_of(bob.id) == {kind: KINDS[kind].default_enabled for kind in K}


def test_saving_the_same_choice_twice_keeps_one_row(make_user):
    member = make_user()
    for _ in range(2):
        commit_with_retry(lambda: set_preferences(member.id, {K.RESULTS: False}, utcnow()))
    rows = db.session.scalars(select(NotificationPreference)
                              .where(NotificationPreference.user_id == member.id)).all()
    assert [(r.kind, r.enabled) for r in rows] == [("results", False)]


@pytest.mark.parametrize("kind", list(K))
def test_wants_in_sql_agrees_with_is_enabled(make_user, kind):
    """The SQL twin picks exactly the members the Python rule says get ``kind``: no row, an
    "on" row and an "off" row, for a default-on and the default-off kind."""
    states = {"none": None, "on": True, "off": False}
    members = {}
    for (name, state), other in itertools.product(states.items(), (None, True, False)):
        user = make_user()
        choices = {}
        if state is not None:
            choices[kind] = state
        if other is not None:  # a choice for another kind must not leak into this one
            choices[next(k for k in K if k != kind)] = other
        commit_with_retry(lambda: set_preferences(user.id, choices, utcnow()))
        members[user.id] = name
    in_sql = set(db.session.scalars(
        select(User.id).where(User.id.in_(members), wants(kind, User.id))))
    in_python = {user_id for user_id in members if is_enabled(user_id, kind)}
    assert in_sql == in_python
    expected_default = KINDS[kind].default_enabled
    assert {members[u] for u in in_sql} == ({"none", "on"} if expected_default else {"on"})


def test_the_page_needs_a_login(client):
    response = client.get("/account/notifications")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_page_has_one_described_checkbox_per_kind_ticked_as_the_member_gets_it(
        client, make_user, login):
    member = make_user()
    login(client, member)
    page = client.get("/account/notifications").get_data(as_text=True)
    for kind, info in KINDS.items():
        box = re.search(rf'<input[^>]*name="{kind.value}"[^>]*>', page)
        assert box, kind
        assert ("checked" in box.group(0)) == info.default_enabled
        assert escape(info.label) in page and escape(info.description) in page
    assert 'name="csrf_token"' in page


def test_saving_the_form_turns_kinds_on_and_off(client, make_user, login):
    member = make_user()
    login(client, member)
    # Unticked boxes are not sent: everything off but the digest and results.
    response = client.post_form("/account/notifications",
                                {"weekly_digest": "y", "results": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/notifications")
    db.session.expire_all()
    assert preferences_of(member.id) == {kind: kind in (K.WEEKLY_DIGEST, K.RESULTS)
                                         for kind in K}
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Your email preferences are saved." in page
    assert re.search(r'<input[^>]*checked[^>]*name="weekly_digest"|'
                     r'<input[^>]*name="weekly_digest"[^>]*checked', page)


def test_saving_without_a_csrf_token_is_refused(client, make_user, login):
    member = make_user()
    login(client, member)
    response = client.post("/account/notifications", data={"weekly_digest": "y"})
    assert response.status_code == 400
    assert preferences_of(member.id)[K.WEEKLY_DIGEST] is False


def test_the_account_area_links_to_the_settings(client, make_user, login):
    login(client, make_user())
    page = client.get("/account/password").get_data(as_text=True)
    assert 'href="/account/notifications"' in page
