"""The producer's pages: its manifests with their QR and the one-time handover code, its batches and labels."""
from flask import Blueprint, Response, render_template, request

from wastechain.domain.states import STATUS_NAMES
from wastechain.services import batches, handover, labels, manifests, qr
from wastechain.web.common import actor, db, now, roles_required, scan_path, secret

bp = Blueprint("producer", __name__)
ISSUER_ROLES = ("producer", "collector")


@bp.get("/producer")
@roles_required(*ISSUER_ROLES)
def index():
    from wastechain.models import Manifest

    user = actor()
    own = manifests.list_manifests(db(), actor=user).where(Manifest.issuer_id == user.organization_id)
    return render_template("producer/index.html", manifests=db().scalars(own.limit(100)).all(),
                           batches=db().scalars(batches.list_batches(db(), actor=user).limit(200)).all(),
                           status_names=STATUS_NAMES)


@bp.get("/producer/manifests/<int:manifest_id>")
@roles_required(*ISSUER_ROLES)
def manifest(manifest_id):
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    return render_template("producer/manifest.html", manifest=found, issued=None, now=now(),
                           code=handover.code_state(db(), manifest_id=found.id), status_names=STATUS_NAMES,
                           scan_url=scan_path("manifest", found.id))


@bp.post("/producer/manifests/<int:manifest_id>/handover-code")
@roles_required(*ISSUER_ROLES)
def handover_code(manifest_id):
    """Shows a new one-time code once; only its hash is kept, so reloading means issuing another."""
    issued = handover.issue_code(db(), actor=actor(), manifest_id=manifest_id, secret=secret(), now=now())
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    response = Response(render_template("producer/manifest.html", manifest=found, issued=issued, now=now(),
                                        code=handover.code_state(db(), manifest_id=found.id),
                                        status_names=STATUS_NAMES, scan_url=scan_path("manifest", found.id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/manifests/<int:manifest_id>/qr.png")
@roles_required()
def manifest_qr(manifest_id):
    """The manifest's QR for a logged-in party (the API serves the same image to bearer tokens)."""
    from wastechain.services.qr import qr_url

    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    data = qr_url(_base_url(), secret(), "manifest", found.id)
    return Response(qr.qr_png(data, box_size=8), mimetype="image/png")


def _base_url() -> str:
    from flask import current_app

    return current_app.config["PUBLIC_BASE_URL"]


@bp.get("/batches/<int:batch_id>/label.<any(png, svg, pdf):fmt>")
@roles_required(*ISSUER_ROLES)
def label(batch_id, fmt):
    [batch] = labels.batches_for_labels(db(), actor=actor(), batch_ids=[batch_id])
    body, mimetype = labels.render(labels.label_content(batch, labels.batch_qr_url(_base_url(), secret(), batch)), fmt)
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'inline; filename="label-{batch.unit_code}.{fmt}"'})


@bp.get("/batches/labels.pdf")
@roles_required(*ISSUER_ROLES)
def labels_sheet():
    ids = labels.parse_batch_ids(request.args.getlist("ids"))
    found = labels.batches_for_labels(db(), actor=actor(), batch_ids=ids)
    pdf = labels.labels_sheet_pdf([labels.label_content(b, labels.batch_qr_url(_base_url(), secret(), b)) for b in found])
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": 'inline; filename="labels.pdf"'})


__all__ = ["bp"]
