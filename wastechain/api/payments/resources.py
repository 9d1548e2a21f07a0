from wastechain.api.common import Blueprint, PageArgs, current_user, db, listed, login_required, now, page_schema, paging
from wastechain.api.payments.schemas import DeclarationIn, DeclarationOut, PaymentArgs, PaymentIn, PaymentOut
from wastechain.services.anomalies import payments

bp = Blueprint("payments", __name__, description="处置费付款与申报（资金流、年度申报与月报）")


@bp.post("/payments")
@login_required
@bp.arguments(PaymentIn)
@bp.response(201, PaymentOut)
def record_payment(body):
    """The issuer records a fee paid for a manifest (资金直付: to the receiver)."""
    return payments.record_payment(db(), actor=current_user(), now=now(), **body)


@bp.get("/payments")
@login_required
@bp.arguments(PaymentArgs, location="query")
@bp.response(200, page_schema(PaymentOut))
def list_payments(args):
    """Payments the user may see (payer, payee, regulators of either end)."""
    return listed(payments.list_payments(db(), actor=current_user(), manifest_id=args.get("manifest_id"),
                                         **paging(args)))


@bp.post("/declarations")
@login_required
@bp.arguments(DeclarationIn)
@bp.response(201, DeclarationOut)
def submit_declaration(body):
    """An annual declaration (period YYYY) or a monthly report (YYYY-MM) of the user's organization."""
    return payments.submit_declaration(db(), actor=current_user(), now=now(), **body)


@bp.get("/declarations")
@login_required
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_schema(DeclarationOut))
def list_declarations(args):
    """Declarations of the user's organization, or in a regulator's jurisdiction."""
    return listed(payments.list_declarations(db(), actor=current_user(), **paging(args)))
