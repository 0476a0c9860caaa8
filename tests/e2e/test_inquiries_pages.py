"""In real Chromium: the "Sponsor a challenge" form, empty and sent back with errors, passes
axe and fits a phone, in English and in Spanish; a filled-in form reaches the thank-you page,
and a share link leaves its referral cookie."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import Role, SponsorInquiry
from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("INQUIRY_SHOTS", "/tmp/shots-inquiries"))
WORDS = {
    "en": {"heading": "Sponsor a challenge", "send": "Send inquiry",
           "company": "Company or organisation", "name": "Your name", "email": "Your email",
           "budget": "Budget for prizes (US dollars)", "message": "What do you have in mind?",
           "missing": "Tell us the name of your company", "thanks": "Thank you!",
           "range": "$5,000 to $20,000"},
    "es": {"heading": "Patrocina un reto", "send": "Enviar solicitud",
           "company": "Empresa u organización", "name": "Tu nombre", "email": "Tu correo",
           "budget": "Presupuesto para premios (dólares estadounidenses)",
           "message": "¿Qué tienes en mente?", "missing": "Dinos el nombre de tu empresa",
           "thanks": "¡Gracias!", "range": "De 5000 a 20 000 US$"},
}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize(("width", "height"), [(1280, 900), (375, 812)])
def test_the_form_and_its_errors_are_accessible_and_fit(open_page, console, make_user, locale,
                                                        width, height):
    console.allow(r"status of 422")  # the form sent back with its errors
    make_user("ed", role=Role.EDITOR)
    words = WORDS[locale]
    page = open_page(locale=locale, width=width, height=height)
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name=words["heading"]).click()
    expect(page.get_by_role("heading", name=words["heading"], level=1)).to_be_visible()
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shot(page, f"form-{locale}-{width}")

    page.get_by_label(words["email"]).fill("not an address")
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_text(words["missing"])).to_be_visible()
    expect(page.get_by_label(words["company"])).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shot(page, f"form-errors-{locale}-{width}")

    page.get_by_label(words["company"]).fill("Acme Paints")
    page.get_by_label(words["name"]).fill("Ann Lee")
    page.get_by_label(words["email"]).fill("ann@acme.example")
    page.get_by_label(words["budget"]).select_option(label=words["range"])
    page.get_by_label(words["message"]).fill("A colour week.\nPaint sets as prizes.")
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", name=words["thanks"])).to_be_visible()
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shot(page, f"thanks-{locale}-{width}")
    db.session.expire_all()
    stored = db.session.scalar(select(SponsorInquiry))
    assert (stored.company, stored.budget_range) == ("Acme Paints", "5k_20k")


def test_the_landing_page_invites_sponsors_and_a_share_link_is_remembered(
        open_page, console, make_user, make_challenge, make_sponsor):
    console.allow(r"sponsor\.example/logo\.png")  # the factory's logo is not reachable offline
    make_user("alice")
    challenge = make_challenge("active", sponsor=make_sponsor(name="DreamLabs"))
    page = open_page(width=375, height=812)
    page.goto(f"/challenges/{challenge.slug}/?ref=alice")
    cta = page.get_by_test_id("sponsor-cta")
    expect(cta).to_contain_text("DreamLabs")
    assert_accessible(page, "[data-testid=sponsor-cta]")
    assert_no_horizontal_overflow(page)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["wc_ref"]["httpOnly"] and cookies["wc_ref"]["expires"] > 0
    cta.scroll_into_view_if_needed()
    shot(page, "landing-cta-375")
    cta.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r".*/sponsor-a-challenge$"))


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 812)])
def test_the_admins_inquiry_pages_pass_axe_and_fit(open_page, make_user, locale, width,
                                                   height):
    from tests.e2e.test_admin_a11y import check, log_in

    make_user("editor", role=Role.EDITOR)
    inquiry = SponsorInquiry(company="Acme Paints", contact_name="Ann Lee",
                             contact_email="ann@acme.example", budget_range="5k_20k",
                             message="A colour week.\nPaint sets as prizes, and a long line "
                                     "that must wrap on a phone rather than widen the page.")
    db.session.add(inquiry)
    db.session.commit()
    page = open_page(locale=locale, width=width, height=height)
    log_in(page, "editor")
    check(page, "/admin/sponsor_inquiries/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        {"en": "Sponsor inquiries", "es": "Solicitudes de patrocinio"}[locale])
    shot(page, f"admin-list-{locale}-{width}")
    check(page, f"/admin/sponsor_inquiries/details/?id={inquiry.id}")
    expect(page.locator(".inquiry-message")).to_contain_text("Paint sets as prizes")
    shot(page, f"admin-details-{locale}-{width}")
    check(page, f"/admin/sponsor_inquiries/edit/?id={inquiry.id}")
    page.locator("select#status").select_option("contacted", force=True)  # under select2
    page.locator("form.admin-form input[type=submit]").first.click()
    expect(page.get_by_text({"en": "Contacted", "es": "Contactada"}[locale]).first).to_be_visible()
    db.session.expire_all()
    assert db.session.get(SponsorInquiry, inquiry.id).status == "contacted"
