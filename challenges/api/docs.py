"""/api/openapi.json and the human-readable /api/docs page (linked from the footer).

The OpenAPI document is the machine's, in English; its descriptions use Markdown (code spans
in backticks), which the page renders with markdown-it-py: raw HTML in the text is escaped, not
passed through, and nothing inline (no scripts, no style attributes) reaches the CSP. The page's
own headings and prose, and each operation's summary, are translated; the longer parameter and
response descriptions stay English, as the page says.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext
from markdown_it import MarkdownIt
from markupsafe import Markup

from .inputs import MAX_BODY
from .openapi import openapi_document

bp = Blueprint("api_docs", __name__)

# CommonMark without raw HTML ("<b>" in a description shows as text) and without typographer
# replacements, so code reads exactly as typed.
_markdown = MarkdownIt("commonmark", {"html": False})


@bp.app_template_filter("markdown")
def markdown(text: str | None) -> Markup:
    """Markdown as safe HTML blocks (paragraphs, lists, code blocks and spans)."""
    # Safe: markdown-it escapes every character of the text ("html": False above).
    return Markup(_markdown.render(text or ""))  # noqa: S704


@bp.app_template_filter("markdown_inline")
def markdown_inline(text: str | None) -> Markup:
    """Markdown as safe inline HTML (code spans, emphasis, links), for a table cell or a line."""
    return Markup(_markdown.renderInline(text or ""))  # noqa: S704  (escaped, as above)


def _translated_summaries(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each operation's summary in the reader's language (the summaries are
    marked with ``N_`` in ``openapi.py``, so they are in the catalogue)."""
    for operations in document["paths"].values():
        for operation in operations.values():
            english = operation["summary"]
            operation["summary"] = gettext(english)
    return document


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    return jsonify(openapi_document(request.host_url.rstrip("/")))


@bp.get("/api/docs")
def api_docs() -> str:
    document = _translated_summaries(openapi_document(request.host_url.rstrip("/")))
    return render_template("api/docs.html", doc=document, max_body_kib=MAX_BODY // 1024)
