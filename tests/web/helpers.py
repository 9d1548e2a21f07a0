"""Shared steps of the page tests: log in through the form, issue a manifest, get the producer's handover code."""
import html
import re
from datetime import timedelta

from tests.factories import NOW, PASSWORD, make_batch
from wastechain.domain.qrtoken import make_token

SECRET = "test-secret"


def login(client, username: str):
    response = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def issue(api, session, world, kg: str = "100", **extra) -> dict:
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    response = api.issue(world, batch, kg, **extra)
    assert response.status_code == 201, response.json
    return response.json


def token_of(manifest: dict) -> str:
    return manifest["qr_url"].rsplit("/", 1)[1]


def handover_code(client, manifest_id: int) -> str:
    """Logs in as the producer and generates the code the gate staff would read out."""
    login(client, "producer")
    page = client.post(f"/producer/manifests/{manifest_id}/handover-code").get_data(as_text=True)
    client.post("/logout")
    return re.search(r'id="handover-code"[^>]*>(\d{6})<', page).group(1)


def forged(kind: str = "manifest", subject_id: int = 1) -> str:
    return make_token("not-our-secret", kind, subject_id)


def events(api, manifest_id: int, type_: str | None = None) -> list[dict]:
    found = api.get(f"/manifests/{manifest_id}", as_="city_regulator").json["events"]
    return [e for e in found if type_ is None or e["type"] == type_]


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def refused_page(response, status: int) -> str:
    """The error page with this status; returns the readable message it shows the user."""
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:500]
    assert f"出错了（{status}）" in page, page[:500]
    return html.unescape(re.search(r'<p class="message">(.*?)</p>', page, re.S).group(1))


__all__ = ["NOW", "SECRET", "events", "forged", "handover_code", "hours", "issue", "login", "refused_page", "token_of"]
