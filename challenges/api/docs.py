"""/api/openapi.json and the human-readable /api/docs page (linked from the footer)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from .openapi import openapi_document

bp = Blueprint("api_docs", __name__)


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    return jsonify(openapi_document(request.host_url.rstrip("/")))


@bp.get("/api/docs")
def api_docs() -> str:
    document = openapi_document(request.host_url.rstrip("/"))
    return render_template("api/docs.html", doc=document)
