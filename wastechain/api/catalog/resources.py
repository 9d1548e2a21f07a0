from sqlalchemy import or_, select

from wastechain.api.catalog.schemas import RegionArgs, RegionOut, WasteCodeArgs, WasteCodeOut
from wastechain.api.common import Blueprint, login_required, page_of, page_schema
from wastechain.db import request_session
from wastechain.models import Region, WasteCode

bp = Blueprint("catalog", __name__, description="行政区划与废物名录")


@bp.get("/regions")
@bp.arguments(RegionArgs, location="query")
@bp.response(200, page_schema(RegionOut))
@login_required
def list_regions(args):
    """Regions directly under a parent (provinces when no parent is given)."""
    parent = args["parent"]
    query = select(Region).where(Region.parent_code == parent if parent else Region.parent_code.is_(None))
    items = request_session().scalars(query.order_by(Region.code)).all()
    return {"items": items, "total": len(items)}


@bp.get("/waste-codes")
@bp.arguments(WasteCodeArgs, location="query")
@bp.response(200, page_schema(WasteCodeOut))
@login_required
def list_waste_codes(args):
    """Search the catalog by code or name, stream and category."""
    query = select(WasteCode)
    if args["q"]:
        like = f"%{args['q']}%"
        query = query.where(or_(WasteCode.code.like(like), WasteCode.name.like(like), WasteCode.category_name.like(like)))
    if args["stream"]:
        query = query.where(WasteCode.stream == args["stream"])
    if args["category"]:
        query = query.where(WasteCode.category == args["category"])
    return page_of(query.order_by(WasteCode.category, WasteCode.code), args)
