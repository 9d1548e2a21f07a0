from wastechain.api.approvals.schemas import ApprovalIn, ApprovalOut
from wastechain.api.common import Blueprint, PageArgs, current_user, db, listed, login_required, page_schema, paging
from wastechain.services.accounts import directory, parties

bp = Blueprint("approvals", __name__, description="跨区域转移审批")


@bp.post("/approvals")
@login_required
@bp.arguments(ApprovalIn)
@bp.response(201, ApprovalOut)
def create_approval(body):
    """Grant an exception to the jurisdiction rule (regulator of the producer's region)."""
    return parties.grant_approval(db(), actor=current_user(), **body)


@bp.get("/approvals")
@login_required
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_schema(ApprovalOut))
def list_approvals(args):
    """Approvals granted to the user's organization, or in a regulator's jurisdiction."""
    return listed(directory.list_approvals(db(), actor=current_user(), **paging(args)))
