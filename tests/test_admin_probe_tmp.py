import re, pathlib, uuid
from challenges.models import Role
from tests.support.factories import PASSWORD
TOK = re.compile(r'X-CSRFToken(?:"|&#34;): (?:"|&#34;)([^&"]+)')
def tok(client):
    return TOK.search(client.get("/").get_data(as_text=True)).group(1)

def test_probe(client, make_user, make_challenge, make_sponsor, make_project):
    editor = make_user(role=Role.EDITOR)
    r = client.post("/login", data={"csrf_token": tok(client), "login": editor.username, "password": PASSWORD})
    assert r.status_code == 302
    s = make_sponsor()
    c = make_challenge("active", sponsor=s)
    p = make_project(editor)
    for url in ["/admin/", "/admin/challenges/", "/admin/challenges/new/", f"/admin/challenges/edit/?id={c.id}", f"/admin/challenges/details/?id={c.id}",
                "/admin/sponsors/", "/admin/sponsors/new/", f"/admin/sponsors/edit/?id={s.id}", f"/admin/sponsors/details/?id={s.id}",
                "/admin/users/", f"/admin/users/edit/?id={editor.id}", f"/admin/users/details/?id={editor.id}",
                "/admin/projects/", "/admin/projects/new/", f"/admin/projects/edit/?id={p.id}",
                "/admin/submissions/", "/admin/votes/", "/admin/ledger/", "/admin/payouts/"]:
        r = client.get(url)
        print(url, r.status_code, r.headers.get("Location"))
        pathlib.Path("/tmp/probe/" + url.strip("/").split("?")[0].replace("/", "_") + ".html").write_text(r.get_data(as_text=True))
