from wastechain.api.common import Blueprint, current_user, db, login_required, now
from wastechain.api.containers.schemas import (ContainerIn, ContainerManifestIn, ContainerOut, ContainerReceiveIn,
                                               ContentIn)
from wastechain.api.manifests.schemas import ManifestOut, StepEventOut
from wastechain.services.storage import containers

bp = Blueprint("containers", __name__, description="容器（小箱进大箱）")


@bp.post("/containers")
@login_required
@bp.arguments(ContainerIn)
@bp.response(201, ContainerOut)
def create(body):
    """Register an empty container (box, drum, bag…) at one of the user's sites."""
    container = containers.create_container(db(), actor=current_user(), now=now(), **body)
    return containers.describe(db(), actor=current_user(), container_id=container.id)


@bp.get("/containers/<int:container_id>")
@login_required
@bp.response(200, ContainerOut)
def get(container_id):
    """A container with its nested containers, total weight and the batches it holds."""
    return containers.describe(db(), actor=current_user(), container_id=container_id)


@bp.post("/containers/<int:container_id>/contents")
@login_required
@bp.arguments(ContentIn)
@bp.response(200, ContainerOut)
def put_into(body, container_id):
    """Put a small container into this one (小箱进大箱), or a quantity of a batch."""
    containers.put_into(db(), actor=current_user(), container_id=container_id, **body)
    return containers.describe(db(), actor=current_user(), container_id=container_id)


@bp.post("/containers/manifests")
@login_required
@bp.arguments(ContainerManifestIn)
@bp.response(201, ManifestOut)
def issue(body):
    """Issue a manifest for whole containers: everything nested inside becomes its lines (same rules)."""
    return containers.issue_for_containers(db(), actor=current_user(), now=now(), **body)


@bp.post("/containers/<int:container_id>/receive")
@login_required
@bp.arguments(ContainerReceiveIn)
@bp.response(201, StepEventOut)
@bp.alt_response(200, schema=StepEventOut, description="the same idempotency key again: the first event")
def receive(body, container_id):
    """Receive the manifest a container travels on by scanning the outer container (the receiver)."""
    result = containers.receive_container(db(), actor=current_user(), container_id=container_id, now=now(), **body)
    return result.event, 201 if result.created else 200
