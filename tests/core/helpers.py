"""Shared steps for the core-loop tests: submit, vote, read the board, compare with SQL."""

from __future__ import annotations

from typing import Any

from flask import current_app

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.leaderboard import keys
from challenges.leaderboard.scores import counted_votes
from challenges.leaderboard.standings import standings_from_votes
from challenges.services.entries import EntryInput, submit_entry
from challenges.services.votes import cast_vote, withdraw_vote
from challenges.transactions import commit_with_retry


def entry_input(**overrides: Any) -> EntryInput:
    values = {"title": "Dream", "image_url": "https://img.example/dream.png",
              "image_alt_text": "A purple dream"}
    values.update(overrides)
    return EntryInput(**values)


def submit(challenge, user, **overrides):
    return commit_with_retry(lambda: submit_entry(challenge.id, user, entry_input(**overrides),
                                                  utcnow()))


def vote(entry, voter):
    """Vote as the views do: with the app's ``VERIFIED_VOTE_WEIGHT`` and
    ``UNVERIFIED_VOTE_WEIGHT``."""
    config = current_app.config
    return commit_with_retry(lambda: cast_vote(
        entry.id, voter, utcnow(), verified_weight=config["VERIFIED_VOTE_WEIGHT"],
        unverified_weight=config["UNVERIFIED_VOTE_WEIGHT"]))


def unvote(entry, voter):
    return commit_with_retry(lambda: withdraw_vote(entry.id, voter, utcnow()))


def redis_board(redis_client, challenge) -> dict[int, float]:
    """user id -> counted votes as Redis holds them."""
    return {int(member): counted_votes(score) for member, score in
            redis_client.zrevrange(keys.board(challenge.id), 0, -1, withscores=True)}


def redis_order(redis_client, challenge) -> list[int]:
    return [int(m) for m in redis_client.zrevrange(keys.board(challenge.id), 0, -1)]


def sql_truth(challenge) -> list[tuple[int, float, int]]:
    """(user id, counted votes aggregated from the votes table, first entry) in rank order."""
    db.session.expire_all()
    return standings_from_votes(challenge.id)
