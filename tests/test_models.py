"""The plan's four models carry every field, name and default; the database enforces the rules."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.models import (
    ChallengeSponsor,
    ChallengeSubmission,
    ChallengeVote,
    LedgerEntry,
    Payout,
    User,
    WeeklyChallenge,
)

PLAN_FIELDS = {
    WeeklyChallenge: {
        "id": None,
        "title": None,
        "slug": None,
        "description": None,
        "prompt": None,
        "week_number": None,
        "year": None,
        "starts_at": None,
        "submission_deadline": None,
        "voting_deadline": None,
        "ends_at": None,
        "status": None,
        "is_featured": True,
        "max_submissions_per_user": 3,
        "allow_voting": True,
        "require_project_link": True,
        "hero_image_url": "",
        "theme_color": "purple",
        "sponsor_id": None,
        "prizes": {},
        "submission_count": 0,
        "participant_count": 0,
        "total_votes": 0,
        "created_at": None,
        "updated_at": None,
    },
    ChallengeSubmission: {
        "id": None,
        "challenge_id": None,
        "user_id": None,
        "project_id": None,
        "title": None,
        "description": "",
        "image_url": "",
        "external_url": "",
        "vote_count": 0,
        "judge_score": None,
        "final_rank": None,
        "is_featured": False,
        "is_disqualified": False,
        "submitted_at": None,
        "updated_at": None,
    },
    ChallengeVote: {
        "id": None,
        "submission_id": None,
        "voter_id": None,
        "weight": 1.0,
        "created_at": None,
    },
    ChallengeSponsor: {
        "id": None,
        "name": None,
        "slug": None,
        "logo_url": None,
        "website_url": None,
        "description": "",
        "contact_name": "",
        "contact_email": "",
        "is_active": True,
        "is_verified": False,
        "total_challenges_sponsored": 0,
        "total_prize_value": Decimal("0"),
        "created_at": None,
    },
}
SPEC_ADDITIONS = {
    ChallengeSubmission: [
        "image_alt_text",
        "prompt_used",
        "tool_used",
        "is_withdrawn",
        "disqualification_reason",
        "counted_votes",
    ],
    User: [
        "username",
        "email",
        "password_hash",
        "role",
        "is_verified",
        "created_at",
        "last_seen_at",
        "points_balance",
        "tokens_balance",
    ],
}


@pytest.mark.parametrize("model", list(PLAN_FIELDS), ids=lambda m: m.__name__)
def test_plan_models_have_every_field_of_the_plan(model):
    columns = set(model.__table__.columns.keys())
    missing = set(PLAN_FIELDS[model]) - columns
    assert not missing, f"{model.__name__} lacks {sorted(missing)}"


@pytest.mark.parametrize("model", list(SPEC_ADDITIONS), ids=lambda m: m.__name__)
def test_models_have_the_fields_spec_adds(model):
    assert not set(SPEC_ADDITIONS[model]) - set(model.__table__.columns.keys())


def test_ids_are_uuids_like_the_plan(make_sponsor):
    assert isinstance(make_sponsor().id, uuid.UUID)


def _plan_defaults_hold(instance):
    db.session.expire_all()
    loaded = db.session.get(type(instance), instance.id)
    for field, default in PLAN_FIELDS[type(instance)].items():
        if default is not None:
            assert getattr(loaded, field) == default, field
    return loaded


def test_challenge_defaults_are_the_plans(make_challenge):
    challenge = WeeklyChallenge(
        title="T",
        slug="t",
        description="d",
        prompt="p",
        week_number=1,
        year=2026,
        starts_at=utcnow(),
        submission_deadline=utcnow() + timedelta(days=1),
        voting_deadline=utcnow() + timedelta(days=2),
        ends_at=utcnow() + timedelta(days=2),
    )
    db.session.add(challenge)
    db.session.commit()
    loaded = _plan_defaults_hold(challenge)
    assert loaded.status == "draft"  # unpublished until an editor says otherwise
    assert loaded.created_at is not None and loaded.updated_at is not None


def test_submission_and_vote_defaults_are_the_plans(make_challenge, make_user):
    challenge, author, voter = make_challenge(), make_user(), make_user()
    entry = ChallengeSubmission(
        challenge=challenge, user=author, title="Entry", slot=1, entry_number=1
    )
    db.session.add(entry)
    db.session.commit()
    _plan_defaults_hold(entry)
    vote = ChallengeVote(submission_id=entry.id, voter_id=voter.id, challenge_id=challenge.id)
    db.session.add(vote)
    db.session.commit()
    _plan_defaults_hold(vote)


def test_sponsor_defaults_are_the_plans():
    sponsor = ChallengeSponsor(
        name="S", slug="s", logo_url="https://s.example/l.png", website_url="https://s.example"
    )
    db.session.add(sponsor)
    db.session.commit()
    _plan_defaults_hold(sponsor)


# --- Constraints: the database, not only Python, rejects what breaks a rule. -----------------
# Core inserts bypass every Python-side check, so a pass here proves the database refuses.


def _rejects(statement):
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(statement)


def _challenge_row(**overrides):
    now = utcnow()
    row = dict(
        id=uuid.uuid4(),
        title="T",
        slug=f"s-{uuid.uuid4().hex[:8]}",
        description="d",
        prompt="p",
        week_number=1,
        year=2026,
        starts_at=now,
        submission_deadline=now + timedelta(days=1),
        voting_deadline=now + timedelta(days=2),
        ends_at=now + timedelta(days=2),
        status="active",
        is_featured=True,
        max_submissions_per_user=3,
        allow_voting=True,
        require_project_link=False,
        hero_image_url="",
        theme_color="purple",
        prizes={},
        points_config={},
        submission_count=0,
        participant_count=0,
        total_votes=0,
        created_at=now,
        updated_at=now,
    )
    row.update(overrides)
    return row


_entry_numbers = itertools.count(1)


def _submission_row(challenge, user, **overrides):
    now = utcnow()
    row = dict(
        entry_number=next(_entry_numbers),
        id=uuid.uuid4(),
        challenge_id=challenge.id,
        user_id=user.id,
        project_id=None,
        title="E",
        description="",
        image_url="",
        image_alt_text="",
        external_url="",
        prompt_used="",
        tool_used="",
        vote_count=0,
        counted_votes=0.0,
        is_featured=False,
        is_disqualified=False,
        disqualification_reason="",
        is_withdrawn=False,
        slot=1,
        submitted_at=now,
        updated_at=now,
    )
    row.update(overrides)
    return row


def test_database_rejects_duplicate_challenge_slug(make_challenge):
    existing = make_challenge()
    _rejects(insert(WeeklyChallenge).values(**_challenge_row(slug=existing.slug)))


def test_database_rejects_deadlines_out_of_order():
    now = utcnow()
    _rejects(insert(WeeklyChallenge).values(**_challenge_row(submission_deadline=now)))
    _rejects(
        insert(WeeklyChallenge).values(**_challenge_row(voting_deadline=now + timedelta(hours=1)))
    )
    _rejects(insert(WeeklyChallenge).values(**_challenge_row(ends_at=now + timedelta(hours=30))))


def test_database_rejects_unknown_status():
    _rejects(insert(WeeklyChallenge).values(**_challenge_row(status="paused")))


def test_database_rejects_duplicate_sponsor_slug(make_sponsor):
    sponsor = make_sponsor()
    _rejects(
        insert(ChallengeSponsor).values(
            id=uuid.uuid4(),
            name="X",
            slug=sponsor.slug,
            logo_url="",
            website_url="",
            description="",
            contact_name="",
            contact_email="",
            is_active=True,
            is_verified=False,
            total_challenges_sponsored=0,
            total_prize_value=0,
            created_at=utcnow(),
        )
    )


def test_database_rejects_second_submission_of_same_project(
    make_challenge, make_user, make_project
):
    challenge, user = make_challenge(), make_user()
    project = make_project(user)
    db.session.execute(
        insert(ChallengeSubmission).values(
            **_submission_row(challenge, user, project_id=project.id, slot=1)
        )
    )
    _rejects(
        insert(ChallengeSubmission).values(
            **_submission_row(challenge, user, project_id=project.id, slot=2)
        )
    )


def test_withdrawn_submission_frees_its_project_and_slot(make_challenge, make_user, make_project):
    challenge, user = make_challenge(), make_user()
    project = make_project(user)
    first = _submission_row(challenge, user, project_id=project.id, slot=1)
    db.session.execute(insert(ChallengeSubmission).values(**first))
    db.session.execute(
        update(ChallengeSubmission)
        .where(ChallengeSubmission.id == first["id"])
        .values(is_withdrawn=True, slot=None)
    )
    db.session.execute(
        insert(ChallengeSubmission).values(
            **_submission_row(challenge, user, project_id=project.id, slot=1)
        )
    )


def test_entries_without_project_do_not_collide(make_challenge, make_user):
    challenge, user = make_challenge(), make_user()
    for slot in (1, 2):
        db.session.execute(
            insert(ChallengeSubmission).values(**_submission_row(challenge, user, slot=slot))
        )


def test_database_rejects_two_live_entries_in_one_slot(make_challenge, make_user):
    """The per-user limit's guard: (challenge, user, slot) is unique among live entries.

    RELIABILITY #5: N+5 concurrent entries leave exactly N."""
    challenge, user = make_challenge(), make_user()
    db.session.execute(
        insert(ChallengeSubmission).values(**_submission_row(challenge, user, slot=1))
    )
    _rejects(insert(ChallengeSubmission).values(**_submission_row(challenge, user, slot=1)))


def test_database_rejects_live_entry_without_slot_and_withdrawn_entry_with_one(
    make_challenge, make_user
):
    challenge, user = make_challenge(), make_user()
    _rejects(insert(ChallengeSubmission).values(**_submission_row(challenge, user, slot=None)))
    _rejects(
        insert(ChallengeSubmission).values(
            **_submission_row(challenge, user, slot=1, is_withdrawn=True)
        )
    )
    _rejects(insert(ChallengeSubmission).values(**_submission_row(challenge, user, slot=0)))


def test_database_rejects_second_vote_by_same_voter(make_challenge, make_user):
    """RELIABILITY #1: concurrent identical votes leave one row and count once."""
    challenge, author, voter = make_challenge(), make_user(), make_user()
    row = _submission_row(challenge, author)
    db.session.execute(insert(ChallengeSubmission).values(**row))

    def vote():
        return insert(ChallengeVote).values(
            id=uuid.uuid4(),
            submission_id=row["id"],
            voter_id=voter.id,
            challenge_id=challenge.id,
            weight=1.0,
            created_at=utcnow(),
        )

    db.session.execute(vote())
    _rejects(vote())


def test_database_rejects_duplicate_ledger_idempotency_key(make_user):
    """RELIABILITY #28: a worker killed mid-finalize: nothing half-done, each reward once."""
    user = make_user()

    def grant():
        return insert(LedgerEntry).values(
            user_id=user.id,
            currency="points",
            amount=50,
            reason="submit",
            idempotency_key="submit:abc",
            created_at=utcnow(),
        )

    db.session.execute(grant())
    _rejects(grant())


def test_database_rejects_unknown_currency_and_zero_amount(make_user):
    user = make_user()
    _rejects(
        insert(LedgerEntry).values(
            user_id=user.id,
            currency="euros",
            amount=5,
            reason="x",
            idempotency_key="k1",
            created_at=utcnow(),
        )
    )
    _rejects(
        insert(LedgerEntry).values(
            user_id=user.id,
            currency="points",
            amount=0,
            reason="x",
            idempotency_key="k2",
            created_at=utcnow(),
        )
    )


def test_database_rejects_duplicate_username_and_email(make_user):
    """RELIABILITY #22: usernames are unique case- and space-insensitively."""
    existing = make_user("alice")

    def user(username, email):
        return insert(User).values(
            username=username,
            email=email,
            password_hash="x",
            role="member",
            is_verified=False,
            created_at=utcnow(),
            points_balance=0,
            tokens_balance=0,
            session_token=uuid.uuid4().hex,
        )

    _rejects(user("alice", "other@example.com"))
    _rejects(user("bob", existing.email))
    # Mixed case can never reach the table, so uniqueness is case-insensitive in effect.
    _rejects(user("Alice2", "alice2@example.com"))
    _rejects(user("alice2", "Alice2@Example.com"))


def test_database_rejects_unknown_role():
    _rejects(
        insert(User).values(
            username="x1",
            email="x1@example.com",
            password_hash="x",
            role="admin",
            is_verified=False,
            created_at=utcnow(),
            points_balance=0,
            tokens_balance=0,
            session_token="t",
        )
    )


def test_database_rejects_two_payouts_for_one_place(make_challenge, make_user):
    challenge, winner = make_challenge("completed"), make_user()

    def payout():
        now = utcnow()
        return insert(Payout).values(
            id=uuid.uuid4(),
            challenge_id=challenge.id,
            user_id=winner.id,
            place=1,
            amount=Decimal("100"),
            currency="USD",
            status="pending",
            reference="",
            failure_reason="",
            created_at=now,
            updated_at=now,
        )

    db.session.execute(payout())
    _rejects(payout())
