"""The driver's list: his transporter's manifests to pick up or deliver, for when a QR cannot be scanned."""
from flask import Blueprint, render_template

from wastechain.domain.states import STATUS_NAMES
from wastechain.domain.vocabulary import Role
from wastechain.services import manifests
from wastechain.web.common import actor, db, roles_required, scan_path

bp = Blueprint("driver", __name__)


@bp.get("/driver")
@roles_required(Role.DRIVER)
def index():
    rows = [(m, scan_path("manifest", m.id)) for m in manifests.driver_queue(db(), actor=actor())]
    return render_template("driver/index.html", rows=rows, status_names=STATUS_NAMES)
