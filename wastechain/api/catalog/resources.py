from wastechain.api.catalog.schemas import RegionArgs, RegionOut, WasteCodeArgs, WasteCodeOut
from wastechain.api.common import Blueprint, db, listed, login_required, page_schema, paging
from wastechain.services import catalog

bp = Blueprint("catalog", __name__, description="行政区划与废物名录")


@bp.get("/regions")
@login_required
@bp.arguments(RegionArgs, location="query")
@bp.response(200, page_schema(RegionOut))
def list_regions(args):
    """Regions directly under a parent (provinces when no parent is given)."""
    return listed(catalog.list_regions(db(), parent=args["parent"]))


@bp.get("/waste-codes")
@login_required
@bp.arguments(WasteCodeArgs, location="query")
@bp.response(200, page_schema(WasteCodeOut))
def list_waste_codes(args):
    """Search the catalog by code or name, stream and category."""
    return listed(catalog.search_waste_codes(db(), q=args["q"], stream=args["stream"], category=args["category"],
                                             on=args["on"], **paging(args)))
