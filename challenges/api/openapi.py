"""The OpenAPI 3.1 document of the API, served at /api/openapi.json. Schemathesis checks the
live app against it in ``make test``, so it must stay exactly true."""

from __future__ import annotations

from typing import Any

from .inputs import MAX_BODY

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
DT = {"type": "string", "format": "date-time"}
UUID = {"type": "string", "format": "uuid"}


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue and return it unchanged: the document stays English,
    and the /api/docs page shows it translated (``gettext`` when it renders)."""
    return text


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Any], required: list[str] | None = None,
        extra: bool = False) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required,
            "additionalProperties": extra}


LEADERBOARD_ROW = {"rank": {"type": "integer"}, "username": STR,
                   "counted_votes": {"type": "number"}, "votes_today": {"type": "number"}}
SCHEMAS: dict[str, Any] = {
    "Error": obj({"error": obj({
        "code": {**STR, "description": "Stable machine-readable code, e.g. `self_vote`."},
        "message": {**STR, "description": "A sentence for people."},
        "details": {"type": "object", "description": "More about the error; validation "
                    "errors carry `fields`: field name -> message."},
    })}),
    "Sponsor": {"oneOf": [obj({"name": STR, "logo_url": STR, "website_url": STR}),
                          {"type": "null"}]},
    "Stats": obj({"submission_count": {"type": "integer"},
                  "participant_count": {"type": "integer"},
                  "time_remaining": {**STR, "description": "To the next deadline, e.g. "
                                     "`3d 4h 22m`; `0m` once over.", "examples": ["3d 4h 22m"]}}),
    "UserStatus": {"oneOf": [obj({"has_submitted": {"type": "boolean"},
                                  "submission_count": {"type": "integer"},
                                  "can_submit_more": {"type": "boolean"},
                                  "votes_cast": {"type": "integer"}}), {"type": "null"}],
                   "description": "Null for anonymous callers."},
    "Status": {"type": "string", "enum": ["upcoming", "active", "voting", "completed", "draft",
                                          "cancelled"],
               "description": "The phase, computed from the clock (drafts only for editors)."},
    "Challenge": obj({
        "id": UUID, "title": STR, "slug": STR, "prompt": STR, "status": ref("Status"),
        "starts_at": DT, "submission_deadline": DT, "ends_at": DT, "sponsor": ref("Sponsor"),
        "prizes": {"type": "object", "description": "The prizes JSON as configured."},
        "stats": ref("Stats"), "user_status": ref("UserStatus"),
    }),
    "ChallengeSummary": obj({
        "id": UUID, "title": STR, "slug": STR, "status": ref("Status"), "starts_at": DT,
        "submission_deadline": DT, "voting_deadline": DT, "ends_at": DT,
        "sponsor": ref("Sponsor"), "stats": ref("Stats"),
    }),
    "Submission": obj({
        "id": UUID, "title": STR, "description": STR, "user": obj({"username": STR}),
        "image_url": NSTR, "image_alt_text": NSTR, "external_url": NSTR,
        "project_id": {"type": ["string", "null"], "format": "uuid"},
        "prompt_used": NSTR, "tool_used": NSTR, "vote_count": {"type": "integer"},
        "counted_votes": {"type": "number"}, "is_featured": {"type": "boolean"},
        "final_rank": {"type": ["integer", "null"]}, "submitted_at": DT, "url": STR,
        "voted": {"type": "boolean", "description": "Present for authenticated callers."},
    }, required=["id", "title", "description", "user", "image_url", "image_alt_text",
                 "external_url", "project_id", "prompt_used", "tool_used", "vote_count",
                 "counted_votes", "is_featured", "final_rank", "submitted_at", "url"]),
    "NewSubmission": {
        **obj({"title": {"type": "string", "minLength": 1, "maxLength": 200},
               "description": {"type": ["string", "null"], "maxLength": 5000},
               "image_url": {**NSTR, "description": "Absolute http(s) URL, at most 2,048 "
                             "characters; alt text is then required."},
               "image_alt_text": {"type": ["string", "null"], "maxLength": 500},
               "external_url": NSTR,
               "project_id": {"type": ["string", "null"], "format": "uuid"},
               "prompt_used": {"type": ["string", "null"], "maxLength": 5000},
               "tool_used": {"type": ["string", "null"], "maxLength": 100}},
              required=["title"]),
        "description": "At least one of project_id, image_url, external_url.",
    },
    "VoteResult": obj({"submission_id": UUID, "voted": {"type": "boolean"},
                       "changed": {"type": "boolean", "description": "False when the vote "
                                   "(or its absence) was already so: voting is idempotent."},
                       "vote_count": {"type": "integer"}}),
    "LeaderboardRow": obj(LEADERBOARD_ROW),
    "LeaderboardMe": obj({**LEADERBOARD_ROW, "movement": {
        "description": "While voting is open and the caller is on the board: their rank change "
                       "since 00:00 UTC and the votes they need to pass the member above (the "
                       "widget's \"you\" row).",
        **obj({"places_today": {"type": ["integer", "null"],
                                "description": "Places gained since 00:00 UTC (negative: "
                                "lost); null when unknown or new today."},
               "new_today": {"type": "boolean", "description": "Not on the board at 00:00 UTC."},
               "to_pass": {"oneOf": [obj({"votes": {"type": "integer"}, "username": STR,
                                          "tie_goes_to_them": {"type": "boolean"}}),
                                     {"type": "null"}],
                           "description": "Null at rank 1."}})}},
        required=list(LEADERBOARD_ROW)),
    "Leaderboard": obj({"version": {"type": "integer"}, "live": {"type": "boolean"},
                        "final": {"type": "boolean"}, "participant_count": {"type": "integer"},
                        "frozen_hours": {"type": ["integer", "null"],
                                         "description": "During a freeze: `results` are the "
                                         "board this many hours before the voting deadline "
                                         "(`me` stays live)."},
                        "results": {"type": "array", "items": ref("LeaderboardRow")},
                        "me": {"oneOf": [ref("LeaderboardMe"), {"type": "null"}]},
                        "next_cursor": {"type": ["string", "null"],
                                        "description": "Pass as `cursor` for the next ranks."},
                        "next": {"type": ["string", "null"],
                                 "description": "URL of the next page."}}),
}
PROJECT_INPUT = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "url": {**NSTR, "description": "Absolute http(s) URL, at most 2,048 characters."},
    "image_url": {**NSTR, "description": "Absolute http(s) URL, at most 2,048 characters."},
    "description": {"type": ["string", "null"], "maxLength": 5000},
}
SCHEMAS["Project"] = obj({
    "id": UUID, "title": STR, "url": NSTR, "image_url": NSTR, "description": NSTR,
    "created_at": DT,
    "entry_count": {"type": "integer", "description": "Live entries linking it; a project "
                    "with entries cannot be deleted."},
})
SCHEMAS["NewProject"] = obj(PROJECT_INPUT, required=["title"])
SCHEMAS["ProjectChanges"] = {**obj(PROJECT_INPUT, required=[]),
                             "description": "Only the fields to change."}
SCHEMAS["DeletedProject"] = obj({"id": UUID, "deleted": {"type": "boolean", "const": True}})
SCHEMAS["ChallengeDetail"] = {
    "type": "object",
    "properties": {**SCHEMAS["Challenge"]["properties"],
                   "description": STR, "voting_deadline": DT, "week_number": {"type": "integer"},
                   "year": {"type": "integer"}, "theme_color": STR, "hero_image_url": NSTR,
                   "max_submissions_per_user": {"type": "integer"},
                   "allow_voting": {"type": "boolean"},
                   "require_project_link": {"type": "boolean"},
                   "total_votes": {"type": "integer"}, "url": STR},
    "additionalProperties": False,
}
SCHEMAS["ChallengeDetail"]["required"] = list(SCHEMAS["ChallengeDetail"]["properties"])
SCHEMAS["MySubmission"] = {
    "type": "object",
    "properties": {**SCHEMAS["Submission"]["properties"], "is_disqualified": {"type": "boolean"},
                   "disqualification_reason": NSTR},
    "required": [*SCHEMAS["Submission"]["required"], "is_disqualified",
                 "disqualification_reason"],
    "additionalProperties": False,
}


def error_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": ref("Error")}}}


def ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def page_of(item: str) -> dict[str, Any]:
    return obj({"results": {"type": "array", "items": ref(item)},
                "next": {"type": ["string", "null"], "description": "URL of the next page."}})


ERROR_RESPONSES = {
    "400": error_response("Malformed request: a cursor this API never handed out, a body that "
                          "is not JSON, or a session request without the X-CSRFToken header."),
    "401": {**error_response("Not authenticated, or the Authorization header is malformed, or "
                             "the token is invalid, revoked (by its owner, or by a password "
                             "change or reset) or expired (code \"token_expired\")."),
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
    "403": error_response("Not allowed (e.g. voting for your own entry, or another member's "
                          "project)."),
    "404": error_response("Unknown (or draft) challenge or entry."),
    "405": error_response("Method not allowed."),
    "409": error_response("Conflicts with the current state (challenge closed, limit reached, "
                          "duplicate project, entry no longer votable, project in use)."),
    "413": error_response(f"Body larger than {MAX_BODY // 1024} KiB."),
    "415": error_response("Body is not `application/json`."),
    "422": error_response("Invalid parameters or fields; `details.fields` says which."),
    "429": {**error_response("Rate limited; see Retry-After."),
            "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
}


def errors(*codes: int) -> dict[str, Any]:
    """The error responses an operation can really give (401 and 405 everywhere: a bad token
    is refused on every endpoint, and every URL answers other methods with 405)."""
    return {str(code): ERROR_RESPONSES[str(code)] for code in sorted({401, 405, *codes})}


SLUG = {"name": "slug", "in": "path", "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": 50}}
PROJECT_ID = {"name": "project_id", "in": "path", "required": True,
              "schema": {"type": "string", "format": "uuid"}}
SUBMISSION_ID = {"name": "submission_id", "in": "path", "required": True,
                 "schema": {"type": "string", "format": "uuid"}}


def limit_param(default: int, maximum: int) -> dict[str, Any]:
    return {"name": "limit", "in": "query", "required": False,
            "description": f"Page size (default {default}; values above {maximum} are capped).",
            "schema": {"type": "integer", "minimum": 1, "default": default}}


CURSOR = {"name": "cursor", "in": "query", "required": False,
          "description": "Opaque; take it from a `next` URL. Any other value is answered 400 "
                         "`bad_cursor`.", "schema": {"type": "string"}}
BAD_CURSOR = {
    "description": "`bad_cursor`: the `cursor` is not one this API handed out, or was handed "
                   "out for another sort order. Leave it out to start from the first page.",
    "content": {"application/json": {
        "schema": ref("Error"),
        "example": {"error": {"code": "bad_cursor",
                              "message": "That cursor is not one this API handed out.",
                              "details": {}}},
    }},
}


def paginated(*codes: int) -> dict[str, Any]:
    """The error responses of an operation that takes ``CURSOR``: ``errors(*codes)`` and the
    400 a cursor can get (a valid-looking string this API never handed out)."""
    return {**errors(400, *codes), "400": BAD_CURSOR}


SECURED: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"sessionCookie": []}]
OPTIONAL_AUTH = [{}, *SECURED]  # anonymous callers too; a member also gets their own status


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Weekly Challenges API",
            "version": "1.0.0",
            "description": (
                "Challenges, entries, votes and live leaderboards. Authenticate with a personal "
                "API token (`Authorization: Bearer wc_...`, created on your account page) or the "
                "browser session (unsafe methods then need the `X-CSRFToken` header). Times are "
                f"ISO 8601 UTC with `Z`. Request bodies are limited to {MAX_BODY // 1024} KiB. "
                "Lists paginate by cursor: follow `next`. Errors always have the `Error` shape."
            ),
        },
        "servers": [{"url": server_url}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "paths": {
            "/api/challenges/": {"get": {
                "operationId": "listChallenges", "summary": N_("List challenges, newest first"),
                "parameters": [
                    {"name": "status", "in": "query", "required": False,
                     "schema": {"type": "string",
                                "enum": ["upcoming", "active", "voting", "completed"]}},
                    limit_param(20, 100), CURSOR],
                "security": OPTIONAL_AUTH,
                "responses": {"200": ok(page_of("ChallengeSummary")), **paginated(422)},
            }},
            "/api/challenges/current/": {"get": {
                "operationId": "currentChallenge",
                "summary": N_("The challenge open for entries now, with stats and your status"),
                "security": OPTIONAL_AUTH,
                "responses": {"200": ok(ref("Challenge")), **errors(404),
                              "404": error_response("No challenge is open right now.")},
            }},
            "/api/challenges/{slug}/": {"get": {
                "operationId": "getChallenge", "summary": N_("One challenge"),
                "parameters": [SLUG], "security": OPTIONAL_AUTH,
                "responses": {"200": ok(ref("ChallengeDetail")), **errors(404)},
            }},
            "/api/challenges/{slug}/submissions/": {"get": {
                "operationId": "listSubmissions", "summary": N_("Entries, paginated"),
                "parameters": [SLUG, {"name": "sort", "in": "query", "required": False,
                                      "schema": {"type": "string",
                                                 "enum": ["votes", "newest", "featured"]}},
                               limit_param(12, 50), CURSOR],
                "security": OPTIONAL_AUTH,
                "responses": {"200": ok(page_of("Submission")), **paginated(404, 422)},
            }},
            "/api/challenges/{slug}/leaderboard/": {"get": {
                "operationId": "getLeaderboard",
                "summary": N_("Top N and your own row; every rank, page by page, by cursor"),
                "parameters": [SLUG, limit_param(10, 100), CURSOR], "security": OPTIONAL_AUTH,
                "responses": {"200": ok(ref("Leaderboard")), **paginated(404, 422)},
            }},
            "/api/challenges/{slug}/submit/": {"post": {
                "operationId": "submitEntry", "summary": N_("Submit an entry"),
                "security": SECURED, "parameters": [SLUG],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": ref("NewSubmission")}}},
                "responses": {"201": ok(ref("MySubmission"), "Created"),
                              **errors(400, 404, 409, 413, 415, 422, 429)},
            }},
            "/api/challenges/{slug}/vote/{submission_id}/": {
                "post": {"operationId": "vote", "summary": N_("Upvote an entry (idempotent)"),
                         "security": SECURED, "parameters": [SLUG, SUBMISSION_ID],
                         "responses": {"200": ok(ref("VoteResult")),
                                       **errors(400, 403, 404, 409, 422, 429)}},
                "delete": {"operationId": "unvote", "summary": N_("Withdraw your vote"),
                           "security": SECURED, "parameters": [SLUG, SUBMISSION_ID],
                           "responses": {"200": ok(ref("VoteResult")),
                                         **errors(400, 404, 409, 422, 429)}},
            },
            "/api/challenges/{slug}/my-submissions/": {"get": {
                "operationId": "mySubmissions", "summary": N_("Your entries in a challenge"),
                "security": SECURED, "parameters": [SLUG],
                "responses": {"200": ok(obj({"results": {"type": "array",
                                                         "items": ref("MySubmission")}})),
                              **errors(404)},
            }},
            "/api/projects/": {
                "get": {"operationId": "listProjects", "summary": N_("Your projects, newest first"),
                        "security": SECURED, "parameters": [limit_param(20, 100), CURSOR],
                        "responses": {"200": ok(page_of("Project")), **paginated(422)}},
                "post": {"operationId": "createProject", "summary": N_("Add a project"),
                         "security": SECURED,
                         "requestBody": {"required": True, "content": {
                             "application/json": {"schema": ref("NewProject")}}},
                         "responses": {"201": ok(ref("Project"), "Created"),
                                       **errors(400, 409, 413, 415, 422, 429)}},
            },
            "/api/projects/{project_id}/": {
                "get": {"operationId": "getProject", "summary": N_("One of your projects"),
                        "security": SECURED, "parameters": [PROJECT_ID],
                        "responses": {"200": ok(ref("Project")), **errors(403, 404, 422)}},
                "patch": {"operationId": "updateProject", "summary": N_("Change a project"),
                          "security": SECURED, "parameters": [PROJECT_ID],
                          "requestBody": {"required": True, "content": {
                              "application/json": {"schema": ref("ProjectChanges")}}},
                          "responses": {"200": ok(ref("Project")),
                                        **errors(400, 403, 404, 413, 415, 422, 429)}},
                "delete": {"operationId": "deleteProject",
                           "summary": N_("Delete a project no entry links"),
                           "security": SECURED, "parameters": [PROJECT_ID],
                           "responses": {"200": ok(ref("DeletedProject")),
                                         **errors(400, 403, 404, 409, 422, 429)}},
            },
        },
    }
