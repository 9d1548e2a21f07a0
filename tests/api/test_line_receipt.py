"""Receipt line by line (issue 10 item 1): accepted and refused kg per manifest line, a reason per refused line,
the treatment method chosen at receipt; a body without lines keeps the receipt for the manifest as a whole."""
from decimal import Decimal

import pytest

from tests.factories import assert_refused, lines_body, make_batch, manifest_state, run_checks

D = Decimal


@pytest.fixture
def two_lines(api, world, session):
    return _two_lines(api, world, session)


def _two_lines(api, world, session):
    """A delivered manifest: 60 kg of 900-041-49 (line A) and 40 kg of 900-249-08 (line B)."""
    a = make_batch(session, world.producer, world.producer_site, kg="100")
    b = make_batch(session, world.producer, world.producer_site, code="900-249-08", kg="100")
    session.commit()
    issued = api.post("/manifests", lines_body(world, [(a.id, "60"), (b.id, "40")], world.receiver_site),
                      as_="producer")
    assert issued.status_code == 201, issued.json
    mid = issued.json["id"]
    assert api.step(mid, "pickup", as_="driver").status_code == 201
    assert api.step(mid, "deliver", as_="driver").status_code == 201
    line_a, line_b = (line["id"] for line in issued.json["lines"])
    return {"id": mid, "a": line_a, "b": line_b, "batch_a": a, "batch_b": b}


def _lines(m, a=None, b=None):
    return [{"line_id": m["a"], "accepted_kg": 60, "rejected_kg": 0, "method": "D10", **(a or {})},
            {"line_id": m["b"], "accepted_kg": 0, "rejected_kg": 40, "reason": "包装破损渗漏", **(b or {})}]


def test_the_receiver_accepts_one_line_and_refuses_the_other_with_its_reason(api, two_lines):
    response = api.step(two_lines["id"], "receive", as_="receiver", lines=_lines(two_lines))
    assert response.status_code == 201, response.json
    event = response.json
    assert (event["status"], event["accepted_kg"], event["rejected_kg"]) == ("received", D("60"), D("40"))
    assert event["reason"] == "包装破损渗漏"
    assert [line["line_id"] for line in event["data"]["lines"]] == [two_lines["a"], two_lines["b"]]
    lines = {line["id"]: line for line in api.get(f"/manifests/{two_lines['id']}", as_="producer").json["lines"]}
    assert (lines[two_lines["a"]]["accepted_kg"], lines[two_lines["a"]]["method"]) == (D("60"), "D10")
    assert (lines[two_lines["b"]]["rejected_kg"], lines[two_lines["b"]]["refusal_reason"]) == (D("40"), "包装破损渗漏")


def test_the_refused_line_is_not_split_over_the_accepted_one(api, two_lines):
    api.step(two_lines["id"], "receive", as_="receiver", lines=_lines(two_lines))
    trace_a = api.get(f"/batches/{two_lines['batch_a'].id}/trace", as_="producer").json
    trace_b = api.get(f"/batches/{two_lines['batch_b'].id}/trace", as_="producer").json
    assert trace_a["manifests"][0]["rejected_kg"] == D("0") and trace_a["manifests"][0]["accepted_kg"] == D("60")
    assert trace_b["manifests"][0]["rejected_kg"] == D("40") and trace_b["manifests"][0]["accepted_kg"] == D("0")
    for trace in (trace_a, trace_b):
        assert sum(trace["accounted_kg"].values()) == trace["quantity_kg"]


def test_a_receipt_without_lines_still_covers_the_manifest_as_a_whole(api, two_lines):
    response = api.step(two_lines["id"], "receive", as_="receiver", accepted_kg=D("100"))
    assert response.status_code == 201 and response.json["status"] == "received"
    lines = api.get(f"/manifests/{two_lines['id']}", as_="producer").json["lines"]
    assert all(line["accepted_kg"] is None for line in lines)


@pytest.mark.parametrize("lines, field", [
    (lambda m: _lines(m, b={"reason": None}), "lines.1.reason"),  # a refused line without a reason
    (lambda m: _lines(m)[:1], "lines"),  # a line left out
    (lambda m: _lines(m, b={"line_id": m["a"]}), "lines"),  # the same line twice
])
def test_an_incomplete_line_receipt_is_refused_and_changes_nothing(api, two_lines, lines, field):
    before = manifest_state(api, two_lines["id"])
    error = assert_refused(api.step(two_lines["id"], "receive", as_="receiver", lines=lines(two_lines)), 422,
                           "VALIDATION_ERROR")
    assert field in error["details"]
    assert manifest_state(api, two_lines["id"]) == before == ("delivered", 3)


def test_totals_that_disagree_with_the_lines_are_refused(api, two_lines):
    response = api.step(two_lines["id"], "receive", as_="receiver", lines=_lines(two_lines), accepted_kg=D("70"))
    assert "accepted_kg" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert manifest_state(api, two_lines["id"]) == ("delivered", 3)


def test_a_method_the_receivers_permit_does_not_allow_is_refused(api, two_lines):
    response = api.step(two_lines["id"], "receive", as_="receiver", lines=_lines(two_lines, a={"method": "R9"}))
    assert assert_refused(response, 422, "PERMIT_INVALID")["details"]["method"] == "R9"
    assert manifest_state(api, two_lines["id"]) == ("delivered", 3)


def test_lines_belong_to_the_receipt_only(api, world, batch):
    mid = api.issue(world, batch, "100").json["id"]
    response = api.step(mid, "pickup", as_="driver", lines=[{"line_id": 1, "accepted_kg": 1}])
    assert_refused(response, 422, "VALIDATION_ERROR")
    assert manifest_state(api, mid) == ("issued", 1)


# ---------------------------------------------------------------- REFUSED: told to everyone concerned

def _refused(api, manifest_id, as_):
    return [a for a in api.get("/anomalies?code=REFUSED", as_=as_).json["items"] if a["manifest_id"] == manifest_id]


def test_a_refused_line_raises_refused_at_run_time_for_the_producer_the_carrier_and_both_counties(app, api,
                                                                                                two_lines):
    api.step(two_lines["id"], "receive", as_="receiver", lines=_lines(two_lines))
    assert run_checks(app) == 3  # pickup, delivery and the receipt
    for user in ("producer", "transporter", "receiver", "kecheng_regulator", "city_regulator"):
        found = _refused(api, two_lines["id"], user)
        assert len(found) == 1, user
    anomaly = _refused(api, two_lines["id"], "kecheng_regulator")[0]
    # the producer's county (柯城) and the receiver's (衢江): both bureaus have it in their jurisdiction's list
    assert (anomaly["region_code"], anomaly["related_region_code"]) == ("330802", "330803")
    assert anomaly["evidence"]["rejected_kg"] == "40.000"
    assert _refused(api, two_lines["id"], "jiangshan_regulator") == []
    assert [(l["waste_code"], l["reason"]) for l in anomaly["evidence"]["lines"]] == [("900-249-08", "包装破损渗漏")]
    assert "第十八条" in anomaly["evidence"]["rule"]


def test_a_line_weighed_far_off_its_quantity_raises_refused_though_nothing_was_refused(app, api, two_lines):
    lines = _lines(two_lines, b={"accepted_kg": 30, "rejected_kg": 0, "reason": None})  # 30 of 40 kg: -25 %
    assert api.step(two_lines["id"], "receive", as_="receiver", lines=lines).status_code == 201
    run_checks(app)
    anomaly = _refused(api, two_lines["id"], "producer")[0]
    assert anomaly["severity"] == "medium" and anomaly["evidence"]["lines"][0]["accepted_kg"] == "30.000"


def test_a_receipt_that_takes_everything_raises_no_refused(app, api, two_lines):
    lines = _lines(two_lines, b={"accepted_kg": 40, "rejected_kg": 0, "reason": None})
    api.step(two_lines["id"], "receive", as_="receiver", lines=lines)
    run_checks(app)
    assert _refused(api, two_lines["id"], "producer") == []


# ---------------------------------------------------------------- cost: a receipt line by line stays lean

def test_a_receipt_line_by_line_costs_one_statement_more_than_a_receipt_as_a_whole(app, api, world, session,
                                                                                    two_lines):
    from tests.api.test_step_path import counted

    other = _two_lines(api, world, session)
    api.token("receiver")  # logged in before counting
    with counted(app) as whole:
        assert api.step(other["id"], "receive", as_="receiver", accepted_kg=100).status_code == 201
    lines = _lines(two_lines, b={"accepted_kg": 40, "rejected_kg": 0, "reason": None})
    with counted(app) as by_line:
        response = api.step(two_lines["id"], "receive", as_="receiver", lines=lines)
    assert response.status_code == 201, response.json
    # the lines' figures: one UPDATE of all the lines at once, whatever their number
    assert len(by_line["statements"]) == len(whole["statements"]) + 1, \
        "\n".join(s[:150] for s in by_line["statements"])
    assert by_line["transactions"] == whole["transactions"] == 1
