"""The login page: it follows a same-site `next` and never redirects to another host."""
import pytest

from tests.factories import PASSWORD


@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example", "/\t/evil.example", "/%5Cevil.example",
                                    "\\\\evil.example", "https://evil.example/", "//evil.example"])
def test_login_never_redirects_to_another_host(world, client, target):
    response = client.post("/login", data={"username": "producer", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    # browsers read a backslash as a slash: "/\\evil.example" is "//evil.example", another host
    assert location.startswith("/") and not location.replace("\\", "/").startswith("//"), location
    assert "evil.example" not in location or location.startswith("/%5C"), location


def test_login_still_follows_a_same_site_next(world, client):
    response = client.post("/login", data={"username": "producer", "password": PASSWORD, "next": "/producer?x=1"})
    assert response.headers["Location"] == "/producer?x=1"
