"""The pages speak Chinese first and English on request: the browser's preference, the header's switch, and the
choice remembered with the account."""
from sqlalchemy import select

from tests.factories import PASSWORD
from wastechain.models import User


def _log_in(client, username):
    return client.post("/login", data={"username": username, "password": PASSWORD})


def test_a_page_is_in_chinese_unless_the_browser_asks_for_english(client, world):
    assert "登录" in client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Log in" in english and "登录" not in english.replace('lang="zh"', "")


def test_the_switch_turns_the_pages_english_and_back(client, world):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Password" in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"lang": "zh", "next": "/login"})
    assert "密码" in client.get("/login").get_data(as_text=True)


def test_the_choice_is_remembered_with_the_account_on_another_browser(app, client, session, world):
    _log_in(client, "producer")
    client.post("/language", data={"lang": "en", "next": "/"})
    other = app.test_client()
    _log_in(other, "producer")
    assert "Log out" in other.get("/").get_data(as_text=True)
    assert session.scalars(select(User.locale).where(User.username == "producer")).one() == "en"


def test_an_unknown_language_changes_nothing(client, world):
    client.post("/language", data={"lang": "fr", "next": "/login"})
    assert "密码" in client.get("/login").get_data(as_text=True)


def test_the_switch_never_sends_the_user_to_another_site(client, world):
    response = client.post("/language", data={"lang": "en", "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_a_refusal_reads_in_english_when_the_page_is_english(api, session, world, batch):
    manifest = api.issue(world, batch, "100").json
    response = api.client.post(f"/api/v1/manifests/{manifest['id']}/events",
                               json={"type": "deliver", "idempotency_key": "english-refusal"},
                               headers={**api._headers("driver"), "Accept-Language": "en"})
    assert response.status_code == 409, response.json
    assert response.json["error"]["message"] == "The manifest is “Issued”; “Delivery” is not possible now"
