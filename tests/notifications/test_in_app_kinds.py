"""Every notification email has its in-app twin: the same member, the same key, a link within
the site (issue #9, "in-app notifications: the same events as the emails")."""

from __future__ import annotations

from sqlalchemy import select

from challenges.extensions import db
from challenges.notifications.due import run_due
from challenges.notifications.inbox import InAppNotification
from challenges.notifications.kinds import NotificationKind
from challenges.notifications.outbox import EmailOutbox

from .test_kinds import K, play_a_season

EMAIL_KINDS = {kind.value for kind in NotificationKind}


def _rows(model):
    """(member, kind, key) of every email kind's row (the bell also has vote news of its own)."""
    db.session.expire_all()
    return {(row.user_id, row.kind, row.key) for row in db.session.scalars(select(model))
            if row.kind in EMAIL_KINDS}


def test_each_email_has_one_in_app_notification_with_its_key(smtp_server, frozen_clock,
                                                              make_user, make_challenge, client,
                                                              login):
    season = play_a_season(smtp_server, frozen_clock, make_user, make_challenge)
    emails = _rows(EmailOutbox)
    assert {kind for _, kind, _ in emails} >= {k.value for k in (
        K.CHALLENGE_STARTED, K.SUBMISSIONS_CLOSING, K.VOTING_OPEN, K.VOTING_CLOSING, K.RESULTS)}
    assert _rows(InAppNotification) == emails

    run_due(frozen_clock.now)  # a rerun adds nothing, in either place
    assert _rows(InAppNotification) == emails

    bob = season.people["bob"]
    result = db.session.scalar(select(InAppNotification).where(
        InAppNotification.user_id == bob.id,
        InAppNotification.kind == NotificationKind.RESULTS.value))
    assert result.text == f"Results of “{season.challenge.title}”: you placed 2nd of 2 with 1 vote."
    login(client, bob)
    page = client.get("/notifications").get_data(as_text=True)
    assert season.challenge.title in page
    followed = client.get(result.link)
    assert followed.status_code == 200
