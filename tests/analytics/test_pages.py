"""/admin/analytics for editors only; the sponsor's numbers on /sponsor/ for their own
challenges only (404 for anyone else's, page and CSV); each CSV is its table, cell for cell."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from challenges.analytics.tables import DataTable, csv_text
from challenges.extensions import db
from challenges.models import Role

from .history import challenge_between, count, enter, member, three_challenges, vote


def table_cells(page: str, table_id: str) -> list[list[str]]:
    """The header and body rows of the table ``table_id`` as text."""
    html = page[page.index(f'id="{table_id}"'):]
    html = html[:html.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
            for row in rows]


def csv_cells(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def editor(client, login, make_user):
    user = make_user(role=Role.EDITOR)
    login(client, user)
    return user


def test_only_editors_open_the_analytics_dashboard(client, login, make_user):
    assert client.get("/admin/analytics/").status_code == 302  # to the login page
    assert client.get("/admin/analytics/weeks.csv").status_code == 302
    login(client, make_user())
    assert client.get("/admin/analytics/").status_code == 403
    assert client.get("/admin/analytics/weeks.csv").status_code == 403
    client.post_form("/logout")
    login(client, make_user(role=Role.SPONSOR))
    assert client.get("/admin/analytics/").status_code == 403


def test_the_dashboard_shows_every_metric_and_links_from_the_admin_menu(
        client, editor, frozen_clock):
    data = three_challenges()
    frozen_clock.set(data.now)
    page = client.get("/admin/analytics/?challenge=" + data.c2.slug).get_data(as_text=True)
    assert 'href="/admin/analytics/"' in client.get("/admin/").get_data(as_text=True)
    challenges = table_cells(page, "challenges-table")
    header, rows = challenges[0], {row[0]: row for row in challenges[1:]}
    second = dict(zip(header, rows["Second"], strict=True))
    assert second["Active members"] == "6" and second["Entrants"] == "3"
    assert second["Participation rate"] == "50.0%"
    assert second["Votes per voter"] == "1.33" and second["Votes per active member"] == "0.67"
    assert second["Previous challenge"] == "First"
    assert second["Return rate"] == "2 of 3 (66.7%)"
    assert second["Members from this challenge's shares"] == "1"
    weeks = table_cells(page, "weeks-table")
    week2 = dict(zip(weeks[0], next(r for r in weeks[1:] if r[0] == "2026-03-09"), strict=True))
    assert week2["Participation rate"] == "50.0%" and week2["New members"] == "1"
    funnel = table_cells(page, "funnel-table")
    assert funnel[1:] == [["Visits", "20", "100.0%"], ["Registrations", "1", "5.0%"],
                          ["Entrants", "3", "15.0%"], ["Voters", "3", "15.0%"]]
    hours = table_cells(page, "hours-table")
    assert [row[0] for row in hours[1:]] == ["2026-03-09", "2026-03-10", "2026-03-11",
                                             "2026-03-12", "2026-03-13"]
    assert hours[2][1 + 12] == "1" and hours[2][1 + 13] == "1" and hours[2][-1] == "2"
    # Charts are inline SVG with a name, no script.
    assert page.count('role="img"') == 3 and "<title id=\"hours-chart-title\">" in page
    assert "How these are counted" in page


def test_each_csv_download_is_its_table(client, editor, frozen_clock):
    data = three_challenges()
    frozen_clock.set(data.now)
    query = f"?challenge={data.c1.slug}"
    page = client.get("/admin/analytics/" + query).get_data(as_text=True)
    for name in ("weeks", "challenges", "funnel", "hours"):
        response = client.get(f"/admin/analytics/{name}.csv{query}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert csv_cells(response.get_data(as_text=True)) == table_cells(page, f"{name}-table")
    assert client.get("/admin/analytics/nothing.csv").status_code == 404
    assert client.get("/admin/analytics/?challenge=no-such").status_code == 404
    assert client.get("/admin/analytics/?challenge=a%00b").status_code == 404


def test_csv_cells_that_look_like_formulas_are_defused():
    table = DataTable("t", "T", ["=cmd", "Name"], [["+1", "@SUM(A1)"], ["-2", "fine"]])
    assert csv_cells(csv_text(table)) == [["'=cmd", "Name"], ["'+1", "'@SUM(A1)"],
                                         ["'-2", "fine"]]


def test_a_challenge_title_that_is_a_formula_is_defused_in_the_csv(client, editor,
                                                                   make_challenge):
    make_challenge("active", title="=HYPERLINK(\"http://evil.example\")")
    body = client.get("/admin/analytics/challenges.csv").get_data(as_text=True)
    assert csv_cells(body)[1][0].startswith("'=HYPERLINK")


def _sponsored(make_sponsor):
    mine = make_sponsor(name="Mine", slug="mine")
    theirs = make_sponsor(name="Theirs", slug="theirs")
    data = three_challenges(sponsor=mine)
    other = challenge_between(
        "2026-03-23", "2026-03-25", "2026-03-27", title="Their week", sponsor=theirs)
    return mine, theirs, data, other


def test_a_sponsor_sees_their_challenges_numbers(client, login, make_user, make_sponsor,
                                                 frozen_clock):
    mine, theirs, data, other = _sponsored(make_sponsor)
    frozen_clock.set(data.now)
    login(client, make_user(role=Role.SPONSOR, sponsor_id=mine.id))
    page = client.get("/sponsor/").get_data(as_text=True)
    cells = table_cells(page, "sponsor-analytics-table")
    header, rows = cells[0], {row[0]: dict(zip(cells[0], row, strict=True)) for row in cells[1:]}
    assert set(rows) == {"First", "Second", "Third"}  # never "Their week"
    assert header[3:] == ["Page views", "Clicks to you", "Entries", "Participants", "Voters",
                          "Votes", "Share visits", "New members from shares"]
    third = rows["Third"]
    assert (third["Entries"], third["Participants"], third["Voters"], third["Votes"]) == (
        "2", "2", "1", "2")
    assert rows["First"]["Share visits"] == "2"
    assert rows["Second"]["New members from shares"] == "1"
    assert 'role="img"' in page
    assert f'<a href="/challenges/{data.c3.slug}/">Third</a>' in page
    response = client.get("/sponsor/analytics.csv")
    assert response.mimetype == "text/csv"
    assert csv_cells(response.get_data(as_text=True)) == cells
    one = client.get(f"/sponsor/?challenge={data.c3.slug}").get_data(as_text=True)
    assert [r[0] for r in table_cells(one, "sponsor-analytics-table")[1:]] == ["Third"]


@pytest.mark.parametrize("query", ["?sponsor=theirs", "?challenge=THEIRS",
                                   "?sponsor=no-such", "?challenge=no-such",
                                   "?sponsor=mine&challenge=THEIRS"])
def test_a_sponsor_asking_for_another_sponsors_numbers_gets_404(
        client, login, make_user, make_sponsor, frozen_clock, query):
    mine, theirs, data, other = _sponsored(make_sponsor)
    frozen_clock.set(data.now)
    query = query.replace("THEIRS", other.slug)
    login(client, make_user(role=Role.SPONSOR, sponsor_id=mine.id))
    assert client.get("/sponsor/" + query).status_code == 404
    assert client.get("/sponsor/analytics.csv" + query).status_code == 404
    assert client.get("/sponsor/?sponsor=mine").status_code == 200  # their own, by name


def test_editors_see_any_sponsors_numbers_and_members_none(client, login, make_user,
                                                           make_sponsor, frozen_clock):
    mine, theirs, data, other = _sponsored(make_sponsor)
    frozen_clock.set(data.now)
    login(client, make_user())
    assert client.get("/sponsor/analytics.csv").status_code == 403
    client.post_form("/logout")
    login(client, make_user(role=Role.EDITOR))
    body = client.get("/sponsor/analytics.csv?sponsor=theirs").get_data(as_text=True)
    assert [row[0] for row in csv_cells(body)[1:]] == ["Their week"]
    assert client.get(f"/sponsor/?sponsor=theirs&challenge={data.c1.slug}").status_code == 404


def test_sponsor_numbers_take_a_fixed_number_of_queries(client, login, make_user, make_sponsor,
                                                        frozen_clock, sql_statements):
    mine = make_sponsor(slug="mine")
    mine_id = mine.id
    data = three_challenges(sponsor=mine)
    frozen_clock.set(data.now)
    login(client, make_user(role=Role.SPONSOR, sponsor_id=mine.id))
    db.session.remove()  # each request starts with an empty session, as in production
    sql_statements.clear()
    client.get("/sponsor/analytics.csv")
    few = list(sql_statements)
    for n in range(5):  # five more challenges with entries, votes and counters
        challenge = challenge_between(
            f"2026-02-0{n + 1}", f"2026-02-0{n + 2}", f"2026-02-0{n + 3}", sponsor_id=mine_id)
        entry = enter(challenge, member(f"xx{n}"), challenge.starts_at)
        vote(entry, member(f"yy{n}"), challenge.starts_at)
        count(challenge, f"2026-02-0{n + 1}", views=3, shares=1)
    db.session.remove()
    sql_statements.clear()
    client.get("/sponsor/analytics.csv")
    assert len(sql_statements) == len(few), "\n".join(s[:90] for s in sql_statements)


def test_the_dashboard_and_its_csv_speak_spanish(client, editor, frozen_clock):
    data = three_challenges()
    frozen_clock.set(data.now)
    headers = {"Accept-Language": "es"}
    page = client.get(f"/admin/analytics/?challenge={data.c2.slug}", headers=headers)
    body = page.get_data(as_text=True)
    assert "Tasa de participación" in body and "Cómo se cuentan estas cifras" in body
    cells = table_cells(body, "challenges-table")
    second = dict(zip(cells[0], next(r for r in cells[1:] if r[0] == "Second"), strict=True))
    assert second["Tasa de participación"] == "50,0\xa0%"
    assert second["Tasa de retorno"] == "2 de 3 (66,7\xa0%)"
    csv_body = client.get(f"/admin/analytics/challenges.csv?challenge={data.c2.slug}",
                          headers=headers).get_data(as_text=True)
    assert csv_cells(csv_body) == cells
