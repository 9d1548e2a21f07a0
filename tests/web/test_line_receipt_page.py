"""The receiver's weigh-in line by line (issue 10 item 1): one box per line; a refusal keeps what was typed."""
from decimal import Decimal

from tests.factories import lines_body, make_batch, manifest_state
from tests.web.helpers import login

D = Decimal


def _delivered(api, session, world) -> tuple[int, list[int]]:
    a = make_batch(session, world.producer, world.producer_site, kg="100")
    b = make_batch(session, world.producer, world.producer_site, code="900-249-08", kg="100")
    session.commit()
    issued = api.post("/manifests", lines_body(world, [(a.id, "60"), (b.id, "40")], world.receiver_site),
                      as_="producer").json
    api.step(issued["id"], "pickup", as_="driver")
    api.step(issued["id"], "deliver", as_="driver")
    return issued["id"], [line["id"] for line in issued["lines"]]


def _form(lines, key, **fields):
    a, b = lines
    form = {"line_id": [str(a), str(b)], "idempotency_key": key, f"accepted_kg-{a}": "60", f"rejected_kg-{a}": "0",
            f"method-{a}": "D10", f"accepted_kg-{b}": "0", f"rejected_kg-{b}": "40", f"reason-{b}": "桶体破损"}
    form.update(fields)
    return form


def test_the_weigh_in_form_has_a_box_per_line_with_its_quantity(client, api, session, world):
    mid, lines = _delivered(api, session, world)
    login(client, "receiver")
    page = client.get(f"/receiver/manifests/{mid}").get_data(as_text=True)
    for line in lines:
        assert f'id="line-{line}"' in page and f'name="rejected_kg-{line}"' in page
    assert 'value="60"' in page and 'value="40"' in page and "D10 焚烧" in page


def test_the_receiver_refuses_one_line_and_the_page_shows_each_lines_figures(client, api, session, world):
    mid, lines = _delivered(api, session, world)
    login(client, "receiver")
    page = client.post(f"/receiver/manifests/{mid}/receive", data=_form(lines, "web-lines-1"),
                       follow_redirects=True).get_data(as_text=True)
    assert "已接收" in page and "40 kg · 桶体破损" in page
    detail = api.get(f"/manifests/{mid}", as_="producer").json
    assert (detail["accepted_kg"], detail["rejected_kg"]) == (D("60"), D("40"))
    assert [line["method"] for line in detail["lines"]] == ["D10", None]


def test_a_refused_line_without_reason_shows_the_form_again_with_what_was_typed(client, api, session, world):
    mid, lines = _delivered(api, session, world)
    login(client, "receiver")
    response = client.post(f"/receiver/manifests/{mid}/receive",
                           data=_form(lines, "web-lines-2", **{f"reason-{lines[1]}": "", f"rejected_kg-{lines[1]}": "39",
                                                               f"accepted_kg-{lines[1]}": "1"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "拒收部分必须说明原因" in page
    assert 'name="rejected_kg-%d" inputmode="decimal" value="39"' % lines[1] in page
    assert manifest_state(api, mid) == ("delivered", 3)


def test_a_bad_number_on_a_line_is_refused_in_words_and_changes_nothing(client, api, session, world):
    mid, lines = _delivered(api, session, world)
    login(client, "receiver")
    response = client.post(f"/receiver/manifests/{mid}/receive",
                           data=_form(lines, "web-lines-3", **{f"accepted_kg-{lines[0]}": "六十"}))
    assert response.status_code == 422 and "accepted_kg" not in response.get_data(as_text=True).split("<form")[0]
    assert manifest_state(api, mid) == ("delivered", 3)
