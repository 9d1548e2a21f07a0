"""CORRECTION_PENDING: a correction (修订) still waiting for a party's approval after CORRECTION_PENDING_DAYS."""
from datetime import timedelta
from typing import Iterator

from sqlalchemy import select

from wastechain.domain.corrections import FIELDS, PARTY_NAMES, CorrectionStatus
from wastechain.models import Correction, CorrectionDecision
from wastechain.services.reconciliation.context import Candidate, Context

C = Correction.__table__
RESPONSIBLE = {"issuer": "issuer", "carrier": "transporter", "receiver": "receiver"}  # a party → its manifest column


def check_correction_pending(ctx: Context) -> Iterator[Candidate]:
    """Filed more than N days before the day's end and neither applied nor refused (nightly only)."""
    if not ctx.nightly:
        return
    days = ctx.thresholds.correction_pending_days
    query = (select(C.c.id, C.c.manifest_id, C.c.field, C.c.requested_at, C.c.required)
             .where(C.c.status == CorrectionStatus.PENDING, C.c.requested_at < ctx.end - timedelta(days=days)))
    rows = list(ctx.stream(query))  # few: corrections are rare, and pending ones rarer
    decided: dict[int, set] = {}
    for correction_id, party in ctx.session.execute(
            select(CorrectionDecision.correction_id, CorrectionDecision.party)
            .where(CorrectionDecision.correction_id.in_([row.id for row in rows]))):
        decided.setdefault(correction_id, set()).add(party)
    for row in rows:
        waiting = [party for party in row.required if party not in decided.get(row.id, set())]
        yield Candidate("CORRECTION_PENDING", f"correction:{row.id}", {
            "correction_id": row.id, "correction": FIELDS[row.field].name, "requested_at": row.requested_at,
            "waiting_for": "、".join(PARTY_NAMES[party] for party in waiting), "threshold_days": days},
            manifest_id=row.manifest_id,
            responsible=RESPONSIBLE.get(waiting[0], "issuer") if waiting else "issuer")
