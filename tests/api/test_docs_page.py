"""The /api/docs page renders the document's Markdown (no raw backticks), escaped, and speaks
the reader's language; /api/openapi.json stays the machine's English (issue #11)."""

from __future__ import annotations

import re
from typing import Any

from challenges.api.docs import markdown, markdown_inline


def test_the_docs_page_has_no_raw_backticks_and_renders_code(client: Any) -> None:
    page = client.get("/api/docs").get_data(as_text=True)
    assert "`" not in page
    assert "<code>X-CSRFToken</code>" in page
    # From the cursor parameter's description: "take it from a `next` URL".
    assert "take it from a <code>next</code> URL" in page
    # The request bodies' own descriptions are Markdown too.
    assert re.search(r'<h3 id="schema-NewSubmission"><code>NewSubmission</code></h3>', page)


def test_markdown_is_escaped_and_renders_code_blocks_and_lists() -> None:
    inline = str(markdown_inline('Use `a<b>` <script>alert(1)</script> [x](javascript:alert(1))'))
    assert "<code>a&lt;b&gt;</code>" in inline
    assert "<script>" not in inline and "&lt;script&gt;" in inline
    assert 'href="javascript:' not in inline
    block = str(markdown("Steps:\n\n- one\n- `two`\n\n```\ncurl -H 'X: y'\n```\n"))
    assert "<ul>\n<li>one</li>\n<li><code>two</code></li>\n</ul>" in block
    assert "<pre><code>curl -H 'X: y'\n</code></pre>" in block


def test_the_docs_page_speaks_spanish(client: Any) -> None:
    page = client.get("/api/docs", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    for spanish in ("Respuestas", "Parámetro", "Enviar una participación", "Pruébala",
                    "requiere autenticación", "Los errores siempre tienen la forma"):
        assert spanish in page, spanish
    assert "Submit an entry" not in page


def test_the_openapi_document_stays_english(client: Any) -> None:
    document = client.get("/api/openapi.json", headers={"Accept-Language": "es"}).get_json()
    submit = document["paths"]["/api/challenges/{slug}/submit/"]["post"]
    assert submit["summary"] == "Submit an entry"
