from wastechain.api.common import (Blueprint, PageArgs, current_user, db, listed, login_required, now, page_schema,
                                   paging, settings)
from wastechain.api.payments.schemas import (DeclarationFormArgs, DeclarationFormsOut, DeclarationIn, DeclarationOut,
                                             PaymentArgs, PaymentIn, PaymentOut)
from wastechain.services.anomalies import declarations, payments

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
                                         unconfirmed=args.get("unconfirmed", False), **paging(args)))


@bp.post("/payments/<int:payment_id>/confirm")
@login_required
@bp.response(200, PaymentOut)
def confirm_payment(payment_id):
    """The payee (the receiver) confirms it received the payment the payer recorded (two-sided 资金直付)."""
    return payments.confirm_payment(db(), actor=current_user(), payment_id=payment_id, now=now())


@bp.post("/declarations")
@login_required
@bp.arguments(DeclarationIn)
@bp.response(201, DeclarationOut)
def submit_declaration(body):
    """An annual declaration (period YYYY) or a monthly report (YYYY-MM) of the user's organization."""
    return payments.submit_declaration(db(), actor=current_user(), now=now(), **body)


@bp.get("/declarations/forms")
@login_required
@bp.arguments(DeclarationFormArgs, location="query")
@bp.response(200, DeclarationFormsOut)
def declaration_forms(args):
    """The annual and monthly declarations prefilled from the ledger, with the HJ 1259 tier and the due dates."""
    return declarations.declaration_forms(db(), actor=current_user(), now=now(), thresholds=settings().thresholds,
                                          year=args.get("year"), month=args.get("month"))


@bp.get("/declarations")
@login_required
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_schema(DeclarationOut))
def list_declarations(args):
    """Declarations of the user's organization, or in a regulator's jurisdiction."""
    return listed(payments.list_declarations(db(), actor=current_user(), **paging(args)))
