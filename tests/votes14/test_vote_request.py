"""Issue #14: the vote request's own SQL, end to end through the htmx endpoint (with the settle
job queued, not run inline, as on a real worker): the vote's transaction and nothing after its
commit (the button renders from what the vote wrote: ``commit_with_retry(keep_loaded=True)``)."""

from __future__ import annotations

import re

from challenges.extensions import db, get_queue
from challenges.services.vote_rewards import VOTES_TO_SETTLE

from ..core.helpers import submit


def test_the_vote_request_reads_nothing_again_after_its_commit(
        app, client, login, make_challenge, make_user, count_sql):
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    login(client, voter)
    token = client.csrf_token()
    app.config["LEADERBOARD_REBUILD_ASYNC"] = True  # the settle job waits for a worker
    app.extensions["wc_redis"].delete(VOTES_TO_SETTLE)
    try:
        count_sql.clear()
        response = client.post(f"/challenges/{challenge.slug}/submissions/{entry.id}/vote",
                               headers={"HX-Request": "true", "X-CSRFToken": token})
        statements = list(count_sql)
    finally:
        app.config["LEADERBOARD_REBUILD_ASYNC"] = False
        get_queue().empty()
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert re.search(r">\s*1\s*<", body) or "1 vote" in body, body
    inserted = max(i for i, sql in enumerate(statements)
                   if sql.startswith("INSERT INTO challenge_votes"))
    after = statements[inserted + 1:]
    # The member's board value is read after the vote row (one statement), then the commit:
    # the button needs no second read of the challenge, the entry or the voter.
    assert len(after) <= 1, "\n".join(after)
    assert len(statements) <= 9, "\n".join(statements)


def test_the_vote_reads_its_challenge_entry_and_judge_check_in_one_statement(
        app, client, login, make_challenge, make_user, count_sql):
    """``get_visible_challenge(slug, viewer, entry_id)``: the challenge by slug, the entry of it
    the URL names (kept in the identity map for ``get_entry``'s rules) and whether the voter
    judges it (``judging.JUDGE_LOOKUP``, for ``judge_vote_refusal``) in one statement."""
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    url = f"/challenges/{challenge.slug}/submissions/{submit(challenge, author).id}/vote"
    login(client, voter)
    token = client.csrf_token()
    db.session.expunge_all()  # nothing loaded before the request, as in production
    count_sql.clear()
    response = client.post(url, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    reads = [" ".join(sql.split()) for sql in count_sql if sql.lstrip().startswith("SELECT")]
    lookups = [sql for sql in reads if "FROM weekly_challenges" in sql
               and "challenge_judges" in sql and "LEFT OUTER JOIN challenge_submissions" in sql]
    assert len(lookups) == 1, "\n".join(reads)
    alone = [sql for sql in reads if sql not in lookups and (
        re.search(r"FROM challenge_judges\s+WHERE", sql)
        or re.search(r"FROM challenge_submissions\s+WHERE challenge_submissions.id = \S+$", sql))]
    assert not alone, "\n".join(alone)
