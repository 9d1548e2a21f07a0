"""The regulators' search (查询), roadside check (路检), batch trace (跟踪) and enterprise files (企业档案), each inside
the regulator's jurisdiction; the enterprise's own credit record and its answers."""
import html
from datetime import timedelta

from sqlalchemy import select

from tests.factories import KECHENG, NOW, make_anomaly, make_batch, make_org, row_count
from tests.web.helpers import forged, issue, login, refused_page, token_of
from wastechain.domain.timeutil import local_date
from wastechain.models import Container, CreditEvent, CreditReply
from wastechain.services import credit


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _search(client, q: str, **args):
    return client.get("/oversight/", query_string={"q": q, **args})


def test_a_manifest_is_found_by_its_number_and_by_its_start(api, client, session, world):
    manifest = issue(api, session, world)
    login(client, "kecheng_regulator")
    for q in (manifest["number"], manifest["number"][:10], " " + manifest["number"].lower() + " "):
        page = _text(_search(client, q))
        assert f'/oversight/manifests/{manifest["id"]}' in page and 'id="found-manifest"' in page


def test_the_next_countys_regulator_finds_nothing_of_it(api, client, session, world):
    manifest = issue(api, session, world)
    login(client, "jiangshan_regulator")
    page = _text(_search(client, manifest["number"]))
    assert 'id="nothing"' in page and f'/oversight/manifests/{manifest["id"]}' not in page
    assert "衢州示范化工有限公司" not in _text(_search(client, "衢州示范化工"))
    refused_page(client.get(f"/oversight/manifests/{manifest['id']}"), 404)
    scanned = client.get(f"/s/{token_of(manifest)}")  # its QR shows the public minimum, no parties, no redirect
    assert scanned.status_code == 200 and "衢州示范化工有限公司" not in _text(scanned)


def test_the_city_regulator_finds_both_counties_enterprises(client, session, world):
    login(client, "city_regulator")
    page = _text(_search(client, "衢州"))
    for org in (world.producer, world.receiver):
        assert f"/oversight/enterprises/{org.id}" in page
    assert f"/oversight/enterprises/{world.far_receiver.id}" not in _text(_search(client, "杭州"))


def test_a_party_outside_the_county_is_named_but_not_linked(api, client, session, world):
    manifest = issue(api, session, world)
    login(client, "kecheng_regulator")
    page = _text(client.get(f"/oversight/manifests/{manifest['id']}"))
    assert "衢州危废处置中心" in page and f"/oversight/enterprises/{world.receiver.id}" not in page
    assert f"/oversight/enterprises/{world.producer.id}" in page


def test_enterprises_are_found_by_name_and_by_credit_code(client, session, world):
    login(client, "kecheng_regulator")
    by_name = _text(_search(client, "示范化工"))
    by_code = _text(_search(client, world.producer.credit_code))
    for page in (by_name, by_code):
        assert f"/oversight/enterprises/{world.producer.id}" in page and 'id="found-enterprise"' in page
    assert f"/oversight/enterprises/{world.other_producer.id}" not in _text(_search(client, "制造厂"))


def test_batches_and_containers_are_found_by_their_codes(client, session, world):
    batch = make_batch(session, world.producer, world.producer_site)
    drum = Container(code="KC-DRUM-0001", kind="drum", organization_id=world.producer.id,
                     site_id=world.producer_site.id, batch_id=batch.id, status="open")
    session.add(drum)
    session.commit()
    login(client, "kecheng_regulator")
    page = _text(_search(client, batch.unit_code))
    assert f"/oversight/batches/{batch.id}/trace" in page
    page = _text(_search(client, "kc-drum"))
    assert 'id="found-container"' in page and "KC-DRUM-0001" in page
    login(client, "jiangshan_regulator")
    assert "KC-DRUM-0001" not in _text(_search(client, "KC-DRUM"))


def test_each_kind_pages_on_its_own(client, session, world):
    for n in range(12):
        make_org(session, name=f"分页测试企业{n:02d}", roles=["producer"], region=KECHENG)
    session.commit()
    login(client, "kecheng_regulator")
    first = _text(_search(client, "分页测试企业"))
    assert "共 12 条" in first and first.count("分页测试企业") == 10 + 1  # ten rows and the search box's value
    second = _text(_search(client, "分页测试企业", kind="enterprise", page=2))
    assert "分页测试企业10" in second and "分页测试企业11" in second and "分页测试企业00" not in second


def test_the_regulators_phone_opens_a_scanned_manifest_in_full(api, client, session, world):
    manifest = issue(api, session, world)
    assert api.step(manifest["id"], "pickup", as_="driver", lat=28.9701, lon=118.8702).status_code == 201
    login(client, "kecheng_regulator")
    scanned = client.get(f"/s/{token_of(manifest)}")
    assert scanned.status_code == 302 and scanned.headers["Location"].endswith(f"/oversight/manifests/{manifest['id']}")
    page = _text(client.get(scanned.headers["Location"]))
    assert manifest["number"] in page and "衢州安运物流" in page and "衢州危废处置中心" in page
    assert 'id="gps"' in page and "28.97010" in page and "118.87020" in page
    assert 'data-type="pickup"' in page and "T" not in page.split('id="timeline-card"')[1].split("</section>")[0]
    assert "来源合计 100 kg" in page


def test_a_pasted_qr_url_opens_the_manifest_and_a_forged_one_is_refused(api, client, session, world):
    manifest = issue(api, session, world)
    login(client, "city_regulator")
    opened = _search(client, manifest["qr_url"])
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/oversight/manifests/{manifest['id']}")
    refused = _text(_search(client, "http://testserver/s/" + forged()))
    assert 'id="search-error"' in refused and "二维码" in refused


def test_a_batch_trace_adds_up_to_the_gram(api, client, session, world):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000.5")
    session.commit()
    mid = api.issue(world, batch, "300.25").json["id"]
    api.step(mid, "pickup", as_="driver")
    api.step(mid, "deliver", as_="driver")
    api.step(mid, "receive", as_="receiver", accepted_kg="300", rejected_kg="0.25", reason="包装破损")
    login(client, "kecheng_regulator")
    page = _text(client.get(f"/oversight/batches/{batch.id}/trace"))
    assert 'id="accounted-total">1000.5 kg' in page
    assert 'data-state="awaiting_disposal"><th>待利用处置</th><td>300 kg' in page
    login(client, "jiangshan_regulator")
    refused_page(client.get(f"/oversight/batches/{batch.id}/trace"), 404)


def test_an_enterprise_file_shows_its_sites_permits_and_lists(api, client, session, world):
    manifest = issue(api, session, world)
    make_anomaly(session, org=world.producer, day=local_date(NOW) - timedelta(days=1))
    login(client, "city_regulator")
    page = _text(client.get(f"/oversight/enterprises/{world.receiver.id}"))
    assert "危险废物经营许可证" in page and "已承诺 100 / 1000000 kg" in page and 'id="credit-score">100<' in page
    page = _text(client.get(f"/oversight/enterprises/{world.producer.id}"))
    ledger = page.split('class="list ledger-summary"')[1].split("</table>")[0]
    assert "<td>900-041-49</td>" in ledger and "<td>900</td></tr>" in ledger  # 1000 kg made, 100 kg shipped
    assert manifest["number"] in page
    assert 'data-section="manifests">1<' in page and 'data-section="anomalies">1<' in page
    anomalies = _text(client.get(f"/oversight/enterprises/{world.producer.id}?section=anomalies"))
    assert "运输超时" in anomalies


def test_a_county_regulator_cannot_open_the_next_countys_enterprise(client, session, world):
    login(client, "jiangshan_regulator")
    refused = client.get(f"/oversight/enterprises/{world.producer.id}")
    assert refused_page(refused, 404)
    assert "衢州示范化工" not in _text(refused) and world.producer.credit_code not in _text(refused)
    for section in ("manifests", "credit"):
        refused_page(client.get(f"/oversight/enterprises/{world.producer.id}?section={section}"), 404)
    login(client, "kecheng_regulator")
    assert client.get(f"/oversight/enterprises/{world.producer.id}").status_code == 200


def test_enterprises_and_drivers_cannot_use_the_oversight_pages(client, session, world):
    for username in ("producer", "driver"):
        login(client, username)
        refused_page(client.get("/oversight/?q=1"), 403)
        refused_page(client.get(f"/oversight/enterprises/{world.producer.id}"), 403)


def _deducted(session, world):
    make_anomaly(session, code="DECLARATION_MISSING", severity="medium", org=world.producer,
                 day=local_date(NOW) - timedelta(days=2))
    credit.refresh_credit(session, day=local_date(NOW) - timedelta(days=1), now=NOW)
    session.commit()
    event_id = session.scalars(select(CreditEvent.id)).one()
    session.commit()  # ends the reading transaction, so the app's requests can write
    return event_id


def test_the_enterprise_reads_its_credit_record_and_answers(client, session, world):
    event_id = _deducted(session, world)
    login(client, "producer")
    page = _text(client.get("/company/credit"))
    assert 'id="credit-score">95<' in page and "未按期申报" in page and "-5 分" in page
    assert "近 365 天未按期申报 1 次，每次 -5 分" in page
    answered = client.post(f"/company/credit/{event_id}/replies", data={"text": "已于次日补报"})
    assert answered.status_code == 302
    login(client, "kecheng_regulator")
    regulator_view = _text(client.get(f"/oversight/enterprises/{world.producer.id}?section=credit"))
    assert "已于次日补报" in regulator_view and 'id="credit-score">95<' in regulator_view


def test_an_empty_answer_is_refused_and_another_company_cannot_answer(client, session, world):
    event_id = _deducted(session, world)
    login(client, "producer")
    refused = client.post(f"/company/credit/{event_id}/replies", data={"text": "   "})
    assert refused.status_code == 422 and "说明不能为空" in _text(refused)
    login(client, "other_producer")
    refused_page(client.post(f"/company/credit/{event_id}/replies", data={"text": "不是我们的"}), 404)
    assert row_count(session, CreditReply) == 0
    assert f'id="credit-{event_id}"' not in _text(client.get("/company/credit"))


def test_the_oversight_pages_read_in_english(api, client, session, world):
    from tests.web.test_pages_in_english import EN, assert_english

    manifest = issue(api, session, world)
    _deducted(session, world)
    login(client, "city_regulator")
    trace = f"/oversight/batches/{manifest['lines'][0]['batch_id']}/trace"
    for path, expected in ((f"/oversight/?q={manifest['number']}", "Manifest"),
                           (f"/oversight/manifests/{manifest['id']}", "Timeline (China time)"),
                           (trace, "Where every kilogram went"),
                           (f"/oversight/enterprises/{world.producer.id}?section=credit", "Declarations missing")):
        assert_english(client.get(path, headers=EN).get_data(as_text=True), session, expected)
    login(client, "producer")
    assert_english(client.get("/company/credit", headers=EN).get_data(as_text=True), session, "Our credit record")
