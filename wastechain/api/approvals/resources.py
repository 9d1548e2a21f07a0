from wastechain.api.approvals.schemas import ApprovalArgs, ApprovalDetailOut, ApprovalIn, ApprovalOut, RevokeIn
from wastechain.api.common import Blueprint, current_user, db, listed, login_required, now, page_schema, paging
from wastechain.domain.timeutil import local_date
from wastechain.services.accounts import approvals

bp = Blueprint("approvals", __name__, description="跨区域转移审批")


@bp.post("/approvals")
@login_required
@bp.arguments(ApprovalIn)
@bp.response(201, ApprovalOut)
def create_approval(body):
    """Grant an exception to the jurisdiction rule (regulator of the producer's region), for at most
    APPROVAL_MAX_VALIDITY_DAYS (default 365) days."""
    return approvals.grant_approval(db(), actor=current_user(), **body)


@bp.get("/approvals")
@login_required
@bp.arguments(ApprovalArgs, location="query")
@bp.response(200, page_schema(ApprovalOut))
def list_approvals(args):
    """Approvals granted to the user's organization, or in a regulator's jurisdiction; by state and producer."""
    return listed(approvals.list_approvals(db(), actor=current_user(), state=args.get("state"), q=args.get("q"),
                                           today=local_date(now()), **paging(args)))


@bp.get("/approvals/<int:approval_id>")
@login_required
@bp.response(200, ApprovalDetailOut)
def get_approval(approval_id: int):
    """One approval with its quantity used and the manifests issued under it."""
    user = current_user()
    return approvals.with_manifests(db(), actor=user, approval=approvals.get_approval(db(), actor=user,
                                                                                         approval_id=approval_id))


@bp.post("/approvals/<int:approval_id>/revoke")
@login_required
@bp.arguments(RevokeIn)
@bp.response(200, ApprovalDetailOut)
def revoke_approval(body, approval_id: int):
    """Revoke with a reason (a regulator of the granting jurisdiction): no further manifest may use it."""
    user = current_user()
    approval = approvals.revoke_approval(db(), actor=user, approval_id=approval_id, reason=body["reason"], now=now())
    return approvals.with_manifests(db(), actor=user, approval=approval)
