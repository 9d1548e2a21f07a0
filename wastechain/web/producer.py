"""The producer's pages: its manifests with their QR and the one-time handover code, its batches and labels."""
from flask import Blueprint, Response, render_template, request

from wastechain import throttle
from wastechain.domain.states import STATUS_NAMES
from wastechain.domain.vocabulary import ISSUER_ROLES
from wastechain.services import manifests
from wastechain.services.manifests import handover
from wastechain.services.rendering import labels, qr
from wastechain.services.storage import batches
from wastechain.web.common import actor, db, now, roles_required, scan_path, secret, settings

bp = Blueprint("producer", __name__)


@bp.get("/producer")
@roles_required(*ISSUER_ROLES)
def index():
    user = actor()
    issued = manifests.issued_by_own_organization(db(), actor=user).items
    return render_template("producer/index.html", manifests=issued,
                           awaiting_pickup={m.id for m in issued if handover.can_issue_code(user, m)},
                           batches=batches.list_batches(db(), actor=user, per_page=200).items,
                           status_names=STATUS_NAMES)


def _manifest_page(manifest_id: int, issued=None) -> str:
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    return render_template("producer/manifest.html", manifest=found, issued=issued, now=now(),
                           code=handover.code_state(db(), manifest_id=found.id), status_names=STATUS_NAMES,
                           can_issue_code=handover.can_issue_code(actor(), found),
                           scan_url=scan_path("manifest", found.id))


@bp.get("/producer/manifests/<int:manifest_id>")
@roles_required(*ISSUER_ROLES)
def manifest(manifest_id):
    return _manifest_page(manifest_id)


@bp.post("/producer/manifests/<int:manifest_id>/handover-code")
@roles_required(*ISSUER_ROLES)
def handover_code(manifest_id):
    """Shows a new one-time code once; only its hash is kept, so reloading means issuing another."""
    throttle.code_issue(actor().username)
    issued = handover.issue_code(db(), actor=actor(), manifest_id=manifest_id, secret=secret(), now=now())
    response = Response(_manifest_page(manifest_id, issued=issued))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/manifests/<int:manifest_id>/qr.png")
@roles_required()
def manifest_qr(manifest_id):
    """The manifest's QR for a logged-in party (the API serves the same image to bearer tokens)."""
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    data = qr.qr_url(settings().public_base_url, secret(), "manifest", found.id)
    return Response(qr.qr_png(data, box_size=8), mimetype="image/png")


@bp.get("/batches/<int:batch_id>/label.<any(png, svg, pdf):fmt>")
@roles_required(*ISSUER_ROLES)
def label(batch_id, fmt):
    body, mimetype, filename = labels.batch_label(db(), actor=actor(), batch_id=batch_id, fmt=fmt,
                                                  base_url=settings().public_base_url, secret=secret())
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/batches/labels.pdf")
@roles_required(*ISSUER_ROLES)
def labels_sheet():
    pdf = labels.label_sheet(db(), actor=actor(), batch_ids=labels.parse_batch_ids(request.args.getlist("ids")),
                             base_url=settings().public_base_url, secret=secret())
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": 'inline; filename="labels.pdf"'})
