"""Refused waste moving on (issue 10 item 2): return and redirect trips, and closing the manifest that refused it.

A receiver's refusal leaves the refused quantity in the carrier's custody as a batch of the issuer that names the
refusing manifest (`Batch.refused_from_id`, services/lineage/flows.py). It leaves only on a linked manifest issued
from those batches by the same carrier: back to the issuer's original site (a return trip: no receiver permit or
capacity needed, the range rule still holds) or to another receiver (a redirect: every rule of an ordinary manifest).
The refusing manifest closes only when all of its refused part has arrived on such a manifest (and its accepted part
is treated or stored): the onward receipt records the `close` step on it.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from wastechain.domain import rules
from wastechain.domain.errors import RuleViolation
from wastechain.domain.states import ManifestStatus, Step, transition_for
from wastechain.domain.text import N_
from wastechain.models import Batch, Manifest, ManifestLine, User
from wastechain.services.common import locked
from wastechain.services.manifests.events import append_event

PENDING = (ManifestStatus.ISSUED, ManifestStatus.IN_TRANSIT, ManifestStatus.DELIVERED)


@dataclass(frozen=True)
class OnwardTrip:
    """What a manifest issued from refused waste is: the manifests it carries refused waste of, and whether it
    goes back to their origin site."""

    originals: list[Manifest]
    returning: bool

    def custody_violation(self, transporter_id: int | None) -> RuleViolation | None:
        """Refused waste is in its carrier's custody: only that carrier takes it on."""
        holders = {m.transporter_id: m.transporter.name for m in self.originals}
        if transporter_id is None or set(holders) == {transporter_id}:
            return None
        return RuleViolation(N_("拒收的废物由原运输单位「{carrier}」保管，只能由其承运退运或改运联单"),
                             params={"carrier": "、".join(sorted(holders.values()))}, code="CUSTODY_VIOLATION",
                             details={"transporter_ids": sorted(holders)})


def trip_of(session, batches: dict[int, Batch], receiver_site_id: int) -> OnwardTrip | None:
    """The onward trip a manifest of these batches is, or None when none of them is refused waste."""
    refused = {b.refused_from_id for b in batches.values() if b.refused_from_id is not None}
    if not refused:
        return None
    originals = list(session.scalars(select(Manifest).where(Manifest.id.in_(refused)).order_by(Manifest.id)))
    returning = {m.origin_site_id for m in originals} == {receiver_site_id}
    return OnwardTrip(originals=originals, returning=returning)


def refused_part_arrived(session, manifest_id: int) -> bool:
    """None of the manifest's refused waste is still in custody or on an onward manifest not yet received."""
    in_custody = exists().where(Batch.refused_from_id == manifest_id, Batch.remaining_kg > 0)
    on_the_way = exists().where(ManifestLine.batch_id == Batch.id, Batch.refused_from_id == manifest_id,
                                ManifestLine.manifest_id == Manifest.id, Manifest.status.in_(PENDING))
    return not session.scalar(select(in_custody | on_the_way))


def _accepted_part_done(manifest: Manifest) -> bool:
    if manifest.status == ManifestStatus.REJECTED:
        return True
    site = manifest.receiver_site
    return manifest.disposed_kg == manifest.accepted_kg or rules.receives_into_stock(
        site.organization.roles, site.kind, return_trip=manifest.receiver_id == manifest.issuer_id)


def settle_originals(session, onward: Manifest, *, actor: User, now: datetime, occurred_at: datetime) -> list[int]:
    """After a receipt: each manifest whose refused waste this one carried closes once all of it has arrived and
    its accepted part is done. Returns the ids closed."""
    closed = []
    for original_id in sorted({line.batch.refused_from_id for line in onward.lines if line.batch.refused_from_id}):
        original = locked(session, select(Manifest).where(Manifest.id == original_id)).one()
        if original.status not in (ManifestStatus.RECEIVED, ManifestStatus.REJECTED):
            continue
        if not (_accepted_part_done(original) and refused_part_arrived(session, original.id)):
            continue
        transition_for(original.status, Step.CLOSE)
        original.status, original.status_changed_at = ManifestStatus.CLOSED.value, occurred_at
        append_event(session, original, step=Step.CLOSE, actor=actor, now=now, occurred_at=occurred_at,
                     idempotency_key=f"close-{original.id}", status_after=ManifestStatus.CLOSED,
                     data={"onward_manifest_id": onward.id, "onward_number": onward.number})
        closed.append(original.id)
    return closed
