from flask import Response

from wastechain.api.common import Blueprint, current_user, db, login_required, now, settings
from wastechain.api.ledger.schemas import LedgerArgs, LedgerOut, StockArgs, StockOut, StorageOut
from wastechain.services.storage import ledger, sites

bp = Blueprint("ledger", __name__, description="贮存与管理台账")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/sites/<int:site_id>/ledger")
@login_required
@bp.arguments(LedgerArgs, location="query")
@bp.response(200, LedgerOut)
@bp.alt_response(200, content_type="text/csv", description="format=csv")
@bp.alt_response(200, content_type=XLSX, description="format=xlsx")
def site_ledger(args, site_id):
    """The site's ledger (台账): opening, inflow, outflow, closing by waste code per day or month; JSON, CSV, XLSX."""
    data = ledger.site_ledger(db(), actor=current_user(), site_id=site_id, date_from=args["date_from"],
                              date_to=args["date_to"], period=args["period"])
    name = f"ledger-{site_id}-{args['date_from']}-{args['date_to']}"
    if args["format"] == "csv":
        return Response(ledger.ledger_csv(data), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if args["format"] == "xlsx":
        return Response(ledger.ledger_xlsx(data), mimetype=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return data


@bp.get("/sites/<int:site_id>/stock")
@login_required
@bp.arguments(StockArgs, location="query")
@bp.response(200, StockOut)
def site_stock(args, site_id):
    """Stock by waste code at a site at the end of a day (or now)."""
    return ledger.site_stock(db(), actor=current_user(), site_id=site_id, day=args["at"], now=now())


@bp.get("/sites/<int:site_id>/storage")
@login_required
@bp.response(200, StorageOut)
def site_storage(site_id):
    """Batches in storage with their time in storage against the stream's limit; stock against capacity."""
    return sites.site_storage(db(), actor=current_user(), site_id=site_id, now=now(),
                              thresholds=settings().thresholds)
