"""Sharing (issue #12): what each public page tells link previews (Open Graph and Twitter
tags), the preview image each shows (a ``CardSpec``), a participant's share card (SPEC §12), and
the share links. Plain values in, plain values out; no request, no commit.

Numbers come from the core's one definition of each: the rank and counted votes from the
leaderboard's SQL standings (the same ranking the board, the final ranks and Redis use), the
participant count from the same "counting entry" rule, and the points from the ledger.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask_babel import format_date, format_number, ngettext
from flask_babel import gettext as _
from sqlalchemy import distinct, func, select

from ..errors import NotFound
from ..extensions import db
from ..leaderboard.standings import counting, standing_of
from ..models import (
    ChallengeStatus,
    ChallengeSubmission,
    Currency,
    LedgerEntry,
    User,
    WeeklyChallenge,
)
from ..phase import in_phase, phase_at
from ..services.accounts import username_problem
from ..services.challenges import get_visible_challenge
from ..services.listing import podiums
from ..timefmt import format_votes, ordinal
from .images import CardSpec, PodiumLine

S = ChallengeSubmission
SITE_NAME = "Weekly Challenges"
TEXT_MAX = 200  # longest description or spec line we carry (previews cut far shorter)


# --- The participant card (SPEC §12) ---------------------------------------------------------


@dataclass(frozen=True)
class ParticipantCard:
    """One participant's result in a completed challenge, as the board and the ledger say."""

    challenge: WeeklyChallenge
    user: User
    rank: int
    participants: int
    counted_votes: float
    points: int
    best_entry: ChallengeSubmission


def results_are_final(challenge: WeeklyChallenge, now: datetime) -> bool:
    """Whether ``challenge`` has final results to share: completed (by the clock) and
    finalized (final ranks and place points are in the ledger)."""
    return (phase_at(challenge, now) == ChallengeStatus.COMPLETED
            and challenge.finalized_at is not None)


def participant_count(challenge_id: uuid.UUID) -> int:
    """Members with a counting entry: the board's size (the "of 212" in "#7 of 212")."""
    return db.session.scalar(
        select(func.count(distinct(S.user_id))).where(*counting(challenge_id))) or 0


def challenge_points(challenge_id: uuid.UUID, user_id: int) -> int:
    """The points ``user_id``'s ledger rows of this challenge add up to (grants and reversals:
    entering, votes received, voting, places, featured picks)."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.user_id == user_id, LedgerEntry.challenge_id == challenge_id,
            LedgerEntry.currency == Currency.POINTS.value)) or 0)


def best_entry(challenge_id: uuid.UUID, user_id: int) -> ChallengeSubmission | None:
    """The member's counting entry with the most counted votes (the earlier one on a tie)."""
    return db.session.scalar(
        select(S).where(*counting(challenge_id), S.user_id == user_id)
        .order_by(S.counted_votes.desc(), S.entry_number).limit(1))


def participant_card(slug: str, username: str, viewer: User | None,
                     now: datetime) -> ParticipantCard:
    """The share card of ``username`` in the challenge ``slug``. ``NotFound`` unless the
    challenge is published, completed and finalized and the member has a counting entry in it
    (drafts and non-participants get no card, whoever asks)."""
    challenge = get_visible_challenge(slug, viewer)
    if not results_are_final(challenge, now):
        raise NotFound(_("No results yet."))
    name = username.lower()
    user = None if username_problem(name) else db.session.scalar(
        select(User).where(User.username == name))
    standing = standing_of(challenge.id, user.id) if user is not None else None
    entry = best_entry(challenge.id, user.id) if user is not None else None
    if user is None or standing is None or entry is None:
        raise NotFound(_("No such participant."))
    return ParticipantCard(
        challenge=challenge, user=user, rank=standing.rank,
        participants=participant_count(challenge.id), counted_votes=standing.counted_votes,
        points=challenge_points(challenge.id, user.id), best_entry=entry)


@dataclass(frozen=True)
class CardLink:
    """A completed challenge a member took part in, for their profile's "Share your card"."""

    slug: str
    title: str
    place: int | None


def member_card_links(user_id: int, now: datetime, limit: int = 50) -> list[CardLink]:
    """The completed, finalized challenges ``user_id`` has a counting entry in, newest first,
    in one query whatever their number."""
    W = WeeklyChallenge
    rows = db.session.execute(
        select(W.slug, W.title, func.min(S.final_rank), W.voting_deadline)
        .join(S, S.challenge_id == W.id)
        .where(S.user_id == user_id, S.counts, in_phase(ChallengeStatus.COMPLETED, now),
               W.finalized_at.is_not(None))
        .group_by(W.id, W.slug, W.title, W.voting_deadline)
        .order_by(W.voting_deadline.desc())
        .limit(limit)
    ).all()
    return [CardLink(slug, title, place) for slug, title, place, _deadline in rows]


def signed_points(points: int) -> str:
    """+190, −20: points with their sign, in the current language."""
    return ("+" if points >= 0 else "−") + format_number(abs(points))


def card_stat(card: ParticipantCard) -> str:
    """"#7 of 212 · 43 votes · +190 points", in the current language."""
    votes = format_votes(card.counted_votes)
    return " · ".join([
        _("#%(rank)s of %(total)s", rank=format_number(card.rank),
          total=format_number(card.participants)),
        ngettext("%(votes)s vote", "%(votes)s votes", 1 if card.counted_votes == 1 else 2,
                 votes=votes),
        ngettext("%(points)s point", "%(points)s points", 1 if abs(card.points) == 1 else 2,
                 points=signed_points(card.points)),
    ])


# --- Preview images: what each kind shows ----------------------------------------------------


def _sponsor_line(challenge: WeeklyChallenge) -> str:
    sponsor = challenge.sponsor
    return _("Sponsored by %(name)s", name=sponsor.name) if sponsor is not None else ""


def _week_line(challenge: WeeklyChallenge) -> str:
    return _("Weekly Challenges · Week %(week)s, %(year)s", week=challenge.week_number,
             year=challenge.year)


def challenge_spec(challenge: WeeklyChallenge,
                   podium: list[ChallengeSubmission] | None = None) -> CardSpec:
    """A challenge's preview: title, prompt, sponsor, theme colour; its podium once final
    (``podium``: ``listing.podiums``' entries, read here when not given)."""
    if podium is None:
        podium = (podiums([challenge.id]).get(challenge.id, [])
                  if challenge.finalized_at is not None else [])
    lines = (challenge.prompt[:TEXT_MAX],)
    stat = ""
    if podium:
        stat = ngettext("Results: %(count)s participant", "Results: %(count)s participants",
                        challenge.participant_count,
                        count=format_number(challenge.participant_count))
    return CardSpec(
        theme=challenge.theme_color, eyebrow=_week_line(challenge), title=challenge.title,
        lines=lines, stat=stat, sponsor=_sponsor_line(challenge), monogram=challenge.title,
        podium=tuple(PodiumLine(entry.final_rank or 0, f"@{entry.user.username}",
                                entry.title[:60]) for entry in podium),
    )


def entry_spec(entry: ChallengeSubmission) -> CardSpec:
    """An entry's preview: its picture (a stored upload) or the colour panel, title, author,
    challenge, sponsor, and its final place once there is one."""
    challenge = entry.challenge
    return CardSpec(
        theme=challenge.theme_color, eyebrow=challenge.title[:TEXT_MAX], title=entry.title,
        lines=(_("by @%(name)s", name=entry.user.username),),
        stat=_("%(place)s place", place=ordinal(entry.final_rank)) if entry.final_rank else "",
        sponsor=_sponsor_line(challenge), picture=entry.image_upload, monogram=entry.title,
    )


def member_spec(user: User) -> CardSpec:
    """A profile's preview: the name, since when, and the points balance."""
    return CardSpec(
        theme="purple", eyebrow=SITE_NAME, title=f"@{user.username}",
        lines=(_("Member since %(when)s", when=format_date(user.created_at, "long")),),
        stat=ngettext("%(count)s point", "%(count)s points", user.points_balance,
                      count=format_number(user.points_balance)),
        monogram=user.username,
    )


def site_spec() -> CardSpec:
    """The home page's preview when no challenge is open."""
    return CardSpec(
        theme="purple", eyebrow=SITE_NAME, title=_("A new creative challenge every week"),
        lines=(_("Submit, vote, climb the live leaderboard, and earn rewards for taking "
                 "part."),),
    )


def participant_spec(card: ParticipantCard) -> CardSpec:
    """A participant's share card: the challenge, their best entry, their numbers."""
    challenge, entry = card.challenge, card.best_entry
    return CardSpec(
        theme=challenge.theme_color, eyebrow=_week_line(challenge), title=challenge.title,
        lines=(f"“{entry.title}”",), stat=card_stat(card), sponsor=_sponsor_line(challenge),
        footer=f"@{card.user.username}", picture=entry.image_upload,
        monogram=f"#{card.rank}" if card.rank < 1000 else entry.title,
    )


def participant_alt(card: ParticipantCard) -> str:
    """The card image's text alternative."""
    return _("@%(name)s in %(challenge)s: %(numbers)s", name=card.user.username,
             challenge=card.challenge.title, numbers=card_stat(card))


# --- Looking up a preview image by its URL ---------------------------------------------------

KINDS = ("challenge", "entry", "member", "site")
SITE_IDENT = "home"


def preview_spec(kind: str, ident: str, viewer: User | None) -> CardSpec:
    """The current spec of the preview ``/share/<lang>/<kind>/<ident>/...`` names, by the same
    visibility rules as the page it previews; ``NotFound`` otherwise."""
    if kind == "site" and ident == SITE_IDENT:
        return site_spec()
    if kind == "member":
        name = ident.lower()
        user = None if username_problem(name) else db.session.scalar(
            select(User).where(User.username == name))
        if user is None:
            raise NotFound(_("No such member."))
        return member_spec(user)
    try:
        item_id = uuid.UUID(ident)
    except ValueError:
        raise NotFound(_("Not found.")) from None
    if kind == "challenge":
        challenge = db.session.get(WeeklyChallenge, item_id)
        if challenge is None:
            raise NotFound(_("No such challenge."))
        return challenge_spec(get_visible_challenge(challenge.slug, viewer))
    if kind == "entry":
        from ..services.entries import get_entry

        return entry_spec(get_entry(item_id, viewer))
    raise NotFound(_("Not found."))


# --- Share links -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareLinks:
    """Where each share button goes. ``url`` carries ``?ref=<username>`` when the sharer is
    signed in (share attribution, SPEC §11)."""

    url: str
    text: str
    x: str
    bluesky: str
    linkedin: str
    reddit: str
    mastodon_text: str  # what our Mastodon page posts (text and link together)


def with_ref(url: str, username: str | None) -> str:
    """``url`` with ``ref=<username>`` added to its query (replacing any ref already there)."""
    if not username:
        return url
    parts = urlsplit(url)
    query = [part for part in parts.query.split("&") if part and not part.startswith("ref=")]
    query.append(urlencode({"ref": username}))
    return urlunsplit(parts._replace(query="&".join(query)))


def share_links(url: str, text: str, sharer: str | None) -> ShareLinks:
    """The share links of the page at ``url`` (absolute, canonical) titled ``text``."""
    shared = with_ref(url, sharer)
    text = text[:TEXT_MAX]
    both = f"{text} {shared}"
    return ShareLinks(
        url=shared,
        text=text,
        x="https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": shared}),
        bluesky="https://bsky.app/intent/compose?" + urlencode({"text": both}),
        linkedin="https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": shared}),
        reddit="https://www.reddit.com/submit?" + urlencode({"url": shared, "title": text}),
        mastodon_text=both,
    )


# A host name: dot-separated labels of letters, digits and inner hyphens, ending in a
# top-level domain of letters (so no IP address), at most 253 characters (RFC 1035).
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOSTNAME_RE = re.compile(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")
INSTANCE_MAX = 253


def mastodon_instance(raw: str) -> str | None:
    """The Mastodon server a member typed ("mastodon.social", "https://fosstodon.org/",
    "@me@hachyderm.io"), as a bare lowercase host name; None when it is not one."""
    value = raw.strip().lower()
    value = re.sub(r"^https?://", "", value)
    value = value.split("/", 1)[0]
    if value.count("@") and not value.startswith("@"):
        value = "@" + value
    if value.startswith("@"):  # a handle: @user@server
        value = value.rsplit("@", 1)[-1]
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if len(value) > INSTANCE_MAX or not HOSTNAME_RE.fullmatch(value):
        return None
    return value


def mastodon_share_url(instance: str, text: str) -> str:
    """The compose page of ``instance`` (a host ``mastodon_instance`` accepted) with ``text``."""
    return f"https://{instance}/share?" + urlencode({"text": text[:TEXT_MAX * 2]})
