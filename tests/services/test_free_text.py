"""The services the pages call apply the API's text rule: a control character or a lone surrogate is refused."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import NOW, make_anomaly, make_batch, user_named
from wastechain.domain.errors import ValidationFailed
from wastechain.models import AnomalyNote, Manifest, ManifestEvent, Payment
from wastechain.services.anomalies import lifecycle, payments
from wastechain.services.manifests import LineRequest, StepRequest, issue_manifest, record_step


@pytest.fixture
def manifest(session, world) -> Manifest:
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    return issue_manifest(session, actor=user_named(session, "producer"), lines=[LineRequest(batch.id, Decimal("10"))],
                          receiver_site_id=world.receiver_site.id, transporter_id=world.transporter.id,
                          planned_pickup_at=NOW + timedelta(hours=1), now=NOW)


def _events(session, manifest_id: int) -> int:
    count = session.scalar(select(func.count()).select_from(ManifestEvent).where(ManifestEvent.manifest_id == manifest_id))
    session.commit()
    return count


@pytest.mark.parametrize("reason", ["破损\x00", "破损\x1b", "\ud800"])
def test_a_step_reason_from_a_form_with_unstorable_characters_is_refused(session, manifest, reason):
    manifest_id, before = manifest.id, _events(session, manifest.id)
    with pytest.raises(ValidationFailed):
        record_step(session, actor=user_named(session, "producer"), manifest_id=manifest_id,
                    request=StepRequest(type="cancel", idempotency_key="cancel-form-1", reason=reason), now=NOW)
    assert _events(session, manifest_id) == before
    assert session.get(Manifest, manifest_id).status == "issued"


def test_a_step_reason_from_a_form_is_trimmed_and_keeps_its_line_breaks(session, manifest):
    result = record_step(session, actor=user_named(session, "producer"), manifest_id=manifest.id,
                         request=StepRequest(type="cancel", idempotency_key="cancel-form-2", reason=" 重复开具\r\n见备注 "),
                         now=NOW)
    assert result.event.reason == "重复开具\n见备注"


def test_an_anomaly_note_from_a_form_with_a_control_character_is_refused(session, world):
    anomaly = make_anomaly(session)
    session.commit()
    with pytest.raises(ValidationFailed):
        lifecycle.add_note(session, actor=user_named(session, "kecheng_regulator"), anomaly_id=anomaly.id,
                           note="已核实\x08", now=NOW)
    assert session.scalar(select(func.count()).select_from(AnomalyNote)) == 0


def test_a_payment_reference_with_a_lone_surrogate_is_refused(session, world, manifest):
    with pytest.raises(ValidationFailed):
        payments.record_payment(session, actor=user_named(session, "producer"), manifest_id=manifest.id,
                                payee_id=world.receiver.id, amount=Decimal("10.00"), paid_at=NOW,
                                reference="\udc00", now=NOW)
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
