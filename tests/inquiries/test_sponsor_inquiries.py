"""SPEC §11 "sponsor interest": the public "Sponsor a challenge" form stores an inquiry and
tells every editor (email in their language, and the bell); editors work through inquiries in
the admin. Rate-limited per client address."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import Role, SponsorInquiry
from challenges.notifications.inbox import InAppNotification
from challenges.notifications.outbox import EmailOutbox

VALID = {
    "company": "Acme Paints",
    "contact_name": "Ann Lee",
    "contact_email": " Ann@Acme.example ",
    "budget_range": "5k_20k",
    "message": "A colour-themed week for illustrators.\nPrizes in paint sets.",
}
TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_form_is_public_and_linked_from_the_footer(client):
    page = client.get("/sponsor-a-challenge")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    assert 'href="/sponsor-a-challenge"' in client.get("/").get_data(as_text=True)


def test_a_valid_inquiry_is_stored_and_every_editor_is_told(client, make_user):
    english = make_user("ed", role=Role.EDITOR)
    spanish = make_user("eva", role=Role.EDITOR, locale="es")
    make_user("member")  # not an editor: told nothing

    response = client.post_form("/sponsor-a-challenge", VALID)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/sponsor-a-challenge/thanks")
    assert "We have your inquiry" in text_of(client.get(response.headers["Location"]))
    inquiry = db.session.scalar(select(SponsorInquiry))
    assert (inquiry.company, inquiry.contact_email, inquiry.budget_range, inquiry.status) == (
        "Acme Paints", "ann@acme.example", "5k_20k", "new")
    emails = {e.to_address: e for e in db.session.scalars(select(EmailOutbox))}
    assert set(emails) == {english.email, spanish.email}
    assert emails[english.email].subject == "New sponsor inquiry from Acme Paints"
    assert "$5,000 to $20,000" in emails[english.email].text_body
    assert "Prizes in paint sets." in emails[english.email].text_body
    assert f"/admin/sponsor_inquiries/details/?id={inquiry.id}" in emails[english.email].text_body
    assert emails[spanish.email].subject == "Nueva solicitud de patrocinio de Acme Paints"
    bells = {n.user_id: n for n in db.session.scalars(select(InAppNotification))}
    assert set(bells) == {english.id, spanish.id}
    assert bells[english.id].link == f"/admin/sponsor_inquiries/details/?id={inquiry.id}"
    assert "Acme Paints" in bells[spanish.id].text


@pytest.mark.parametrize(("field", "value", "message"), [
    ("company", "", "Tell us the name of your company"),
    ("company", "x" * 201, "Up to 200 characters"),
    ("contact_name", "  ", "Tell us who we should talk to"),
    ("contact_name", "x" * 101, "Up to 100 characters"),
    ("contact_email", "", "Give us an email address"),
    ("contact_email", "not-an-address", "not a valid email address"),
    ("budget_range", "", "Choose a budget range"),
    ("budget_range", "a_million", "Choose a budget range"),
    ("message", "", "Tell us a little about"),
    ("message", "x" * 5001, "Up to 5,000 characters"),
    ("company", "Acme\x00", "Remove the invisible control characters"),
])
def test_every_invalid_field_is_reported_at_the_field(client, field, value, message):
    response = client.post_form("/sponsor-a-challenge", {**VALID, field: value})
    assert response.status_code == 422
    page = text_of(response)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error is not None and message in error.group(1)
    assert f'aria-describedby="{field}-hint {field}-error"' in page or \
        f'aria-describedby="{field}-error"' in page
    assert db.session.scalar(select(SponsorInquiry)) is None


def test_an_empty_form_reports_every_field_at_once(client):
    page = text_of(client.post_form("/sponsor-a-challenge", {}))
    for field in ("company", "contact_name", "contact_email", "budget_range", "message"):
        assert f'id="{field}-error"' in page


def test_a_post_without_the_csrf_token_is_refused(client):
    response = client.post("/sponsor-a-challenge", data=VALID)
    assert response.status_code == 400
    assert db.session.scalar(select(SponsorInquiry)) is None


def test_too_many_inquiries_from_one_address_get_a_friendly_429(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SPONSOR_INQUIRY_RATE_LIMIT", "2 per hour")
    token = TOKEN_RE.search(client.get("/sponsor-a-challenge").get_data(as_text=True)).group(1)
    for _ in range(2):
        assert client.post("/sponsor-a-challenge",
                           data={"csrf_token": token, **VALID}).status_code == 303
    response = client.post("/sponsor-a-challenge", data={"csrf_token": token, **VALID})
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Too many attempts" in text_of(response) and "Traceback" not in text_of(response)
    assert client.get("/sponsor-a-challenge").status_code == 200  # reading is not counted
    other = app.test_client()
    assert other.post_form("/sponsor-a-challenge", VALID,
                           environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 303
    assert len(db.session.scalars(select(SponsorInquiry)).all()) == 3


def test_the_landing_page_invites_sponsors(client, make_challenge, make_sponsor):
    sponsored = make_challenge("active", sponsor=make_sponsor(name="DreamLabs"))
    page = text_of(client.get(f"/challenges/{sponsored.slug}/"))
    assert "Want your brand on a challenge like DreamLabs?" in page
    assert 'href="/sponsor-a-challenge"' in page


def test_user_text_is_escaped_in_the_editors_email_and_admin(client, login, make_user):
    editor = make_user("ed", role=Role.EDITOR)
    client.post_form("/sponsor-a-challenge",
                     {**VALID, "company": "<script>alert(1)</script>",
                      "message": "<img src=x onerror=alert(1)>"})
    email = db.session.scalar(select(EmailOutbox))
    assert "<script>alert(1)</script>" not in email.html_body
    inquiry = db.session.scalar(select(SponsorInquiry))
    login(client, editor)
    page = client.get(f"/admin/sponsor_inquiries/details/?id={inquiry.id}").get_data(as_text=True)
    assert "<img src=x onerror=alert(1)>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.fixture
def inquiry() -> SponsorInquiry:
    row = SponsorInquiry(company="Acme", contact_name="Ann", contact_email="ann@acme.test",
                         budget_range="under_1k", message="Hello there")
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("role", ["anonymous", Role.MEMBER, Role.SPONSOR])
@pytest.mark.parametrize("url", ["/admin/sponsor_inquiries/", "/admin/sponsor_inquiries/details/",
                                 "/admin/sponsor_inquiries/edit/"])
def test_non_editors_cannot_open_the_inquiries(client, login, make_user, make_sponsor, inquiry,
                                               role, url):
    if role != "anonymous":
        fields = {"sponsor_id": make_sponsor().id} if role == Role.SPONSOR else {}
        login(client, make_user(role=role, **fields))
    response = client.get(f"{url}?id={inquiry.id}")
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert "Hello there" not in response.get_data(as_text=True)


def test_editors_list_newest_first_filter_by_status_and_read_the_message(
        client, login, make_user, inquiry):
    newer = SponsorInquiry(company="Newer Co", contact_name="Bo", contact_email="bo@new.test",
                           budget_range="over_20k", message="Big plans", status="contacted")
    db.session.add(newer)
    db.session.commit()
    login(client, make_user(role=Role.EDITOR))
    listing = text_of(client.get("/admin/sponsor_inquiries/"))
    assert listing.index("Newer Co") < listing.index("Acme")
    assert "Over $20,000" in listing and "Contacted" in listing and "Not answered yet" in listing
    only_new = text_of(client.get("/admin/sponsor_inquiries/?flt0_status_equals=new"))
    assert "Acme" in only_new and "Newer Co" not in only_new
    details = text_of(client.get(f"/admin/sponsor_inquiries/details/?id={inquiry.id}"))
    assert "Hello there" in details
    assert "Sponsor inquiries" in text_of(client.get("/admin/"))  # in the admin's menu


def test_an_editor_changes_the_status(client, login, make_user, inquiry):
    login(client, make_user(role=Role.EDITOR))
    url = f"/admin/sponsor_inquiries/edit/?id={inquiry.id}"
    token = TOKEN_RE.search(client.get(url).get_data(as_text=True)).group(1)
    response = client.post(url, data={"csrf_token": token, "status": "won"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(SponsorInquiry, inquiry.id)
    assert (stored.status, stored.company, stored.message) == ("won", "Acme", "Hello there")
    refused = client.post(url, data={"csrf_token": token, "status": "bribed"})
    assert refused.status_code == 200 and "Not a valid choice" in text_of(refused)
    db.session.expire_all()
    assert db.session.get(SponsorInquiry, inquiry.id).status == "won"
