"""The receiver's pages: deliveries waiting, the weigh-in with a refusal's reason, the disposal closing the loop."""
from tests.factories import manifest_state
from tests.web.helpers import events, issue, login, refused_page


def _delivered(api, session, world) -> dict:
    manifest = issue(api, session, world, "100")
    api.step(manifest["id"], "pickup", as_="driver")
    api.step(manifest["id"], "deliver", as_="driver")
    return manifest


def test_the_receiver_weighs_in_and_disposes_until_the_manifest_closes(client, api, session, world):
    manifest = _delivered(api, session, world)
    login(client, "receiver")
    assert manifest["number"] in client.get("/receiver/").get_data(as_text=True)
    base = f"/receiver/manifests/{manifest['id']}"
    refused = client.post(f"{base}/receive", data={"quantity_kg": "100", "accepted_kg": "90", "rejected_kg": "10",
                                                   "idempotency_key": "web-receive-1"}, follow_redirects=True)
    assert "拒收部分必须说明原因" in refused.get_data(as_text=True)
    assert events(api, manifest["id"], "receive") == []
    # weighed light and nothing refused (a refused part keeps the manifest open: tests/web/test_return_trip_pages.py)
    client.post(f"{base}/receive", data={"quantity_kg": "90", "accepted_kg": "90", "idempotency_key": "web-receive-2"})
    client.post(f"{base}/dispose", data={"method": "D10", "quantity_kg": "40", "idempotency_key": "web-dispose-1"})
    page = client.post(f"{base}/dispose", data={"method": "R4", "quantity_kg": "50", "idempotency_key": "web-dispose-2"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已闭环" in page
    assert api.get(f"/manifests/{manifest['id']}", as_="receiver").json["status"] == "closed"


def test_a_resubmitted_weigh_in_form_records_once(client, api, session, world):
    manifest = _delivered(api, session, world)
    login(client, "receiver")
    form = {"quantity_kg": "100", "accepted_kg": "100", "idempotency_key": "web-receive-same"}
    client.post(f"/receiver/manifests/{manifest['id']}/receive", data=form)
    client.post(f"/receiver/manifests/{manifest['id']}/receive", data=form)
    assert len(events(api, manifest["id"], "receive")) == 1


def test_other_roles_do_not_get_the_receiver_pages(client, api, session, world):
    manifest = _delivered(api, session, world)
    login(client, "driver")
    assert refused_page(client.get("/receiver/"), 403) == "当前角色（驾驶员）不能使用此页面"
    client.post("/logout")
    login(client, "far_receiver")
    assert refused_page(client.get(f"/receiver/manifests/{manifest['id']}"), 404) == \
        f"联单 {manifest['id']} 不存在或无权查看"
    refused = client.post(f"/receiver/manifests/{manifest['id']}/receive",
                          data={"quantity_kg": "100", "accepted_kg": "100", "idempotency_key": "web-receive-far"},
                          follow_redirects=True)
    assert refused_page(refused, 404) == f"联单 {manifest['id']} 不存在或无权查看"
    assert manifest_state(api, manifest["id"]) == ("delivered", 3)
