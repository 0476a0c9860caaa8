"""SPEC §10: "An OpenAPI document describes it all": the served document is the one the
Schemathesis run checks, and the docs page reads it truthfully."""

from __future__ import annotations

import re

from challenges.api.inputs import MAX_BODY
from challenges.api.openapi import openapi_document
from tests.api.conftest import bearer

SECURED_OPERATIONS = {"submitEntry", "vote", "unvote", "mySubmissions", "listProjects",
                      "createProject", "getProject", "updateProject", "deleteProject"}


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_served_document_is_the_one_tested(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    served = response.get_json()
    assert served["openapi"].startswith("3.1")
    assert served["servers"] == [{"url": "http://localhost"}]
    assert {**served, "servers": None} == {**openapi_document("x"), "servers": None}


def test_every_operation_documents_a_json_401_and_its_error_shapes(client):
    document = client.get("/api/openapi.json").get_json()
    for path, method, operation in operations(document):
        responses = operation["responses"]
        assert "401" in responses, (path, method)
        for code, response in responses.items():
            schema = response["content"]["application/json"]["schema"]
            if code.startswith("4"):
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, code)


def test_only_writes_and_my_submissions_require_authentication(client):
    document = client.get("/api/openapi.json").get_json()
    for _, _, operation in operations(document):
        anonymous_allowed = {} in operation["security"]
        assert anonymous_allowed == (operation["operationId"] not in SECURED_OPERATIONS)


def test_the_docs_page_lists_every_operation_and_marks_the_secured_ones(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    sections = re.findall(r'<section class="card api-op" id="(\w+)">(.*?)</section>', page, re.S)
    assert {op for op, _ in sections} == {op["operationId"] for *_, op in
                                         operations(openapi_document("x"))}
    badged = {op for op, body in sections if "needs authentication" in body}
    assert badged == SECURED_OPERATIONS
    assert f"{MAX_BODY // 1024} KiB" in page


def cursor_operations(document):
    return [(path, method, operation) for path, method, operation in operations(document)
            if any(p["name"] == "cursor" and p["in"] == "query"
                   for p in operation.get("parameters", []))]


def test_every_operation_that_takes_a_cursor_declares_its_400_bad_cursor(client):
    """A schema-valid cursor (any string) this API never handed out is answered 400: a schema
    fuzzer calls that a valid request rejected unless the document says so."""
    document = client.get("/api/openapi.json").get_json()
    paged = cursor_operations(document)
    assert {op["operationId"] for *_, op in paged} >= {"listChallenges", "listSubmissions"}
    for path, method, operation in paged:
        declared = operation["responses"].get("400")
        assert declared is not None, (path, method)
        assert "bad_cursor" in declared["description"], (path, method)
        example = declared["content"]["application/json"]["example"]
        assert example["error"]["code"] == "bad_cursor", (path, method)


def test_a_cursor_this_api_never_handed_out_gets_the_declared_400(client, make_challenge,
                                                                 make_user, make_token):
    challenge = make_challenge("active")
    headers = bearer(make_token(make_user()))  # secured operations (your projects) too
    for path, method, _ in cursor_operations(openapi_document("x")):
        url = path.replace("{slug}", challenge.slug)
        for cursor in ("!!!", "bm90IGEgY3Vyc29y"):  # not base64; base64 of "not a cursor"
            response = client.open(url, method=method.upper(), query_string={"cursor": cursor},
                                   headers=headers)
            assert response.status_code == 400, (url, cursor, response.status_code)
            assert response.get_json()["error"]["code"] == "bad_cursor", (url, cursor)
