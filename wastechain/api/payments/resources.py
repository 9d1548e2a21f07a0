from wastechain.api.common import Blueprint, PageArgs, current_user, login_required, page_of, page_schema
from wastechain.api.payments.schemas import DeclarationIn, DeclarationOut, PaymentArgs, PaymentIn, PaymentOut
from wastechain.db import request_session, utcnow
from wastechain.models import Declaration, Payment
from wastechain.services import anomalies

bp = Blueprint("payments", __name__, description="处置费付款与申报（资金流、年度申报与月报）")


@bp.post("/payments")
@bp.arguments(PaymentIn)
@bp.response(201, PaymentOut)
@login_required
def record_payment(body):
    """The issuer records a fee paid for a manifest (资金直付: to the receiver)."""
    return anomalies.record_payment(request_session(), actor=current_user(), now=utcnow(), **body)


@bp.get("/payments")
@bp.arguments(PaymentArgs, location="query")
@bp.response(200, page_schema(PaymentOut))
@login_required
def list_payments(args):
    """Payments the user may see (payer, payee, regulators of either end)."""
    query = anomalies.visible_payments(current_user())
    if args.get("manifest_id"):
        query = query.where(Payment.manifest_id == args["manifest_id"])
    return page_of(query.order_by(Payment.id.desc()), args)


@bp.post("/declarations")
@bp.arguments(DeclarationIn)
@bp.response(201, DeclarationOut)
@login_required
def submit_declaration(body):
    """An annual declaration (period YYYY) or a monthly report (YYYY-MM) of the user's organization."""
    return anomalies.submit_declaration(request_session(), actor=current_user(), now=utcnow(), **body)


@bp.get("/declarations")
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_schema(DeclarationOut))
@login_required
def list_declarations(args):
    """Declarations of the user's organization, or in a regulator's jurisdiction."""
    return page_of(anomalies.visible_declarations(current_user()).order_by(Declaration.id.desc()), args)
