"""RELIABILITY #23 in emails: markup and template syntax in challenge titles, prompts, sponsor
names and entry titles arrive inert in every notification email: escaped in the HTML part,
plain text in the text part and the Subject, and ``{{7*7}}`` never evaluated."""

from __future__ import annotations

from email.message import EmailMessage

from challenges.notifications.due import run_due
from tests.core.helpers import submit, vote
from tests.core.test_bad_input import PAYLOAD, assert_inert
from tests.notifications.test_due import D, H, schedule
from tests.rewards.helpers import finalize


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_markup_in_titles_is_inert_in_every_email(smtp_server, frozen_clock, make_challenge,
                                                  make_user, make_sponsor):
    """RELIABILITY #23: the "started", "voting open" and "results" emails with the payload."""
    now = frozen_clock.now
    sponsor = make_sponsor(name=PAYLOAD)
    challenge = make_challenge("active", title=PAYLOAD, prompt=PAYLOAD, sponsor_id=sponsor.id,
                               **schedule(now, started=H, submissions_left=3 * D))
    author, voter = make_user(), make_user()
    entry = submit(challenge, author, title=PAYLOAD)
    vote(entry, voter)
    run_due(now)  # challenge started
    frozen_clock.set(challenge.submission_deadline + H)
    run_due(frozen_clock.now)  # voting open
    frozen_clock.set(challenge.voting_deadline)
    finalize(challenge)
    frozen_clock.set(challenge.voting_deadline + H)
    run_due(frozen_clock.now)  # results

    messages = smtp_server.messages
    kinds = {str(m["List-Unsubscribe"]).split("/notifications/unsubscribe/")[1].split("/")[0]
             for m in messages}
    assert {"challenge_started", "voting_open", "results"} <= kinds, kinds
    for message in messages:
        text, html = parts(message)
        where = f"{message['Subject']} to {message['To']}"
        assert_inert(html, where, shows_payload=False)
        assert "C 49 D" not in text and "C 49 D" not in str(message["Subject"]), where
    shown = [m for m in messages if "{{7*7}}" in parts(m)[0]]
    assert shown, "the payload is shown as text in some email (so the checks above can fail)"
