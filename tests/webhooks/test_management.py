"""Managing endpoints: editors in the admin (secret, rotate, delivery log, replay with the same
webhook-id); sponsors on their dashboard, for their own endpoints only, with CSRF."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from flask import g
from sqlalchemy import select

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import Role
from challenges.transactions import commit_with_retry
from challenges.webhooks.models import WebhookEndpoint
from challenges.webhooks.service import MAX_ATTEMPTS, RETRY_DELAYS, disable_endpoint

from ..core.helpers import submit
from ..test_admin import form_token
from .conftest import attempts, deliveries, endpoint_now, run_due


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def editor(client, login, make_user):
    user = make_user("editor", role=Role.EDITOR)
    login(client, user)
    g.pop("csrf_token", None)
    return user


def admin_post(client, url, page_url, data):
    """POST as an admin page would, with the CSRF token of an admin form (the list page's)."""
    token = form_token(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


# --- Admin ------------------------------------------------------------------------------------

def test_an_editor_creates_an_endpoint_with_a_generated_secret(editor, client, receiver):
    response = admin_post(client, "/admin/webhooks/new/", "/admin/webhooks/new/", {
        "url": receiver.url, "description": "Our Slack relay",
        "event_types": ["challenge.published", "submission.created"], "sponsor": "__None",
        "enabled": "y"})
    assert response.status_code == 302, text_of(response)[:2000]
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.owner_id == editor.id and endpoint.sponsor_id is None
    assert endpoint.events == ["challenge.published", "submission.created"]
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", endpoint.secret)
    details = text_of(client.get(f"/admin/webhooks/details/?id={endpoint.id}"))
    assert endpoint.secret in details


def test_an_editor_enables_a_disabled_endpoint_with_a_clean_record(
    editor, client, receiver, make_endpoint
):
    endpoint = make_endpoint(receiver, description="Relay")
    commit_with_retry(lambda: disable_endpoint(endpoint.id, "Disabled automatically.", utcnow()))
    fresh = endpoint_now(endpoint)
    fresh.consecutive_failures, fresh.failing_since = 9, utcnow()
    db.session.commit()
    listing = text_of(client.get("/admin/webhooks/"))
    assert f"/admin/webhook_deliveries/?flt0_0={endpoint.id}" in listing

    url = f"/admin/webhooks/edit/?id={endpoint.id}"
    response = admin_post(client, url, url, {
        "url": receiver.url, "description": "Relay", "event_types": ["submission.created"],
        "sponsor": "__None", "enabled": "y"})
    assert response.status_code == 302, text_of(response)[:2000]
    fresh = endpoint_now(endpoint)
    assert fresh.enabled and fresh.disabled_reason == ""
    assert (fresh.consecutive_failures, fresh.failing_since) == (0, None)
    assert fresh.events == ["submission.created"]


def test_the_admin_endpoint_form_needs_an_event(editor, client, receiver):
    response = admin_post(client, "/admin/webhooks/new/", "/admin/webhooks/new/", {
        "url": receiver.url, "sponsor": "__None", "enabled": "y"})
    assert response.status_code == 200
    assert "Choose at least one event." in text_of(response)
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_an_editor_rotates_a_secret_and_only_the_new_one_verifies(
    editor, client, receiver, make_endpoint, make_challenge, make_user
):
    endpoint = make_endpoint(receiver)
    old = endpoint.secret
    assert admin_post(client, "/admin/webhooks/rotate/", "/admin/webhooks/",
                      {"id": str(endpoint.id)}).status_code == 302
    new = endpoint_now(endpoint).secret
    assert new != old
    receiver.secret = old
    submit(make_challenge("active"), make_user())
    assert [r.verified for r in receiver.requests] == [False]
    receiver.secret = new
    submit(make_challenge("active"), make_user())
    assert [r.verified for r in receiver.requests][-1] is True


def test_the_delivery_log_shows_status_latency_and_attempts(
    editor, client, receiver, make_endpoint, make_challenge, make_user
):
    endpoint = make_endpoint(receiver)
    receiver.answer(500)
    submit(make_challenge("active"), make_user())
    [delivery] = deliveries(endpoint)
    page = text_of(client.get(f"/admin/webhooks/details/?id={endpoint.id}"))
    assert delivery.event_id in page and "HTTP 500 answered." in page
    listing = text_of(client.get(f"/admin/webhook_deliveries/?flt0_0={endpoint.id}"))
    assert delivery.event_id in listing
    other = text_of(client.get(f"/admin/webhook_deliveries/?flt0_0={uuid.uuid4()}"))
    assert delivery.event_id not in other
    details = text_of(client.get(f"/admin/webhook_deliveries/details/?id={delivery.id}"))
    assert 'data-testid="attempt-log"' in details and "ms</td>" in details


def test_replay_sends_the_same_webhook_id_again(editor, client, receiver, make_endpoint,
                                                make_challenge, make_user):
    endpoint = make_endpoint(receiver)
    submit(make_challenge("active"), make_user())
    [delivery] = deliveries(endpoint)
    assert delivery.status == "delivered"
    page = f"/admin/webhooks/details/?id={endpoint.id}"
    response = admin_post(client, "/admin/webhook_deliveries/replay/", "/admin/webhooks/",
                          {"id": str(delivery.id), "back": page})
    assert response.status_code == 302 and response.headers["Location"] == page

    assert len(receiver.requests) == 2
    first, again = receiver.requests
    assert again.verified
    assert again.webhook_id == first.webhook_id == delivery.event_id
    assert again.body == first.body
    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [a.attempt for a in attempts(delivery)] == [1, 2]


def test_the_bulk_replay_action_replays_a_failed_delivery(
    app, monkeypatch, editor, client, receiver, make_endpoint, make_challenge, make_user,
    frozen_clock
):
    monkeypatch.setitem(app.config, "WEBHOOK_DISABLE_AFTER_HOURS", 1000)
    endpoint = make_endpoint(receiver)
    receiver.answer(*[500] * MAX_ATTEMPTS)
    submit(make_challenge("active"), make_user())
    for delay in RETRY_DELAYS:
        frozen_clock.advance(seconds=delay)
        run_due()
    [delivery] = deliveries(endpoint)
    assert delivery.status == "failed"
    response = admin_post(client, "/admin/webhook_deliveries/action/",
                          "/admin/webhook_deliveries/",
                          {"action": "replay", "rowid": [str(delivery.id)]})
    assert response.status_code == 302
    [delivery] = deliveries(endpoint)
    assert (delivery.status, delivery.attempts) == ("delivered", MAX_ATTEMPTS + 1)
    assert {r.webhook_id for r in receiver.requests} == {delivery.event_id}


# --- Sponsors ----------------------------------------------------------------------------------

@pytest.fixture
def sponsor_user(client, login, make_user, make_sponsor):
    user = make_user("brand", role=Role.SPONSOR, sponsor=make_sponsor(name="Brand"))
    login(client, user)
    return user


def test_a_sponsor_adds_an_endpoint_for_their_own_challenges(sponsor_user, client, receiver):
    response = client.post_form("/sponsor/webhooks/", {
        "url": receiver.url, "description": "CRM", "events": ["submission.created"]})
    assert response.status_code == 302
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert (endpoint.owner_id, endpoint.sponsor_id) == (sponsor_user.id, sponsor_user.sponsor_id)
    assert response.headers["Location"] == f"/sponsor/webhooks/{endpoint.id}"
    page = text_of(client.get(response.headers["Location"]))
    assert endpoint.secret in page and "CRM" in page


def test_the_sponsor_dashboard_links_to_the_webhooks_page(sponsor_user, client):
    page = client.get("/sponsor/").get_data(as_text=True)
    assert 'href="/sponsor/webhooks/"' in page
    assert client.get("/sponsor/webhooks/").status_code == 200


def test_the_sponsor_form_needs_its_csrf_token(sponsor_user, client, receiver):
    response = client.post("/sponsor/webhooks/", data={"url": receiver.url,
                                                       "events": ["submission.created"]})
    assert response.status_code == 400
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_the_sponsor_form_shows_errors_at_their_fields(sponsor_user, client):
    response = client.post_form("/sponsor/webhooks/", {"url": "", "description": "x" * 201})
    page = text_of(response)
    assert response.status_code == 422
    assert 'id="url-error"' in page and "Enter the URL that receives the webhooks." in page
    assert 'id="events-error"' in page and "Choose at least one event." in page
    assert "Keep the description to 200 characters." in page


def test_a_sponsor_sees_and_manages_only_their_own_endpoints(
    sponsor_user, client, receiver, make_endpoint, make_user, make_sponsor
):
    own = make_endpoint(receiver, owner=sponsor_user, sponsor=sponsor_user.sponsor,
                        description="Ours")
    other_sponsor = make_sponsor(name="Rival")
    theirs = make_endpoint(url="https://93.184.216.34/rival", description="Theirs",
                           owner=make_user(role=Role.SPONSOR, sponsor=other_sponsor),
                           sponsor=other_sponsor)
    editors = make_endpoint(url="https://93.184.216.34/editors", description="Editors'")

    listing = text_of(client.get("/sponsor/webhooks/"))
    assert "Ours" in listing and "Theirs" not in listing and "Editors'" not in listing
    for endpoint in (theirs, editors):
        assert client.get(f"/sponsor/webhooks/{endpoint.id}").status_code == 404
        for action in ("rotate", "disable", "enable", "delete"):
            url = f"/sponsor/webhooks/{endpoint.id}/{action}"
            assert client.post_form(url).status_code == 404, url
        assert client.post_form(f"/sponsor/webhooks/{endpoint.id}", {
            "url": "https://93.184.216.34/x", "events": ["submission.created"]}
        ).status_code == 404
        assert endpoint_now(endpoint).secret == endpoint.secret

    old_secret = own.secret
    assert client.post_form(f"/sponsor/webhooks/{own.id}/rotate").status_code == 302
    assert endpoint_now(own).secret != old_secret
    assert client.post_form(f"/sponsor/webhooks/{own.id}/disable").status_code == 302
    assert not endpoint_now(own).enabled
    assert client.post_form(f"/sponsor/webhooks/{own.id}/enable").status_code == 302
    assert endpoint_now(own).enabled
    assert client.post_form(f"/sponsor/webhooks/{own.id}", {
        "url": receiver.url, "description": "Renamed", "events": ["challenge.finalized"]}
    ).status_code == 302
    assert endpoint_now(own).events == ["challenge.finalized"]
    assert client.post_form(f"/sponsor/webhooks/{own.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, own.id) is None


def test_a_sponsor_replays_only_their_own_deliveries(
    sponsor_user, client, receiver, make_endpoint, make_challenge, make_user, make_sponsor
):
    own = make_endpoint(receiver, owner=sponsor_user, sponsor=sponsor_user.sponsor)
    rival = make_sponsor()
    theirs = make_endpoint(receiver, sponsor=rival)
    submit(make_challenge("active", sponsor=sponsor_user.sponsor), make_user())
    submit(make_challenge("active", sponsor=rival), make_user())
    [mine], [other] = deliveries(own), deliveries(theirs)

    page = text_of(client.get(f"/sponsor/webhooks/{own.id}"))
    assert mine.event_id in page and other.event_id not in page
    assert client.post_form(
        f"/sponsor/webhooks/{own.id}/deliveries/{other.id}/replay").status_code == 404
    assert client.post_form(
        f"/sponsor/webhooks/{theirs.id}/deliveries/{other.id}/replay").status_code == 404
    receiver.secret = own.secret
    before = len(receiver.requests)
    assert client.post_form(
        f"/sponsor/webhooks/{own.id}/deliveries/{mine.id}/replay").status_code == 302
    assert len(receiver.requests) == before + 1
    assert receiver.requests[-1].webhook_id == mine.event_id
    assert receiver.requests[-1].verified

    # Deleting the endpoint deletes its log too.
    assert client.post_form(f"/sponsor/webhooks/{own.id}/delete").status_code == 302
    assert deliveries(own) == [] and len(deliveries(theirs)) == 1


@pytest.mark.parametrize("role", ["anonymous", "member", "editor"])
def test_only_sponsor_users_open_the_sponsor_webhook_pages(client, login, make_user, role):
    if role != "anonymous":
        login(client, make_user(role=Role(role)))
    response = client.get("/sponsor/webhooks/")
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
