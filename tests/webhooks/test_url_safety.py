"""Where webhooks may go: public http(s) addresses only, checked after resolving the host, unless
WEBHOOK_ALLOW_PRIVATE is on (as the other tests set it for their loopback receiver)."""

from __future__ import annotations

import html
import ipaddress

import pytest
from flask import g
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.models import Role
from challenges.webhooks.models import WebhookEndpoint
from challenges.webhooks.ssrf import UnsafeURL, is_public_address, vet_webhook_url

from ..test_admin import form_token

PRIVATE = [
    "http://169.254.169.254/",             # cloud metadata (link-local)
    "http://localhost/",
    "http://127.0.0.1:8080/hook",
    "http://[::1]/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.10/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://224.0.0.1/",                   # multicast
    "http://240.0.0.1/",                   # reserved
    "http://100.64.0.1/",                  # shared (carrier-grade NAT)
    "http://[fe80::1]/",                   # IPv6 link-local
    "http://[fc00::1]/",                   # IPv6 unique local
    "http://[::ffff:169.254.169.254]/",    # IPv4-mapped
    "http://[::ffff:127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",        # NAT64 of 169.254.169.254
    "http://[2002:7f00:1::]/",             # 6to4 of 127.0.0.1
    "http://2130706433/",                  # 127.0.0.1 as one number
    "http://0x7f.1/",
]


@pytest.fixture
def private_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)


@pytest.mark.parametrize("url", PRIVATE)
def test_private_addresses_are_refused_when_not_allowed(url):
    """RELIABILITY #25: links are never fetched; webhooks refuse private hosts."""
    with pytest.raises(UnsafeURL, match="public internet addresses"):
        vet_webhook_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://localhost/"])
def test_metadata_and_localhost_are_accepted_only_when_allowed(url):
    assert vet_webhook_url(url, allow_private=True).address in {"169.254.169.254", "127.0.0.1",
                                                                "::1"}


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://93.184.216.34/", "Use a full link starting with https://"),
    ("javascript:alert(1)", "Use a full link starting with https://"),
    ("file:///etc/passwd", "Use a full link starting with https://"),
    ("http://user:secret@93.184.216.34/", "cannot carry a user name or password"),
    ("http://93.184.216.34:99999/", "invalid port"),
    ("http://no-such-host.invalid/", "does not resolve"),
])
def test_only_plain_http_urls_of_a_real_host_are_accepted(url, message):
    with pytest.raises(UnsafeURL, match=message):
        vet_webhook_url(url, allow_private=False)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_public(address):
    assert is_public_address(ipaddress.ip_address(address))


def test_a_public_address_is_vetted_and_pinned():
    target = vet_webhook_url("https://93.184.216.34:8443/in?x=1", allow_private=False)
    assert (target.scheme, target.host, target.port, target.address, target.path) == (
        "https", "93.184.216.34", 8443, "93.184.216.34", "/in?x=1")


def endpoint_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(WebhookEndpoint))


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://localhost/"])
def test_the_admin_refuses_a_private_url_at_its_field(private_refused, client, login, make_user,
                                                      url):
    login(client, make_user("editor", role=Role.EDITOR))
    g.pop("csrf_token", None)
    page = client.get("/admin/webhooks/new/").get_data(as_text=True)
    response = client.post("/admin/webhooks/new/", data={
        "csrf_token": form_token(page), "url": url, "description": "",
        "event_types": ["challenge.published"], "sponsor": "__None", "enabled": "y"})
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert 'class="form-control is-invalid" id="url"' in text
    assert "Webhooks can only be sent to public internet addresses" in text
    assert endpoint_count() == 0


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://localhost/"])
def test_the_sponsor_page_refuses_a_private_url_at_its_field(private_refused, client, login,
                                                             make_user, make_sponsor, url):
    login(client, make_user(role=Role.SPONSOR, sponsor=make_sponsor()))
    response = client.post_form("/sponsor/webhooks/", {"url": url,
                                                       "events": ["submission.created"]})
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'id="url-error"' in text
    assert "Webhooks can only be sent to public internet addresses" in text
    assert endpoint_count() == 0
