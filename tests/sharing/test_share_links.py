"""Share buttons without third-party scripts: plain links for X, Bluesky, LinkedIn, Reddit
and Mastodon that carry ``?ref=<username>`` when the sharer is signed in, and the Mastodon step
that asks for the member's server once and remembers it."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from challenges.sharing.service import mastodon_instance, with_ref

from .helpers import finalized_challenge

NETWORKS = ("twitter.com/intent/tweet", "bsky.app/intent/compose",
            "www.linkedin.com/sharing/share-offsite/", "www.reddit.com/submit")


def share_hrefs(html: str) -> dict[str, str]:
    block = html[html.index("data-share "):]
    block = block[:block.index("</section>")]
    return {href.split("?")[0]: href
            for href in (unescape(h) for h in re.findall(r'href="([^"]+)"', block))}


def shared_url(href: str) -> str:
    query = parse_qs(urlsplit(href).query)
    if "url" in query:
        return query["url"][0]
    return query["text"][0].rsplit(" ", 1)[-1]  # Bluesky and Mastodon: text, then the link


@pytest.fixture
def results(frozen_clock):
    return finalized_challenge(frozen_clock, upload=False)


def pages(results) -> list[str]:
    slug = results.challenge.slug
    return [f"/challenges/{slug}/", f"/challenges/{slug}/submissions/{results.entries[0].id}/",
            f"/u/{results.members[0].username}",
            f"/challenges/{slug}/results/{results.members[0].username}"]


def test_a_signed_in_sharer_s_links_carry_their_username_as_ref(client, results, login):
    sharer = results.members[3]
    login(client, sharer)
    for path in pages(results):
        html = client.get(path).get_data(as_text=True)
        hrefs = share_hrefs(html)
        for network in NETWORKS:
            href = next(h for base, h in hrefs.items() if network in base)
            url = shared_url(href)
            assert parse_qs(urlsplit(url).query)["ref"] == [sharer.username], (path, network)
        mastodon = next(h for base, h in hrefs.items() if base.endswith("/share/mastodon"))
        assert f"ref={sharer.username}" in parse_qs(urlsplit(mastodon).query)["text"][0]
        field = re.search(r'class="share-url" type="text" readonly value="([^"]+)"', html)
        assert field and unescape(field.group(1)).endswith(f"ref={sharer.username}")


def test_a_visitor_s_links_carry_no_ref(client, results):
    for path in pages(results):
        hrefs = share_hrefs(client.get(path).get_data(as_text=True))
        for network in NETWORKS:
            href = next(h for base, h in hrefs.items() if network in base)
            assert "ref=" not in shared_url(href), (path, network)


def test_with_ref_replaces_a_ref_already_in_the_url():
    assert with_ref("https://x.example/a?ref=old&b=1", "ada") == "https://x.example/a?b=1&ref=ada"
    assert with_ref("https://x.example/a", None) == "https://x.example/a"


@pytest.mark.parametrize(("typed", "host"), [
    ("mastodon.social", "mastodon.social"),
    ("  Mastodon.Social ", "mastodon.social"),
    ("https://fosstodon.org/", "fosstodon.org"),
    ("https://hachyderm.io/@someone", "hachyderm.io"),
    ("@me@hachyderm.io", "hachyderm.io"),
    ("me@infosec.exchange", "infosec.exchange"),
    ("mastodón.example", "mastodón.example".encode("idna").decode()),
    ("localhost", None),
    ("127.0.0.1", None),
    ("evil.example:8080", None),
    ("-bad.example", None),
    ("javascript:alert(1)", None),
    ("", None),
    ("a" * 300 + ".com", None),
])
def test_a_mastodon_server_must_be_a_host_name(typed, host):
    assert mastodon_instance(typed) == host


def mastodon_form(client, text: str) -> tuple[str, str]:
    page = client.get("/share/mastodon", query_string={"text": text})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, html[:500]
    return html, token.group(1)


def test_mastodon_asks_once_then_remembers_the_server(client):
    text = "My card https://site.example/c?ref=ada"
    html, token = mastodon_form(client, text)
    assert 'name="instance"' in html
    answer = client.get("/share/mastodon", query_string={
        "text": text, "instance": "https://Mastodon.Social/", "csrf_token": token})
    # A page leading on (a form may not redirect to another site under the CSP).
    assert answer.status_code == 200
    assert "mastodon_instance=mastodon.social" in answer.headers["Set-Cookie"]
    go = re.search(r'href="([^"]+)" data-mastodon-go', answer.get_data(as_text=True))
    assert go
    location = urlsplit(unescape(go.group(1)))
    assert (location.scheme, location.netloc, location.path) == ("https", "mastodon.social",
                                                                  "/share")
    assert parse_qs(location.query)["text"] == [text]
    # Next time: straight there, no question.
    again = client.get("/share/mastodon", query_string={"text": "Another"})
    assert again.status_code == 302
    assert again.headers["Location"] == "https://mastodon.social/share?text=Another"
    # "Change server" asks again, with the remembered one filled in.
    change = client.get("/share/mastodon", query_string={"text": "Another", "change": "1"})
    assert change.status_code == 200 and 'value="mastodon.social"' in change.get_data(as_text=True)


def test_a_bad_server_is_refused_at_its_field(client):
    _html, token = mastodon_form(client, "Hello")
    answer = client.get("/share/mastodon", query_string={
        "text": "Hello", "instance": "not a host", "csrf_token": token})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="instance-error"' in html and "such as mastodon.social" in html
    assert 'aria-invalid="true"' in html
    assert "mastodon_instance" not in answer.headers.get("Set-Cookie", "")


def test_a_crafted_link_without_the_form_s_token_sends_nobody_anywhere(client):
    answer = client.get("/share/mastodon", query_string={"text": "Hi", "instance": "evil.example"})
    assert answer.status_code == 422
    assert "Location" not in answer.headers
    assert "mastodon_instance" not in answer.headers.get("Set-Cookie", "")


def test_odd_mastodon_input_never_gives_a_500(client):
    for query in ({"text": "\x00"}, {"text": "x" * 10_000}, {"instance": "\x00", "text": "a"},
                  {"instance": "é" * 500}):
        assert client.get("/share/mastodon", query_string=query).status_code < 500


def test_a_remembered_server_can_be_changed_from_the_share_buttons(client, results):
    landing = f"/challenges/{results.challenge.slug}/"
    assert "Change your Mastodon server" not in client.get(landing).get_data(as_text=True)
    client.set_cookie("mastodon_instance", "mastodon.social")
    html = client.get(landing).get_data(as_text=True)
    assert "Change your Mastodon server" in html
    change = re.search(r'href="([^"]+)" data-share-mastodon-change', html)
    assert change and "change=1" in unescape(change.group(1))
    assert client.get(unescape(change.group(1))).status_code == 200  # asks, does not redirect
