"""Issue #14: the vote request's own SQL, end to end through the htmx endpoint (with the settle
job queued, not run inline, as on a real worker): the vote's transaction and nothing after its
commit (the button renders from what the vote wrote: ``commit_with_retry(keep_loaded=True)``)."""

from __future__ import annotations

import re

from challenges.extensions import get_queue
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
