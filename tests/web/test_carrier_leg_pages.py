"""联运 on the pages: the producer adds a second carrier when issuing; every party's manifest page lists the legs."""
import html

from tests.factories import make_org, make_rival_transporter, make_user, row_count
from tests.web.helpers import login
from wastechain.models import Manifest


def _form(world, batch, carrier, action="issue", **extra):
    return {"batch_id": str(batch.id), f"qty_{batch.id}": "100", "planned_at": "2030-06-01T09:00",
            "receiver_site_id": str(world.receiver_site.id), "transporter_id": str(world.transporter.id),
            "leg_transporter_id": str(carrier.id), "leg_handover_point": "龙游服务区", "action": action, **extra}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_producer_issues_a_manifest_with_a_second_carrier_and_every_party_sees_the_legs(client, world, batch,
                                                                                        session):
    rival = make_rival_transporter(session)
    make_user(session, username="rival_office", role="transporter", org=rival)
    session.commit()
    login(client, "producer")
    issued = client.post("/producer/manifests/new", data=_form(world, batch, rival))
    assert issued.status_code == 302, _text(issued)[:2000]
    page = _text(client.get(issued.headers["Location"]))
    assert "联运区段" in page and "另一家运输公司" in page and "龙游服务区" in page and "第 2 程" in page
    manifest_id = int(issued.headers["Location"].rstrip("/").split("/")[-1])
    for username, path in (("rival_office", f"/carrier/manifests/{manifest_id}"),
                           ("transporter", f"/carrier/manifests/{manifest_id}"),
                           ("city_regulator", f"/oversight/manifests/{manifest_id}")):
        client.get("/logout")
        login(client, username)
        shown = _text(client.get(path))
        assert "联运区段" in shown and "另一家运输公司" in shown and "衢州安运物流" in shown, (username, shown[:1500])


def test_a_second_carrier_without_a_permit_fails_the_dry_run_and_keeps_the_form(client, world, batch, session):
    unlicensed = make_org(session, name="无证运输队", roles=["transporter"])
    session.commit()
    login(client, "producer")
    response = client.post("/producer/manifests/new", data=_form(world, batch, unlicensed, action="check"))
    page = _text(response)
    assert 'data-ok="no"' in page and "无证运输队" in page and 'value="龙游服务区"' in page
    assert row_count(session, Manifest) == 0


def test_a_manifest_with_one_carrier_shows_no_legs(client, world, batch):
    login(client, "producer")
    data = _form(world, batch, world.transporter)
    data["leg_transporter_id"] = ""
    issued = client.post("/producer/manifests/new", data=data)
    assert issued.status_code == 302
    assert "联运区段" not in _text(client.get(issued.headers["Location"]))


def test_the_next_legs_driver_is_told_to_wait_for_the_hand_over(client, api, world, batch, session):
    from urllib.parse import urlparse

    rival = make_rival_transporter(session)
    manifest = api.issue(world, batch, "100", legs=[{"transporter_id": rival.id}]).json
    login(client, "rival_driver")
    page = _text(client.get(urlparse(manifest["qr_url"]).path))
    assert "您负责后续运输区段" in page and "确认提货" not in page and "确认送达" not in page
