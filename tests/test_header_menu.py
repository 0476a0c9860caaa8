"""The header (issue #11): a visitor sees "Log in" and "Join"; a member sees the bell and one
account menu holding every account link and "Log out", with Admin for editors and the sponsor
dashboard for sponsors only."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from challenges.models import Role

MEMBER_LINKS = ["/me/submissions", "/me/projects", "/account", "/account/tokens",
                "/account/notifications"]


def account_menu(response: Any) -> str:
    match = re.search(r'<details class="menu account-menu".*?</details>',
                      response.get_data(as_text=True), re.S)
    assert match, "no account menu"
    return html.unescape(match.group(0))


def test_a_visitor_sees_log_in_and_join_and_no_account_menu(client: Any) -> None:
    body = client.get("/").get_data(as_text=True)
    assert 'class="menu account-menu"' not in body
    assert ">Log in</a>" in body and ">Join</a>" in body
    assert 'data-testid="menu-button"' in body  # the phone menu of the main links


def test_a_members_menu_holds_every_account_link_and_log_out(client: Any, make_user: Any,
                                                            login: Any) -> None:
    member = make_user(username="gil")
    login(client, member)
    menu = account_menu(client.get("/"))
    for path in ["/u/gil", *MEMBER_LINKS]:
        assert f'href="{path}"' in menu, path
    assert 'action="/logout"' in menu and ">Log out</button>" in menu
    assert "/admin" not in menu and "Sponsor dashboard" not in menu
    assert 'data-testid="nav-username">@gil<' in menu


@pytest.mark.parametrize(("role", "link"), [(Role.EDITOR, "/admin/"),
                                            (Role.SPONSOR, "Sponsor dashboard")])
def test_editors_and_sponsors_find_their_pages_in_the_menu(client: Any, make_user: Any,
                                                           make_sponsor: Any, login: Any,
                                                           role: Role, link: str) -> None:
    fields = {"sponsor_id": make_sponsor().id} if role is Role.SPONSOR else {}
    login(client, make_user(role=role, **fields))
    assert link in account_menu(client.get("/"))
