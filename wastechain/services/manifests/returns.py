"""The producer's two clicks for refused waste (issue 10 item 2): what of a manifest is still in the carrier's
custody, issuing the return manifest that takes all of it back, and taking a return trip's load back into stock.
Redirects to another receiver are issued like any manifest (POST /manifests with the refused batches)."""
from datetime import datetime

from sqlalchemy import select

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.states import Step
from wastechain.domain.text import N_
from wastechain.models import Batch, Manifest, User
from wastechain.services.manifests.events import StepRequest
from wastechain.services.manifests.issue import LineRequest, issue_manifest
from wastechain.services.manifests.reading import get_manifest
from wastechain.services.manifests.steps import StepResult, record_step


def refused_in_custody(session, *, actor: User, manifest: Manifest) -> list[Batch]:
    """The refused waste of this manifest still in the carrier's custody, as its issuer sees it."""
    return list(session.scalars(select(Batch).where(Batch.refused_from_id == manifest.id, Batch.remaining_kg > 0,
                                                    Batch.organization_id == actor.organization_id)
                                .order_by(Batch.id)))


def issue_return_trip(session, *, actor: User, manifest_id: int, now: datetime) -> Manifest:
    """A return manifest for all the refused waste of a manifest: from where it stands back to the original site,
    with the carrier (vehicle and driver) that holds it; the same rules as any manifest."""
    original = get_manifest(session, actor=actor, manifest_id=manifest_id)
    custody = refused_in_custody(session, actor=actor, manifest=original)
    if not custody:
        raise ValidationFailed(N_("联单 {number} 没有待运离的拒收废物"), params={"number": original.number},
                               details={"manifest_id": manifest_id})
    return issue_manifest(session, actor=actor, lines=[LineRequest(b.id, b.remaining_kg) for b in custody],
                          receiver_site_id=original.origin_site_id, transporter_id=original.transporter_id,
                          vehicle_id=original.vehicle_id, driver_id=original.driver_id, planned_pickup_at=now,
                          now=now)


def take_back(session, *, actor: User, manifest_id: int, idempotency_key: str, now: datetime,
              quantity_kg=None) -> StepResult:
    """The issuer receives its own waste back from a return trip: all of it, into its stock (the receive step)."""
    found = get_manifest(session, actor=actor, manifest_id=manifest_id)
    weighed = quantity_kg if quantity_kg is not None else found.total_kg
    return record_step(session, actor=actor, manifest_id=found.id, now=now, request=StepRequest(
        type=Step.RECEIVE.value, idempotency_key=idempotency_key, quantity_kg=weighed, accepted_kg=weighed))
