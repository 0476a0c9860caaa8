"""SPEC §8: sponsor branding, click-throughs and the sponsor dashboard."""

from __future__ import annotations

from decimal import Decimal

from challenges.extensions import db
from challenges.models import Role, WeeklyChallenge
from challenges.services.sponsors import prize_totals
from jobs.stats import flush_sponsor_counters


def test_landing_page_shows_the_sponsor_and_counts_views_and_clicks(client, make_sponsor,
                                                                   make_challenge):
    sponsor = make_sponsor(name="DreamLabs", website_url="https://dreamlabs.example/")
    challenge = make_challenge("active", sponsor=sponsor)
    for _ in range(3):
        page = client.get(f"/challenges/{challenge.slug}/").get_data(as_text=True)
    assert "DreamLabs" in page and sponsor.logo_url in page
    click = client.get(f"/challenges/{challenge.slug}/sponsor-link")
    assert click.status_code == 302 and click.location == "https://dreamlabs.example/"
    assert flush_sponsor_counters() == 1
    assert flush_sponsor_counters() == 0  # nothing counted twice
    db.session.expire_all()
    stored = db.session.get(WeeklyChallenge, challenge.id)
    assert (stored.view_count, stored.sponsor_click_count) == (3, 1)


def test_the_sponsor_link_of_an_unsponsored_challenge_is_404(client, make_challenge):
    assert client.get(f"/challenges/{make_challenge().slug}/sponsor-link").status_code == 404


def test_sponsor_users_see_their_own_challenges_with_numbers(client, login, make_user,
                                                              make_sponsor, make_challenge):
    mine, theirs = make_sponsor(name="Mine"), make_sponsor(name="Theirs")
    sponsored = make_challenge("active", sponsor=mine, title="Our Challenge")
    make_challenge("active", sponsor=theirs, title="Their Challenge")
    make_challenge("active", sponsor=mine, status="draft", title="Secret Draft")
    client.get(f"/challenges/{sponsored.slug}/")
    login(client, make_user(role=Role.SPONSOR, sponsor_id=mine.id))
    page = client.get("/sponsor/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Our Challenge" in body and "Their Challenge" not in body and "Secret Draft" not in body
    assert "Page views" in body


def test_members_cannot_open_the_sponsor_dashboard(client, login, make_user):
    assert client.get("/sponsor/").status_code == 302  # anonymous: to the login page
    login(client, make_user())
    assert client.get("/sponsor/").status_code == 403


def test_editors_can_look_at_any_sponsor(client, login, make_user, make_sponsor, make_challenge):
    sponsor = make_sponsor(slug="acme", name="Acme")
    make_challenge("active", sponsor=sponsor, title="Acme Week")
    login(client, make_user(role=Role.EDITOR))
    body = client.get("/sponsor/?sponsor=acme").get_data(as_text=True)
    assert "Acme Week" in body


TOKEN_AND_CASH_PRIZES = [
    {"1st": {"type": "cash", "amount": 1000, "currency": "USD"},
     "2nd": {"type": "cash", "amount": 500, "currency": "USD"}},
    {"1st": {"type": "tokens", "amount": 500000}, "2nd": {"type": "tokens", "amount": 250000},
     # Per member, so no fixed value: not part of the sponsor's prize value.
     "participation": {"type": "tokens", "amount": 10000}},
]


def test_the_prize_value_counts_cash_and_tokens(make_sponsor, make_challenge):
    sponsor = make_sponsor(name="DreamLabs")
    for prizes in TOKEN_AND_CASH_PRIZES:
        make_challenge("active", sponsor=sponsor, prizes=prizes)
    make_challenge("active", sponsor=sponsor, status="draft",
                   prizes={"1st": {"type": "tokens", "amount": 999}})  # not published
    totals = prize_totals(sponsor.id)
    assert (totals.challenges, totals.cash, totals.tokens) == (2, Decimal("1500.00"), 750000)


def test_the_sponsor_dashboard_shows_cash_and_tokens(client, login, make_user, make_sponsor,
                                                    make_challenge):
    sponsor = make_sponsor(name="DreamLabs")
    for prizes in TOKEN_AND_CASH_PRIZES:
        make_challenge("active", sponsor=sponsor, prizes=prizes)
    login(client, make_user(role=Role.SPONSOR, sponsor_id=sponsor.id))
    english = client.get("/sponsor/").get_data(as_text=True)
    assert "$1,500 and 750,000 tokens" in english
    spanish = client.get("/sponsor/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "1.500\xa0US$ y 750.000 tokens" in spanish
    assert "Valor de los premios" in spanish


def test_a_sponsor_with_only_token_prizes_shows_tokens(client, login, make_user, make_sponsor,
                                                      make_challenge):
    sponsor = make_sponsor(name="DreamLabs")
    make_challenge("active", sponsor=sponsor, prizes=TOKEN_AND_CASH_PRIZES[1])
    login(client, make_user(role=Role.SPONSOR, sponsor_id=sponsor.id))
    page = client.get("/sponsor/").get_data(as_text=True)
    assert ">750,000 tokens<" in page
