"""The carrier's (运输单位) pages: the manifests assigned to it, paged and filtered, one manifest's timeline, and its
fleet (vehicles and drivers)."""
from flask import Blueprint, abort, render_template, request

from wastechain.domain.states import STATUS_NAMES, STEP_NAMES, ManifestStatus
from wastechain.domain.vocabulary import Role
from wastechain.services import manifests
from wastechain.services.accounts import company
from wastechain.web.plots import route_plot
from wastechain.web.common import actor, db, roles_required

bp = Blueprint("carrier", __name__, url_prefix="/carrier")

PER_PAGE = 30
STATUSES = tuple(s.value for s in ManifestStatus)


@bp.get("/")
@roles_required(Role.TRANSPORTER)
def index():
    """The manifests this carrier transports (a carrier sees only those), newest first."""
    status = request.args.get("status") or None
    if status and status not in STATUSES:
        abort(400)
    q = (request.args.get("q") or "").strip()[:20] or None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = manifests.list_manifests(db(), actor=actor(), status=status, q=q, page=page, per_page=PER_PAGE)
    return render_template("carrier/index.html", found=found, status_names=STATUS_NAMES, statuses=STATUSES,
                           filters={"status": status or "", "q": q or ""})


@bp.get("/manifests/<int:manifest_id>")
@roles_required(Role.TRANSPORTER)
def manifest(manifest_id: int):
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    track = route_plot(found, manifests.read_track(db(), actor=actor(), manifest_id=found.id))
    return render_template("carrier/manifest.html", manifest=found, status_names=STATUS_NAMES, step_names=STEP_NAMES,
                           track=track)


@bp.get("/fleet")
@roles_required(Role.TRANSPORTER)
def fleet():
    user = actor()
    return render_template("carrier/fleet.html", vehicles=company.list_vehicles(db(), actor=user).items,
                           drivers=company.list_drivers(db(), actor=user).items)
