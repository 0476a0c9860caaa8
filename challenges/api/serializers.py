"""JSON shapes of the API. ``current/`` follows the plan's example key for key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from ..leaderboard.live import JsonExtra
from ..leaderboard.ranks import RankPage
from ..models import ChallengeSubmission, User, WeeklyChallenge
from ..phase import next_deadline, phase_at
from ..services.status import viewer_status
from ..timefmt import api_time_remaining, iso_z
from ..uploads import image_src


def sponsor_json(challenge: WeeklyChallenge) -> dict[str, str] | None:
    sponsor = challenge.sponsor
    if sponsor is None:
        return None
    return {"name": sponsor.name, "logo_url": sponsor.logo_url, "website_url": sponsor.website_url}


def remaining(challenge: WeeklyChallenge, now: datetime) -> str:
    """Time left to the next deadline ("3d 4h 22m", in every language: it is data); "0m" once
    the challenge is over."""
    target = next_deadline(challenge, now)
    return api_time_remaining(target[1] - now) if target else "0m"


def user_status_json(challenge: WeeklyChallenge, viewer: User | None,
                     now: datetime) -> dict[str, Any] | None:
    if viewer is None:
        return None
    status = viewer_status(challenge, viewer, now)
    return {"has_submitted": status.has_submitted, "submission_count": status.submission_count,
            "can_submit_more": status.can_submit_more, "votes_cast": status.votes_cast}


def challenge_json(challenge: WeeklyChallenge, now: datetime,
                   viewer: User | None) -> dict[str, Any]:
    """The plan's response for ``GET /api/challenges/current/``, exactly."""
    return {
        "id": str(challenge.id),
        "title": challenge.title,
        "slug": challenge.slug,
        "prompt": challenge.prompt,
        "status": phase_at(challenge, now).value,
        "starts_at": iso_z(challenge.starts_at),
        "submission_deadline": iso_z(challenge.submission_deadline),
        "ends_at": iso_z(challenge.ends_at),
        "sponsor": sponsor_json(challenge),
        "prizes": challenge.prizes or {},
        "stats": {
            "submission_count": challenge.submission_count,
            "participant_count": challenge.participant_count,
            "time_remaining": remaining(challenge, now),
        },
        "user_status": user_status_json(challenge, viewer, now),
    }


def challenge_detail_json(challenge: WeeklyChallenge, now: datetime,
                          viewer: User | None) -> dict[str, Any]:
    """Everything of ``challenge_json`` plus the rest a client needs for a challenge page."""
    return {
        **challenge_json(challenge, now, viewer),
        "description": challenge.description,
        "voting_deadline": iso_z(challenge.voting_deadline),
        "week_number": challenge.week_number,
        "year": challenge.year,
        "theme_color": challenge.theme_color,
        "hero_image_url": challenge.hero_image_url or None,
        "max_submissions_per_user": challenge.max_submissions_per_user,
        "allow_voting": challenge.allow_voting,
        "require_project_link": challenge.require_project_link,
        "total_votes": challenge.total_votes,
        "url": url_for("pages.challenge_detail", slug=challenge.slug, _external=True),
    }


def challenge_summary_json(challenge: WeeklyChallenge, now: datetime) -> dict[str, Any]:
    return {
        "id": str(challenge.id),
        "title": challenge.title,
        "slug": challenge.slug,
        "status": phase_at(challenge, now).value,
        "starts_at": iso_z(challenge.starts_at),
        "submission_deadline": iso_z(challenge.submission_deadline),
        "voting_deadline": iso_z(challenge.voting_deadline),
        "ends_at": iso_z(challenge.ends_at),
        "sponsor": sponsor_json(challenge),
        "stats": {"submission_count": challenge.submission_count,
                  "participant_count": challenge.participant_count,
                  "time_remaining": remaining(challenge, now)},
    }


def submission_json(entry: ChallengeSubmission, voted: bool | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(entry.id),
        "title": entry.title,
        "description": entry.description,
        "user": {"username": entry.user.username},
        "image_url": image_src(entry, external=True) or None,
        "image_alt_text": entry.image_alt_text or None,
        "external_url": entry.external_url or None,
        "project_id": str(entry.project_id) if entry.project_id else None,
        "prompt_used": entry.prompt_used or None,
        "tool_used": entry.tool_used or None,
        "vote_count": entry.vote_count,
        "counted_votes": entry.counted_votes,
        "is_featured": entry.is_featured,
        "final_rank": entry.final_rank,
        "submitted_at": iso_z(entry.submitted_at),
        "url": url_for("entries.submission_detail", slug=entry.challenge.slug,
                       submission_id=entry.id, _external=True),
    }
    if voted is not None:
        data["voted"] = voted
    return data


def my_submission_json(entry: ChallengeSubmission) -> dict[str, Any]:
    return {**submission_json(entry), "is_disqualified": entry.is_disqualified,
            "disqualification_reason": entry.disqualification_reason or None}


def leaderboard_json(page: RankPage, next_cursor: str | None,
                     next_url: str | None) -> dict[str, Any]:
    """One page of the board (the top N on the first page) and the caller's own row."""
    def row(r: Any) -> dict[str, Any]:
        return {"rank": r.rank, "username": r.username, "counted_votes": r.counted_votes,
                "votes_today": r.today}

    def me(r: Any) -> dict[str, Any]:
        # What features add to the caller's row (the "you" row's movement), by feature name.
        extras = {name: value.as_json() for name, value in page.extras.items()
                  if isinstance(value, JsonExtra)}
        return {**row(r), **extras}

    return {
        "version": page.version,
        "live": page.live,
        "final": page.completed,
        # Issue #13: "results" are the board at the freeze, this many hours before the voting
        # deadline ("me" stays live); null when they are live.
        "frozen_hours": page.frozen_hours,
        "participant_count": page.participants,
        "results": [row(r) for r in page.rows],
        "me": me(page.viewer) if page.viewer else None,
        "next_cursor": next_cursor,
        "next": next_url,
    }
