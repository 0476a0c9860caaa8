"""Issue #11, "Two languages": every email and stored notification is written in its
RECIPIENT's language (``User.locale``; None: English), never in the language of whoever or
whatever caused it (a job has no browser; a vote is cast from someone else's).

The emails are the ones a real SMTP server (aiosmtpd) receives; both parts are read."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import force_locale
from sqlalchemy import select

from challenges.extensions import db
from challenges.notifications.due import run_due
from challenges.notifications.inbox import InAppNotification
from challenges.notifications.kinds import NotificationKind
from challenges.timefmt import utc_label
from tests.account_email.helpers import html_part, text_part
from tests.core.helpers import submit, vote
from tests.rewards.helpers import finalize

from .test_due import D, H, schedule, turn
from .test_kinds import kind_of

K = NotificationKind
PRIZES = {"1st": {"type": "tokens", "amount": 500},
          "voting_reward": {"type": "tokens", "amount": 50, "min_votes": 1}}


def _results(smtp_server, user):
    (message,) = [m for m in smtp_server.to(user.email) if kind_of(m) == K.RESULTS]
    return message


def _bell_text(user, kind: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(InAppNotification.text).where(
        InAppNotification.user_id == user.id, InAppNotification.kind == kind)) or ""


def test_results_email_and_bell_are_in_each_recipients_language(
        smtp_server, frozen_clock, make_user, make_challenge):
    now = frozen_clock.now
    ana = make_user("ana", locale="es")
    ben = make_user("ben")  # no preference: English
    challenge = make_challenge("active", prizes=PRIZES, **schedule(
        now, started=H, submissions_left=2 * D, voting_after=2 * D))
    ana_entry = submit(challenge, ana, title="Sueño <3")
    ben_entry = submit(challenge, ben, title="Dream")
    frozen_clock.set(challenge.submission_deadline + H)
    vote(ana_entry, ben)
    vote(ben_entry, ana)
    vote(ana_entry, make_user())  # ana wins 2 to 1
    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    frozen_clock.set(challenge.voting_deadline + H)
    run_due(challenge.voting_deadline + H)  # one fan-out, two languages

    spanish = _results(smtp_server, ana)
    assert spanish["Subject"].startswith("Quedaste en ")
    assert spanish["Subject"].endswith(f" lugar en {challenge.title}")
    text, html = text_part(spanish), html_part(spanish)
    assert "Hola, @ana:" in text and "Tu puesto:" in text and "Tokens ganados:" in text
    assert "Añadido a tu saldo de tokens." in text  # a token prize, said in Python
    assert "Darte de baja de estos correos" in html and "Tu puesto" in html
    assert '<html lang="es">' in html
    assert "Your place" not in text + html and "Unsubscribe" not in html
    assert _bell_text(ana, K.RESULTS).startswith("Resultados de «")

    english = _results(smtp_server, ben)
    assert english["Subject"].startswith("You placed ")
    text, html = text_part(english), html_part(english)
    assert "Hi @ben," in text and "Your place:" in text
    assert "Unsubscribe from these emails" in html and '<html lang="en">' in html
    assert "Tu puesto" not in text + html
    assert _bell_text(ben, K.RESULTS).startswith("Results of “")


def test_a_vote_tells_the_author_in_the_authors_language(make_challenge, make_user, client):
    challenge = make_challenge("active")
    ana = make_user(locale="es")
    entry = submit(challenge, ana, title="Sueño")
    vote(entry, make_user())  # the voter's language plays no part
    assert _bell_text(ana, "first_vote") == "Tu participación «Sueño» ha recibido su primer voto."


def test_one_digest_run_writes_each_subscriber_in_their_language(
        smtp_server, frozen_clock, make_user, make_challenge):
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    frozen_clock.set(monday)
    open_now = make_challenge("active", title="This week",
                              **schedule(monday, started=3 * H, submissions_left=3 * D))
    ana, ben = make_user("ana", locale="es"), make_user("ben")
    for reader in (ana, ben):
        turn(reader, K.WEEKLY_DIGEST, True)
    run_due(monday)

    def digest(user):
        (message,) = [m for m in smtp_server.to(user.email) if kind_of(m) == K.WEEKLY_DIGEST]
        return message

    closes = utc_label(open_now.submission_deadline)
    spanish, english = digest(ana), digest(ben)
    assert spanish["Subject"] == "Tu semana en Weekly Challenges (2026-W49)"
    with force_locale("es"):
        closes_es = utc_label(open_now.submission_deadline)
    assert f"Las participaciones cierran {closes_es}" in text_part(spanish)
    assert "Abiertos esta semana" in html_part(spanish)
    assert english["Subject"] == "Your week on Weekly Challenges (2026-W49)"
    assert f"Submissions close {closes}" in text_part(english)
