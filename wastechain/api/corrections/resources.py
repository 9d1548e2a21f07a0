from wastechain.api.common import Blueprint, current_user, db, login_required, now
from wastechain.api.corrections.schemas import AskIn, CorrectionIn, CorrectionOut, CorrectionsOut, DecisionIn
from wastechain.services.manifests import corrections

bp = Blueprint("corrections", __name__, description="联单修订：一方提出，受影响的各方确认后生效")


@bp.get("/manifests/<int:manifest_id>/corrections")
@login_required
@bp.response(200, CorrectionsOut)
def list_corrections(manifest_id):
    """The manifest's corrections and regulators' asks, oldest first, with each party's decision."""
    return {"items": corrections.corrections_of(db(), actor=current_user(), manifest_id=manifest_id)}


@bp.post("/manifests/<int:manifest_id>/corrections")
@login_required
@bp.arguments(CorrectionIn)
@bp.response(201, CorrectionOut)
def request_correction(body, manifest_id):
    """A party (issuer, carrier, receiver) files a correction of a picked-up manifest; it applies, as a 'correct'
    event, only when each other party it affects has approved."""
    return corrections.request_correction(db(), actor=current_user(), manifest_id=manifest_id, field=body["field"],
                                          value=body.get(body["field"]), reason=body["reason"],
                                          ask_id=body["ask_id"], now=now())


@bp.get("/corrections/<int:correction_id>")
@login_required
@bp.response(200, CorrectionOut)
def get_correction(correction_id):
    return corrections.get_correction(db(), actor=current_user(), correction_id=correction_id)


@bp.post("/corrections/<int:correction_id>/approve")
@login_required
@bp.arguments(DecisionIn)
@bp.response(200, CorrectionOut)
def approve_correction(body, correction_id):
    """A party the correction affects approves; the last approval applies it."""
    return corrections.decide_correction(db(), actor=current_user(), correction_id=correction_id, approve=True,
                                         reason=body["reason"], now=now())


@bp.post("/corrections/<int:correction_id>/refuse")
@login_required
@bp.arguments(DecisionIn)
@bp.response(200, CorrectionOut)
def refuse_correction(body, correction_id):
    """A party the correction affects refuses it, saying why; the manifest keeps its values."""
    return corrections.decide_correction(db(), actor=current_user(), correction_id=correction_id, approve=False,
                                         reason=body["reason"], now=now())


@bp.post("/manifests/<int:manifest_id>/correction-asks")
@login_required
@bp.arguments(AskIn)
@bp.response(201, CorrectionOut)
def ask_for_correction(body, manifest_id):
    """A regulator asks a party of the manifest to file a correction (it waits in that party's My tasks)."""
    return corrections.ask_for_correction(db(), actor=current_user(), manifest_id=manifest_id, party=body["party"],
                                          reason=body["reason"], now=now())
