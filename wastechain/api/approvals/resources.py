from sqlalchemy import select

from wastechain.api.approvals.schemas import ApprovalOut, ApprovalIn
from wastechain.api.common import Blueprint, PageArgs, current_user, login_required, page_of, page_schema
from wastechain.db import request_session
from wastechain.models import Approval, Organization
from wastechain.services import access, parties

bp = Blueprint("approvals", __name__, description="跨区域转移审批")


@bp.post("/approvals")
@bp.arguments(ApprovalIn)
@bp.response(201, ApprovalOut)
@login_required
def create_approval(body):
    """Grant an exception to the jurisdiction rule (regulator of the producer's region)."""
    return parties.grant_approval(request_session(), actor=current_user(), **body)


@bp.get("/approvals")
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_schema(ApprovalOut))
@login_required
def list_approvals(args):
    """Approvals granted to the user's organization, or in a regulator's jurisdiction."""
    actor = current_user()
    query = select(Approval).join(Organization, Organization.id == Approval.producer_id)
    if access.is_regulator(actor):
        query = query.where(access.jurisdiction_clause(Organization.region_code, actor))
    elif not access.is_admin(actor):
        query = query.where(Approval.producer_id == (actor.organization_id or -1))
    return page_of(query.order_by(Approval.id.desc()), args)
