"""The app starts, renders its home page and answers its probes."""


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Weekly Challenges" in response.get_data(as_text=True)


def test_healthz_answers(client):
    assert client.get("/healthz").status_code == 200
