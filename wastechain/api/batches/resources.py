from wastechain.api.batches.schemas import BatchArgs, BatchIn, BatchOut
from wastechain.api.common import Blueprint, current_user, login_required, page_of, page_schema
from wastechain.db import request_session, utcnow
from wastechain.services import batches

bp = Blueprint("batches", __name__, description="废物批次（产生与贮存）")


@bp.post("/batches")
@bp.arguments(BatchIn)
@bp.response(201, BatchOut)
@login_required
def create_batch(body):
    """Register waste produced and put in storage (producer, collector)."""
    return batches.register_batch(request_session(), actor=current_user(), now=utcnow(), **body)


@bp.get("/batches")
@bp.arguments(BatchArgs, location="query")
@bp.response(200, page_schema(BatchOut))
@login_required
def list_batches(args):
    """The user's batches (a regulator: those stored in the jurisdiction)."""
    query = batches.list_batches(request_session(), actor=current_user(), status=args["status"], site_id=args["site_id"])
    return page_of(query, args)


@bp.get("/batches/<int:batch_id>")
@bp.response(200, BatchOut)
@login_required
def get_batch(batch_id):
    """One batch (owner, regulators)."""
    return batches.get_batch(request_session(), actor=current_user(), batch_id=batch_id)
