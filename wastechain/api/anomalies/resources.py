from wastechain.api.anomalies.schemas import (AnomalyArgs, AnomalyDetailOut, AnomalyOut, AssignmentIn, NoteIn,
                                              NoteOut, ReconciliationIn, ReconciliationOut, StatusIn)
from wastechain.api.common import Blueprint, current_user, db, listed, login_required, now, page_schema, paging, settings
from wastechain.services import reconciliation
from wastechain.services.anomalies import lifecycle

bp = Blueprint("anomalies", __name__, description="每日对账与异常报告")
FILTERS = ("code", "region", "status", "severity", "date_from", "date_to", "assignee_id")


@bp.post("/reconciliations")
@login_required
@bp.arguments(ReconciliationIn)
@bp.response(201, ReconciliationOut)
def run_reconciliation(body):
    """Reconcile one day (admins, regulators); idempotent — a rerun adds nothing and reports what changed."""
    summary = reconciliation.reconcile_day(db(), actor=current_user(), day=body["date"], now=now(),
                                           thresholds=settings().thresholds, secret=settings().secret_key,
                                           credit_rules=settings().credit_rules)
    return summary.as_dict()


@bp.get("/anomalies")
@login_required
@bp.arguments(AnomalyArgs, location="query")
@bp.response(200, page_schema(AnomalyOut))
def list_anomalies(args):
    """Anomalies visible to the user: a regulator's jurisdiction, an enterprise's own."""
    filters = {k: args.get(k) for k in FILTERS}
    return listed(lifecycle.list_anomalies(db(), actor=current_user(), day=args.get("date"), **filters,
                                           **paging(args)))


@bp.get("/anomalies/<int:anomaly_id>")
@login_required
@bp.response(200, AnomalyDetailOut)
def get_anomaly(anomaly_id):
    """One anomaly with its evidence and history."""
    return lifecycle.get_anomaly(db(), actor=current_user(), anomaly_id=anomaly_id)


@bp.patch("/anomalies/<int:anomaly_id>")
@login_required
@bp.arguments(StatusIn)
@bp.response(200, AnomalyDetailOut)
def change_status(body, anomaly_id):
    """A regulator acknowledges or resolves an anomaly with a note (kept in its history)."""
    return lifecycle.change_status(db(), actor=current_user(), anomaly_id=anomaly_id, now=now(), **body)


@bp.post("/anomalies/<int:anomaly_id>/assignment")
@login_required
@bp.arguments(AssignmentIn)
@bp.response(200, AnomalyDetailOut)
def assign(body, anomaly_id):
    """A regulator of the jurisdiction gives the anomaly to a named officer who can act on it (null: nobody)."""
    return lifecycle.assign(db(), actor=current_user(), anomaly_id=anomaly_id, now=now(), **body)


@bp.post("/anomalies/<int:anomaly_id>/notes")
@login_required
@bp.arguments(NoteIn)
@bp.response(201, NoteOut)
def add_note(body, anomaly_id):
    """The enterprise concerned explains (or a regulator comments); the status does not change."""
    return lifecycle.add_note(db(), actor=current_user(), anomaly_id=anomaly_id, now=now(), **body)
