"""API tokens (issue #10): an expiry chosen at creation (default 90 days), ``last_used_at`` at
most once a minute, revoked with every session on a password change or reset, listed with their
state on the account page. Logging out keeps them unless the member asks (README, "API")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import ApiToken
from tests.support.factories import PASSWORD

from ..account_email.helpers import field_error, page_text
from ..account_email.test_password_reset import reset_link, set_password
from ..api.conftest import assert_error, bearer
from ..api.test_tokens import NEW_TOKEN

API = "/api/challenges/"
NEW_PASSWORD = "a brand new passphrase"


def create(client, name: str = "my script", days: int | str | None = None) -> str:
    data = {"name": name} if days is None else {"name": name, "expires_in_days": str(days)}
    response = client.post_form("/account/tokens", data)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    match = NEW_TOKEN.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


def stored() -> ApiToken:
    db.session.rollback()
    return db.session.scalars(select(ApiToken)).one()


def test_a_token_stops_working_when_the_lifetime_chosen_at_creation_ends(
        client, make_user, login, frozen_clock):
    login(client, make_user())
    raw = create(client, days=7)
    api = client.application.test_client()
    assert stored().expires_at == frozen_clock.now + timedelta(days=7)

    frozen_clock.advance(days=7, seconds=-1)
    assert api.get(API, headers=bearer(raw)).status_code == 200
    frozen_clock.advance(seconds=1)
    error = assert_error(api.get(API, headers=bearer(raw)), 401, "token_expired")
    assert "expired" in error["message"] and "tokens page" in error["message"]
    refused = api.get(API, headers=bearer(raw))
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_default_lifetime_is_90_days(client, make_user, login, frozen_clock):
    login(client, make_user())
    form = client.get("/account/tokens").get_data(as_text=True)
    assert '<option selected value="90">90 days</option>' in form
    create(client)
    assert stored().expires_at == frozen_clock.now + timedelta(days=90)


@pytest.mark.parametrize("days", ["1000", "0", "-7", "abc", "9223372036854775808"])
def test_a_lifetime_not_offered_is_refused_at_its_field(client, make_user, login, days):
    login(client, make_user())
    response = client.post_form("/account/tokens", {"name": "x", "expires_in_days": days})
    assert response.status_code == 422
    assert field_error(response, "expires_in_days")
    assert db.session.scalar(select(ApiToken.id)) is None


def test_last_used_is_written_at_most_once_a_minute(client, make_user, login, frozen_clock):
    login(client, make_user())
    raw = create(client)
    api = client.application.test_client()
    first = frozen_clock.now
    assert api.get(API, headers=bearer(raw)).status_code == 200
    assert stored().last_used_at == first
    frozen_clock.advance(seconds=59)
    assert api.get(API, headers=bearer(raw)).status_code == 200
    assert stored().last_used_at == first, "not rewritten within the minute"
    frozen_clock.advance(seconds=1)
    assert api.get(API, headers=bearer(raw)).status_code == 200
    assert stored().last_used_at == first + timedelta(minutes=1)


def test_a_password_change_revokes_every_token(client, make_user, login):
    login(client, make_user())
    tokens = [create(client, "one"), create(client, "two")]
    api = client.application.test_client()
    assert all(api.get(API, headers=bearer(raw)).status_code == 200 for raw in tokens)

    changed = client.post_form("/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    for raw in tokens:
        assert_error(api.get(API, headers=bearer(raw)), 401, "invalid_token")
    page = page_text(client.get("/account/tokens"))
    assert page.count("Revoked") == 2 and ">Revoke<" not in page
    assert create(client, "after")  # the member can make new ones at once


def test_a_password_reset_revokes_every_token(client, smtp_server, make_user, login):
    member = make_user()
    login(client, member)
    raw = create(client)
    api = client.application.test_client()
    assert api.get(API, headers=bearer(raw)).status_code == 200

    stranger = client.application.test_client()  # the reset happens from another browser
    assert set_password(stranger, reset_link(stranger, smtp_server, member.email),
                        NEW_PASSWORD).status_code == 302
    assert_error(api.get(API, headers=bearer(raw)), 401, "invalid_token")
    assert stored().revoked_at is not None


def test_logging_out_keeps_tokens_unless_the_member_asks(client, make_user, login):
    member = make_user()
    login(client, member)
    raw = create(client)
    api = client.application.test_client()
    assert "Also revoke my API tokens" in page_text(client.get("/logout"))
    assert client.post_form("/logout").status_code == 302
    assert api.get(API, headers=bearer(raw)).status_code == 200, "scripts outlive a browser"

    login(client, member)
    assert client.post_form("/logout", {"revoke_tokens": "y"}).status_code == 302
    assert_error(api.get(API, headers=bearer(raw)), 401, "invalid_token")


def test_the_tokens_page_shows_each_tokens_state_and_revokes_only_live_ones(
        client, make_user, login, frozen_clock):
    login(client, make_user())
    create(client, "weekly", days=7)
    frozen_clock.advance(days=8)
    used = create(client, "used")
    client.application.test_client().get(API, headers=bearer(used))
    create(client, "unused")
    revoked = db.session.scalars(select(ApiToken).where(ApiToken.name == "unused")).one()
    assert client.post_form(f"/account/tokens/{revoked.id}/revoke").status_code == 302

    rows = page_text(client.get("/account/tokens")).split('data-testid="token-row"')[1:]
    by_name = {next(n for n in ("weekly", "used", "unused") if f"<strong>{n}</strong>" in row):
               row for row in rows}
    assert "Expired" in by_name["weekly"] and "expired " in by_name["weekly"]
    assert ">Revoke<" not in by_name["weekly"]
    assert "Active" in by_name["used"] and "last used" in by_name["used"]
    assert "expires " in by_name["used"] and ">Revoke<" in by_name["used"]
    assert "Revoked" in by_name["unused"] and "never used" in by_name["unused"]
    assert ">Revoke<" not in by_name["unused"]
