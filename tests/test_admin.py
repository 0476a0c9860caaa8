"""The admin (SPEC §1, §2, §8): editors only, CSRF on every post, validation on save,
sponsor stats kept right, user text escaped, and a dashboard of counts."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, g
from markupsafe import escape
from sqlalchemy import func, select

from challenges.admin import init_admin
from challenges.analytics import init_app as init_analytics
from challenges.config import load_config
from challenges.extensions import db
from challenges.judging import init_app as init_judging
from challenges.models import (
    ChallengeJudge,
    ChallengeSponsor,
    ChallengeSubmission,
    ChallengeVote,
    LedgerEntry,
    Payout,
    Role,
    SponsorInquiry,
    User,
    VoteRingFlag,
    WeeklyChallenge,
)
from challenges.notifications import init_app as init_notifications
from challenges.notifications.outbox import EmailOutbox
from challenges.services.sponsors import refresh_sponsor_stats
from challenges.trust import init_app as init_trust
from challenges.webhooks import init_app as init_webhooks
from challenges.webhooks.models import WebhookDelivery, WebhookEndpoint

TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def form_token(page: str) -> str:
    """The CSRF token of the first form on an admin page, as a browser would send it."""
    match = TOKEN_RE.search(page)
    assert match, "no CSRF token in the admin form"
    return match.group(1)


def text_of(response: Any) -> str:
    """The page as a reader sees it (entities decoded), for checking messages."""
    return html.unescape(response.get_data(as_text=True))


# --- Every /admin URL, from the URL map --------------------------------------------------------

def _admin_rules(app: Flask) -> list[tuple[str, str, frozenset[str]]]:
    return sorted(
        (rule.rule, rule.endpoint, frozenset(rule.methods or ()))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin") and not rule.rule.startswith("/admin/static")
    )


def _rules_for_collection() -> list[tuple[str, str, frozenset[str]]]:
    # Parametrize runs before any fixture, so read the map of an app with the admin as
    # create_app() registers it; test_every_admin_rule_is_checked holds the two maps equal.
    probe = Flask(__name__)
    probe.config.update(load_config({"SECRET_KEY": "probe"}))
    # Features add their admin views before init_admin, as in create_app.
    init_notifications(probe)
    init_webhooks(probe)
    init_analytics(probe)
    init_judging(probe)
    init_trust(probe)
    init_admin(probe)
    return _admin_rules(probe)


ADMIN_RULES = _rules_for_collection()
POST_ONLY = [r for r in ADMIN_RULES if "GET" not in r[2]]
GETTABLE = [r for r in ADMIN_RULES if "GET" in r[2]]
NON_EDITORS = ["anonymous", Role.MEMBER.value, Role.SPONSOR.value]


@dataclass
class Records:
    """One row of every model the admin shows, so every endpoint has a real ``id`` to use."""

    ids: dict[str, str]
    challenge: WeeklyChallenge
    sponsor: ChallengeSponsor


def add_submission(challenge: WeeklyChallenge, user: User, title: str = "An entry",
                   **fields: Any) -> ChallengeSubmission:
    number = 1 + db.session.scalar(
        select(func.count()).where(ChallengeSubmission.challenge_id == challenge.id)
    )
    submission = ChallengeSubmission(challenge=challenge, user=user, title=title, slot=1,
                                     entry_number=number, **fields)
    db.session.add(submission)
    db.session.commit()
    return submission


@pytest.fixture
def records(make_user, make_challenge, make_sponsor, make_project) -> Records:
    sponsor = make_sponsor()
    challenge = make_challenge("voting", sponsor=sponsor)
    author, voter = make_user(), make_user()
    submission = add_submission(challenge, author)
    vote = ChallengeVote(submission=submission, voter=voter, challenge_id=challenge.id)
    db.session.add(vote)
    ledger = LedgerEntry(user=author, currency="points", amount=50, reason="submit",
                         idempotency_key=f"submit:{submission.id}")
    author.points_balance = 50  # the cached balance always equals the ledger
    payout = Payout(challenge=challenge, user=author, place=1, amount=Decimal("100"))
    db.session.add_all([vote, ledger, payout])
    db.session.commit()
    project = make_project(author)
    outbox = EmailOutbox(key="test:admin", kind="test", to_address="a@example.test",
                         subject="Hi", text_body="Hi", html_body="<p>Hi</p>", message_id="<m@x>",
                         next_attempt_at=datetime.now(UTC))
    endpoint = WebhookEndpoint(url="https://hooks.example/in", event_types="challenge.published",
                               secret="whsec_dGVzdA==", owner=author)
    delivery = WebhookDelivery(endpoint=endpoint, event_type="challenge.published",
                               event_id="msg_test", payload="{}", status="delivered")
    inquiry = SponsorInquiry(company="Acme", contact_name="Ann", contact_email="ann@acme.test",
                             budget_range="under_1k", message="Hello")
    judge = ChallengeJudge(challenge_id=challenge.id, user_id=voter.id)
    ring = VoteRingFlag(challenge_id=challenge.id, target_user_id=author.id,
                        network_hash="0" * 64, accounts=5, window_start=datetime.now(UTC),
                        window_end=datetime.now(UTC), note="")
    db.session.add_all([outbox, endpoint, delivery, inquiry, judge, ring])
    db.session.commit()
    ids = {
        "challenges": challenge.id, "sponsors": sponsor.id, "submissions": submission.id,
        "votes": vote.id, "users": author.id, "projects": project.id, "ledger": ledger.id,
        "payouts": payout.id, "outbox": outbox.id, "webhooks": endpoint.id,
        "webhook_deliveries": delivery.id, "sponsor_inquiries": inquiry.id,
        "judges": judge.id,
        "vote_rings": ring.id,
    }
    return Records({k: str(v) for k, v in ids.items()}, challenge, sponsor)


def concrete_url(rule: str, endpoint: str, records: Records) -> str:
    view, _, name = endpoint.partition(".")
    url = rule.replace("<export_type>", "csv").replace("<table_name>", "weeks")
    if name in ("details_view", "edit_view"):
        url += f"?id={records.ids[view]}"
    if name == "export_csv":
        url += f"?challenge={records.ids['challenges']}"
    if name == "ajax_lookup":
        url += "?name=sponsor&query=a"
    return url


def post_data(endpoint: str, records: Records) -> dict[str, Any]:
    """What the admin's own forms post to this endpoint, aimed at a real record."""
    view, _, name = endpoint.partition(".")
    record = records.ids.get(view, "")
    return {
        "delete_view": {"id": record},
        "action_view": {"action": "delete", "rowid": [record]},
        "ajax_update": {"list_form_pk": record},
    }.get(name, {})


@pytest.fixture
def sign_in(login):
    def _sign_in(client: Any, user: User) -> Any:
        login(client, user)
        # The test's app context is shared by the client's requests, so Flask-WTF's cached token
        # in ``g`` would outlive the session that login cleared; drop it as a new request would.
        g.pop("csrf_token", None)
        return client

    return _sign_in


@pytest.fixture
def as_role(client, make_user, sign_in, records):
    def _as(role: str) -> Any:
        if role != "anonymous":
            fields = {"sponsor": records.sponsor} if role == Role.SPONSOR else {}
            sign_in(client, make_user(role=Role(role), **fields))
        return client

    return _as


def assert_refused(response: Any, role: str, url: str) -> None:
    if role == "anonymous":
        assert response.status_code == 302, url
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login"
        assert parse_qs(location.query)["next"] == [url]
    else:
        assert response.status_code == 403, url


def test_every_admin_rule_is_checked(app):
    """RELIABILITY #10: every /admin rule walked as every role."""
    assert _admin_rules(app) == ADMIN_RULES
    assert len(ADMIN_RULES) > 9 * 5  # the index and eight model views, each with its endpoints


@pytest.mark.parametrize("role", NON_EDITORS)
@pytest.mark.parametrize(("rule", "endpoint", "methods"), GETTABLE, ids=[r[0] for r in GETTABLE])
def test_non_editors_cannot_open_any_admin_page(as_role, records, role, rule, endpoint, methods):
    """RELIABILITY #10: every /admin rule walked as every role."""
    client = as_role(role)
    url = concrete_url(rule, endpoint, records)
    assert_refused(client.get(url), role, url)
    if "POST" in methods:  # create and edit forms: posting one is refused just the same
        response = client.post(url, data={"csrf_token": client.csrf_token(), "title": "x"})
        assert_refused(response, role, url)


@pytest.mark.parametrize("role", NON_EDITORS)
@pytest.mark.parametrize(("rule", "endpoint", "methods"), POST_ONLY, ids=[r[0] for r in POST_ONLY])
def test_non_editors_cannot_post_to_admin_endpoints(as_role, records, role, rule, endpoint,
                                                    methods):
    """RELIABILITY #10: every /admin rule walked as every role."""
    client = as_role(role)
    url = concrete_url(rule, endpoint, records)
    assert client.get(url).status_code == 405
    data = {"csrf_token": client.csrf_token(), **post_data(endpoint, records)}
    assert_refused(client.post(url, data=data), role, url)
    # Nothing was deleted on their behalf.
    db.session.expire_all()
    assert db.session.get(WeeklyChallenge, records.challenge.id) is not None
    assert db.session.scalar(select(func.count()).select_from(ChallengeSubmission)) == 1


@pytest.mark.parametrize(("rule", "endpoint", "methods"), ADMIN_RULES,
                         ids=[r[0] for r in ADMIN_RULES])
def test_editors_open_every_admin_page(app, as_role, records, rule, endpoint, methods):
    """RELIABILITY #10: every /admin rule walked as every role."""
    client = as_role(Role.EDITOR.value)
    url = concrete_url(rule, endpoint, records)
    response = client.get(url)
    view_name, _, name = endpoint.partition(".")
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == view_name)
    if "GET" not in methods:
        assert response.status_code == 405
    elif name == "export":  # closed: can_export is off, the editor is sent back to the list
        assert not view.can_export
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == f"/admin/{view_name}/"
    elif name == "ajax_lookup":  # no view looks records up by ajax
        assert not view._form_ajax_refs
        assert response.status_code == 404
    elif (name == "create_view" and not view.can_create) or (
        name == "edit_view" and not view.can_edit
    ):
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == f"/admin/{view_name}/"
    else:
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]


# --- CSRF inside Flask-Admin forms -------------------------------------------------------------

@pytest.fixture
def editor_client(client, make_user, sign_in):
    return sign_in(client, make_user("editor", role=Role.EDITOR))


def challenge_form(**overrides: Any) -> dict[str, Any]:
    """A complete, valid create/edit form of a challenge, as the admin page posts it."""
    data = {
        "title": "Winter Light",
        "slug": "winter-light",
        "description": "Photograph the low winter light.",
        "prompt": "Find the light.",
        "status": "upcoming",
        "starts_at": "2027-01-01 10:00:00",
        "submission_deadline": "2027-01-05 10:00:00",
        "voting_deadline": "2027-01-07 10:00:00",
        "ends_at": "2027-01-08 10:00:00",
        "week_number": "",
        "year": "",
        "is_featured": "y",
        "max_submissions_per_user": "3",
        "allow_voting": "y",
        "hero_image_url": "",
        "theme_color": "purple",
        "sponsor": "__None",
        "prizes": "{}",
        "points_config": "{}",
    }
    data.update(overrides)
    return data


def challenge_count() -> int:
    return db.session.scalar(select(func.count()).select_from(WeeklyChallenge))


def get_challenge(slug: str) -> WeeklyChallenge | None:
    db.session.expire_all()
    return db.session.scalar(select(WeeklyChallenge).where(WeeklyChallenge.slug == slug))


def test_admin_create_needs_the_csrf_token(editor_client):
    """RELIABILITY #16: Flask-Admin posts need the CSRF token."""
    page = editor_client.get("/admin/challenges/new/").get_data(as_text=True)

    refused = editor_client.post("/admin/challenges/new/", data=challenge_form())
    assert refused.status_code == 400
    assert "Your form expired" in text_of(refused)
    assert challenge_count() == 0

    accepted = editor_client.post("/admin/challenges/new/",
                                  data={**challenge_form(), "csrf_token": form_token(page)})
    assert accepted.status_code == 302, text_of(accepted)
    assert get_challenge("winter-light") is not None


def test_admin_edit_needs_the_csrf_token(editor_client, make_challenge):
    """RELIABILITY #16: Flask-Admin posts need the CSRF token."""
    challenge = make_challenge("upcoming", slug="winter-light", title="Winter Light")
    url = f"/admin/challenges/edit/?id={challenge.id}"
    page = editor_client.get(url).get_data(as_text=True)

    refused = editor_client.post(url, data=challenge_form(title="Changed"))
    assert refused.status_code == 400
    assert get_challenge("winter-light").title == "Winter Light"

    accepted = editor_client.post(url, data={**challenge_form(title="Changed"),
                                             "csrf_token": form_token(page)})
    assert accepted.status_code == 302, text_of(accepted)
    assert get_challenge("winter-light").title == "Changed"


def test_admin_delete_needs_the_csrf_token(editor_client, make_challenge):
    """RELIABILITY #16: Flask-Admin posts need the CSRF token."""
    challenge = make_challenge("upcoming", slug="doomed")
    page = editor_client.get("/admin/challenges/").get_data(as_text=True)
    data = {"id": str(challenge.id), "url": "/admin/challenges/"}

    refused = editor_client.post("/admin/challenges/delete/", data=data)
    assert refused.status_code == 400
    assert get_challenge("doomed") is not None

    accepted = editor_client.post("/admin/challenges/delete/",
                                  data={**data, "csrf_token": form_token(page)})
    assert accepted.status_code == 302
    assert get_challenge("doomed") is None


def test_admin_bulk_action_needs_the_csrf_token(editor_client, make_challenge):
    """RELIABILITY #16: Flask-Admin posts need the CSRF token."""
    first, second = make_challenge("upcoming"), make_challenge("upcoming")
    page = editor_client.get("/admin/challenges/").get_data(as_text=True)
    assert 'id="action_form"' in page
    data = {"action": "delete", "rowid": [str(first.id), str(second.id)]}

    refused = editor_client.post("/admin/challenges/action/", data=data)
    assert refused.status_code == 400
    assert challenge_count() == 2

    accepted = editor_client.post("/admin/challenges/action/",
                                  data={**data, "csrf_token": form_token(page)})
    assert accepted.status_code == 302
    assert challenge_count() == 0


# --- Validation on save (SPEC §2, §6) ----------------------------------------------------------

INVALID = {
    "submission deadline before the start": (
        {"submission_deadline": "2026-12-31 10:00:00"},
        "The submission deadline must come after the start.",
    ),
    "voting deadline before the submission deadline": (
        {"voting_deadline": "2027-01-04 10:00:00"},
        "The voting deadline cannot come before the submission deadline.",
    ),
    "results before the voting deadline": (
        {"ends_at": "2027-01-06 10:00:00"},
        "Results cannot be final before the voting deadline.",
    ),
    "prizes that are not JSON": ({"prizes": '{"1st": '}, "Invalid JSON"),
    "prizes that are not an object": (
        {"prizes": '[{"type": "tokens", "amount": 10}]'},
        'Prizes must be a JSON object such as {"1st": {...}}.',
    ),
    "an unknown prize key": (
        {"prizes": '{"grand": {"type": "tokens", "amount": 10}}'},
        'Unknown prize key "grand"',
    ),
    "a negative amount": (
        {"prizes": '{"1st": {"type": "cash", "amount": -100, "currency": "USD"}}'},
        'The "1st" prize: the amount must be a positive number.',
    ),
    "cash without a valid currency": (
        {"prizes": '{"1st": {"type": "cash", "amount": 100, "currency": "dollars"}}'},
        'The "1st" prize: the currency must be a 3-letter code such as "USD".',
    ),
}


def post_challenge(client: Any, url: str, **fields: Any) -> Any:
    token = form_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={**challenge_form(**fields), "csrf_token": token})


@pytest.mark.parametrize("case", INVALID)
def test_creating_an_invalid_challenge_is_refused_with_a_message(editor_client, case):
    fields, message = INVALID[case]
    response = post_challenge(editor_client, "/admin/challenges/new/", **fields)
    assert response.status_code == 200  # the form again, with what is wrong
    assert message in text_of(response)
    assert challenge_count() == 0


@pytest.mark.parametrize("case", INVALID)
def test_editing_a_challenge_into_an_invalid_one_is_refused_with_a_message(
    editor_client, make_challenge, case
):
    challenge = make_challenge("upcoming", slug="winter-light", title="Winter Light",
                               prizes={"1st": {"type": "tokens", "amount": 500}})
    before = (challenge.starts_at, challenge.submission_deadline, challenge.voting_deadline,
              challenge.ends_at)
    fields, message = INVALID[case]
    response = post_challenge(editor_client, f"/admin/challenges/edit/?id={challenge.id}",
                              title="Changed", **fields)
    assert response.status_code == 200
    assert message in text_of(response)
    saved = get_challenge("winter-light")
    assert saved.title == "Winter Light"
    assert (saved.starts_at, saved.submission_deadline, saved.voting_deadline,
            saved.ends_at) == before
    assert saved.prizes == {"1st": {"type": "tokens", "amount": 500}}


def test_a_valid_challenge_is_saved_with_its_iso_week_derived(editor_client):
    prizes = ('{"1st": {"type": "cash", "amount": 100, "currency": "USD"}, '
              '"participation": {"type": "tokens", "amount": 10000}}')
    response = post_challenge(editor_client, "/admin/challenges/new/", prizes=prizes)
    assert response.status_code == 302, text_of(response)[:3000]
    saved = get_challenge("winter-light")
    # 1 January 2027 is a Friday: ISO week 53 of 2026, not week 1 of 2027.
    assert (saved.year, saved.week_number) == (2026, 53)
    assert saved.starts_at == datetime(2027, 1, 1, 10, 0, tzinfo=UTC)
    assert saved.ends_at == datetime(2027, 1, 8, 10, 0, tzinfo=UTC)
    assert saved.prizes["1st"] == {"type": "cash", "amount": 100, "currency": "USD"}


def test_a_week_given_by_hand_is_kept(editor_client):
    response = post_challenge(editor_client, "/admin/challenges/new/", week_number="2",
                              year="2027")
    assert response.status_code == 302
    saved = get_challenge("winter-light")
    assert (saved.year, saved.week_number) == (2027, 2)


RAW_SQL = ("INSERT", "UPDATE ", "UNIQUE constraint", "duplicate key", "IntegrityError", "[SQL")


@pytest.mark.parametrize("mode", ["create", "edit"])
def test_a_duplicate_slug_is_refused_with_a_friendly_message(editor_client, make_challenge,
                                                             mode):
    make_challenge("upcoming", slug="winter-light", title="The first one")
    url = "/admin/challenges/new/"
    if mode == "edit":
        url = f"/admin/challenges/edit/?id={make_challenge('upcoming', slug='other').id}"
    response = post_challenge(editor_client, url, title="The second one")
    page = text_of(response)
    assert response.status_code == 200
    assert 'class="form-control is-invalid" id="slug"' in page  # shown beside the slug
    assert "Already exists." in page
    assert not any(marker in page for marker in RAW_SQL)
    assert get_challenge("winter-light").title == "The first one"
    assert challenge_count() == (2 if mode == "edit" else 1)


# --- Sponsor stats (SPEC §8) -------------------------------------------------------------------

def sponsor_stats(sponsor: ChallengeSponsor) -> tuple[int, Decimal]:
    db.session.expire_all()
    fresh = db.session.get(ChallengeSponsor, sponsor.id)
    return fresh.total_challenges_sponsored, fresh.total_prize_value


CASH = ('{"1st": {"type": "cash", "amount": 100, "currency": "USD"}, '
        '"2nd": {"type": "cash", "amount": 50.5, "currency": "USD"}, '
        '"participation": {"type": "tokens", "amount": 10000}}')


def test_sponsor_stats_follow_a_challenge_through_the_admin(editor_client, make_sponsor):
    first, second = make_sponsor(), make_sponsor()
    created = post_challenge(editor_client, "/admin/challenges/new/", sponsor=str(first.id),
                             prizes=CASH)
    assert created.status_code == 302, text_of(created)[:3000]
    assert sponsor_stats(first) == (1, Decimal("150.50"))
    edit = f"/admin/challenges/edit/?id={get_challenge('winter-light').id}"

    post_challenge(editor_client, edit, sponsor=str(first.id),
                   prizes='{"1st": {"type": "cash", "amount": 200, "currency": "USD"}}')
    assert sponsor_stats(first) == (1, Decimal("200.00"))

    moved = post_challenge(editor_client, edit, sponsor=str(second.id), prizes=CASH)
    assert moved.status_code == 302
    assert sponsor_stats(first) == (0, Decimal("0.00"))
    assert sponsor_stats(second) == (1, Decimal("150.50"))

    post_challenge(editor_client, edit, sponsor=str(second.id), prizes=CASH, status="draft")
    assert sponsor_stats(second) == (0, Decimal("0.00"))  # drafts are not sponsored yet


def test_deleting_a_sponsored_challenge_updates_the_sponsor(editor_client, make_sponsor,
                                                            make_challenge):
    sponsor = make_sponsor()
    challenge = make_challenge("upcoming", sponsor=sponsor,
                               prizes={"1st": {"type": "cash", "amount": 80, "currency": "USD"}})
    make_challenge("upcoming", sponsor=sponsor)
    refresh_sponsor_stats([sponsor.id])
    db.session.commit()
    assert sponsor_stats(sponsor) == (2, Decimal("80.00"))

    token = form_token(editor_client.get("/admin/challenges/").get_data(as_text=True))
    editor_client.post("/admin/challenges/delete/",
                       data={"id": str(challenge.id), "csrf_token": token})
    assert sponsor_stats(sponsor) == (1, Decimal("0.00"))


# --- Escaping ----------------------------------------------------------------------------------

def test_user_text_is_escaped_in_admin_lists_and_details(editor_client, make_challenge,
                                                         make_user):
    """RELIABILITY #23: markup in user text is inert."""
    challenge = make_challenge("active", title=SCRIPT + IMG)
    submission = add_submission(challenge, make_user(), title=IMG + SCRIPT,
                                description=SCRIPT)
    pages = [
        "/admin/challenges/",
        f"/admin/challenges/details/?id={challenge.id}",
        f"/admin/challenges/edit/?id={challenge.id}",
        "/admin/submissions/",
        f"/admin/submissions/details/?id={submission.id}",
    ]
    for url in pages:
        response = editor_client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert SCRIPT not in page and IMG not in page, url
        assert str(escape(IMG)) in page, url
        assert str(escape(SCRIPT)) in page, url


def test_admin_pages_have_no_inline_event_handlers(editor_client, records):
    """The CSP refuses onclick="..." (a nonce covers <script> elements only); see master.html."""
    for view in ("challenges", "sponsors", "projects", "users", "submissions"):
        pages = [f"/admin/{view}/", f"/admin/{view}/details/?id={records.ids[view]}"]
        for url in pages:
            page = editor_client.get(url).get_data(as_text=True)
            assert not re.search(r"<[^>]+\son[a-z]+=", page), url
    for url in ("/admin/", "/admin/challenges/new/"):
        page = editor_client.get(url).get_data(as_text=True)
        assert not re.search(r"<[^>]+\son[a-z]+=", page), url


def test_admin_scripts_carry_the_nonce_of_the_csp(editor_client):
    response = editor_client.get("/admin/challenges/new/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts), scripts


# --- Dashboard ---------------------------------------------------------------------------------

def card_value(page: str, label: str) -> int:
    match = re.search(rf">{label}</h2><p[^>]*>(\d+)</p>", page)
    assert match, label
    return int(match.group(1))


def status_count(page: str, status: str) -> int:
    match = re.search(rf'<th scope="row">{status.title()}</th><td>(\d+)</td>', page)
    assert match, status
    return int(match.group(1))


def test_dashboard_shows_counts_to_editors(editor_client, make_user, make_challenge):
    author = make_user()
    active = make_challenge("active")
    make_challenge("active")
    make_challenge("upcoming", status="draft")
    done = make_challenge("completed")
    add_submission(active, author)
    add_submission(done, author, title="Another")
    db.session.add(Payout(challenge=done, user=author, place=1, amount=Decimal("25")))
    db.session.add(Payout(challenge=done, user=author, place=2, amount=Decimal("10"),
                          status="paid"))
    db.session.commit()

    response = editor_client.get("/admin/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert card_value(page, "Members") == 2  # the editor and the author
    assert card_value(page, "Submissions") == 2
    assert card_value(page, "Pending payouts") == 1
    assert status_count(page, "active") == 2
    assert status_count(page, "draft") == 1
    assert status_count(page, "completed") == 1
    assert status_count(page, "voting") == 0


def test_unknown_ids_are_not_found_rather_than_an_error(editor_client):
    for url in ("/admin/challenges/edit/?id=not-a-uuid",
                f"/admin/challenges/details/?id={uuid.uuid4()}",
                "/admin/users/details/?id=abc"):
        response = editor_client.get(url)
        assert response.status_code == 302, url  # back to the list, "Record does not exist"
