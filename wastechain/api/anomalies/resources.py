from flask import current_app

from wastechain.api.anomalies.schemas import (AnomalyArgs, AnomalyDetailOut, AnomalyOut, NoteIn, NoteOut,
                                              ReconciliationIn, ReconciliationOut, StatusIn)
from wastechain.api.common import Blueprint, current_user, login_required, page_of, page_schema
from wastechain.db import request_session, utcnow
from wastechain.domain.anomalies import Thresholds
from wastechain.services import anomalies

bp = Blueprint("anomalies", __name__, description="每日对账与异常报告")


@bp.record_once
def _configure_runtime_checks(state):
    from wastechain.services.reconciliation import configure_runtime

    configure_runtime(Thresholds.from_config(state.app.config),
                      enabled=state.app.config.get("RUNTIME_ANOMALY_CHECKS", True))


@bp.post("/reconciliations")
@bp.arguments(ReconciliationIn)
@bp.response(201, ReconciliationOut)
@login_required
def run_reconciliation(body):
    """Reconcile one day (admins, regulators); idempotent — a rerun adds nothing and reports what changed."""
    summary = anomalies.reconcile_day(request_session(), actor=current_user(), day=body["date"], now=utcnow(),
                                      thresholds=Thresholds.from_config(current_app.config),
                                      secret=current_app.config["SECRET_KEY"])
    return summary.as_dict()


@bp.get("/anomalies")
@bp.arguments(AnomalyArgs, location="query")
@bp.response(200, page_schema(AnomalyOut))
@login_required
def list_anomalies(args):
    """Anomalies visible to the user: a regulator's jurisdiction, an enterprise's own."""
    filters = {k: args.get(k) for k in ("code", "region", "status", "severity", "date_from", "date_to")}
    query = anomalies.list_anomalies(current_user(), day=args.get("date"), **filters)
    return page_of(query, args)


@bp.get("/anomalies/<int:anomaly_id>")
@bp.response(200, AnomalyDetailOut)
@login_required
def get_anomaly(anomaly_id):
    """One anomaly with its evidence and history."""
    return anomalies.get_anomaly(request_session(), actor=current_user(), anomaly_id=anomaly_id)


@bp.patch("/anomalies/<int:anomaly_id>")
@bp.arguments(StatusIn)
@bp.response(200, AnomalyDetailOut)
@login_required
def change_status(body, anomaly_id):
    """A regulator acknowledges or resolves an anomaly with a note (kept in its history)."""
    return anomalies.change_status(request_session(), actor=current_user(), anomaly_id=anomaly_id, now=utcnow(),
                                   **body)


@bp.post("/anomalies/<int:anomaly_id>/notes")
@bp.arguments(NoteIn)
@bp.response(201, NoteOut)
@login_required
def add_note(body, anomaly_id):
    """The enterprise concerned explains (or a regulator comments); the status does not change."""
    return anomalies.add_note(request_session(), actor=current_user(), anomaly_id=anomaly_id, now=utcnow(), **body)
