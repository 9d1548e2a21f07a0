"""Storage (贮存): what each site holds, since when, against its time limits and capacity."""
from datetime import datetime

from sqlalchemy import select

from wastechain.domain.anomalies import Thresholds
from wastechain.domain.quantities import ZERO
from wastechain.domain.storage import storage_limit, storage_overdue
from wastechain.models import Batch, User, WasteCode
from wastechain.services import access
from wastechain.services.storage.ledger import stock_at


def site_storage(session, *, actor: User, site_id: int, now: datetime, thresholds: Thresholds) -> dict:
    """Batches in storage at a site with their time in storage and limit; stock against the site's capacity."""
    hazardous_days, medical_hours = thresholds.storage_limit_days_hazardous, thresholds.storage_limit_hours_medical
    site = access.visible_site(session, actor, site_id)
    rows = session.execute(select(Batch, WasteCode.stream).join(WasteCode, WasteCode.code == Batch.waste_code)
                           .where(Batch.site_id == site.id, Batch.remaining_kg > 0).order_by(Batch.generated_at)).all()
    batches = []
    for batch, stream in rows:
        limit = storage_limit(stream, hazardous_days=hazardous_days, medical_hours=medical_hours)
        batches.append({
            "batch_id": batch.id, "unit_code": batch.unit_code, "waste_code": batch.waste_code, "stream": stream,
            "remaining_kg": batch.remaining_kg, "stored_since": batch.generated_at,
            "hours_in_storage": round((now - batch.generated_at).total_seconds() / 3600, 1),
            "limit_hours": None if limit is None else int(limit.total_seconds() // 3600),
            "overdue": storage_overdue(batch.generated_at, now, limit)})
    stock = stock_at(session, site.id, now)
    total = sum(stock.values(), ZERO)
    return {"site_id": site.id, "site": site.name, "capacity_kg": site.capacity_kg, "stock_kg": total,
            "over_capacity": site.capacity_kg is not None and total > site.capacity_kg,
            "stock_by_waste_code": [{"waste_code": c, "quantity_kg": q} for c, q in sorted(stock.items()) if q],
            "batches": batches, "overdue_count": sum(1 for b in batches if b["overdue"])}

