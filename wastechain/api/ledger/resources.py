from datetime import datetime, time, timedelta

from flask import Response, current_app

from wastechain.api.common import Blueprint, current_user, login_required
from wastechain.api.ledger.schemas import LedgerArgs, LedgerOut, StockArgs, StockOut, StorageOut
from wastechain.db import request_session, utcnow
from wastechain.domain.anomalies import Thresholds
from wastechain.domain.quantities import ZERO
from wastechain.domain.timeutil import CHINA
from wastechain.services import ledger, storage

bp = Blueprint("ledger", __name__, description="贮存与管理台账")


@bp.get("/sites/<int:site_id>/ledger")
@bp.arguments(LedgerArgs, location="query")
@bp.response(200, LedgerOut)
@bp.alt_response(200, content_type="text/csv", description="format=csv")
@bp.alt_response(200, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 description="format=xlsx")
@login_required
def site_ledger(args, site_id):
    """The site's ledger (台账): opening, inflow, outflow, closing by waste code per day or month; JSON, CSV, XLSX."""
    data = ledger.site_ledger(request_session(), actor=current_user(), site_id=site_id, date_from=args["date_from"],
                              date_to=args["date_to"], period=args["period"])
    name = f"ledger-{site_id}-{args['date_from']}-{args['date_to']}"
    if args["format"] == "csv":
        return Response(ledger.ledger_csv(data), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if args["format"] == "xlsx":
        return Response(ledger.ledger_xlsx(data),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return data


@bp.get("/sites/<int:site_id>/stock")
@bp.arguments(StockArgs, location="query")
@bp.response(200, StockOut)
@login_required
def site_stock(args, site_id):
    """Stock by waste code at a site at the end of a day (or now)."""
    session = request_session()
    site = storage.visible_site(session, current_user(), site_id)
    at = utcnow() if args["at"] is None else datetime.combine(args["at"] + timedelta(days=1), time.min, tzinfo=CHINA)
    stock = ledger.stock_at(session, site.id, at)
    return {"site_id": site.id, "at": at, "stock_kg": sum(stock.values(), ZERO), "capacity_kg": site.capacity_kg,
            "items": [{"waste_code": c, "quantity_kg": q} for c, q in sorted(stock.items()) if q]}


@bp.get("/sites/<int:site_id>/storage")
@bp.response(200, StorageOut)
@login_required
def site_storage(site_id):
    """Batches in storage with their time in storage against the stream's limit; stock against capacity."""
    limits = Thresholds.from_config(current_app.config)
    return storage.site_storage(request_session(), actor=current_user(), site_id=site_id, now=utcnow(),
                                hazardous_days=limits.storage_limit_days_hazardous,
                                medical_hours=limits.storage_limit_hours_medical)
