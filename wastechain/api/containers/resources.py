from wastechain.api.common import Blueprint, current_user, login_required
from wastechain.api.containers.schemas import (ContainerIn, ContainerManifestIn, ContainerOut, ContainerReceiveIn,
                                               ContentIn)
from wastechain.api.manifests.schemas import ManifestOut, StepEventOut
from wastechain.db import request_session, utcnow
from wastechain.services import containers

bp = Blueprint("containers", __name__, description="容器（小箱进大箱）")


@bp.post("/containers")
@bp.arguments(ContainerIn)
@bp.response(201, ContainerOut)
@login_required
def create(body):
    """Register an empty container (box, drum, bag…) at one of the user's sites."""
    session = request_session()
    container = containers.create_container(session, actor=current_user(), now=utcnow(), **body)
    return containers.describe(session, actor=current_user(), container_id=container.id)


@bp.get("/containers/<int:container_id>")
@bp.response(200, ContainerOut)
@login_required
def get(container_id):
    """A container with its nested containers, total weight and the batches it holds."""
    return containers.describe(request_session(), actor=current_user(), container_id=container_id)


@bp.post("/containers/<int:container_id>/contents")
@bp.arguments(ContentIn)
@bp.response(200, ContainerOut)
@login_required
def put_into(body, container_id):
    """Put a small container into this one (小箱进大箱), or a quantity of a batch."""
    session = request_session()
    containers.put_into(session, actor=current_user(), container_id=container_id, **body)
    return containers.describe(session, actor=current_user(), container_id=container_id)


@bp.post("/containers/manifests")
@bp.arguments(ContainerManifestIn)
@bp.response(201, ManifestOut)
@login_required
def issue(body):
    """Issue a manifest for whole containers: everything nested inside becomes its lines (same rules)."""
    return containers.issue_for_containers(request_session(), actor=current_user(), now=utcnow(), **body)


@bp.post("/containers/<int:container_id>/receive")
@bp.arguments(ContainerReceiveIn)
@bp.response(201, StepEventOut)
@bp.alt_response(200, schema=StepEventOut, description="the same idempotency key again: the first event")
@login_required
def receive(body, container_id):
    """Receive the manifest a container travels on by scanning the outer container (the receiver)."""
    result = containers.receive_container(request_session(), actor=current_user(), container_id=container_id,
                                          now=utcnow(), **body)
    return result.event, 201 if result.created else 200
