"""The driver's list: his transporter's manifests to pick up or deliver, for when a QR cannot be scanned."""
from flask import Blueprint, render_template
from sqlalchemy import or_

from wastechain.domain.states import STATUS_NAMES
from wastechain.models import Manifest
from wastechain.services import manifests
from wastechain.web.common import actor, db, roles_required, scan_path

bp = Blueprint("driver", __name__)


@bp.get("/driver")
@roles_required("driver")
def index():
    user = actor()
    query = (manifests.list_manifests(db(), actor=user)
             .where(Manifest.status.in_(("issued", "in_transit")),
                    or_(Manifest.driver_id.is_(None), Manifest.driver_id == user.id)).limit(100))
    rows = [(m, scan_path("manifest", m.id)) for m in db().scalars(query)]
    return render_template("driver/index.html", rows=rows, status_names=STATUS_NAMES)
