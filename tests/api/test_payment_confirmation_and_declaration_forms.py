"""Two-sided payments (the payer records, the payee confirms, once) and declaration forms prefilled from the
ledger with the HJ 1259 tier and the due dates; the manifest's certificate PDF through the API."""
from datetime import timedelta
from decimal import Decimal

from tests.factories import NOW, assert_refused, make_batch
from wastechain.domain.timeutil import local_date
from wastechain.models import Payment


def _payment(api, world, session) -> dict:
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    manifest = api.issue(world, batch, "100").json
    body = {"manifest_id": manifest["id"], "payee_id": world.receiver.id, "amount": Decimal("300.50"),
            "paid_at": NOW.isoformat()}
    response = api.post("/payments", body, as_="producer")
    assert response.status_code == 201 and response.json["confirmed"] is False
    return response.json


def test_the_receiver_confirms_a_payment_once_and_the_payer_sees_it(api, world, session):
    payment = _payment(api, world, session)
    assert [p["id"] for p in api.get("/payments?unconfirmed=true", as_="receiver").json["items"]] == [payment["id"]]
    confirmed = api.post(f"/payments/{payment['id']}/confirm", as_="receiver")
    assert confirmed.status_code == 200 and confirmed.json["confirmed"] and confirmed.json["confirmed_at"]
    seen = api.get("/payments", as_="producer").json["items"][0]
    assert seen["confirmed"] is True
    assert api.get("/payments?unconfirmed=true", as_="receiver").json["items"] == []
    again = assert_refused(api.post(f"/payments/{payment['id']}/confirm", as_="receiver"), 409, "ALREADY_CONFIRMED")
    assert again["details"]["payment_id"] == payment["id"]


def test_only_the_payee_confirms(api, world, session):
    payment = _payment(api, world, session)
    assert_refused(api.post(f"/payments/{payment['id']}/confirm", as_="producer"), 403, "FORBIDDEN")
    assert_refused(api.post(f"/payments/{payment['id']}/confirm", as_="far_receiver"), 404, "NOT_FOUND")
    assert session.get(Payment, payment["id"]).confirmed_at is None


def test_the_declaration_forms_are_prefilled_from_the_ledger_with_tier_and_due_dates(api, world, session):
    today = local_date(NOW)
    make_batch(session, world.producer, world.producer_site, kg="12000", generated_at=NOW - timedelta(hours=1))
    session.commit()
    forms = api.get(f"/declarations/forms?year={today.year}", as_="producer").json
    assert forms["annual"]["period"] == str(today.year)
    assert forms["annual"]["generated_kg"] == Decimal("12000") and forms["annual"]["stored_kg"] == Decimal("12000")
    assert forms["annual"]["due"] == f"{today.year + 1}-03-31" and forms["annual"]["required"] is True
    assert forms["annual"]["lines"][0]["waste_code"] == "900-041-49"
    assert forms["tier"]["key"] in {"key", "simplified", "registered"}
    month = f"{today.year:04d}-{today.month:02d}"
    monthly = api.get(f"/declarations/forms?month={month}", as_="producer").json["monthly"]
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert monthly["period"] == month and monthly["due"] == f"{next_month:%Y-%m}-15"
    assert monthly["generated_kg"] == Decimal("0")  # hazardous waste is not bulk industrial solid waste
    assert_refused(api.get("/declarations/forms", as_="driver"), 403, "FORBIDDEN")


def test_the_api_gives_the_manifest_certificate(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    manifest = api.issue(world, batch, "100").json
    response = api.get(f"/manifests/{manifest['id']}/certificate.pdf", as_="producer")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert_refused(api.get(f"/manifests/{manifest['id']}/certificate.pdf", as_="far_receiver"), 404, "NOT_FOUND")
